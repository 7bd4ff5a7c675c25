"""Propagation-family methods (survey §4.1.3–4.1.4): LRP-ε (eq. 12) and DeepLIFT rescale (eq. 13).

Both explain the target logit S_y through one backward pass of the adapter's
``propagation_logits``, a forward pass whose nonlinear ops follow the rule (``propagation/``), so
that the gradient g w.r.t. the word embeddings carries the rule's multipliers. Per token:

* ``lrp``: R_i = Σ_d e_id · g_id. The relevance not given to the tokens, ``unexplained`` =
  S_y(x) − Σ_i R_i, is absorbed by the biases (in a Transformer also by the position and segment
  embeddings and the LayerNorm shifts) and by ε; at ε = 0 it is exactly the biases' relevance.
  Special tokens ([CLS], [SEP]) are inputs like any other and keep their relevance.
* ``deeplift``: C_i = Σ_d (e_id − ē_id) · g_id against the reference ē of integrated gradients'
  ``baseline`` (special tokens keep their embedding, so they score 0). Summation-to-delta:
  Σ_i C_i = S_y(x) − S_y(ē) when the rules are exact for every op of the model. It is checked on
  every call (``identity.py``): where it fails (an op the rules do not linearise exactly on
  this model), DeepLIFT refuses the input with an ``ExplainError`` instead of returning scores
  that do not add up.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS, PROPAGATION
from ..propagation import EpsilonRule, RescaleRule, Rule
from .base import Attribution, Method, Param, register
from .identity import identity_check, refuse_unless_exact
from .integrated_gradients import BASELINES, baseline_embeddings


def _check_logit(ctx, method: str):
    if ctx.output != "logit":
        raise ExplainError(
            f"{method} explains the target class's logit (its relevances add up to it), not the "
            f"{ctx.output}; use output='logit'."
        )


def _rule_gradient(ctx, rows: torch.Tensor, rule: Rule) -> tuple[torch.Tensor, torch.Tensor]:
    """(∂S_y/∂e of the first row under ``rule``, shape (L, D); S_y of every row): one pass.

    The rows (the input, then its reference for DeepLIFT) form a single batch: the rule needs them
    together, and there are at most two.
    """
    n = rows.shape[0]
    types = ctx.encoded.token_type_ids
    rows = rows.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = ctx.adapter.propagation_logits(
            rows,
            ctx.encoded.attention_mask.expand(n, -1),
            None if types is None else types.expand(n, -1),
            rule,
        )[:, ctx.target]
        (grad,) = torch.autograd.grad(logits[0], rows)
    return grad[0], logits.detach()


def _token_sums(difference: torch.Tensor, grad: torch.Tensor):
    return (difference.double() * grad.double()).sum(-1).cpu().numpy()


class LRP(Method):
    name = "lrp"
    family = "propagation"
    contrastive = False
    signed = True
    requires = frozenset({EMBEDDINGS, PROPAGATION})
    description = (
        "Layer-wise relevance propagation, ε-rule (Bach et al. 2015); gates and attention "
        "weights pass relevance on unchanged (Arras et al. 2017, Ali et al. 2022)."
    )
    params: ClassVar[dict[str, Param]] = {
        "epsilon": Param(
            0.001,
            "Stabiliser added to every activation's input; larger values absorb more relevance.",
            low=0.0,
            high=1.0,
        )
    }

    backward = True

    def rows(self, size, **_) -> int:
        return 1  # one pass under the rule

    def attribute(self, ctx, epsilon: float) -> Attribution:
        _check_logit(ctx, self.name)
        x = ctx.embeddings
        grad, logits = _rule_gradient(ctx, x, EpsilonRule(epsilon))
        scores = _token_sums(x[0], grad)
        relevance_sum, target_logit = float(scores.sum()), float(logits[0])
        return Attribution(
            scores,
            {
                "relevance_sum": relevance_sum,
                "target_logit": target_logit,
                "unexplained": target_logit - relevance_sum,
            },
        )


class DeepLift(Method):
    name = "deeplift"
    family = "propagation"
    contrastive = False
    signed = True
    requires = frozenset({EMBEDDINGS, PROPAGATION})
    description = (
        "DeepLIFT, rescale rule (Shrikumar et al. 2017): contributions of each token's difference "
        "from a reference, summing to the logit's difference."
    )
    params: ClassVar[dict[str, Param]] = {
        "baseline": Param(
            "zero", "Reference embedding for each non-special token.", choices=BASELINES
        ),
    }

    backward = True

    def rows(self, size, **_) -> int:
        return 2  # the input and its reference, under the rule

    def attribute(self, ctx, baseline: str) -> Attribution:
        _check_logit(ctx, self.name)
        x, reference = ctx.embeddings, baseline_embeddings(ctx, baseline)
        grad, logits = _rule_gradient(ctx, torch.cat([x, reference]), RescaleRule(1))
        scores = _token_sums(x[0] - reference[0], grad)
        output_input, output_baseline = float(logits[0]), float(logits[1])
        check = identity_check(
            "summation-to-delta",
            scores.sum(),
            output_input - output_baseline,
            output_input,
            output_baseline,
        )
        refuse_unless_exact(
            self.name,
            check,
            "integrated_gradients with the same baseline explains the same difference exactly "
            "(its steps are refined until it adds up), and lrp conserves relevance",
        )
        return Attribution(
            scores,
            {
                "output_input": output_input,
                "output_baseline": output_baseline,
                "summation_gap": check["gap"],
            },
            checks={"identity": check},
        )


register(LRP())
register(DeepLift())
