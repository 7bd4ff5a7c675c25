"""Attention weights as token scores: one head, the mean over heads, or attention rollout.

Not a faithful attribution. Attention mixes hidden states, and a hidden state carries information
from many inputs, not only its own token: Jain & Wallace (2019, "Attention is not Explanation")
found attention weakly correlated with gradient and leave-one-out importance, and very different
distributions giving the same prediction; Meister et al. (2021, "Is Sparse Attention more
Interpretable?") found that sparse normalizers (sparsemax, sparsegen) do not pick out a small set
of influential inputs, and that the correlation with input importance falls as sparsity rises.

With A^(l,h) the attention probabilities of layer l, head h (rows: queries, columns: tokens) and
q the classification position ([CLS], query 0, for BERT-style models; the last position for a
decoder classifier such as GPT-2, which pools its last token; the single query of an attention
classifier such as ``bilstm_attention``), the scores of the tokens are:

* ``raw``: A^(l,h)[q, :];
* ``mean_heads``: (1/H) Σ_h A^(l,h)[q, :];
* ``rollout`` (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"):
  Â^(l) = 0.5 · (1/H) Σ_h A^(l,h) + 0.5 · I with rows renormalised, R = Â^(l) ⋯ Â^(1) from the
  first layer up to layer l, and the scores R[q, :]. Rollout needs square self-attention.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import ExplainError
from ..models.base import ATTENTION, EMBEDDINGS
from .base import Attribution, Method, Param, register

MODES = ("mean_heads", "raw", "rollout")


def _resolve(name: str, value: int, count: int) -> int:
    """``value`` as an index into ``count`` items, negative values counting from the end."""
    if not -count <= value < count:
        raise ExplainError(
            f"attention: {name}={value} is out of range; this model has {count} {name}s, so "
            f"{name} must be in [{-count}, {count - 1}] (negative values count from the end)."
        )
    return value % count


def _numpy(tensor) -> np.ndarray:
    return tensor.double().cpu().numpy()


def rollout(head_means: np.ndarray) -> np.ndarray:
    """The (L, L) attention rollout of (layers, L, L) head-averaged attention, first layer first."""
    identity = np.eye(head_means.shape[-1])
    flow = identity
    for attention in head_means:
        mixed = 0.5 * attention + 0.5 * identity
        flow = (mixed / mixed.sum(-1, keepdims=True)) @ flow
    return flow


class Attention(Method):
    name = "attention"
    family = "attention"
    contrastive = False
    signed = False
    faithful = False
    requires = frozenset({EMBEDDINGS, ATTENTION})
    description = (
        "Attention weights of the classification position: one head, the mean over heads, or "
        "attention rollout (Abnar & Zuidema 2020). Not a faithful attribution: attention weighs "
        "hidden states, not inputs, and correlates weakly with input importance (Jain & Wallace "
        "2019); sparse attention does not fix this (Meister et al. 2021)."
    )
    params: ClassVar[dict[str, Param]] = {
        "mode": Param(
            "mean_heads",
            "raw: one head; mean_heads: the mean over the layer's heads; rollout: attention "
            "rollout through the layers up to this one.",
            choices=MODES,
        ),
        "layer": Param(-1, "Layer to read (0 = first; negative values count from the end)."),
        "head": Param(0, "Head to read in raw mode.", low=0),
    }

    def rows(self, size, **_) -> int:
        return 1  # one pass that returns the attention probabilities

    def attribute(self, ctx, mode: str, layer: int, head: int) -> Attribution:
        attentions = ctx.adapter.attentions(
            ctx.embeddings, ctx.encoded.attention_mask, ctx.encoded.token_type_ids
        )[0]  # (layers, heads, queries, L)
        layers, heads, queries, length = attentions.shape
        layer = _resolve("layer", layer, layers)
        # the classification position: an attention classifier's one query; an encoder's first
        # token; a decoder's last (the adapter's ``pooled_position``)
        last = getattr(ctx.adapter, "pooled_position", "first") == "last"
        query = length - 1 if queries == length and last else 0
        if mode == "raw":
            head = _resolve("head", head, heads)
            scores = _numpy(attentions[layer, head, query])
        elif mode == "mean_heads":
            scores = _numpy(attentions[layer, :, query].mean(0))
        else:
            if queries != length:
                raise ExplainError(
                    "attention: rollout needs self-attention (one query per token), but this "
                    f"model's attention is {queries} × {length} (queries × tokens); use "
                    "mode='mean_heads' or 'raw'."
                )
            scores = rollout(_numpy(attentions[: layer + 1].mean(1)))[query]
        return Attribution(
            scores,
            {
                "mode": mode,
                "layer": layer,
                "head": head if mode == "raw" else None,
                "layers": layers,
                "heads": heads,
                "query": query,
                **getattr(ctx.adapter, "attention_normalizer", {}),
                "zero_weights": int((scores == 0).sum()),
                "special_tokens_weight": float(scores[ctx.encoded.special_mask].sum()),
            },
        )


register(Attention())
