"""Per-example loss gradients and the loss Hessian of a classifier head, in closed form.

The head is a Linear layer ``logits = W f + b`` on features ``f`` (H), with C classes and the
cross-entropy loss. Its parameter vector is θ = [vec(W) row-major, b] (C·H + C entries). With
``r = softmax(logits) − onehot(y)`` the residual and ``f̃ = [f, 1]``:

- the loss gradient is ∇θL = r ⊗ f̃ (arranged as [vec(r fᵀ), r]), so two examples' gradients
  have the dot product (r_i · r_j)(f̃_i · f̃_j) (this makes TracIn a product of two small dots);
- the Hessian of the mean loss is (1/n) Σ_i (diag(p_i) − p_i p_iᵀ) ⊗ f̃_i f̃_iᵀ, exact because the
  logits are linear in θ (Koh & Liang, ICML 2017, use it for their logistic-regression checks).

Vectors over θ are handled in "augmented" form, a (C, H+1) matrix whose last column is the bias
part: a gradient is the outer product r f̃ᵀ, and θ·g for g = r ⊗ f̃ is r · (Θ f̃).
"""

from __future__ import annotations

import torch


def augment(features: torch.Tensor) -> torch.Tensor:
    """(n, H) features → (n, H+1) with a column of ones for the bias."""
    return torch.cat([features, features.new_ones(features.shape[0], 1)], dim=1)


def probabilities(features, weight, bias) -> torch.Tensor:
    return torch.softmax(features @ weight.T.to(features) + bias.to(features), dim=-1)


def residuals(features, labels, weight, bias) -> torch.Tensor:
    """(n, C) softmax(W f + b) − onehot(y): the loss gradient with respect to the logits."""
    p = probabilities(features, weight, bias)
    return p - torch.nn.functional.one_hot(labels, p.shape[1]).to(p)


def to_augmented(vector: torch.Tensor, num_classes: int) -> torch.Tensor:
    """A θ vector [vec(W), b] → its (C, H+1) augmented matrix [W | b]."""
    weight = vector[:-num_classes].reshape(num_classes, -1)
    return torch.cat([weight, vector[-num_classes:, None]], dim=1)


def from_augmented(matrix: torch.Tensor) -> torch.Tensor:
    """The inverse of ``to_augmented``: (C, H+1) → [vec(W), b]."""
    return torch.cat([matrix[:, :-1].reshape(-1), matrix[:, -1]])


def gradients(features, residuals_) -> torch.Tensor:
    """(n, C·H + C) per-example loss gradients [vec(r fᵀ), r] from features and residuals."""
    n = features.shape[0]
    return torch.cat(
        [(residuals_[:, :, None] * features[:, None, :]).reshape(n, -1), residuals_], 1
    )


def dot_gradients(features, residuals_, vector) -> torch.Tensor:
    """(n,) each example's loss gradient dotted with a θ vector, without forming the gradients."""
    theta = to_augmented(vector, residuals_.shape[1])
    return ((augment(features) @ theta.T) * residuals_).sum(1)


def hessian(features, weight, bias) -> torch.Tensor:
    """(P, P) exact Hessian of the mean cross-entropy over the rows, θ = [vec(W), b]."""
    n, h = features.shape
    p = probabilities(features, weight, bias)
    c = p.shape[1]
    curvature = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]  # (n, C, C)
    x = augment(features)
    blocks = torch.stack(
        [torch.stack([x.T @ (curvature[:, a, b, None] * x) for b in range(c)], 1) for a in range(c)]
    )  # (C, H+1, C, H+1)
    flat = blocks.reshape(c * (h + 1), c * (h + 1)) / n
    order = [k * (h + 1) + j for k in range(c) for j in range(h)] + [
        k * (h + 1) + h for k in range(c)
    ]
    return flat[order][:, order]


def hessian_vector_product(features, weight, bias):
    """v ↦ H v for the mean-loss Hessian above, in O(n·C·H) per product (for CG and LiSSA)."""
    p = probabilities(features, weight, bias)
    x = augment(features)
    n = features.shape[0]

    def product(vector: torch.Tensor) -> torch.Tensor:
        direction = x @ to_augmented(vector, p.shape[1]).T  # (n, C) logit change along v
        curved = p * direction - p * (p * direction).sum(1, keepdim=True)
        return from_augmented(curved.T @ x / n)

    return product
