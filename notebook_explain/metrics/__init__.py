"""Faithfulness, plausibility, dispersion and agreement metrics of explanations.

Every metric declares its name, range and direction (``Metric.metadata``); ``evaluate`` runs
them for every method of an explanation. Importing this package registers them all.
"""

from . import dispersion, faithfulness, plausibility, rationale  # noqa: F401  (registration)
from .base import Curve, Metric, MetricValue, available_metrics, get_metric
from .evaluation import DEFAULT_METRICS, Agreement, Evaluation, agreement, evaluate
from .probe import REMOVALS, Probe

__all__ = [
    "DEFAULT_METRICS",
    "REMOVALS",
    "Agreement",
    "Curve",
    "Evaluation",
    "Metric",
    "MetricValue",
    "Probe",
    "agreement",
    "available_metrics",
    "evaluate",
    "get_metric",
]
