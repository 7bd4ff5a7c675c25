"""The inputs' own forward pass: one text's, or several texts' padded into one batch.

It runs with autograd on and gives each input its class probabilities, its explained class and
(through one backward, on first use) ∂S/∂e at the input, which every gradient-family method
reads. ``Explainer.explain`` makes a pass of one text; ``Explainer.explain_many`` makes one pass
for as many texts as fit the batch limits, so the prediction and the gradient family cost one
forward and one backward per batch instead of per text. Rows are padded where the adapter pads
(``padding_side``): its construction checked that padding there leaves a row's logits unchanged.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import torch

from ..models.base import Encoded, ModelAdapter, head_of
from ..outputs import class_probabilities, explained_output
from ..perturb import pad_inputs


class InputPass:
    """The forward pass of the ``encoded`` inputs, explaining ``output`` for ``target`` (``None``:
    each input's predicted class) against ``contrast`` (``None``: none)."""

    def __init__(
        self,
        adapter: ModelAdapter,
        encoded: list[Encoded],
        output: str,
        target: int | None = None,
        contrast: int | None = None,
    ):
        self.output, self.contrast = output, contrast
        self.head = head_of(adapter)
        with torch.no_grad():
            #: each input's (1, L_i, D) word embeddings
            self.embeddings = [adapter.embed(e.input_ids).detach() for e in encoded]
        if len(encoded) == 1:
            (only,) = encoded
            rows, mask, types = self.embeddings[0], only.attention_mask, only.token_type_ids
            self._places = [slice(0, only.length)]
        else:
            types = [e.token_type_ids for e in encoded]
            rows, mask, types, self._places = pad_inputs(
                self.embeddings,
                [e.attention_mask for e in encoded],
                None if types[0] is None else types,
                getattr(adapter, "padding_side", "right") or "right",
            )
        self._leaf = rows.clone().requires_grad_(True)
        with torch.enable_grad():
            self._logits = adapter.logits(self._leaf, mask, types)
        #: (B, C) class probabilities of each input
        self.probabilities = (
            class_probabilities(self._logits.detach().double(), self.head).cpu().numpy()
        )
        #: each input's explained class
        self.targets = [
            int(np.argmax(p)) if target is None else int(target) for p in self.probabilities
        ]

    def logits(self, row: int) -> torch.Tensor:
        """Input ``row``'s (1, C) logits, without autograd."""
        return self._logits[row : row + 1].detach()

    def gradient(self, row: int) -> tuple[torch.Tensor, float]:
        """(∂S/∂e at input ``row``, shape (L, D); S there)."""
        grads, outs = self._gradients
        return grads[row, self._places[row]], float(outs[row])

    @cached_property
    def _gradients(self) -> tuple[torch.Tensor, torch.Tensor]:
        # the rows are independent, so the gradient of the sum gives every row's own
        out = torch.cat(
            [
                explained_output(self._logits[i : i + 1], t, self.output, self.head, self.contrast)
                for i, t in enumerate(self.targets)
            ]
        )
        (grad,) = torch.autograd.grad(out.sum(), self._leaf)
        return grad, out.detach()
