"""The coalition game over an input's words, shared by the methods that value sets of words
(``hedge``, ``owen``): v(S) = S_y(x with every word outside S removed), each set of words run
through the model once, in batched passes, with the removal of ``context.removed_rows``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from ..errors import ExplainError
from ..outputs import explained_output


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
