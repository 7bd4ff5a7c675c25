"""Quadrature rules on [0, 1] for path integrals (integrated gradients, survey eq. 10).

Each rule returns ``(alphas, weights)`` with Σ weights = 1 so that
∫₀¹ f(α) dα ≈ Σ_k weights_k · f(alphas_k).

``gausslegendre_graded`` is composite Gauss–Legendre on ``GRADED_PANELS`` panels whose edges
shrink geometrically toward α = 0 (0, 10⁻⁷, 10⁻⁶, ..., 0.1, 1): graded meshes are the standard
cure for an integrand with a sharp layer at one end (Schwab 1998, §3.3). IG meets one on models
that normalise the embeddings straight away (T5's RMSNorm, BLOOM's and Falcon's LayerNorm): a
normalised αe is the same for every α > 0 until α is about √ε/|e|, so the whole output change
happens in a sliver next to the zero baseline that uniform rules step over.
"""

import numpy as np

from ..errors import ExplainError

RULES = (
    "gausslegendre",
    "gausslegendre_graded",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "riemann_trapezoid",
)
#: the graded rule's panels: [0, 10⁻⁷], [10⁻⁷, 10⁻⁶], ..., [0.1, 1]
GRADED_PANELS = 8


def quadrature(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    if rule not in RULES:
        raise ExplainError(f"Unknown quadrature rule {rule!r}. Choose one of: {', '.join(RULES)}.")
    least = {"riemann_trapezoid": 2, "gausslegendre_graded": GRADED_PANELS}.get(rule, 1)
    if steps < least:
        raise ExplainError(f"{rule} needs at least {least} steps, got {steps}.")
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
        return (nodes + 1) / 2, weights / 2
    if rule == "gausslegendre_graded":
        edges = np.concatenate([[0.0], 10.0 ** -np.arange(GRADED_PANELS - 1, -1, -1.0)])
        sizes = np.full(GRADED_PANELS, steps // GRADED_PANELS)
        sizes[GRADED_PANELS - steps % GRADED_PANELS :] += 1  # the remainder to the widest panels
        alphas, weights = [], []
        for low, high, size in zip(edges[:-1], edges[1:], sizes):
            nodes, w = np.polynomial.legendre.leggauss(int(size))
            alphas.append(low + (nodes + 1) / 2 * (high - low))
            weights.append(w / 2 * (high - low))
        return np.concatenate(alphas), np.concatenate(weights)
    if rule == "riemann_trapezoid":
        weights = np.full(steps, 1 / (steps - 1))
        weights[[0, -1]] /= 2
        return np.linspace(0, 1, steps), weights
    offset = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}[rule]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1 / steps)
