"""LIME (Ribeiro et al. 2016, "Why Should I Trust You?") with words as the interpretable features.

A sample z ∈ {0, 1}^W keeps a subset of the W words (all sub-word tokens of a word together;
special tokens are always kept). The first sample is the input itself, z = 1; every other sample
removes k words, k uniform in 1..W, the words drawn uniformly (as the LIME text explainer does).
A removed word is deleted (the shorter sequence is right-padded with attention mask 0, so samples
of different lengths share a batch) or its tokens are replaced by [MASK] or the unknown token.

The explained output S of the samples is fitted by a linear surrogate g(z) = b + w·z, minimising
the locally weighted square loss of their eq. 2 plus a ridge penalty on w (not on b):

    Σ_s π(z_s) (S(z_s) − b − w·z_s)² + α ‖w‖²,    π(z) = exp(−d(z, 1)² / σ²)

with d the cosine distance between z and the all-ones vector and σ the kernel width (0.25, the
LIME text explainer's 25 for distances it scales by 100). The fit is closed form: weighted
centring removes b, then a least-squares solve. Word i's score is w_i, split evenly over its
tokens. Sampling uses its own ``numpy.random.default_rng(seed)``: a seed gives the same scores.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import torch

from ..models.base import EMBEDDINGS
from .base import Attribution, Method, Param, register
from .context import REMOVALS


def sample_words(rng: np.random.Generator, words: int, samples: int) -> np.ndarray:
    """(samples, words) bool: row 0 keeps every word; each other row removes k ~ U{1..W} words."""
    keep = np.ones((samples, words), dtype=bool)
    removed = rng.integers(1, words + 1, size=samples - 1)
    ranks = rng.random((samples - 1, words)).argsort(1).argsort(1)  # a random permutation per row
    keep[1:] = ranks >= removed[:, None]
    return keep


def kernel_weights(keep: np.ndarray, width: float) -> np.ndarray:
    """π(z) = exp(−d²/σ²), d = 1 − cos(z, 1) (the cosine of an empty sample taken as 0)."""
    kept = keep.sum(1)
    cosine = np.sqrt(kept / keep.shape[1])
    return np.exp(-((1 - cosine) ** 2) / width**2)


def weighted_ridge(z: np.ndarray, y: np.ndarray, weights: np.ndarray, alpha: float):
    """(w, b, weighted R²) minimising Σ π (y − b − w·z)² + α‖w‖², in closed form."""
    total = weights.sum()
    z_mean, y_mean = weights @ z / total, weights @ y / total
    root = np.sqrt(weights)[:, None]
    design = np.vstack([root * (z - z_mean), math.sqrt(alpha) * np.eye(z.shape[1])])
    target = np.concatenate([root[:, 0] * (y - y_mean), np.zeros(z.shape[1])])
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    intercept = y_mean - z_mean @ coefficients
    residual = weights @ (y - intercept - z @ coefficients) ** 2
    spread = weights @ (y - y_mean) ** 2
    r2 = 1 - residual / spread if spread > 0 else 1.0
    return coefficients, float(intercept), float(r2)


class Lime(Method):
    name = "lime"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS})
    description = (
        "Coefficients of a weighted linear surrogate fitted to the output on random subsets of "
        "the words (LIME, Ribeiro et al. 2016)."
    )
    params: ClassVar[dict[str, Param]] = {
        "samples": Param(
            500, "Number of word subsets, the full input included.", low=2, high=100_000
        ),
        "seed": Param(0, "Seed of the subset sampler: the same seed gives the same scores.", low=0),
        "removal": Param(
            "delete",
            "A removed word is deleted, or its tokens are replaced by [MASK] or the unknown token.",
            choices=REMOVALS,
        ),
        "kernel_width": Param(
            0.25, "σ of the kernel exp(−d²/σ²) on the cosine distance d.", low=1e-3, high=100.0
        ),
        "alpha": Param(1.0, "Ridge penalty on the word coefficients (0: none).", low=0.0),
    }

    def rows(self, size, samples: int, **_) -> int:
        return samples

    def attribute(
        self, ctx, samples: int, seed: int, removal: str, kernel_width: float, alpha: float
    ) -> Attribution:
        word_index, words = ctx.encoded.word_index, len(ctx.encoded.words)
        in_word = word_index >= 0  # special tokens belong to no word and are always kept
        keep = sample_words(np.random.default_rng(seed), words, samples)
        token_keep = np.where(in_word, keep[:, np.maximum(word_index, 0)], True)
        token_keep = torch.as_tensor(token_keep, device=ctx.embeddings.device)
        y = ctx.outputs(ctx.removed_rows(token_keep, removal, self.name)).double().cpu().numpy()
        coefficients, intercept, r2 = weighted_ridge(
            keep.astype(np.float64), y, kernel_weights(keep, kernel_width), alpha
        )
        tokens_per_word = np.bincount(word_index[in_word], minlength=words)
        scores = np.zeros(ctx.length)
        scores[in_word] = (coefficients / tokens_per_word)[word_index[in_word]]
        return Attribution(
            scores,
            {
                "intercept": intercept,
                "r2": r2,
                "samples": samples,
                "forward_passes": -(-samples // ctx.rows_per_pass),
            },
        )


register(Lime())
