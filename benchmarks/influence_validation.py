"""Influence estimates against leave-one-out retraining (Koh & Liang 2017, Fig. 2 protocol).

    python benchmarks/influence_validation.py [--train N] [--tests 5] [--points 50]

The small model is logistic regression on the frozen MiniLM demo encoder's features: the demo's
classifier head, retrained by Newton's method to convergence on the mean cross-entropy plus
(λ/2)‖θ‖², the λ the index adds to the Hessian as damping. For each test sentence (SST-2 dev),
the ``--points`` training examples with the largest |influence| are each removed in turn and
the head retrained from the optimum (warm start) to convergence; the actual change in the test
loss is correlated (Pearson) with each method's score: ``influence_function`` (exact Hessian),
``tracin`` (one checkpoint: the gradient dot product at the optimum) and ``knn`` (signed
closeness). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.influence import gradients
from notebook_explain.influence.scorers import (
    distance_scorer,
    loss_scorer,
    make_query,
    tracin_scorer,
)


def damped_loss_gradient(theta, features, labels, damping):
    r = gradients.residuals(features, labels, *split(theta, features.shape[1]))
    return gradients.gradients(features, r).mean(0) + damping * theta


def split(theta, h):
    c = theta.numel() // (h + 1)
    return theta[: c * h].reshape(c, h), theta[c * h :]


def fit(features, labels, theta, damping, tol=1e-11):
    """Newton's method on mean cross-entropy + (λ/2)‖θ‖², from ``theta``, to ‖∇‖∞ < tol."""
    eye = torch.eye(theta.numel(), dtype=torch.float64)
    for _ in range(50):
        grad = damped_loss_gradient(theta, features, labels, damping)
        if grad.abs().max() < tol:
            return theta
        hess = gradients.hessian(features, *split(theta, features.shape[1])) + damping * eye
        theta = theta - torch.linalg.solve(hess, grad)
    raise RuntimeError("Newton's method did not converge")


def test_loss(theta, query):
    weight, bias = split(theta, query.features.shape[1])
    p = gradients.probabilities(query.features, weight, bias)[0, query.target]
    return -float(torch.log(p))


def pearson(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, dtype=float), np.asarray(b, dtype=float))[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=None, help="first N training sentences")
    parser.add_argument("--tests", type=int, default=5)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--damping", type=float, default=0.01)
    args = parser.parse_args()
    start = time.perf_counter()
    ex = Explainer.demo("minilm-sst2", progress=False)
    train, dev = load_sst2("train"), load_sst2("dev")
    n = args.train or len(train.texts)
    texts, labels = train.texts[:n], train.labels[:n]
    index = ex.index(texts, labels, damping=args.damping, progress=False)
    _, head = ex.adapter.classifier_head()
    theta0 = torch.cat([index.weight.reshape(-1), index.bias])
    theta = fit(index.features, index.labels, theta0, args.damping)
    with torch.no_grad():
        head.weight.copy_(split(theta, index.features.shape[1])[0])
        head.bias.copy_(split(theta, index.features.shape[1])[1])
    index = ex.index(texts, labels, damping=args.damping, checkpoints=False, progress=False)
    keep_all = torch.ones(n, dtype=torch.bool)
    table = []
    for text in dev.texts[: args.tests]:
        query = make_query(ex.adapter, text, None)
        scores = {
            "influence_function": loss_scorer(index, query)(index.features, index.labels) / n,
            "tracin": tracin_scorer(index, query)(index.features, index.labels),
            "knn": distance_scorer(query)(index.features, index.labels),
        }
        rows = torch.argsort(scores["influence_function"].abs(), descending=True)[: args.points]
        base = test_loss(theta, query)
        actual = []
        for row in rows.tolist():
            keep = keep_all.clone()
            keep[row] = False
            retrained = fit(index.features[keep], index.labels[keep], theta, args.damping)
            actual.append(test_loss(retrained, query) - base)
        table.append(
            (text, {m: pearson(s[rows], actual) for m, s in scores.items()}, max(map(abs, actual)))
        )
    print(
        f"`python benchmarks/{Path(__file__).name} --train {n} --tests {args.tests} "
        f"--points {args.points} --damping {args.damping}`: logistic head on frozen MiniLM demo "
        f"features, {n} SST-2 training sentences, the {args.points} most influential removed one at "
        f"a time and retrained to convergence (λ = {args.damping}); Pearson r of the actual test-loss "
        f"change with each score.\n"
    )
    print("| test sentence (SST-2 dev) | influence_function | tracin | knn | max abs(ΔL) |")
    print("|---|---|---|---|---|")
    for text, r, biggest in table:
        short = text if len(text) <= 50 else text[:47] + "..."
        print(
            f"| {short} | {r['influence_function']:.3f} | {r['tracin']:.3f} | {r['knn']:.3f} "
            f"| {biggest:.2e} |"
        )
    means = {m: np.mean([r[m] for _, r, _ in table]) for m in table[0][1]}
    print(
        f"| **mean** | **{means['influence_function']:.3f}** | **{means['tracin']:.3f}** | "
        f"**{means['knn']:.3f}** | |"
    )
    print(f"\n{time.perf_counter() - start:.0f} s in all.")


if __name__ == "__main__":
    main()
