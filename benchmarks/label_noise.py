"""Finding flipped training labels from a dataset's errors (``Explainer.label_suspects``):

    python benchmarks/label_noise.py [--model gru-sst2] [--train 2000] [--flip 0.05] [--k 10]

The first ``--train`` SST-2 training sentences are indexed with a share ``--flip`` of their
labels flipped (a fixed random choice); the whole SST-2 dev set is explained with labels, and
the training examples that most often oppose the gold label of a misclassified dev sentence are
ranked. Printed: precision at k (the share of flipped labels among the top 1 % of the training
set, and among the top 5 %), against a random ranking (the flip rate) and against ranking by the
training example's own loss under its (possibly flipped) label, the usual baseline.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gru-sst2")
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    ex = Explainer.demo(args.model, progress=False)
    train = load_sst2("train")
    texts, labels = train.texts[: args.train], np.array(train.labels[: args.train])
    rng = np.random.default_rng(0)
    flipped = rng.choice(len(texts), size=round(args.flip * len(texts)), replace=False)
    noisy = labels.copy()
    noisy[flipped] = 1 - noisy[flipped]
    index = ex.index(texts, noisy.tolist(), progress=False)
    dev = load_sst2("dev")
    run = ex.explain_dataset(dev.texts, dev.labels, methods=["saliency_l2"], progress=False)
    suspects = ex.label_suspects(run, k=args.k, progress=False)
    # the baseline: each training example's loss under its own (noisy) label
    logits = index.features @ index.weight.T + index.bias
    losses = torch.nn.functional.cross_entropy(logits, index.labels, reduction="none")
    by_loss = torch.argsort(losses, descending=True).tolist()
    is_flipped = set(flipped.tolist())
    print(
        f"# label_noise: {args.model}, {len(texts)} SST-2 training sentences with "
        f"{len(flipped)} labels flipped ({args.flip:.0%}), dev accuracy {run.accuracy():.3f} "
        f"({suspects.examined} misclassified dev sentences, top {args.k} opponents each; "
        f"{len(suspects)} training examples counted at least once)"
    )
    for share in (0.01, 0.05):
        n = round(share * len(texts))
        ours = len(is_flipped & set(suspects.rows[:n])) / n
        loss = len(is_flipped & set(by_loss[:n])) / n
        print(
            f"precision at the top {share:.0%} ({n} examples): label_suspects {ours:.2f}, "
            f"training loss {loss:.2f}, random {args.flip:.2f}"
        )


if __name__ == "__main__":
    main()
