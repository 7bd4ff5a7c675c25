"""The ModelAdapter contract: the only way methods talk to a model.

A method never touches the raw model. It asks the adapter to ``encode`` text, to ``embed`` token
ids into input embeddings, and to map (perturbed) embeddings to ``logits``. A new architecture
therefore needs one new adapter, not edits in every method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

#: capability flags an adapter may declare; methods list the ones they need in ``requires``
EMBEDDINGS = "embeddings"  # differentiable input embeddings (every gradient method)
MASK_TOKEN = "mask_token"  # a [MASK] token exists (MASK baselines, masked-LM methods)
PROPAGATION = "propagation"  # propagation_logits(..., rule): a forward pass whose backward follows
#                              an LRP or DeepLIFT rule (lrp, deeplift)
ATTENTION = "attention"  # attentions(...): the model's attention distributions (attention)
RECURRENT = "recurrent"  # recurrent_states(...): a plain GRU/LSTM encoder's gates and states (reat)


@dataclass(frozen=True)
class Encoded:
    """One tokenized input: token ids and how tokens group into words.

    ``word_index[i]`` is the word that token ``i`` belongs to, or -1 for a special token.
    ``token_type_ids`` is ``None`` for models that do not use segments.
    """

    input_ids: torch.Tensor  # (1, L) long, on the adapter's device
    attention_mask: torch.Tensor  # (1, L) long
    token_type_ids: torch.Tensor | None
    tokens: list[str]
    words: list[str]
    word_index: np.ndarray
    special_mask: np.ndarray
    truncated_tokens: int = 0

    @property
    def length(self) -> int:
        return int(self.input_ids.shape[1])


@runtime_checkable
class ModelAdapter(Protocol):
    """What every model wrapper provides (see ``hf.HFAdapter`` and ``word.WordModelAdapter``)."""

    name: str
    class_names: list[str]
    device: torch.device
    capabilities: frozenset[str]
    pad_id: int
    unk_id: int
    mask_id: int | None

    def encode(self, text: str, text_pair: str | None = None) -> Encoded: ...

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(B, L) ids → (B, L, D) input embeddings (the layer attributions are taken at)."""

    def logits(
        self,
        embeddings: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, L, D) embeddings → (B, C) class logits."""

    def parameters_frozen(self):
        """A context manager in which the model's parameters need no gradient (restored after)."""


class frozen_parameters:
    """Temporarily set ``requires_grad=False`` on a module's parameters, then restore each flag.

    Attribution only needs gradients with respect to the inputs; frozen parameters let autograd
    skip saving activations for weight gradients, which saves memory on long IG batches.
    """

    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.flags: list[tuple[torch.nn.Parameter, bool]] = []

    def __enter__(self):
        self.flags = [(p, p.requires_grad) for p in self.module.parameters()]
        for p, _ in self.flags:
            p.requires_grad_(False)
        return self.module

    def __exit__(self, *exc):
        for p, flag in self.flags:
            p.requires_grad_(flag)
        return False
