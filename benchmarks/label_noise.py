"""Finding flipped training labels in a model trained on them (Koh & Liang 2017, §5.4; Pruthi et
al. 2020, §4.1):

    python benchmarks/label_noise.py [--model gru-sst2] [--flip 0.05] [--seeds 0 1 2]

For each seed, the demo model is trained on SST-2's 6,920 training sentences with a share
``--flip`` of their labels flipped (``load_demo(..., label_noise=, noise_seed=)``; the best epoch
is picked on the clean dev set). The whole noisy training set is indexed, and its examples are
ranked, most suspect first, by:

- ``tracin``: TracIn self-influence over the demo's saved head checkpoints;
- ``influence_function``: the influence function's self-influence (exact inverse Hessian);
- ``loss``: the example's training loss under its (noisy) label;
- ``knn``: the share of its 10 nearest training neighbours labelled otherwise;
- ``errors``: ``label_suspects(run)``, the examples most often among the top 10 opponents of
  the gold label of a misclassified dev sentence (the whole dev set is explained);
- ``random``: a uniformly random order (its expected precision is the flip rate).

Printed: precision at the top 1 %, 5 % and 10 % of the training set (the share of flipped labels
found there) for each ranking and seed, then the median over seeds, and how many flipped labels
the trained model fits (predicts as flipped), which is what makes them hard to find.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.demo import flip_labels
from notebook_explain.influence.self_influence import RANKINGS

SHARES = (0.01, 0.05, 0.10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gru-sst2")
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    train, dev = load_sst2("train"), load_sst2("dev")
    names = [*RANKINGS, "errors", "random"]
    found: dict[str, dict[float, list[float]]] = {n: {s: [] for s in SHARES} for n in names}
    print(
        f"# label_noise: {args.model} trained on SST-2's {len(train.texts)} training sentences "
        f"with {args.flip:.0%} of the labels flipped; precision = share of flipped labels among "
        "the top of each ranking"
    )
    for seed in args.seeds:
        start = time.perf_counter()
        ex = Explainer.demo(args.model, label_noise=args.flip, noise_seed=seed, progress=False)
        noisy, flipped = flip_labels(train, args.flip, seed)
        assert flipped == ex.info["flipped_rows"], "the flips differ from the training run's"
        ex.index(noisy.texts, noisy.labels.tolist(), progress=False)
        rankings = {
            name: list(ex.label_suspects(method=name, progress=False).rows) for name in RANKINGS
        }
        run = ex.explain_dataset(dev.texts, dev.labels, methods=["saliency_l2"], progress=False)
        errors = ex.label_suspects(run, k=10, progress=False)
        rankings["errors"] = list(errors.rows)
        rankings["random"] = np.random.default_rng(seed).permutation(len(train.texts)).tolist()
        fitted = sum(
            int(np.argmax(ex.predict(noisy.texts[row]))) == noisy.labels[row] for row in flipped
        )
        print(
            f"\nseed {seed}: {len(flipped)} flipped; the model fits {fitted} of them; dev accuracy "
            f"{run.accuracy():.3f} ({errors.examined} errors behind the 'errors' ranking); "
            f"{time.perf_counter() - start:.0f} s"
        )
        print("| ranking | " + " | ".join(f"top {s:.0%}" for s in SHARES) + " |")
        print("|---|" + "---|" * len(SHARES))
        is_flipped = set(flipped)
        for name in names:
            row = []
            for share in SHARES:
                n = round(share * len(train.texts))
                # a ranking shorter than n (errors ranks only the examples it counted) scores
                # its misses as unflipped
                precision = len(is_flipped & set(rankings[name][:n])) / n
                found[name][share].append(precision)
                row.append(f"{precision:.3f}")
            print(f"| {name} | " + " | ".join(row) + " |")
    print(f"\nmedian over seeds {args.seeds} (random's expectation: {args.flip:.3f})")
    print("| ranking | " + " | ".join(f"top {s:.0%}" for s in SHARES) + " |")
    print("|---|" + "---|" * len(SHARES))
    for name in names:
        cells = [f"{statistics.median(found[name][s]):.3f}" for s in SHARES]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
