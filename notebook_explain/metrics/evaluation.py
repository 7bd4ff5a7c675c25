"""``evaluate``: every requested metric for every method of one explanation, the curves behind
them and the method-agreement matrix, as one plain record (``Evaluation``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import ExplainError
from .base import MetricValue, resolve_metrics
from .probe import Probe
from .statistics import kendall_tau_b, top_k_overlap

DEFAULT_METRICS = ("aopc", "deletion", "comprehensiveness", "sufficiency", "loo_pearson")
AGREEMENT_TOP_K = 5


@dataclass(frozen=True)
class Agreement:
    """Pairwise agreement of the methods' word scores: Kendall's τ-b of the scores and the
    overlap of their top-k words (``k`` capped at the number of words)."""

    methods: tuple[str, ...]
    rank_correlation: np.ndarray  # (M, M)
    top_k_overlap: np.ndarray  # (M, M)
    k: int

    def to_json(self) -> dict:
        as_lists = lambda m: [[None if math.isnan(v) else float(v) for v in row] for row in m]
        return {
            "methods": list(self.methods),
            "rank_correlation": as_lists(self.rank_correlation),
            "top_k_overlap": as_lists(self.top_k_overlap),
            "k": self.k,
        }


def agreement(explanation, k: int = AGREEMENT_TOP_K) -> Agreement:
    """Kendall's τ_b and top-k overlap of every pair of methods' word scores, as the widget's
    compare view computes them (``js/src/compare.js``): τ_b on the signed scores when both methods
    are signed, else on |score|; the top k by |score|, ties in text order."""
    methods = explanation.methods
    scores = [explanation.scores(m, "word") for m in methods]
    signed = [explanation.result(m).signed for m in methods]
    m = len(methods)
    tau, overlap = np.eye(m), np.eye(m)
    for i in range(m):
        for j in range(i + 1, m):
            x, y = scores[i], scores[j]
            if not (signed[i] and signed[j]):
                x, y = np.abs(x), np.abs(y)
            tau[i, j] = tau[j, i] = kendall_tau_b(x, y)
            overlap[i, j] = overlap[j, i] = top_k_overlap(np.abs(scores[i]), np.abs(scores[j]), k)
    return Agreement(tuple(methods), tau, overlap, min(k, len(explanation.words)))


@dataclass(frozen=True)
class Evaluation:
    """``values[method][metric]`` (nan where a metric does not apply; ``results`` has why), the
    metrics' metadata, and the method agreement."""

    methods: tuple[str, ...]
    metrics: tuple[dict, ...]
    results: Mapping[str, Mapping[str, MetricValue]]
    agreement: Agreement
    forward_rows: int = 0
    params: Mapping[str, Mapping] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, dict[str, float]]:
        """Method → metric → value (nan where the metric does not apply; ``results`` says why)."""
        return {m: {k: r.value for k, r in per.items()} for m, per in self.results.items()}

    def to_pandas(self):
        """A DataFrame of the values: one row per method, one column per metric."""
        from ..tabular import dataframe

        names = [m["name"] for m in self.metrics]
        values = self.values
        columns = {k: [values[m][k] for m in self.methods] for k in names}
        return dataframe(columns, index=list(self.methods), name="method")

    def value(self, method: str, metric: str) -> float:
        """The value of ``metric`` for ``method`` (nan where it does not apply)."""
        return self.results[method][metric].value

    def best(self, metric: str) -> str | None:
        """The method with the best value of a metric.

        Args:
            metric: A computed metric's name.

        Returns:
            The method's name (by the metric's direction), or ``None`` when no method has a
            value or the metric has no better direction.
        """
        meta = next((m for m in self.metrics if m["name"] == metric), None)
        if meta is None:
            raise ExplainError(f"This evaluation has no {metric!r}; it has {self.metric_names}.")
        if meta["direction"] == "neither":
            return None
        values = {m: self.value(m, metric) for m in self.methods}
        values = {m: v for m, v in values.items() if not math.isnan(v)}
        if not values:
            return None
        pick = max if meta["direction"] == "higher" else min
        return pick(values, key=values.get)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The names of the metrics computed, in order."""
        return tuple(m["name"] for m in self.metrics)

    def to_json(self) -> dict:
        """Plain JSON for the widget (nan → null)."""
        number = lambda v: None if math.isnan(v) else float(v)
        return {
            "metrics": list(self.metrics),
            "methods": list(self.methods),
            "values": {
                m: {k: number(r.value) for k, r in per.items()} for m, per in self.results.items()
            },
            "curves": {
                m: {k: r.curve.to_json() for k, r in per.items() if r.curve is not None}
                for m, per in self.results.items()
            },
            "reasons": {
                m: {k: r.info["reason"] for k, r in per.items() if "reason" in r.info}
                for m, per in self.results.items()
            },
            "agreement": self.agreement.to_json(),
        }

    def __repr__(self) -> str:
        """A text table: one row per method, one column per metric (as wide as its name)."""
        names = self.metric_names
        widths = [max(len(n), 7) for n in names]
        first = max(len(m) for m in self.methods) + 2
        cell = lambda v: "n/a" if math.isnan(v) else f"{v:.4f}"
        lines = ["Evaluation", " " * first + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths))]
        for method in self.methods:
            values = (cell(self.value(method, n)) for n in names)
            lines.append(
                f"{method:<{first}}" + "  ".join(f"{v:>{w}}" for v, w in zip(values, widths))
            )
        return "\n".join(lines)


def evaluate(
    engine, explanation, metrics=None, on_progress=None, check=None, rationale=None
) -> Evaluation:
    """Every metric of ``metrics`` (names, or a dict of name → parameters; default
    ``DEFAULT_METRICS``) for every method of ``explanation``, made by ``engine``'s model.
    ``on_progress(method, i, n)`` is called before the i-th of the n methods is evaluated;
    ``check()`` before every batched pass (see ``methods.context.Batching``). ``rationale``:
    the human rationale's word indices or word mask, for the ``rationale_*`` metrics."""
    resolved = resolve_metrics(metrics, DEFAULT_METRICS)
    probe = Probe(engine, explanation, check, rationale)
    results = {}
    for i, method in enumerate(explanation.methods):
        if on_progress is not None:
            on_progress(method, i, len(explanation.methods))
        results[method] = {
            name: metric.compute(probe, method, **params)
            for name, (metric, params) in resolved.items()
        }
    return Evaluation(
        methods=explanation.methods,
        metrics=tuple(metric.metadata() for metric, _ in resolved.values()),
        results=results,
        agreement=agreement(explanation),
        forward_rows=probe.forward_rows,
        params={name: params for name, (_, params) in resolved.items()},
    )
