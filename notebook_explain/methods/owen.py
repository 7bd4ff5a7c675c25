"""Owen values over the span tree, computed exactly by recursion over the tree (Owen 1977; the
coalitional values that shap's Partition explainer computes over a clustering of the features).

The players are the input's words; a coalition S is worth v(S) = S_y(x with every word outside S
removed), as for ``shapley``. The words sit in a tree: the input, its clauses, their phrases,
their words (``spans.span_levels``). Owen's value of a word is Shapley's value taken level by
level: a node's children play a Shapley game among themselves, with the coalitions outside the
node fixed, and each child's value is shared among its own children the same way. For a node u
with children u_1 … u_m, reached with the words C of the coalitions chosen above it,

    Φ(u_j | C) = Σ_{Q ⊆ {u_k : k ≠ j}} |Q|! (m − |Q| − 1)! / m! · Φ'(u_j | C ∪ ⋃Q),

where Φ' recurses into u_j's children, and a word i ends the recursion with its marginal
contribution v(C ∪ {i}) − v(C). Each level thus evaluates only its own children's coalitions:
a node's 2^(m−1) subsets, not the 2^(words − 1) of the flat game. With one clause of one-word
phrases the tree is flat, and the Owen value is the exact Shapley value.

A node with more than ``exact_width`` children is a wide node: its sum over subsets is sampled
instead, by ``samples`` random orders of its children (each followed by its reverse), a child's Q
being the children before it; a wide node below a sampled one draws one antithetic pair per
context it is reached with (nested Monte Carlo: unbiased, and rows grow by the levels' sum, not
their product). Along one order the children's values telescope to
v(C ∪ u) − v(C), so efficiency, Σ_i φ_i = v(all) − v(∅), holds exactly whether a node is
enumerated or sampled; it is checked on every call against the model's output for the input's
own pass. ``info["rows"]`` is the number of coalitions the model ran (each once), and
``info["sampled_nodes"]`` how many nodes were sampled (0: the values are exact).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import ClassVar

import numpy as np

from ..errors import ExplainError
from ..models.base import EMBEDDINGS
from .base import Attribution, InputSize, Method, Param, register
from .coalitions import WordGame
from .identity import efficiency
from .shapley import REMOVAL

#: the most (word, coalition) terms one call may expand to before it refuses
MAX_TERMS = 2_000_000


def span_tree(levels, n: int) -> list:
    """The input as nested lists: clauses → phrases → word indices, from the span levels (one
    clause of one-word phrases when there are none)."""
    clauses = levels.get("clause") or [(0, n)]
    phrases = levels.get("phrase") or [(i, i + 1) for i in range(n)]
    covered = [w for start, end in phrases for w in range(start, end)]
    if covered != list(range(n)) or [w for a, b in clauses for w in range(a, b)] != covered:
        raise ExplainError(
            "owen needs phrase and clause spans that partition the words in order; pass spans= "
            "as explain() documents, or use shapley."
        )
    return [
        [list(range(a, b)) for a, b in phrases if start <= a and b <= end] for start, end in clauses
    ]


def _words(node) -> frozenset:
    if isinstance(node, int):
        return frozenset((node,))
    return frozenset().union(*(_words(child) for child in node))


def owen_terms(tree, exact_width: int, samples: int, rng) -> tuple[list, int]:
    """Every (word, coalition without it, weight) of the Owen value over ``tree`` (φ_i is the
    weighted sum of v(C ∪ {i}) − v(C)), and how many nodes were sampled."""
    terms: list[tuple[int, frozenset, float]] = []
    sampled = 0

    def visit(node, context: frozenset, weight: float, drawn: bool) -> None:
        nonlocal sampled
        if isinstance(node, int):
            terms.append((node, context, weight))
            if len(terms) > MAX_TERMS:
                raise ExplainError(
                    f"owen: this input's span tree expands to over {MAX_TERMS:,} coalition terms; "
                    "lower exact_width or samples, or use shapley."
                )
            return
        children = [child for child in node if child != []]
        words = [_words(child) for child in children]
        m = len(children)
        if m <= exact_width:
            for j, child in enumerate(children):
                others = [k for k in range(m) if k != j]
                for size in range(m):
                    w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                    for chosen in combinations(others, size):
                        visit(child, context.union(*(words[k] for k in chosen)), weight * w, drawn)
            return
        sampled += 1
        # the first wide node on a path draws the orders; below it, each drawn context draws
        # one antithetic pair, so sampled levels add rows instead of multiplying them
        pairs = 1 if drawn else math.ceil(samples / 2)
        for _ in range(pairs):
            order = rng.permutation(m)
            for sequence in (order, order[::-1]):
                before = context
                for j in sequence:
                    visit(children[j], before, weight / (2 * pairs), True)
                    before = before | words[j]

    visit(tree, frozenset(), 1.0, False)
    return terms, sampled


def owen_rows(tree, exact_width: int, samples: int, seed: int = 0) -> int:
    """How many distinct coalitions the Owen value over ``tree`` runs through the model."""
    terms, _ = owen_terms(tree, exact_width, samples, np.random.default_rng(seed))
    return len({c for i, context, _ in terms for c in (context, context | {i})})


class Owen(Method):
    name = "owen"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Owen values: Shapley values taken level by level over the span tree (clauses, phrases, "
        "words), exact by recursion (sampled only at nodes wider than exact_width); they sum to "
        "S(x) − S(no words)."
    )
    params: ClassVar[dict[str, Param]] = {
        "exact_width": Param(
            6,
            "Nodes with at most this many children are computed exactly (2^(children − 1) "
            "coalitions each); wider ones are sampled.",
            low=1,
            high=14,
        ),
        "samples": Param(
            8, "Orders of a wide node's children sampled, in antithetic pairs.", low=2, high=4096
        ),
        "removal": REMOVAL,
        "seed": Param(0, "Seed of the sampler at wide nodes.", low=0),
    }

    def rows(self, size: InputSize, exact_width: int, samples: int, seed: int, **_) -> int:
        n = size.words
        tree = span_tree(size.span_levels or {}, n) if n else []
        return owen_rows(tree, exact_width, samples, seed) if n else 0

    def attribute(self, ctx, exact_width: int, samples: int, removal: str, seed: int):
        game = WordGame(ctx, removal, self.name)
        n = game.n
        tree = span_tree(ctx.span_levels, n)
        terms, sampled = owen_terms(tree, exact_width, samples, np.random.default_rng(seed))
        game.evaluate(c for i, context, _ in terms for c in (context, context | {i}))
        phi = np.zeros(n)
        for i, context, weight in terms:
            phi[i] += weight * (game.value(context | {i}) - game.value(context))
        empty, full = game.value(frozenset()), ctx.input_output
        check = efficiency(self.name, phi.sum(), full, empty)
        return Attribution(
            game.word_scores(phi),
            {
                "rows": game.rows,
                "sampled_nodes": sampled,
                "output_input": float(full),
                "output_empty": float(empty),
                "efficiency_gap": check["gap"],
            },
            checks={"identity": check},
        )


register(Owen())
