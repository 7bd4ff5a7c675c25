"""Correlations and dispersion without SciPy: Pearson with its p-value, Kendall's τ-b, Spearman's
ρ, normalised Shannon entropy and top-k overlap, on 1-D score vectors."""

from __future__ import annotations

import math

import numpy as np


def _regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, by Lentz's continued fraction
    (Numerical Recipes §6.4), accurate to ~1e-12 for the Student-t tails used here."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _regularized_beta(1.0 - x, b, a)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(log_front + a * math.log(x) + b * math.log1p(-x)) / a
    tiny = 1e-300
    guard = lambda v: v if abs(v) > tiny else tiny
    c, d = 1.0, 1.0 / guard(1.0 - (a + b) * x / (a + 1))
    h = d
    for m in range(1, 400):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for numerator in (even, odd):
            d = 1.0 / guard(1.0 + numerator * d)
            c = guard(1.0 + numerator / c)
            h *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return front * h


def pearson(x, y) -> tuple[float, float]:
    """(r, two-sided p-value of r = 0 under the t-test with n − 2 degrees of freedom).

    ``(nan, nan)`` when either vector is constant or shorter than 3.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) != len(y):
        raise ValueError(f"pearson needs vectors of equal length, got {len(x)} and {len(y)}.")
    n = len(x)
    dx, dy = x - x.mean(), y - y.mean()
    norm = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if n < 3 or norm == 0.0:
        return math.nan, math.nan
    r = max(-1.0, min(1.0, float(dx @ dy) / norm))
    df = n - 2
    if abs(r) == 1.0:
        return r, 0.0
    t_squared = r * r * df / (1 - r * r)
    return r, _regularized_beta(df / (df + t_squared), df / 2, 0.5)


def kendall_tau_b(x, y) -> float:
    """Kendall's τ-b (ties corrected; Knight 1966), O(n²); nan if either is constant."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) != len(y):
        raise ValueError(f"kendall_tau_b needs vectors of equal length, got {len(x)} and {len(y)}.")
    upper = np.triu_indices(len(x), k=1)
    sx = np.sign(x[:, None] - x[None, :])[upper]
    sy = np.sign(y[:, None] - y[None, :])[upper]
    untied_x, untied_y = np.count_nonzero(sx), np.count_nonzero(sy)
    if untied_x == 0 or untied_y == 0:
        return math.nan
    return float((sx * sy).sum()) / math.sqrt(untied_x * untied_y)


def ranks(x) -> np.ndarray:
    """Average ranks (1-based; ties share the mean of their positions)."""
    x = np.asarray(x, np.float64)
    order = np.argsort(x, kind="stable")
    ranked = np.empty(len(x))
    ranked[order] = np.arange(1, len(x) + 1)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    if (counts > 1).any():
        ranked = np.bincount(inverse, weights=ranked)[inverse] / counts[inverse]
    return ranked


def spearman(x, y) -> float:
    """Spearman's ρ: Pearson's r of the average ranks."""
    return pearson(ranks(x), ranks(y))[0]


def normalized_entropy(weights) -> float:
    """H(p) / log n of ``p = |w| / Σ|w|`` (sparse-attention paper, footnote 1): 0 when one input
    holds all the importance, 1 when all hold the same; nan for fewer than 2 inputs or all zero."""
    w = np.abs(np.asarray(weights, np.float64))
    total = w.sum()
    if len(w) < 2 or total == 0:
        return math.nan
    p = w[w > 0] / total
    return float(-(p * np.log(p)).sum() / math.log(len(w)))


def top_k(scores, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, ties broken by position."""
    return np.argsort(-np.asarray(scores, np.float64), kind="stable")[:k]


def top_k_overlap(x, y, k: int) -> float:
    """|top-k(x) ∩ top-k(y)| / k, with k capped at the length."""
    k = min(k, len(x))
    if k == 0:
        return math.nan
    return len(set(top_k(x, k).tolist()) & set(top_k(y, k).tolist())) / k
