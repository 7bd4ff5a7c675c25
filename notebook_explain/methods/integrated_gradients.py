"""Integrated gradients (Sundararajan et al. 2017; survey eq. 10) at the word-embedding layer.

    IG_i = Σ_d (e_id − ē_id) · ∫₀¹ ∂S_y(ē + α(e − ē))/∂e_id dα

The integral uses a quadrature rule (``quadrature.py``); all steps, and the baseline itself, go
through the model as batched forward+backward passes, built and summed a chunk at a time, so
memory does not grow with the steps. Special tokens keep their own embedding in the baseline, so
their score is 0. With ``layer`` the path runs instead between the outputs an inner layer gives
for the baseline and for the input (Captum's LayerIntegratedGradients), and completeness holds
at that layer (every position's output then mixes all tokens, so special tokens score too).
Completeness says Σ_i IG_i = S_y(e) − S_y(ē), and it is checked on every call
(``identity.py``: within 1 % of S_y(e) − S_y(ē)). With ``steps="auto"`` (the default) the
quadrature is refined until it holds, and the steps used are reported: 16, 32 and 64 points of
the chosen rule, then 128, 256 and 512 of ``gausslegendre_graded``, whose panels shrink toward
the baseline (``quadrature.py``: the models that normalise the embeddings at once change their
output in a sliver next to a zero baseline, which uniform rules step over); when the cap stops it short, or a fixed ``steps`` falls short, a
warning names the gap and the scores' check says it failed: the integral has not converged.
"""

from __future__ import annotations

import warnings

import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS
from .base import LAYER, Attribution, Method, Param, register
from .context import WORD_EMBEDDINGS, Rows
from .identity import describe, identity_check
from .quadrature import RULES, quadrature

BASELINES = ("zero", "pad", "mask")
#: ``steps="auto"``'s paths, tried in turn until completeness holds: the chosen rule (None) at
#: these sizes, then the graded rule
AUTO_STEPS = ((None, 16), (None, 32), (None, 64), ("gausslegendre_graded", 128))
AUTO_STEPS += (("gausslegendre_graded", 256), ("gausslegendre_graded", 512))
AUTO_MAX_STEPS = AUTO_STEPS[-1][1]
#: the rows ``estimate`` counts for ``steps="auto"``: its first round, where most models stop
AUTO_EXPECTED_ROWS = AUTO_STEPS[0][1] + 1


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
            "auto",
            "Number of points on the path from the baseline to the input; auto: as many as "
            f"completeness needs (16 to {AUTO_MAX_STEPS}, until the scores sum to "
            "S(input) − S(baseline) within 1 %).",
            low=1,
            high=2000,
            words=("auto",),
        ),
        "rule": Param("gausslegendre", "Quadrature rule for the path integral.", choices=RULES),
        "baseline": Param(
            "zero", "Embedding that replaces each non-special token at α = 0.", choices=BASELINES
        ),
        "layer": LAYER,
    }

    backward = True

    def rows(self, size, steps, layer: str = WORD_EMBEDDINGS, **_) -> int:
        # the path, and the baseline; at an inner layer also the two passes that read its outputs
        path = AUTO_EXPECTED_ROWS if steps == "auto" else steps + 1
        return path + (0 if layer == WORD_EMBEDDINGS else 2)

    def attribute(self, ctx, steps, rule: str, baseline: str, layer: str) -> Attribution:
        ctx.check_layer(layer, self.name)
        x, base = ctx.embeddings, baseline_embeddings(ctx, baseline)
        if layer != WORD_EMBEDDINGS:  # the path runs between the layer's two outputs
            x, base = ctx.layer_activation(layer, x), ctx.layer_activation(layer, base)
        for path_rule, n in AUTO_STEPS if steps == "auto" else ((rule, steps),):
            path_rule = path_rule or rule
            scores, output_baseline = _integrate(ctx, x, base, n, path_rule, layer)
            check = identity_check(
                "completeness",
                scores.sum(),
                ctx.input_output - output_baseline,
                ctx.input_output,
                output_baseline,
            )
            if check["ok"]:
                break
        check["steps"], check["rule"] = n, path_rule
        if not check["ok"]:
            if steps == "auto":
                advice = (
                    f"the auto cap of {AUTO_MAX_STEPS} steps stopped it. Its scores are marked "
                    "as failing completeness; try more steps (up to 2000) or another baseline"
                )
            else:
                advice = f'steps={n}. Use steps="auto" to refine the path until it holds'
            warnings.warn(
                f"integrated_gradients has not converged: {describe(check)} with {advice}.",
                stacklevel=2,
            )
        return Attribution(
            scores,
            {
                "steps_used": n,
                "rule_used": path_rule,
                "output_input": ctx.input_output,
                "output_baseline": output_baseline,
                "completeness_gap": check["gap"],
                "completeness_gap_relative": check["relative"],
            },
            checks={"identity": check},
        )


def _integrate(ctx, x, base, steps: int, rule: str, layer: str):
    """(IG's token scores with ``steps`` points of ``rule``, S_y(baseline))."""
    alphas, weights = quadrature(rule, steps)
    dtype, device = x.dtype, x.device
    # the baseline rides along as one more row (α = 0, weight 0), so S(baseline) needs no
    # pass of its own; the path's rows are built a chunk at a time
    alpha = torch.as_tensor([*alphas, 0.0], dtype=dtype, device=device)[:, None, None]
    weight = torch.as_tensor([*weights, 0.0], dtype=dtype, device=device)
    path = Rows(steps + 1, lambda a, b: (base + alpha[a:b] * (x - base), None, None))
    avg_grad, outs = ctx.weighted_gradient(path, weight, layer)
    scores = ((x[0] - base[0]).to(avg_grad.dtype) * avg_grad).sum(-1).double().cpu().numpy()
    return scores, float(outs[-1])


register(IntegratedGradients())
