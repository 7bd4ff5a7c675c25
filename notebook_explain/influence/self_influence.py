"""Self-influence: how strongly each training example shapes its own fit, the classic detector
of mislabelled training data.

An example whose label is wrong is one the model must bend to fit, so it pulls hard on its own
loss. The rankings, all over the classifier head (features ``f``, residual ``r = p − onehot(y)``,
``f̃ = [f, 1]``; see ``gradients``):

- ``influence_function`` (Koh & Liang, ICML 2017, §5.4, "fixing mislabeled examples"):
  I(z, z) = ∇L(z)ᵀ (H + λI)⁻¹ ∇L(z), computed exactly from the index's Cholesky factor.
- ``tracin`` (TracInCP self-influence; Pruthi et al., NeurIPS 2020, §4.1):
  Σ_t η_t ‖∇L(z; θ_t)‖² = Σ_t η_t ‖r_t‖² ‖f̃‖² over the saved head checkpoints θ_t (the
  features are the final model's: the last-layer form the paper also uses).
- ``loss``: L(z) under the final weights, the baseline both papers compare with.
- ``knn`` (survey §3.2; Rajani et al. 2020): the share of the example's ``k`` nearest training
  neighbours in head-feature space whose label differs from its own.

Larger is more suspect in every ranking.
"""

from __future__ import annotations

import torch

from ..errors import ExplainError
from . import gradients

#: what each ranking measures, in plain words (listed in the Dataset tab)
RANKINGS = {
    "tracin": "TracIn self-influence Σ_t η_t ‖∇L(z; θ_t)‖² over the training checkpoints",
    "influence_function": "influence-function self-influence ∇L(z)ᵀ(H + λI)⁻¹∇L(z)",
    "loss": "the example's own training loss under the final weights",
    "knn": "the share of its 10 nearest training neighbours labelled otherwise",
}
#: the ranking ``label_suspects()`` uses without a dataset run (see benchmarks/label_noise.py)
DEFAULT_RANKING = "tracin"
#: neighbours counted by the knn ranking
NEIGHBOURS = 10
#: rows scored at once (the gradients of a chunk are chunk × classes × (features + 1))
CHUNK = 4096


def self_influence(index, method: str) -> torch.Tensor:
    """Each training row's score under ``method`` (one of ``RANKINGS``), as an (n,) float64
    tensor; larger is more suspect."""
    if method not in RANKINGS:
        raise ExplainError(
            f"Unknown self-influence ranking {method!r}; choose one of {list(RANKINGS)}."
        )
    if method == "knn":
        return _knn_disagreement(index)
    scores = []
    for start in range(0, len(index), CHUNK):
        rows = slice(start, start + CHUNK)
        features, labels = index.features[rows].double(), index.labels[rows]
        scores.append(_score(index, method, features, labels))
    return torch.cat(scores)


def _score(index, method, features, labels) -> torch.Tensor:
    if method == "loss":
        logits = features @ index.weight.T.double() + index.bias.double()
        return torch.nn.functional.cross_entropy(logits, labels, reduction="none")
    if method == "tracin":
        norms = (gradients.augment(features) ** 2).sum(1)
        steps = index.checkpoints or [None]
        total = torch.zeros(len(labels), dtype=torch.float64)
        for checkpoint in steps:
            weight = index.weight if checkpoint is None else checkpoint.weight
            bias = index.bias if checkpoint is None else checkpoint.bias
            rate = 1.0 if checkpoint is None else checkpoint.learning_rate
            residual = gradients.residuals(features, labels, weight.double(), bias.double())
            total += rate * (residual**2).sum(1) * norms
        return total
    inverse = index.inverse_hessian
    if inverse.solver != "exact":
        raise ExplainError(
            "influence_function self-influence needs one solve per training example, so it "
            f"needs the exact inverse Hessian; this index uses {inverse.solver!r}. Rebuild it "
            "with ex.index(texts, labels, hessian='exact'), or rank by 'tracin'."
        )
    grads = gradients.gradients(features, index.residuals(features, labels)).double()
    # gᵀ(LLᵀ)⁻¹g = ‖L⁻¹g‖²
    half = torch.linalg.solve_triangular(inverse.factor, grads.T, upper=False)
    return (half**2).sum(0)


def _knn_disagreement(index) -> torch.Tensor:
    """Exact neighbours by chunked pairwise distances (about 1 GiB of distances at a time)."""
    n = len(index)
    k = min(NEIGHBOURS, n - 1)
    if k < 1:
        raise ExplainError("The knn ranking needs at least two training examples.")
    features = index.features.double()
    out = []
    step = max(1, 2**27 // n)
    for start in range(0, n, step):
        distances = torch.cdist(features[start : start + step], features)
        rows = torch.arange(start, min(start + step, n))
        distances[torch.arange(len(rows)), rows] = float("inf")  # not its own neighbour
        found = torch.topk(distances, k, largest=False).indices
        out.append((index.labels[found] != index.labels[rows, None]).double().mean(1))
    return torch.cat(out)
