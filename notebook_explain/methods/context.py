"""One input's shared state for all methods of an ``explain`` call.

The context owns the batched passes: ``logits`` (and ``outputs``, the explained scalar S of each
row) runs forward passes and ``weighted_gradient`` forward+backward passes over any number of rows
(built lazily, ``Rows``),
in chunks of at most ``batch_size`` rows and ``max_batch_tokens`` tokens, on the adapter's device,
and asks ``Batching.check`` before each chunk, so a cancelled request stops at the next batch.
The input's own forward pass (``input_pass.py``) is run once, with autograd on: it gives the
prediction, S(x), and (through one backward) the input gradient shared by every gradient-family
method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from ..errors import ExplainError
from ..models.base import LAYERS, Encoded, ModelAdapter, head_of
from ..outputs import explained_output
from ..perturb import delete_tokens, replace_tokens
from .input_pass import InputPass

#: how ``removed_rows`` takes a token out: deleted, or replaced by [MASK] or the unknown token
REMOVALS = ("delete", "mask", "unk")
#: the layer every method attributes at unless told otherwise: the word-embedding lookup
WORD_EMBEDDINGS = "word_embeddings"


@dataclass(frozen=True)
class Rows:
    """``n`` rows of model input, built a chunk at a time: ``build(start, stop)`` → (embeddings,
    attention mask or None, token types or None) of rows ``start..stop``. A method with a path or
    sample dimension hands its rows over this way, so no more than one chunk exists at once."""

    n: int
    build: Callable[[int, int], tuple]

    @classmethod
    def of(cls, embeddings: torch.Tensor) -> Rows:
        """The rows of a (B, L, D) tensor with the input's mask and token types."""
        return cls(len(embeddings), lambda a, b: (embeddings[a:b], None, None))


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

    ``target`` is the explained class (``None``: the predicted one), ``contrast`` the class it is
    explained against (``None``: none; ``outputs.explained_output``); ``span_levels`` the phrase
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
        contrast: int | None = None,
        span_levels: Mapping[str, list[tuple[int, int]]] | None = None,
        likelihoods=None,
        batching: Batching = Batching(),
        input_pass: tuple[InputPass, int] | None = None,
    ):
        self.adapter = adapter
        #: how the model's logits become probabilities ("softmax" or "sigmoid", ``outputs.py``)
        self.head = head_of(adapter)
        self.encoded = encoded
        self.output = output
        self.batching = batching
        self.rows_per_pass = max(
            1, min(batching.batch_size, batching.max_batch_tokens // encoded.length)
        )
        self.span_levels = dict(span_levels or {})
        self.likelihoods = likelihoods
        #: the input's own forward pass (``input_pass.py``) and its row there: given when it
        #: ran in a batch with other texts (``explain_many``), else run here for this input
        self._pass, self._row = input_pass or (
            InputPass(adapter, [encoded], output, target, contrast),
            0,
        )
        self.embeddings = self._pass.embeddings[self._row]  # (1, L, D)
        self._logits = self._pass.logits(self._row)
        self.target = self._pass.targets[self._row]
        self.contrast = contrast

    @property
    def probabilities(self):
        return self._pass.probabilities[self._row]

    def token_embedding(self, token_id: int) -> torch.Tensor:
        """The (D,) input embedding of one token id (UNK, PAD, MASK replacements)."""
        with torch.no_grad():
            return self.adapter.embed(torch.tensor([[token_id]], device=self.embeddings.device))[
                0, 0
            ]

    @property
    def length(self) -> int:
        return self.encoded.length

    def _chunks(self, rows):
        """(embeddings, attention mask, token types) of each chunk of ``rows`` (a ``Rows`` or a
        (B, L, D) tensor of the input's length), built only when its pass runs; the input's own
        mask and types fill in where the rows bring none."""
        if isinstance(rows, torch.Tensor):
            rows = Rows.of(rows)
        for start in range(0, rows.n, self.rows_per_pass):
            if self.batching.check is not None:
                self.batching.check()
            emb, mask, types = rows.build(start, min(start + self.rows_per_pass, rows.n))
            if mask is None:
                mask = self.encoded.attention_mask.expand(len(emb), -1)
                if self.encoded.token_type_ids is not None:
                    types = self.encoded.token_type_ids.expand(len(emb), -1)
            yield emb, mask, types

    def deleted_rows(self, keep: torch.Tensor) -> Rows:
        """One row per row of the (B, L) bool ``keep``: the input with the tokens where it is
        False deleted (``perturb.delete_tokens``), built a chunk at a time."""
        encoded, side = self.encoded, getattr(self.adapter, "padding_side", "right")
        if side is None:
            raise ExplainError(
                "This model's output changes when its input is padded, on the left and on the "
                "right, so inputs with deleted tokens cannot share a batch faithfully: use a "
                "method or removal that replaces tokens (occlusion_zero, occlusion_unk, LIME with "
                "removal='unk', metrics with removal='zero' or 'unk')."
            )
        return Rows(
            len(keep),
            lambda a, b: delete_tokens(
                self.embeddings, encoded.attention_mask, encoded.token_type_ids, keep[a:b], side
            ),
        )

    def replaced_rows(self, replaced: torch.Tensor, replacement: torch.Tensor) -> Rows:
        """One row per row of the (B, L) bool ``replaced``: the input with those tokens taking
        ``replacement`` (``perturb.replace_tokens``), built a chunk at a time."""
        return Rows(
            len(replaced),
            lambda a, b: (replace_tokens(self.embeddings, replaced[a:b], replacement), None, None),
        )

    def removed_rows(self, keep: torch.Tensor, removal: str, method: str) -> Rows:
        """The rows of the (B, L) bool ``keep``, the tokens where it is False removed by
        ``removal``: deleted (``"delete"``), or replaced by [MASK] (``"mask"``) or the unknown
        token (``"unk"``); ``method`` is named in the error of a model without a [MASK]."""
        if removal == "delete":
            return self.deleted_rows(keep)
        token_id = self.adapter.mask_id if removal == "mask" else self.adapter.unk_id
        if token_id is None:
            raise ExplainError(
                f"{method}: this model's tokenizer has no [MASK] token; use removal='unk' or "
                "'delete'."
            )
        return self.replaced_rows(~keep, self.token_embedding(token_id))

    def logits(self, rows) -> torch.Tensor:
        """The (B, C) class logits of every row (a ``Rows`` or a (B, L, D) tensor), without
        autograd."""
        with torch.no_grad():
            return torch.cat([self.adapter.logits(*chunk) for chunk in self._chunks(rows)])

    def outputs(self, rows) -> torch.Tensor:
        """S(x) for every row (a ``Rows`` or a (B, L, D) tensor), as a (B,) tensor."""
        return explained_output(
            self.logits(rows), self.target, self.output, self.head, self.contrast
        )

    def row_gradients(self, rows, layer: str = WORD_EMBEDDINGS):
        """For each chunk of ``rows``: (its values, ∂S/∂value of each of its rows, S of each
        row), from one forward+backward pass per chunk. The rows are input embeddings, or with
        ``layer`` the outputs that stand in for that inner layer's while the input runs."""
        for values, mask, types in self._chunks(rows):
            values = values.detach().requires_grad_(True)
            with torch.enable_grad():
                if layer == WORD_EMBEDDINGS:
                    logits = self.adapter.logits(values, mask, types)
                else:
                    inputs = self.embeddings.expand(len(values), -1, -1)
                    with self.adapter.layer_output(layer, values):
                        logits = self.adapter.logits(inputs, mask, types)
                out = explained_output(logits, self.target, self.output, self.head, self.contrast)
                (grad,) = torch.autograd.grad(out.sum(), values)
            yield values.detach(), grad, out.detach()

    def check_layer(self, layer: str, method: str) -> None:
        """An ``ExplainError`` unless ``layer`` is the word embeddings or one of the adapter's
        attributable ``layers``."""
        layers = getattr(self.adapter, "layers", ()) if LAYERS in self.adapter.capabilities else ()
        if layer != WORD_EMBEDDINGS and layer not in layers:
            raise ExplainError(
                f"{method}: this model has no layer {layer!r}; choose one of "
                f"{', '.join([WORD_EMBEDDINGS, *layers])}."
            )

    def layer_activation(self, layer: str, embeddings: torch.Tensor) -> torch.Tensor:
        """The (1, L, H) output of inner ``layer`` when the model reads (1, L, D) ``embeddings``."""
        encoded = self.encoded
        with torch.no_grad(), self.adapter.layer_output(layer) as captured:
            self.adapter.logits(embeddings, encoded.attention_mask, encoded.token_type_ids)
        return captured[0].detach()

    def weighted_gradient(
        self, rows, weights: torch.Tensor, layer: str = WORD_EMBEDDINGS
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ_k weights[k] · ∂S/∂e of row k, shape (L, D); S of every row, shape (B,)): the
        weighted sum accumulated chunk by chunk (``row_gradients``), so memory is set by the
        batch limits, not by the number of rows. The sum is accumulated in at least float32, so
        a float16 or bfloat16 model's many small terms are not rounded away."""
        total, outs, start = None, [], 0
        for _, grad, out in self.row_gradients(rows, layer):
            wide = torch.promote_types(grad.dtype, torch.float32)
            chunk = torch.einsum(
                "k,kld->ld", weights[start : start + len(grad)].to(wide), grad.to(wide)
            )
            total = chunk if total is None else total + chunk
            outs.append(out)
            start += len(grad)
        return total, torch.cat(outs)

    @property
    def input_gradient(self) -> tuple[torch.Tensor, float]:
        """(∂S/∂e at the input, shape (L, D); S(x)): one backward through the input's forward pass
        (shared with the other texts of its batch)."""
        return self._pass.gradient(self._row)

    @property
    def input_output(self) -> float:
        """S(x) for the unperturbed input."""
        return float(
            explained_output(self._logits, self.target, self.output, self.head, self.contrast)[0]
        )
