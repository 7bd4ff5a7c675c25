"""One input's shared state for all methods of an ``explain`` call.

The context owns the batched passes: ``outputs`` runs forward passes and ``gradients`` runs
forward+backward passes over any number of rows in chunks of ``batch_size``, on the adapter's
device. ``input_gradient`` is computed once and shared by every gradient-family method.
"""

from __future__ import annotations

from functools import cached_property

import torch

from ..models.base import Encoded, ModelAdapter
from ..outputs import explained_output


class AttributionContext:
    def __init__(self, adapter: ModelAdapter, encoded: Encoded, target: int, output: str, batch_size: int):
        self.adapter = adapter
        self.encoded = encoded
        self.target = target
        self.output = output
        self.batch_size = batch_size
        with torch.no_grad():
            self.embeddings = adapter.embed(encoded.input_ids).detach()  # (1, L, D)

    @property
    def length(self) -> int:
        return self.encoded.length

    def _rows(self, tensor: torch.Tensor | None, n: int) -> torch.Tensor | None:
        return None if tensor is None else tensor.expand(n, -1)

    def _chunks(self, embeddings, attention_mask, token_type_ids):
        n = embeddings.shape[0]
        attention_mask = attention_mask if attention_mask is not None else self._rows(self.encoded.attention_mask, n)
        if token_type_ids is None:
            token_type_ids = self._rows(self.encoded.token_type_ids, n)
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            yield (
                embeddings[start:stop],
                attention_mask[start:stop],
                None if token_type_ids is None else token_type_ids[start:stop],
            )

    def outputs(self, embeddings, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        """S(x) for every row of a (B, L, D) embedding batch, as a (B,) tensor."""
        parts = []
        with torch.no_grad():
            for emb, mask, types in self._chunks(embeddings, attention_mask, token_type_ids):
                logits = self.adapter.logits(emb, mask, types)
                parts.append(explained_output(logits, self.target, self.output))
        return torch.cat(parts)

    def gradients(self, embeddings, attention_mask=None, token_type_ids=None):
        """(∂S/∂e for every row, S for every row): one forward+backward pass per chunk."""
        grads, outs = [], []
        for emb, mask, types in self._chunks(embeddings, attention_mask, token_type_ids):
            emb = emb.detach().requires_grad_(True)
            with torch.enable_grad():
                out = explained_output(self.adapter.logits(emb, mask, types), self.target, self.output)
                (grad,) = torch.autograd.grad(out.sum(), emb)
            grads.append(grad)
            outs.append(out.detach())
        return torch.cat(grads), torch.cat(outs)

    @cached_property
    def input_gradient(self) -> tuple[torch.Tensor, float]:
        """(∂S/∂e at the input, shape (L, D); S(x)): shared by every gradient method."""
        grad, out = self.gradients(self.embeddings)
        return grad[0], float(out[0])

    @cached_property
    def input_output(self) -> float:
        """S(x) for the unperturbed input."""
        if "input_gradient" in self.__dict__:
            return self.input_gradient[1]
        return float(self.outputs(self.embeddings)[0])
