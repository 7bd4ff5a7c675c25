"""SmoothGrad and VarGrad: a gradient method's map averaged over noisy copies of the input.

SmoothGrad (Smilkov et al. 2017, eq. 2) is the mean of a gradient map M over n samples of the
input with Gaussian noise added, M̂(e) = (1/n) Σ_k M(e + ε_k); VarGrad (Adebayo et al. 2018,
"Local explanation methods for deep neural networks lack sensitivity to parameter values",
eq. 1) is their variance, (1/n) Σ_k (M(e + ε_k) − M̂(e))², which is never negative. M is any of the
gradient reductions (``gradient.py``: saliency norms, gradient × input), taken with the noisy
embedding, as Captum's NoiseTunnel does. The noise of token i has standard deviation
σ_i = ``noise`` · ‖e_i‖ / √D, so that its expected norm is about ``noise`` · ‖e_i‖; special tokens
get none. All noisy rows go through the model as batched forward+backward passes.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from ..models.base import EMBEDDINGS
from .base import Attribution, Method, Param, register
from .context import Rows
from .gradient import REDUCTIONS


class NoiseTunnel(Method):
    family = "gradient"
    requires = frozenset({EMBEDDINGS})
    backward = True
    params: ClassVar[dict[str, Param]] = {
        "base": Param(
            "signed_grad_input", "The gradient map to average.", choices=tuple(REDUCTIONS)
        ),
        "samples": Param(16, "Number of noisy copies of the input.", low=1, high=2000),
        "noise": Param(
            0.1, "Noise standard deviation as a share of each token's embedding norm.", low=0.0
        ),
        "seed": Param(0, "Seed of the noise: the same seed gives the same scores.", low=0),
    }

    def __init__(self, name: str, variance: bool, description: str):
        self.name, self.variance, self.description = name, variance, description
        self.signed = not variance

    def rows(self, size, samples: int, **_) -> int:
        return samples

    def attribute(self, ctx, base: str, samples: int, noise: float, seed: int) -> Attribution:
        reduce = REDUCTIONS[base].reduce
        x = ctx.embeddings  # (1, L, D)
        special = torch.as_tensor(ctx.encoded.special_mask, device=x.device)[None, :, None]
        sigma = noise * x.norm(dim=-1, keepdim=True) / x.shape[-1] ** 0.5
        sigma = torch.where(special, 0.0, sigma)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        noises = torch.randn((samples, *x.shape[1:]), generator=generator, dtype=torch.float32)
        noises = noises.to(device=x.device, dtype=x.dtype)
        rows = Rows(samples, lambda a, b: (x + sigma * noises[a:b], None, None))
        total = squares = None
        for emb, grad, _ in ctx.row_gradients(rows):
            maps = reduce(grad, emb).double()  # (B, L), as the base method computes it
            chunk, chunk_squares = maps.sum(0), (maps * maps).sum(0)
            total = chunk if total is None else total + chunk
            squares = chunk_squares if squares is None else squares + chunk_squares
        mean = total / samples
        scores = (squares / samples - mean * mean).clamp(min=0) if self.variance else mean
        return Attribution(scores.cpu().numpy(), {"samples": samples, "noise": noise})


register(
    NoiseTunnel(
        "smoothgrad",
        False,
        "SmoothGrad: a gradient map averaged over noisy copies of the input (Smilkov et al. 2017).",
    )
)
register(
    NoiseTunnel(
        "vargrad",
        True,
        "VarGrad: the variance of a gradient map over noisy copies of the input "
        "(Adebayo et al. 2018).",
    )
)
