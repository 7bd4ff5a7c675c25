"""Gradient-family methods, all reductions of one shared gradient ∂S_y/∂e (survey §4.1.1).

For token i with embedding e_i and gradient g_i = ∂S_y/∂e_i:

* ``saliency_l1``, ``saliency_l2``, ``saliency_linf``: ‖g_i‖ with q = 1, 2, ∞
  (sensitivity analysis, Du & Xu, signed-gradient-x-input.md eq. 3; survey eq. 8);
* ``saliency_sum``: Σ_d g_id, the raw-gradient variant |SA|_raw of the same paper;
* ``grad_input``: |Σ_d e_id g_id| (survey eq. 9, Denil et al. 2014);
* ``signed_grad_input``: Σ_d e_id g_id. This is SignedGI (signed-gradient-x-input.md eq. 6,
  s_w = −Σ ∂l_y/∂e · e with l_y = −S_y): positive means the token supports the target.

The two gradient × input methods take ``layer``: the same product with an inner layer's output h
in place of e (Captum's LayerGradientXActivation), Σ_d h_id ∂S_y/∂h_id.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..models.base import EMBEDDINGS
from .base import LAYER, Attribution, Method, register
from .context import WORD_EMBEDDINGS, Rows


class GradientReduction(Method):
    family = "gradient"
    requires = frozenset({EMBEDDINGS})

    def __init__(
        self,
        name: str,
        reduce: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        signed: bool,
        description: str,
        layers: bool = False,
    ):
        self.name, self.reduce, self.signed, self.description = name, reduce, signed, description
        #: gradient × input at an inner layer's output too (``layer``; Captum's
        #: LayerGradientXActivation); the norms read the word embeddings' gradient only
        self.params = {"layer": LAYER} if layers else {}

    def rows(self, size, layer: str = WORD_EMBEDDINGS, **_) -> int:
        # the input's own backward serves the word embeddings; an inner layer needs a pass that
        # reads its output and one forward+backward through it
        return 0 if layer == WORD_EMBEDDINGS else 2

    def attribute(self, ctx, layer: str = WORD_EMBEDDINGS) -> Attribution:
        if layer == WORD_EMBEDDINGS:
            grad, _ = ctx.input_gradient
            values = ctx.embeddings[0]
        else:
            ctx.check_layer(layer, self.name)
            activation = ctx.layer_activation(layer, ctx.embeddings)
            grad, _ = ctx.weighted_gradient(Rows.of(activation), activation.new_ones(1), layer)
            values = activation[0].to(grad.dtype)
        return Attribution(self.reduce(grad, values).double().cpu().numpy())


#: the registered reductions by name (``noise_tunnel.py`` averages any of them)
REDUCTIONS: dict[str, GradientReduction] = {}

for _name, _reduce, _signed, _description, _layers in [
    (
        "saliency_l1",
        lambda g, e: g.abs().sum(-1),
        False,
        "L1 norm of the gradient w.r.t. the token embedding.",
        False,
    ),
    (
        "saliency_l2",
        lambda g, e: g.norm(dim=-1),
        False,
        "L2 norm of the gradient w.r.t. the token embedding.",
        False,
    ),
    (
        "saliency_linf",
        lambda g, e: g.abs().amax(-1),
        False,
        "L∞ norm of the gradient w.r.t. the token embedding.",
        False,
    ),
    (
        "saliency_sum",
        lambda g, e: g.sum(-1),
        True,
        "Sum of the raw gradient over embedding dimensions (|SA|raw).",
        False,
    ),
    (
        "grad_input",
        lambda g, e: (g * e).sum(-1).abs(),
        False,
        "|gradient · embedding| (unsigned gradient × input).",
        True,
    ),
    (
        "signed_grad_input",
        lambda g, e: (g * e).sum(-1),
        True,
        "SignedGI: gradient · embedding; positive means the token supports the target.",
        True,
    ),
]:
    REDUCTIONS[_name] = register(GradientReduction(_name, _reduce, _signed, _description, _layers))
