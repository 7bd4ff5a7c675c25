"""``random``: seeded Gaussian scores, the chance baseline every faithfulness metric should beat
(the signed-GI paper's "random" curve, Fig. 1)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .base import Attribution, Method, Param, register


class Random(Method):
    name = "random"
    family = "baseline"
    signed = True
    faithful = False
    description = "Random scores (standard normal, seeded): the baseline a faithful method beats."
    params: ClassVar[dict[str, Param]] = {
        "seed": Param(0, "Seed of the scores: the same seed gives the same scores.", low=0)
    }

    def attribute(self, ctx, seed: int) -> Attribution:
        scores = np.zeros(ctx.length)
        real = ~ctx.encoded.special_mask
        scores[real] = np.random.default_rng(seed).standard_normal(int(real.sum()))
        return Attribution(scores)


register(Random())
