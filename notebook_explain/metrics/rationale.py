"""Plausibility against a human rationale: the words a person marked as the reason for the label
(ERASER, DeYoung et al. 2020, §5; ferret, Attanasio et al. 2023, "plausibility" evaluators).

The rationale is passed to ``Explainer.evaluate(e, metrics, rationale=...)`` as word indices or
a mask over the explanation's words. The method's words are ranked as everywhere in the metrics
(signed scores: evidence for the target first; unsigned: largest first):

* ``rationale_auprc``: the area under the precision–recall curve of the scores as a detector of
  rationale words (average precision, Σ_n (R_n − R_{n−1}) P_n over the distinct score
  thresholds);
* ``rationale_f1`` and ``rationale_iou``: the top-k words P against the rationale T, with k the
  rationale's size unless given: token F1 = 2|P ∩ T| / (|P| + |T|), IOU = |P ∩ T| / |P ∪ T|.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..registry import Param
from .base import Metric, MetricValue, register
from .statistics import top_k

_MISSING = "No rationale: pass rationale= (word indices or a word mask) to evaluate()."


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """Σ_n (R_n − R_{n−1}) P_n over the distinct thresholds of ``scores``, highest first (tied
    scores enter together)."""
    scores, relevant = np.asarray(scores, np.float64), np.asarray(relevant, bool)
    total, recall_before, ap = relevant.sum(), 0.0, 0.0
    for threshold in np.unique(scores)[::-1]:
        selected = scores >= threshold
        hits = (selected & relevant).sum()
        recall, precision = hits / total, hits / selected.sum()
        ap += (recall - recall_before) * precision
        recall_before = recall
    return float(ap)


class RationaleAUPRC(Metric):
    name = "rationale_auprc"
    label = "Rationale AUPRC"
    range = (0.0, 1.0)
    direction = "higher"
    kind = "plausibility"
    description = "Average precision of the scores at finding the human rationale's words."
    paper = "ERASER (DeYoung et al., ACL 2020), §5; ferret's auprc_plau"
    params: ClassVar[dict[str, Param]] = {}

    def compute(self, probe, method) -> MetricValue:
        rationale = probe.rationale
        if rationale is None or not rationale.any():
            return MetricValue.not_applicable(_MISSING)
        return MetricValue(average_precision(probe.word_scores(method), rationale))


class RationaleOverlap(Metric):
    range = (0.0, 1.0)
    direction = "higher"
    kind = "plausibility"
    paper = "ERASER (DeYoung et al., ACL 2020), §5; ferret's token_f1_plau / token_iou_plau"
    params: ClassVar[dict[str, Param]] = {
        "k": Param(0, "Size of the method's top set (0: the rationale's size).", low=0),
    }

    def __init__(self, name: str, f1: bool, description: str):
        self.name, self.f1, self.description = name, f1, description
        self.label = "Rationale F1" if f1 else "Rationale IOU"

    def compute(self, probe, method, k) -> MetricValue:
        rationale = probe.rationale
        if rationale is None or not rationale.any():
            return MetricValue.not_applicable(_MISSING)
        truth = set(np.flatnonzero(rationale).tolist())
        top = set(top_k(probe.word_scores(method), k or len(truth)).tolist())
        common = len(truth & top)
        value = 2 * common / (len(truth) + len(top)) if self.f1 else common / len(truth | top)
        return MetricValue(value, None, {"k": len(top)})


register(RationaleAUPRC())
register(
    RationaleOverlap(
        "rationale_f1", True, "Token F1 of the method's top-k words against the human rationale."
    )
)
register(
    RationaleOverlap(
        "rationale_iou",
        False,
        "Intersection over union of the method's top-k words and the human rationale.",
    )
)
