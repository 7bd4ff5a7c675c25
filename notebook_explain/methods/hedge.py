"""HEDGE: a hierarchy of segments, split top-down at the weakest interaction (Chen, Zheng & Ji,
ACL 2020; the survey's §4.3.3).

The players are contiguous word segments. A coalition S of words is worth v(S) = S_y(x with
every word outside S removed), as for ``shapley``. Starting from the whole input as one segment,
each step considers every way of splitting one segment of the current partition P into a left
part L and a right part R, and scores the split by the Shapley interaction index of L and R
(Grabisch & Roubens 1999), with the other segments as the remaining players O:

    I(L, R) = Σ_{S ⊆ O} |S|! (|O| − |S|)! / (|O| + 1)! · [v(S ∪ L ∪ R) − v(S ∪ L) − v(S ∪ R) + v(S)].

The split with the smallest |I(L, R)| is made (the parts interact least, so cutting there loses
least), until every segment is one word. As in the paper, only the ``context`` segments on each
side of the split segment are players; the segments beyond them stay in the input. With at most
``EXACT`` players the sum is enumerated, else it is estimated from ``samples`` coalitions drawn
with the index's own weights (a size k uniform in 0..|O|, then a uniform subset of that size).

Each segment's importance is the survey's (eq. in §4.3.3): the predicted probability of the
explained class minus the largest probability of any other class, given the segment alone (every
other word removed). The token scores are the words' importances, split evenly over a word's
tokens; ``info["hierarchy"]`` holds every level, from the whole input down to the words, as
(first word, last word + 1, importance) triples, and ``info["splits"]`` each split with its
interaction.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import ClassVar

import numpy as np
import torch

from ..models.base import EMBEDDINGS
from ..outputs import class_probabilities
from .base import Attribution, Method, Param, register
from .coalitions import WordGame
from .shapley import REMOVAL

#: the most players whose coalitions are enumerated (2**EXACT coalitions per split)
EXACT = 6


class Hedge(Method):
    name = "hedge"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "HEDGE: the input split top-down where its parts interact least (Shapley interaction), "
        "each segment scored alone; the words' scores are the hierarchy's bottom level."
    )
    params: ClassVar[dict[str, Param]] = {
        "context": Param(
            1,
            "Segments on each side of the split segment that take part in its interaction.",
            low=0,
            high=50,
        ),
        "samples": Param(
            32, "Coalitions sampled per split when there are more than 6 players.", low=1, high=4096
        ),
        "removal": REMOVAL,
        "seed": Param(0, "Seed of the coalition sampler.", low=0),
    }

    def rows(self, size, context: int, samples: int, **_) -> int:
        # per step, each candidate split needs up to four values per coalition of its players
        n, per_split = size.words, 4 * min(2 ** (2 * context), samples)
        return sum((n - t) * per_split for t in range(1, n)) + 2 * n

    def attribute(self, ctx, context: int, samples: int, removal: str, seed: int) -> Attribution:
        game = WordGame(ctx, removal, self.name)
        n = game.n
        rng = np.random.default_rng(seed)
        partition = [(0, n)]
        hierarchy = [[(0, n)]]
        splits = []
        while len(partition) < n:
            candidates = []
            for g, (a, b) in enumerate(partition):
                players = partition[max(0, g - context) : g] + partition[g + 1 : g + 1 + context]
                coalitions = _coalitions(players, rng, samples)
                for cut in range(a + 1, b):
                    candidates.append(((a, cut), (cut, b), g, coalitions))
            game.evaluate(
                [
                    words
                    for left, right, g, coalitions in candidates
                    for words in _interaction_terms(left, right, coalitions, partition, g, context)
                ]
            )
            scored = [
                (abs(_interaction(game, left, right, coalitions, partition, g, context)), left, right, g)
                for left, right, g, coalitions in candidates
            ]  # fmt: skip
            weakest, left, right, g = min(scored, key=lambda s: (s[0], s[1]))
            partition = partition[:g] + [left, right] + partition[g + 1 :]
            hierarchy.append(list(partition))
            splits.append({"segment": [left[0], right[1]], "at": left[1], "interaction": weakest})
        segments = sorted({segment for level in hierarchy for segment in level})
        importance = segment_importance(game, segments)
        scores = game.word_scores(np.array([importance[(i, i + 1)] for i in range(n)]))
        return Attribution(
            scores,
            {
                "hierarchy": [
                    [[a, b, float(importance[(a, b)])] for a, b in level] for level in hierarchy
                ],
                "splits": splits,
                "rows": game.rows,
            },
        )


def _coalitions(players, rng, samples) -> list[tuple]:
    """Subsets of ``players`` (segments) to average the interaction over, each with its weight:
    all of them when few, else ``samples`` draws with the interaction index's weights."""
    m = len(players)
    if m <= EXACT:
        weight = lambda k: math.factorial(k) * math.factorial(m - k) / math.factorial(m + 1)  # noqa: E731
        return [(subset, weight(k)) for k in range(m + 1) for subset in combinations(players, k)]
    drawn = []
    for _ in range(samples):
        k = int(rng.integers(0, m + 1))
        chosen = sorted(rng.choice(m, size=k, replace=False).tolist())
        drawn.append((tuple(players[i] for i in chosen), 1.0 / samples))
    return drawn


def _words(segments) -> frozenset:
    return frozenset(w for a, b in segments for w in range(a, b))


def _outside(partition, g, context) -> list:
    """The segments beyond the split segment's neighbourhood: they stay in the input."""
    return partition[: max(0, g - context)] + partition[g + 1 + context :]


def _interaction_terms(left, right, coalitions, partition, g, context):
    fixed = _outside(partition, g, context)
    for subset, _ in coalitions:
        base = [*fixed, *subset]
        yield _words([*base, left, right])
        yield _words([*base, left])
        yield _words([*base, right])
        yield _words(base)


def _interaction(game, left, right, coalitions, partition, g, context) -> float:
    fixed = _outside(partition, g, context)
    total = 0.0
    for subset, weight in coalitions:
        base = [*fixed, *subset]
        v = game.value
        total += weight * (
            v(_words([*base, left, right]))
            - v(_words([*base, left]))
            - v(_words([*base, right]))
            + v(_words(base))
        )
    return total


def segment_importance(game: WordGame, segments) -> dict[tuple[int, int], float]:
    """p(target | segment alone) − the largest other class's probability."""
    game.evaluate([frozenset(range(a, b)) for a, b in segments])
    target, out = game.ctx.target, {}
    for a, b in segments:
        p = class_probabilities(game.logits[frozenset(range(a, b))][None], game.ctx.head)[0]
        others = torch.cat([p[:target], p[target + 1 :]])
        out[(a, b)] = float(p[target] - others.max())
    return out


register(Hedge())
