"""Shapley and Owen values against shap's Partition explainer: time, and agreement with exact
Shapley values.

    python benchmarks/shapley_vs_shap.py [--n 20] [--samples 64] [--max-words 12] [--device cpu]

On the MiniLM demo model and the first ``n`` SST-2 dev sentences, the explained output being the
predicted class's logit and a removed word's tokens becoming [MASK]: ``shapley`` and ``owen``
(``samples`` orders each, words as players, Owen over the sentence's span tree), and shap's
Partition explainer (``shap.maskers.Text`` with the model's tokenizer and [MASK], its default
``max_evals=500``; its token values summed per word). For every sentence of at most
``max_words`` words, the exact word-level Shapley values are computed by evaluating all 2^n
coalitions, and each method's Spearman correlation with them is reported. Prints the median
seconds per sentence, the time ratios (measured side by side in one run) and the median
correlations. Needs shap (``pip install shap``; a benchmark-only dependency).
"""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import statistics
import time

import numpy as np
import shap
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.metrics.statistics import spearman


def coalition_logits(explainer, text: str, target: int, coalitions: np.ndarray) -> np.ndarray:
    """The target logit with the words outside each coalition (rows of a (R, W) bool matrix)
    masked, from the model's own tokenizer and forward pass, in batches of 64."""
    adapter = explainer.adapter
    encoded = adapter.encode(text)
    word_index = np.asarray(encoded.word_index)
    ids = encoded.input_ids[0]
    values = []
    for start in range(0, len(coalitions), 64):
        rows = []
        for coalition in coalitions[start : start + 64]:
            masked = ~coalition[np.maximum(word_index, 0)] & (word_index >= 0)
            rows.append(torch.where(torch.as_tensor(masked), adapter.mask_id, ids))
        batch = torch.stack(rows).to(adapter.device)
        with torch.no_grad(), adapter.inference():
            logits = adapter.model(input_ids=batch, attention_mask=torch.ones_like(batch)).logits
        values.append(logits[:, target].double().cpu().numpy())
    return np.concatenate(values)


def exact_shapley(explainer, text: str, target: int, n: int) -> np.ndarray:
    coalitions = np.array(list(itertools.product([False, True], repeat=n)))
    value = dict(zip(map(bytes, coalitions), coalition_logits(explainer, text, target, coalitions)))
    phi = np.zeros(n)
    for coalition in coalitions:
        size = int(coalition.sum())
        for i in np.flatnonzero(~coalition):
            with_i = coalition.copy()
            with_i[i] = True
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            phi[i] += weight * (value[bytes(with_i)] - value[bytes(coalition)])
    return phi


def shap_partition(explainer, text: str, target: int) -> np.ndarray:
    """shap's Partition explainer over the tokenizer's tokens, summed per word."""
    adapter = explainer.adapter
    tokenizer = adapter.tokenizer

    def f(texts):
        enc = tokenizer(list(texts), padding=True, return_tensors="pt").to(adapter.device)
        with torch.no_grad(), adapter.inference():
            return adapter.model(**enc).logits[:, target].double().cpu().numpy()

    masker = shap.maskers.Text(tokenizer, mask_token=tokenizer.mask_token)
    values = shap.Explainer(f, masker, algorithm="partition")([text], silent=True).values[0]
    encoded = adapter.encode(text)
    words = np.asarray(encoded.word_index)  # shap's tokens are the tokenizer's, specials too
    if len(values) != len(words):
        raise RuntimeError(f"shap gave {len(values)} values for {len(words)} tokens: {text!r}")
    real = words >= 0
    return np.bincount(words[real], weights=values[real], minlength=len(encoded.words))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--max-words", type=int, default=12)
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    explainer = Explainer.demo("minilm-sst2", device=args.device)
    texts = load_sst2("dev").texts[: args.n]
    params = {"samples": args.samples, "removal": "mask"}
    times = {"shapley": [], "owen": [], "shap partition": []}
    agreement = {name: [] for name in times}
    for text in texts:
        e = explainer.explain(text, methods=["leave_one_out"])
        scores = {}
        for name in ("shapley", "owen"):
            start = time.perf_counter()
            scores[name] = explainer.explain(text, methods={name: params}).scores(name)
            times[name].append(time.perf_counter() - start)
        start = time.perf_counter()
        scores["shap partition"] = shap_partition(explainer, text, e.target)
        times["shap partition"].append(time.perf_counter() - start)
        if len(e.words) <= args.max_words:
            exact = exact_shapley(explainer, text, e.target, len(e.words))
            for name, values in scores.items():
                agreement[name].append(spearman(values, exact))
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, shap {shap.__version__}"
    )
    print(
        f"{len(texts)} SST-2 dev sentences on minilm-sst2, {args.samples} orders for shapley and "
        f"owen; exact Shapley on the {len(agreement['owen'])} of at most {args.max_words} words"
    )
    print("| method | median s/sentence | × owen's time | median Spearman ρ with exact Shapley |")
    print("|---|---:|---:|---:|")
    owen = statistics.median(times["owen"])
    for name in times:
        median = statistics.median(times[name])
        rho = statistics.median(agreement[name]) if agreement[name] else float("nan")
        print(f"| {name} | {median:.2f} | {median / owen:.1f} | {rho:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
