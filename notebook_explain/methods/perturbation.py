"""Perturbation-family methods (survey §4.1.2, eq. 11): Score(x_i) = S_y(x) − S_y(x with token i perturbed).

* ``occlusion_zero``: the token's embedding is replaced by zeros (Li et al. 2016's erasure,
  the LOO of signed-gradient-x-input.md eq. 7);
* ``occlusion_unk``: the token is replaced by the unknown-word token;
* ``occlusion_mask``: the token is replaced by [MASK], the in-distribution "missing" token of a
  masked-LM-pretrained encoder (models whose tokenizer has none do not offer it);
* ``leave_one_out``: the token is removed from the sequence (survey eq. 11).

With ``unit="word"`` a whole word (all its sub-word tokens) is perturbed at once, and its score
is shared evenly by its tokens, so the word's summed score is S_y(x) − S_y(x with the word
perturbed). ``unit="phrase"`` or ``"clause"`` perturbs a span of the input's span levels at once,
a feature group (Captum's ``feature_mask``): the spans of ``explain(spans=...)`` when given, so any
grouping of consecutive words can be asked for, else SST's parse or the chunker's. Its span's
summed score is S_y(x) − S_y(x with the span perturbed). Special tokens are never perturbed; their score is 0. All perturbed inputs of one
method go through the model as batched forward passes, built by ``perturb`` (through the context).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from ..models.base import EMBEDDINGS, MASK_TOKEN
from .base import Attribution, Method, Param, register

UNITS = ("token", "word", "phrase", "clause")
UNIT = Param(
    "token",
    "Perturb one sub-word token at a time, whole words, or whole phrases or clauses (a unit's "
    "tokens at once: fewer passes, and the units users read; a unit's score is shared evenly "
    "by its tokens).",
    choices=UNITS,
)


def unit_count(size, unit: str) -> int:
    """How many units an input of ``size`` has (``InputSize``)."""
    if unit in ("phrase", "clause"):
        return len((size.span_levels or {}).get(unit) or [(0, size.words)])
    return size.words if unit == "word" else size.perturbable


def _units(ctx, unit: str) -> np.ndarray:
    """A (U, L) bool matrix: the tokens of each perturbed unit (special tokens never)."""
    word_index = np.asarray(ctx.encoded.word_index)
    if unit == "word":
        words = np.unique(word_index[word_index >= 0])
        return word_index[None, :] == words[:, None]
    if unit in ("phrase", "clause"):
        n = int(word_index.max()) + 1
        spans = ctx.span_levels.get(unit) or [(0, n)]
        return np.array([(word_index >= a) & (word_index < b) for a, b in spans])
    positions = np.flatnonzero(~ctx.encoded.special_mask)
    units = np.zeros((len(positions), ctx.length), dtype=bool)
    units[np.arange(len(positions)), positions] = True
    return units


def _scores(ctx, units: np.ndarray, perturbed_outputs: torch.Tensor) -> np.ndarray:
    """S(x) − S(x with the unit perturbed), shared evenly by the unit's tokens."""
    drops = ctx.input_output - perturbed_outputs.double().cpu().numpy()
    return (units * (drops / units.sum(1))[:, None]).sum(0)


class Occlusion(Method):
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    params: ClassVar[dict[str, Param]] = {"unit": UNIT}

    def __init__(self, name: str, replacement: str, description: str):
        self.name, self.replacement, self.description = name, replacement, description
        if replacement == "mask":
            self.requires = self.requires | {MASK_TOKEN}

    def rows(self, size, unit: str) -> int:
        return unit_count(size, unit)

    def attribute(self, ctx, unit: str) -> Attribution:
        units = _units(ctx, unit)
        if self.replacement == "zero":
            vector = torch.zeros_like(ctx.embeddings[0, 0])
        else:
            adapter = ctx.adapter
            vector = ctx.token_embedding(
                adapter.mask_id if self.replacement == "mask" else adapter.unk_id
            )
        occluded = torch.as_tensor(units, device=ctx.embeddings.device)
        return Attribution(_scores(ctx, units, ctx.outputs(ctx.replaced_rows(occluded, vector))))


class LeaveOneOut(Method):
    name = "leave_one_out"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Change in the output when the token (or word, phrase, clause) is deleted from the "
        "sequence."
    )
    params: ClassVar[dict[str, Param]] = {"unit": UNIT}

    def rows(self, size, unit: str) -> int:
        return unit_count(size, unit)

    def attribute(self, ctx, unit: str) -> Attribution:
        units = _units(ctx, unit)
        keep = torch.as_tensor(~units, device=ctx.embeddings.device)
        return Attribution(_scores(ctx, units, ctx.outputs(ctx.deleted_rows(keep))))


register(
    Occlusion(
        "occlusion_zero", "zero", "Change in the output when the token's embedding is set to zero."
    )
)
register(
    Occlusion(
        "occlusion_unk",
        "unk",
        "Change in the output when the token is replaced by the unknown token.",
    )
)
register(
    Occlusion(
        "occlusion_mask",
        "mask",
        "Change in the output when the token is replaced by [MASK] (masked-LM encoders).",
    )
)
register(LeaveOneOut())
