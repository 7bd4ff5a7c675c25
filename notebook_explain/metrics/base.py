"""The Metric contract: what every metric declares so tables and the widget rank methods without
special cases (after ferret's evaluators): a name, its range, its direction and its parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..registry import Param, Registry

if TYPE_CHECKING:
    from .probe import Probe

DIRECTIONS = ("higher", "lower", "neither")


@dataclass(frozen=True)
class Curve:
    """The curve behind a value: ``y`` against ``x``, with axis labels for plots."""

    x: np.ndarray
    y: np.ndarray
    x_label: str
    y_label: str

    def to_json(self) -> dict:
        return {
            "x": [float(v) for v in self.x],
            "y": [float(v) for v in self.y],
            "x_label": self.x_label,
            "y_label": self.y_label,
        }


@dataclass(frozen=True)
class MetricValue:
    """One metric for one method on one explanation. ``value`` is nan when the metric does not
    apply to this input (``info["reason"]`` says why)."""

    value: float
    curve: Curve | None = None
    info: Mapping = field(default_factory=dict)

    @classmethod
    def not_applicable(cls, reason: str) -> MetricValue:
        return cls(math.nan, None, {"reason": reason})


class Metric:
    """A metric of one method's scores on one explanation (subclasses set the metadata)."""

    name: str = ""
    #: the name a reader sees (the widget's column header); ``name`` when empty
    label: str = ""
    range: tuple[float, float] = (-math.inf, math.inf)
    direction: str = "higher"  # which values are better: "higher", "lower" or "neither"
    kind: str = "faithfulness"  # or "plausibility", "dispersion", "agreement"
    description: str = ""
    paper: str = ""
    params: ClassVar[dict[str, Param]] = {}

    def compute(self, probe: Probe, method: str, **params) -> MetricValue:
        raise NotImplementedError

    def metadata(self) -> dict:
        return {
            "name": self.name,
            "label": self.label or self.name,
            "range": [float(self.range[0]), float(self.range[1])],
            "direction": self.direction,
            "kind": self.kind,
            "description": self.description,
            "paper": self.paper,
            "params": {k: p.to_json() for k, p in self.params.items()},
        }


_REGISTRY = Registry("metric", "available_metrics()")


def register(metric: Metric) -> Metric:
    if metric.direction not in DIRECTIONS:
        raise ValueError(f"{metric.name}: direction must be one of {DIRECTIONS}.")
    return _REGISTRY.add(metric)


def available_metrics() -> list[str]:
    return _REGISTRY.names()


def get_metric(name: str) -> Metric:
    return _REGISTRY.get(name)


def resolve_metrics(value, default) -> dict[str, tuple[Metric, dict]]:
    """``{name: (metric, checked parameters)}`` from a name, a list or a dict of name → params."""
    return _REGISTRY.resolve(value, default)
