"""Quadrature rules on [0, 1] for path integrals (integrated gradients, survey eq. 10).

Each rule returns ``(alphas, weights)`` with Σ weights = 1 so that
∫₀¹ f(α) dα ≈ Σ_k weights_k · f(alphas_k).
"""

import numpy as np

from ..errors import ExplainError

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def quadrature(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    if rule not in RULES:
        raise ExplainError(f"Unknown quadrature rule {rule!r}. Choose one of: {', '.join(RULES)}.")
    if steps < 1 or (rule == "riemann_trapezoid" and steps < 2):
        raise ExplainError(
            f"{rule} needs at least {2 if rule == 'riemann_trapezoid' else 1} steps, got {steps}."
        )
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
        return (nodes + 1) / 2, weights / 2
    if rule == "riemann_trapezoid":
        weights = np.full(steps, 1 / (steps - 1))
        weights[[0, -1]] /= 2
        return np.linspace(0, 1, steps), weights
    offset = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}[rule]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1 / steps)
