"""Cost and accuracy of input marginalization (Kim et al. 2020) on the demo models.

    python benchmarks/marginalization.py [--n 10] [--reference 3] [--batch-size 64]

Each run explains the first ``--n`` SST-2 dev sentences with one (model, likelihood, σ, cap) and prints
the average number of candidates per token, the classifier rows and batched passes and the
likelihood-model passes per sentence and per token, and the time per sentence. It then explains
the ``--reference`` shortest of those sentences again with a reference σ and prints the Pearson
correlation of the token scores with an uncapped reference (the paper's Table 3 compares σ = 1e-5
with full marginalisation, σ = 0). The cap is ``max_candidates`` (the method's default is 200; 0
is the paper's pure σ truncation). Full marginalisation is affordable on the GRU; on MiniLM it
means 30,517 transformer rows per token, and even σ = 1e-5 keeps thousands of candidates per token
with the demo MLM head, so MiniLM's reference is uncapped σ = 1e-5 on the shortest sentences.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2

RUNS = [  # (demo model, likelihood, [(sigma, cap), ...], uncapped reference sigma)
    ("minilm-sst2", "mlm", [(1e-3, 0), (1e-5, 200)], 1e-5),
    ("gru-sst2", "mlm", [(1e-5, 0), (1e-5, 200)], 0.0),
    ("gru-sst2", "unigram", [(1e-5, 0), (1e-5, 200)], 0.0),
]


def marginalize(explainer, texts, likelihood, sigma, cap=0):
    """Each text's marginalization result and seconds."""
    out = []
    params = {"likelihood": likelihood, "sigma": sigma, "max_candidates": cap}
    for text in texts:
        start = time.perf_counter()
        explanation = explainer.explain(text, methods={"marginalization": params})
        out.append((explanation.result("marginalization"), time.perf_counter() - start))
    return out


def summary(results) -> str:
    infos = [r.info for r, _ in results]
    tokens = sum(len(i["candidates"]) for i in infos)
    per_sentence = {
        k: np.mean([i[k] for i in infos])
        for k in ("classifier_rows", "classifier_passes", "likelihood_passes")
    }
    passes = per_sentence["classifier_passes"] + per_sentence["likelihood_passes"]
    per_token = tokens / len(infos)
    return (
        f"{sum(sum(i['candidates']) for i in infos) / tokens:.1f} candidates per token; per "
        f"sentence ({per_token:.1f} tokens): {per_sentence['classifier_rows']:.0f} classifier "
        f"rows in {per_sentence['classifier_passes']:.1f} passes + "
        f"{per_sentence['likelihood_passes']:.1f} likelihood passes = {passes / per_token:.2f} "
        f"passes per token; {np.mean([s for _, s in results]):.2f} s per sentence"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--reference", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    texts = load_sst2("dev").texts[: args.n]
    shortest = sorted(texts, key=lambda t: len(t.split()))[: args.reference]
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {len(texts)} SST-2 dev sentences, "
        f"batch size {args.batch_size}"
    )
    explainers = {}
    for name, likelihood, settings, reference in RUNS:
        if name not in explainers:
            explainers[name] = Explainer.demo(name, batch_size=args.batch_size)
        explainer = explainers[name]
        marginalize(explainer, texts[:1], likelihood, 1e-3)  # builds the likelihood model
        exact = marginalize(explainer, shortest, likelihood, reference)
        print(f"\n{name} / {exact[0][0].info['likelihood_model']}")
        print(f"  sigma {reference:g}, no cap, on the {len(shortest)} shortest: {summary(exact)}")
        for sigma, cap in settings:
            results = marginalize(explainer, texts, likelihood, sigma, cap)
            capped = sum(r.info["units_capped"] for r, _ in results)
            print(
                f"  sigma {sigma:g}, cap {cap or 'none'}: {summary(results)}; {capped} tokens capped"
            )
            ours = marginalize(explainer, shortest, likelihood, sigma, cap)
            pearson = np.corrcoef(
                np.concatenate([r.scores for r, _ in ours]),
                np.concatenate([r.scores for r, _ in exact]),
            )[0, 1]
            print(f"    Pearson with the reference on the {len(shortest)} shortest: {pearson:.5f}")


if __name__ == "__main__":
    main()
