"""One input's shared state for all methods of an ``explain`` call.

The context owns the batched passes: ``logits`` (and ``outputs``, the explained scalar S of each
row) runs forward passes and ``gradients`` runs forward+backward passes over any number of rows,
in chunks of at most ``batch_size`` rows and ``max_batch_tokens`` tokens, on the adapter's device,
and asks ``Batching.check`` before each chunk, so a cancelled request stops at the next batch.
The input's own forward pass is run once, with autograd on: it gives the prediction, S(x), and
(through one backward) the input gradient shared by every gradient-family method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from ..models.base import Encoded, ModelAdapter
from ..outputs import explained_output
from ..perturb import delete_tokens, replace_tokens


@dataclass(frozen=True)
class Batching:
    """How big one batched pass may be: at most ``batch_size`` rows and ``max_batch_tokens``
    tokens; ``check`` (if given) runs before every pass, and raises to stop the work
    (``Cancelled``)."""

    batch_size: int = 64
    max_batch_tokens: int = 4096
    check: Callable[[], None] | None = None


class AttributionContext:
    """Everything a method reads about one input: built whole before any method runs.

    ``target`` is the explained class (``None``: the predicted one); ``span_levels`` the phrase
    and clause word ranges of the input (``spans.span_levels``); ``likelihoods`` the Explainer's
    likelihood models (``likelihood.Likelihoods``) for marginalization.
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        encoded: Encoded,
        output: str,
        target: int | None = None,
        *,
        span_levels: Mapping[str, list[tuple[int, int]]] | None = None,
        likelihoods=None,
        batching: Batching = Batching(),
    ):
        self.adapter = adapter
        self.encoded = encoded
        self.output = output
        self.batching = batching
        self.rows_per_pass = max(
            1, min(batching.batch_size, batching.max_batch_tokens // encoded.length)
        )
        self.span_levels = dict(span_levels or {})
        self.likelihoods = likelihoods
        with torch.no_grad():
            self.embeddings = adapter.embed(encoded.input_ids).detach()  # (1, L, D)
        self._leaf = self.embeddings.clone().requires_grad_(True)
        with torch.enable_grad():
            self._logits = adapter.logits(
                self._leaf, encoded.attention_mask, encoded.token_type_ids
            )
        self.target = int(np.argmax(self.probabilities)) if target is None else int(target)

    @property
    def probabilities(self):
        return torch.softmax(self._logits.detach()[0].double(), -1).cpu().numpy()

    def token_embedding(self, token_id: int) -> torch.Tensor:
        """The (D,) input embedding of one token id (UNK, PAD, MASK replacements)."""
        with torch.no_grad():
            return self.adapter.embed(torch.tensor([[token_id]], device=self.embeddings.device))[
                0, 0
            ]

    @property
    def length(self) -> int:
        return self.encoded.length

    def _rows(self, tensor: torch.Tensor | None, n: int) -> torch.Tensor | None:
        return None if tensor is None else tensor.expand(n, -1)

    def _chunks(self, embeddings, attention_mask, token_type_ids):
        n = embeddings.shape[0]
        attention_mask = (
            attention_mask
            if attention_mask is not None
            else self._rows(self.encoded.attention_mask, n)
        )
        if token_type_ids is None:
            token_type_ids = self._rows(self.encoded.token_type_ids, n)
        for start in range(0, n, self.rows_per_pass):
            if self.batching.check is not None:
                self.batching.check()
            stop = start + self.rows_per_pass
            yield (
                embeddings[start:stop],
                attention_mask[start:stop],
                None if token_type_ids is None else token_type_ids[start:stop],
            )

    def deleted(self, keep: torch.Tensor):
        """(embeddings, attention mask, token types) of the input with the tokens where the
        (B, L) bool ``keep`` is False deleted (``perturb.delete_tokens``), for ``logits``."""
        encoded = self.encoded
        return delete_tokens(self.embeddings, encoded.attention_mask, encoded.token_type_ids, keep)

    def replaced(self, replaced: torch.Tensor, replacement: torch.Tensor) -> torch.Tensor:
        """(B, L, D) embeddings of the input with the tokens where the (B, L) bool ``replaced``
        is True taking ``replacement`` (``perturb.replace_tokens``)."""
        return replace_tokens(self.embeddings, replaced, replacement)

    def logits(self, embeddings, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        """The (B, C) class logits of every row of a (B, L, D) embedding batch, without autograd."""
        with torch.no_grad():
            chunks = self._chunks(embeddings, attention_mask, token_type_ids)
            return torch.cat([self.adapter.logits(emb, mask, types) for emb, mask, types in chunks])

    def outputs(self, embeddings, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        """S(x) for every row of a (B, L, D) embedding batch, as a (B,) tensor."""
        logits = self.logits(embeddings, attention_mask, token_type_ids)
        return explained_output(logits, self.target, self.output)

    def gradients(self, embeddings, attention_mask=None, token_type_ids=None):
        """(∂S/∂e for every row, S for every row): one forward+backward pass per chunk."""
        grads, outs = [], []
        for emb, mask, types in self._chunks(embeddings, attention_mask, token_type_ids):
            emb = emb.detach().requires_grad_(True)
            with torch.enable_grad():
                out = explained_output(
                    self.adapter.logits(emb, mask, types), self.target, self.output
                )
                (grad,) = torch.autograd.grad(out.sum(), emb)
            grads.append(grad)
            outs.append(out.detach())
        return torch.cat(grads), torch.cat(outs)

    @cached_property
    def input_gradient(self) -> tuple[torch.Tensor, float]:
        """(∂S/∂e at the input, shape (L, D); S(x)): one backward through the input's forward pass."""
        out = explained_output(self._logits, self.target, self.output)
        (grad,) = torch.autograd.grad(out.sum(), self._leaf)
        return grad[0], float(out.detach()[0])

    @property
    def input_output(self) -> float:
        """S(x) for the unperturbed input."""
        return float(explained_output(self._logits.detach(), self.target, self.output)[0])
