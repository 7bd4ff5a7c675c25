"""The coalition game over an input's words, shared by the methods that value sets of words
(``hedge``, ``owen``): v(S) = S_y(x with every word outside S removed), each set of words run
through the model once, in batched passes, with the removal of ``context.removed_rows``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from ..errors import ExplainError
from ..outputs import explained_output
from ..registry import Param

#: who the players are (``shapley``, ``kernel_shap``): words, or the spans of a span level (the
#: spans of ``explain(spans=...)`` when given: any grouping of consecutive words)
PLAYERS = Param(
    "word",
    "The players: each word, or each phrase or clause of the span levels (a feature group; a "
    "group's value is shared evenly by its words).",
    choices=("word", "phrase", "clause"),
)


def player_groups(levels, n: int, players: str) -> list[list[int]]:
    """The words of each player: one word each, or each span of the level ``players``."""
    if players == "word":
        return [[i] for i in range(n)]
    spans = levels.get(players) or [(0, n)]
    return [list(range(a, b)) for a, b in spans]


def spread(phi: np.ndarray, groups: list[list[int]], n: int) -> np.ndarray:
    """Word values from player values: a group's value shared evenly by its words."""
    words = np.zeros(n)
    for value, group in zip(phi, groups):
        words[group] = value / len(group)
    return words


class WordGame:
    """The model's logits for sets of words (frozensets of word indices), each set run once;
    ``rows`` counts the sets run."""

    def __init__(self, ctx, removal: str, method: str):
        self.word_index = np.asarray(ctx.encoded.word_index)
        if not (self.word_index >= 0).any():
            raise ExplainError(f"{method}: the input has no words to explain.")
        self.ctx, self.removal, self.method = ctx, removal, method
        self.n = int(self.word_index.max()) + 1
        self.special = np.asarray(ctx.encoded.special_mask)
        self.logits: dict[frozenset, torch.Tensor] = {}
        self.rows = 0

    def evaluate(self, coalitions: Iterable[frozenset]) -> None:
        """Run the sets not run yet, in batched passes."""
        todo = list(dict.fromkeys(c for c in coalitions if c not in self.logits))
        if not todo:
            return
        present = np.zeros((len(todo), self.n), dtype=bool)
        for row, words in enumerate(todo):
            present[row, list(words)] = True
        keep = self.special[None, :] | (
            present[:, np.maximum(self.word_index, 0)] & (self.word_index >= 0)
        )
        keep = torch.as_tensor(keep, device=self.ctx.embeddings.device)
        rows = self.ctx.removed_rows(keep, self.removal, self.method)
        logits = self.ctx.logits(rows).double().cpu()
        self.rows += len(todo)
        self.logits.update(zip(todo, logits))

    def value(self, words: frozenset) -> float:
        """v(words): the explained output (``explain``'s ``output``) of a set already run."""
        ctx = self.ctx
        logits = self.logits[words][None]
        return float(explained_output(logits, ctx.target, ctx.output, ctx.head, ctx.contrast)[0])

    def word_scores(self, phi: np.ndarray) -> np.ndarray:
        """Token scores from word scores: a word's score split evenly over its tokens."""
        index = self.word_index
        tokens = np.bincount(index[index >= 0], minlength=self.n)
        return np.where(index >= 0, phi[np.maximum(index, 0)] / tokens[np.maximum(index, 0)], 0.0)
