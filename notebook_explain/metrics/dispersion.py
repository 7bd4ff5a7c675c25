"""How concentrated a method's importance is, and how it ranks against a reference method
(sparse-attention-interpretability.md, eqs. 4–6, Tables 1–2)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..registry import Param
from .base import Metric, MetricValue, register
from .statistics import kendall_tau_b, normalized_entropy


class Entropy(Metric):
    name = "entropy"
    label = "Entropy of importance"
    range = (0.0, 1.0)
    direction = "neither"
    kind = "dispersion"
    description = (
        "Normalised Shannon entropy of |word score| / Σ|word score|: 0 when one word holds all "
        "the importance, 1 when all words hold the same."
    )
    paper = "sparse-attention-interpretability.md, eqs. 4 and 6, footnote 1"
    params: ClassVar[dict[str, Param]] = {}

    def compute(self, probe, method) -> MetricValue:
        value = normalized_entropy(probe.word_scores(method))
        if math.isnan(value):
            return MetricValue.not_applicable("Entropy needs 2 or more words and a nonzero score.")
        return MetricValue(value)


class KendallTau(Metric):
    name = "kendall_tau"
    label = "Kendall τ with a reference"
    range = (-1.0, 1.0)
    direction = "higher"
    kind = "agreement"
    description = (
        "Kendall's τ-b between the method's word importance |score| and a reference method's "
        "(leave-one-out by default), as the sparse-attention paper compares attention with "
        "gradient and LOO importance."
    )
    paper = "sparse-attention-interpretability.md, §4 and footnote 2 (Knight 1966)"
    params: ClassVar[dict[str, Param]] = {
        "reference": Param("leave_one_out", "the method ranked against"),
    }

    def compute(self, probe, method, reference) -> MetricValue:
        if method == reference:
            return MetricValue.not_applicable(
                f"This is the reference ({reference}) itself: τ-b with itself is 1 by definition."
            )
        ours = np.abs(probe.word_scores(method))
        theirs = np.abs(probe.word_scores(reference))
        tau = kendall_tau_b(ours, theirs)
        if math.isnan(tau):
            return MetricValue.not_applicable("τ-b needs two words and scores not all equal.")
        return MetricValue(tau, None, {"reference": reference})


register(Entropy())
register(KendallTau())
