"""Shapley values over words by permutation sampling (Owen values over the span tree: ``owen.py``).

The players are the input's words; a coalition S is worth v(S) = S_y(x with every word outside S
removed). The Shapley value of word i (Shapley 1953; survey §4.1.2's removal view) is its mean
marginal contribution over uniformly random orders π of the words:

    φ_i = E_π [ v(Pre_i(π) ∪ {i}) − v(Pre_i(π)) ],

estimated by sampling (Castro, Gómez & Tejada 2009; Štrumbelj & Kononenko 2014), each order
followed by its reverse (antithetic pairs, which cancel much of the variance: Mitchell et al.
2022). Along one order the marginal contributions telescope, so Σ_i φ_i = v(all) − v(∅) holds for
every sample: the efficiency gap is float rounding only, unless the full input's value v(all)
(read from the input's own pass) and the coalitions' values disagree, as a model whose output
depends on padding or batching would make them. It is checked on every call, and a gap beyond
``identity.TOLERANCE`` refuses the input. The standard error
of each φ_i is taken over the antithetic pairs' means. With ``players="phrase"`` or ``"clause"``
the players are the spans of that level (feature groups): orders are drawn over the spans, and a
span's value is shared evenly by its words (``info["standard_error"]`` is then per span).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS
from .base import Attribution, Method, Param, register
from .coalitions import PLAYERS, player_groups, spread
from .context import REMOVALS
from .identity import efficiency

#: how the words outside a coalition leave the input (``shapley``, ``owen``, ``hedge``)
REMOVAL = Param(
    "delete",
    "A word outside the coalition is deleted, or its tokens are replaced by [MASK] or the "
    "unknown token.",
    choices=REMOVALS,
)


class PermutationValues(Method):
    name = "shapley"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Shapley values of the words: their mean contribution over random orders of adding "
        "them (permutation sampling, antithetic pairs); they sum to S(x) − S(no words)."
    )
    params: ClassVar[dict[str, Param]] = {
        "samples": Param(
            64,
            "Number of word orders sampled, in antithetic pairs (an odd number is rounded up).",
            low=2,
            high=20_000,
        ),
        "players": PLAYERS,
        "removal": REMOVAL,
        "seed": Param(0, "Seed of the order sampler: the same seed gives the same scores.", low=0),
    }

    def rows(self, size, samples: int, players: str, **_) -> int:
        # every order's coalitions but the empty and the full one, plus the empty one once
        m = len(player_groups(size.span_levels or {}, size.words, players))
        return 2 * math.ceil(samples / 2) * max(m - 1, 0) + 1

    def attribute(self, ctx, samples: int, players: str, removal: str, seed: int) -> Attribution:
        word_index = np.asarray(ctx.encoded.word_index)
        words = int(word_index.max()) + 1 if (word_index >= 0).any() else 0
        if words == 0:
            raise ExplainError(f"{self.name}: the input has no words to explain.")
        groups = player_groups(ctx.span_levels, words, players)
        player_of = np.zeros(words, dtype=int)
        for k, group in enumerate(groups):
            player_of[group] = k
        n = len(groups)
        rng = np.random.default_rng(seed)
        orders = []
        for _ in range(math.ceil(samples / 2)):
            order = rng.permutation(n)
            orders += [order, order[::-1]]
        orders = np.array(orders)  # (P, n)
        # members[p, k]: the words of order p's first k + 1 (k < n − 1: not the full input)
        ranks = np.argsort(orders, axis=1)  # ranks[p, w]: w's place in order p
        members = ranks[:, None, :] <= np.arange(n - 1)[None, :, None]  # (P, n − 1, n)
        coalitions = np.concatenate([np.zeros((1, n), bool), members.reshape(-1, n)])
        special = np.asarray(ctx.encoded.special_mask)
        token_player = player_of[np.maximum(word_index, 0)]
        keep = special[None, :] | coalitions[:, token_player] & (word_index >= 0)
        keep = torch.as_tensor(keep, device=ctx.embeddings.device)
        values = ctx.outputs(ctx.removed_rows(keep, removal, self.name)).double().cpu().numpy()
        empty, full = values[0], ctx.input_output
        path = np.concatenate(
            [np.full((len(orders), 1), empty), values[1:].reshape(len(orders), n - 1)], axis=1
        )
        path = np.concatenate([path, np.full((len(orders), 1), full)], axis=1)  # (P, n + 1)
        steps = np.diff(path, axis=1)  # steps[p, k]: the contribution of order p's k-th word
        marginals = np.take_along_axis(steps, ranks, axis=1)  # (P, n), by word
        phi = marginals.mean(0)
        pairs = marginals.reshape(-1, 2, n).mean(1)
        # one antithetic pair has no spread to estimate: its standard error is undefined (None)
        error = pairs.std(0, ddof=1) / math.sqrt(len(pairs)) if len(pairs) > 1 else None
        check = efficiency(self.name, phi.sum(), full, empty)
        word_phi = spread(phi, groups, words)
        tokens = np.bincount(word_index[word_index >= 0], minlength=words)
        index = np.maximum(word_index, 0)
        scores = np.where(word_index >= 0, word_phi[index] / tokens[index], 0.0)
        return Attribution(
            scores,
            {
                "orders": len(orders),
                "output_input": float(full),
                "output_empty": float(empty),
                "efficiency_gap": check["gap"],
                "standard_error": None if error is None else [float(e) for e in error],
            },
            checks={"identity": check},
        )


register(PermutationValues())
