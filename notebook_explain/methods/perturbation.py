"""Perturbation-family methods (survey §4.1.2, eq. 11): Score(x_i) = S_y(x) − S_y(x with token i perturbed).

* ``occlusion_zero``: the token's embedding is replaced by zeros (Li et al. 2016's erasure,
  the LOO of signed-gradient-x-input.md eq. 7);
* ``occlusion_unk``: the token is replaced by the unknown-word token;
* ``leave_one_out``: the token is removed from the sequence (survey eq. 11).

Special tokens are never perturbed; their score is 0. All perturbed inputs of one method go
through the model as batched forward passes, built by ``perturb`` (through the context).
"""

from __future__ import annotations

import numpy as np
import torch

from ..models.base import EMBEDDINGS
from .base import Attribution, Method, register


def _positions(ctx) -> np.ndarray:
    return np.flatnonzero(~ctx.encoded.special_mask)


def _scores(ctx, positions, perturbed_outputs: torch.Tensor) -> np.ndarray:
    scores = np.zeros(ctx.length)
    scores[positions] = ctx.input_output - perturbed_outputs.double().cpu().numpy()
    return scores


class Occlusion(Method):
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})

    def __init__(self, name: str, replacement: str, description: str):
        self.name, self.replacement, self.description = name, replacement, description

    def attribute(self, ctx) -> Attribution:
        positions = _positions(ctx)
        if self.replacement == "zero":
            vector = torch.zeros_like(ctx.embeddings[0, 0])
        else:
            vector = ctx.token_embedding(ctx.adapter.unk_id)
        occluded = torch.zeros(len(positions), ctx.length, dtype=torch.bool)
        occluded[torch.arange(len(positions)), torch.as_tensor(positions)] = True
        return Attribution(
            _scores(ctx, positions, ctx.outputs(ctx.replaced_rows(occluded, vector)))
        )


class LeaveOneOut(Method):
    name = "leave_one_out"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = "Change in the output when the token is deleted from the sequence."

    def attribute(self, ctx) -> Attribution:
        positions = _positions(ctx)
        keep = torch.ones(len(positions), ctx.length, dtype=torch.bool)
        keep[torch.arange(len(positions)), torch.as_tensor(positions)] = False
        return Attribution(_scores(ctx, positions, ctx.outputs(ctx.deleted_rows(keep))))


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
register(LeaveOneOut())
