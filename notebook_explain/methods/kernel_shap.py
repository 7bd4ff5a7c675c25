"""Kernel SHAP over words (Lundberg & Lee, NeurIPS 2017, Theorem 2): Shapley values as the
solution of a weighted linear regression on coalitions, the estimator shap's ``KernelExplainer``
and Captum's ``KernelShap`` implement.

The players are the input's words and v(S) = S_y(x with every word outside S removed), as for
``shapley``. The Shapley values are the coefficients φ of the linear model g(z) = φ₀ + Σᵢ zᵢ φᵢ
over coalition indicators z that minimises

    Σ_z π(z) (v(z) − g(z))²,   π(z) = (M − 1) / (C(M, |z|) · |z| · (M − |z|)),

with the infinite weights of the empty and the full coalition imposed as constraints: φ₀ = v(∅)
and Σᵢ φᵢ = v(all) − v(∅) (efficiency, exact for every sample). With ``samples`` at least the
2^M − 2 proper coalitions, all of them are used with their weights π, and the solution is the
exact Shapley value (the theorem). Otherwise ``samples`` coalitions are drawn with sizes
proportional to the kernel's total weight per size, (M − 1) / (k (M − k)), each followed by its
complement (paired sampling), and weighted equally. Efficiency is checked on every call against
the model's output for the input's own pass. With ``players="phrase"`` or ``"clause"`` the players
are the spans of that level, feature groups whose value is shared evenly by their words.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import ClassVar

import numpy as np

from ..models.base import EMBEDDINGS
from .base import Attribution, Method, Param, register
from .coalitions import PLAYERS, WordGame, player_groups, spread
from .identity import efficiency
from .shapley import REMOVAL


def kernel_coalitions(m: int, samples: int, rng) -> tuple[np.ndarray, np.ndarray, bool]:
    """(Z (R, m) bool, weights (R,), exact): every proper coalition with its kernel weight when
    ``samples`` covers them all, else ``samples`` paired draws, equally weighted."""
    if m < 2:
        return np.zeros((0, m), bool), np.zeros(0), True
    if samples >= 2**m - 2:
        rows, weights = [], []
        for k in range(1, m):
            w = (m - 1) / (math.comb(m, k) * k * (m - k))
            for chosen in combinations(range(m), k):
                z = np.zeros(m, bool)
                z[list(chosen)] = True
                rows.append(z)
                weights.append(w)
        return np.array(rows), np.array(weights), True
    sizes = np.arange(1, m)
    p = (m - 1) / (sizes * (m - sizes))
    p /= p.sum()
    rows = []
    for _ in range(math.ceil(samples / 2)):
        k = int(rng.choice(sizes, p=p))
        z = np.zeros(m, bool)
        z[rng.choice(m, size=k, replace=False)] = True
        rows += [z, ~z]
    return np.array(rows), np.ones(len(rows)), False


def constrained_fit(z: np.ndarray, y: np.ndarray, w: np.ndarray, total: float) -> np.ndarray:
    """φ minimising Σ w (y − z·φ)² subject to Σφ = ``total`` (the last player eliminated)."""
    last = z[:, -1:].astype(float)
    x = z[:, :-1].astype(float) - last
    target = y - last[:, 0] * total
    sw = np.sqrt(w)[:, None]
    head, *_ = np.linalg.lstsq(x * sw, target * sw[:, 0], rcond=None)
    return np.append(head, total - head.sum())


class KernelShap(Method):
    name = "kernel_shap"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Kernel SHAP: Shapley values of the words as a weighted linear regression on coalitions "
        "(exact with every coalition); they sum to S(x) − S(no words)."
    )
    params: ClassVar[dict[str, Param]] = {
        "samples": Param(
            512,
            "Coalitions evaluated, in complementary pairs; at least 2^words − 2 gives the exact "
            "Shapley values.",
            low=2,
            high=100_000,
        ),
        "players": PLAYERS,
        "removal": REMOVAL,
        "seed": Param(0, "Seed of the coalition sampler.", low=0),
    }

    def rows(self, size, samples: int, players: str, **_) -> int:
        m = len(player_groups(size.span_levels or {}, size.words, players))
        if m < 2:
            return 1
        drawn = 2**m - 2 if samples >= 2**m - 2 else 2 * math.ceil(samples / 2)
        return drawn + 2  # and the empty and the full coalition

    def attribute(self, ctx, samples: int, players: str, removal: str, seed: int) -> Attribution:
        game = WordGame(ctx, removal, self.name)
        groups = player_groups(ctx.span_levels, game.n, players)
        m = len(groups)
        z, weights, exact = kernel_coalitions(m, samples, np.random.default_rng(seed))
        sets = [frozenset(w for k in np.flatnonzero(row) for w in groups[k]) for row in z]
        everything, nothing = frozenset(range(game.n)), frozenset()
        game.evaluate([nothing, everything, *sets])
        empty, full = game.value(nothing), ctx.input_output
        total = game.value(everything) - empty
        if m == 1:
            phi = np.array([total])
        else:
            y = np.array([game.value(s) for s in sets]) - empty
            phi = constrained_fit(z, y, weights, total)
        check = efficiency(self.name, phi.sum(), full, empty)
        return Attribution(
            game.word_scores(spread(phi, groups, game.n)),
            {
                "coalitions": len(sets),
                "exact": exact,
                "rows": game.rows,
                "output_input": float(full),
                "output_empty": float(empty),
                "efficiency_gap": check["gap"],
            },
            checks={"identity": check},
        )


register(KernelShap())
