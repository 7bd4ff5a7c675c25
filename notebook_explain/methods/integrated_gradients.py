"""Integrated gradients (Sundararajan et al. 2017; survey eq. 10) at the word-embedding layer.

    IG_i = Σ_d (e_id − ē_id) · ∫₀¹ ∂S_y(ē + α(e − ē))/∂e_id dα

The integral uses a quadrature rule (``quadrature.py``); all steps, and the baseline itself, go
through the model as batched forward+backward passes, built and summed a chunk at a time, so
memory does not grow with the steps. Special tokens keep their own embedding in the baseline, so
their score is 0. With ``layer`` the path runs instead between the outputs an inner layer gives
for the baseline and for the input (Captum's LayerIntegratedGradients), and completeness holds
at that layer (every position's output then mixes all tokens, so special tokens score too).
Completeness says Σ_i IG_i = S_y(e) − S_y(ē); the gap is reported in ``info``,
and a warning says when it exceeds ``GAP_WARNING`` of S_y(e) − S_y(ē): the integral has not
converged, and more steps are needed.
"""

from __future__ import annotations

import math
import warnings

import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS
from .base import LAYER, Attribution, Method, Param, register
from .context import WORD_EMBEDDINGS, Rows
from .quadrature import RULES, quadrature

BASELINES = ("zero", "pad", "mask")
#: the relative completeness gap above which IG warns that its integral has not converged
GAP_WARNING = 0.05


def baseline_embeddings(ctx, baseline: str) -> torch.Tensor:
    """The (1, L, D) baseline: non-special tokens replaced by zeros, [PAD] or [MASK] embeddings."""
    if baseline == "zero":
        replacement = torch.zeros_like(ctx.embeddings)
    else:
        token_id = ctx.adapter.pad_id if baseline == "pad" else ctx.adapter.mask_id
        if token_id is None:
            raise ExplainError(
                f"This model's tokenizer has no {baseline} token; use baseline='zero' or 'pad'."
            )
        replacement = ctx.token_embedding(token_id)
    special = torch.as_tensor(ctx.encoded.special_mask, device=ctx.embeddings.device)[None, :, None]
    return torch.where(special, ctx.embeddings, replacement)


class IntegratedGradients(Method):
    name = "integrated_gradients"
    family = "gradient"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Path integral of gradients from a baseline to the input (Sundararajan et al. 2017)."
    )
    params = {
        "steps": Param(
            50, "Number of points on the path from the baseline to the input.", low=1, high=2000
        ),
        "rule": Param("gausslegendre", "Quadrature rule for the path integral.", choices=RULES),
        "baseline": Param(
            "zero", "Embedding that replaces each non-special token at α = 0.", choices=BASELINES
        ),
        "layer": LAYER,
    }

    backward = True

    def rows(self, size, steps: int, layer: str = WORD_EMBEDDINGS, **_) -> int:
        # the path, and the baseline; at an inner layer also the two passes that read its outputs
        return steps + 1 + (0 if layer == WORD_EMBEDDINGS else 2)

    def attribute(self, ctx, steps: int, rule: str, baseline: str, layer: str) -> Attribution:
        ctx.check_layer(layer, self.name)
        alphas, weights = quadrature(rule, steps)
        x, base = ctx.embeddings, baseline_embeddings(ctx, baseline)
        if layer != WORD_EMBEDDINGS:  # the path runs between the layer's two outputs
            x, base = ctx.layer_activation(layer, x), ctx.layer_activation(layer, base)
        dtype, device = x.dtype, x.device
        # the baseline rides along as one more row (α = 0, weight 0), so S(baseline) needs no
        # pass of its own; the path's rows are built a chunk at a time
        alpha = torch.as_tensor([*alphas, 0.0], dtype=dtype, device=device)[:, None, None]
        weight = torch.as_tensor([*weights, 0.0], dtype=dtype, device=device)
        path = Rows(steps + 1, lambda a, b: (base + alpha[a:b] * (x - base), None, None))
        avg_grad, outs = ctx.weighted_gradient(path, weight, layer)
        output_baseline, output_input = float(outs[-1]), ctx.input_output
        scores = ((x[0] - base[0]).to(avg_grad.dtype) * avg_grad).sum(-1).double().cpu().numpy()
        difference = output_input - output_baseline
        gap = float(scores.sum()) - difference
        relative = abs(gap) / max(abs(difference), 1e-12)
        if relative > GAP_WARNING and abs(difference) > 1e-6:
            # the quadrature error falls at least as 1/steps: this many steps bring it to 1 %
            needed = min(2000, math.ceil(steps * relative / 0.01))
            warnings.warn(
                f"integrated_gradients has not converged: its scores sum to {scores.sum():.4g} "
                f"but S(input) − S(baseline) = {difference:.4g} (a {relative:.0%} gap with "
                f"{steps} steps). Run it with more steps, e.g. steps={needed}.",
                stacklevel=2,
            )
        return Attribution(
            scores,
            {
                "output_input": output_input,
                "output_baseline": output_baseline,
                "completeness_gap": gap,
                "completeness_gap_relative": relative,
            },
        )


register(IntegratedGradients())
