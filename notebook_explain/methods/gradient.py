"""Gradient-family methods, all reductions of one shared gradient ∂S_y/∂e (survey §4.1.1).

For token i with embedding e_i and gradient g_i = ∂S_y/∂e_i:

* ``saliency_l1``, ``saliency_l2``, ``saliency_linf``: ‖g_i‖ with q = 1, 2, ∞
  (sensitivity analysis, Du & Xu, signed-gradient-x-input.md eq. 3; survey eq. 8);
* ``saliency_sum``: Σ_d g_id, the raw-gradient variant |SA|_raw of the same paper;
* ``grad_input``: |Σ_d e_id g_id| (survey eq. 9, Denil et al. 2014);
* ``signed_grad_input``: Σ_d e_id g_id. This is SignedGI (signed-gradient-x-input.md eq. 6,
  s_w = −Σ ∂l_y/∂e · e with l_y = −S_y): positive means the token supports the target.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..models.base import EMBEDDINGS
from .base import Attribution, Method, register


class GradientReduction(Method):
    family = "gradient"
    requires = frozenset({EMBEDDINGS})

    def __init__(
        self,
        name: str,
        reduce: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        signed: bool,
        description: str,
    ):
        self.name, self.reduce, self.signed, self.description = name, reduce, signed, description

    def attribute(self, ctx) -> Attribution:
        grad, _ = ctx.input_gradient
        return Attribution(self.reduce(grad, ctx.embeddings[0]).double().cpu().numpy())


#: the registered reductions by name (``noise_tunnel.py`` averages any of them)
REDUCTIONS: dict[str, GradientReduction] = {}

for _name, _reduce, _signed, _description in [
    (
        "saliency_l1",
        lambda g, e: g.abs().sum(-1),
        False,
        "L1 norm of the gradient w.r.t. the token embedding.",
    ),
    (
        "saliency_l2",
        lambda g, e: g.norm(dim=-1),
        False,
        "L2 norm of the gradient w.r.t. the token embedding.",
    ),
    (
        "saliency_linf",
        lambda g, e: g.abs().amax(-1),
        False,
        "L∞ norm of the gradient w.r.t. the token embedding.",
    ),
    (
        "saliency_sum",
        lambda g, e: g.sum(-1),
        True,
        "Sum of the raw gradient over embedding dimensions (|SA|raw).",
    ),
    (
        "grad_input",
        lambda g, e: (g * e).sum(-1).abs(),
        False,
        "|gradient · embedding| (unsigned gradient × input).",
    ),
    (
        "signed_grad_input",
        lambda g, e: (g * e).sum(-1),
        True,
        "SignedGI: gradient · embedding; positive means the token supports the target.",
    ),
]:
    REDUCTIONS[_name] = register(GradientReduction(_name, _reduce, _signed, _description))
