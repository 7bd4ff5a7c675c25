"""The Explanation record: everything the kernel computed for one input, as plain data.

It is immutable (frozen dataclasses, read-only arrays) and round-trips through a JSON-safe dict
plus a list of binary buffers (``to_json`` / ``from_json``), the form anywidget sends to the
browser, so the same object feeds the widget, the HTML report and the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from .errors import ExplainError
from .record_schema import check_record
from .spans import aggregate

LEVELS = ("word", "token")
#: what shows an Explanation live: ``notebook_explain.widget`` registers ``ExplainWidget`` here
#: when the package loads, so the record itself imports no view (see ``register_live_view``)
_LIVE_VIEW = None
#: the span levels above words, coarsest last (see ``spans.span_levels``)
SPAN_LEVELS = ("phrase", "clause")


def register_live_view(factory) -> None:
    """Make ``factory(explanation, **view)`` what ``Explanation.widget`` returns."""
    global _LIVE_VIEW
    _LIVE_VIEW = factory


def live_view(explanation, **view):
    """The registered live view of ``explanation`` (``None``: a view with no explanation yet,
    such as ``Explainer.browse``'s)."""
    if _LIVE_VIEW is None:
        raise ExplainError(
            "The live view is not loaded: import notebook_explain (not only its submodules)."
        )
    return _LIVE_VIEW(explanation, **view)


def _frozen(array, dtype) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def _frozen_mapping(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


def _plain(value):
    """``value`` with its read-only mappings (at any depth of mappings and tuples) as dicts."""
    if isinstance(value, MappingProxyType):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


class _Record:
    """Pickles a frozen record through its constructor (read-only mappings travel as dicts)."""

    def __reduce__(self):
        return type(self), tuple(_plain(getattr(self, f.name)) for f in fields(self))


@dataclass(frozen=True)
class MethodResult(_Record):
    """One method's token-level scores with the parameters and time that produced them."""

    name: str
    family: str
    signed: bool
    scores: np.ndarray
    params: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: method-specific diagnostics (JSON-safe), for people: no view reads them
    info: Mapping[str, Any] = field(default_factory=dict)
    #: level → one score per span, for a method that scores spans itself (REAT)
    span_scores: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: input_reduction's path, one step per deleted token (see ``Explanation.reduction``)
    reduction_steps: tuple[Mapping[str, Any], ...] = ()
    #: how far these scores can be trusted on this input, by check name: an identity the method
    #: obeys (``methods.identity``) and the agreement with leave-one-out (``metrics.trust``),
    #: each a dict of its figures with ``ok``
    checks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "scores", _frozen(self.scores, np.float32))
        object.__setattr__(self, "params", _frozen_mapping(self.params))
        object.__setattr__(self, "info", _frozen_mapping(self.info))
        spans = {k: tuple(float(v) for v in values) for k, values in self.span_scores.items()}
        object.__setattr__(self, "span_scores", _frozen_mapping(spans))
        steps = tuple(_frozen_mapping(step) for step in self.reduction_steps)
        object.__setattr__(self, "reduction_steps", steps)
        checks = {k: _frozen_mapping(dict(v)) for k, v in self.checks.items()}
        object.__setattr__(self, "checks", _frozen_mapping(checks))


@dataclass(frozen=True)
class Span(_Record):
    """A run of words ``[start, end)`` with each method's score for it."""

    start: int
    end: int
    text: str
    scores: Mapping[str, float]

    def __post_init__(self):
        object.__setattr__(self, "scores", _frozen_mapping(self.scores))


@dataclass(frozen=True)
class Reduction:
    """The path of ``input_reduction``: one entry per step (step 0 is the full input).

    Each step has ``removed`` (the token index deleted at that step, ``None`` at step 0),
    ``remaining`` (the token indices still present), ``tokens`` (their text), ``probability``
    (of the target class), ``label`` (the predicted class) and ``scores`` (the base method's
    score of each remaining token, ``{index: score}``).
    """

    steps: tuple[Mapping[str, Any], ...]
    final: tuple[int, ...]
    final_tokens: tuple[str, ...]


@dataclass(frozen=True)
class Prediction:
    """The model's class probabilities for the input."""

    probabilities: np.ndarray
    class_names: tuple[str, ...]

    @property
    def index(self) -> int:
        """The predicted class's index (the most probable class)."""
        return int(np.argmax(self.probabilities))

    @property
    def label(self) -> str:
        """The predicted class's name."""
        return self.class_names[self.index]

    def as_dict(self) -> dict[str, float]:
        """Class name → probability."""
        return {c: float(p) for c, p in zip(self.class_names, self.probabilities)}

    def __repr__(self) -> str:
        probs = ", ".join(f"{c}: {p:.3f}" for c, p in self.as_dict().items())
        return f"Prediction({self.label!r}; {probs})"


@dataclass(frozen=True)
class Explanation(_Record):
    """Attributions of one model prediction, per token and per word, for one or more methods."""

    text: str
    tokens: tuple[str, ...]
    word_index: np.ndarray
    words: tuple[str, ...]
    special_mask: np.ndarray
    probabilities: np.ndarray
    class_names: tuple[str, ...]
    target: int
    output: str
    results: Mapping[str, MethodResult]
    model_name: str = ""
    text_pair: str | None = None
    truncated_tokens: int = 0
    #: ``{"phrase": ((start, end), ...), "clause": ...}``: word ranges partitioning the words
    span_levels: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    #: where the spans came from: "sst" (the SST parse tree), "chunker" or "user"
    span_source: str = ""
    #: how the model's logits became ``probabilities``: "softmax" (one class), "sigmoid" (each
    #: class on its own, a multi-label model; they need not sum to 1)
    head: str = "softmax"
    #: the class the target is explained against (the scores explain S_target − S_contrast), or
    #: None
    contrast: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "words", tuple(self.words))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "word_index", _frozen(self.word_index, np.int32))
        object.__setattr__(self, "special_mask", _frozen(self.special_mask, bool))
        object.__setattr__(self, "probabilities", _frozen(self.probabilities, np.float32))
        object.__setattr__(self, "results", _frozen_mapping(self.results))
        levels = {k: tuple((int(a), int(b)) for a, b in v) for k, v in self.span_levels.items()}
        object.__setattr__(self, "span_levels", _frozen_mapping(levels))

    # ----------------------------------------------------------------- queries
    @property
    def methods(self) -> tuple[str, ...]:
        """The names of the methods computed, in the order asked for."""
        return tuple(self.results)

    @property
    def prediction(self) -> Prediction:
        """The model's class probabilities for the input, with the predicted class."""
        return Prediction(self.probabilities, self.class_names)

    @property
    def target_name(self) -> str:
        """The name of the explained class."""
        return self.class_names[self.target]

    @property
    def contrast_name(self) -> str | None:
        """The name of the class the target is explained against, or None."""
        return None if self.contrast is None else self.class_names[self.contrast]

    def result(self, method: str) -> MethodResult:
        """The full result of ``method`` (its scores per token, parameters, seconds and
        ``info``); an ``ExplainError`` naming the computed methods when it is not one of them."""
        if method not in self.results:
            raise ExplainError(
                f"This explanation has no scores for {method!r}; it has: {', '.join(self.methods)}. "
                "Compute it with Explainer.explain(text, methods=[...])."
            )
        return self.results[method]

    def scores(self, method: str, level: str = "word", aggregation: str = "sum") -> np.ndarray:
        """One score per word or per sub-word token.

        Args:
            method: A computed method's name.
            level: ``"word"`` (special tokens left out) or ``"token"`` (all tokens).
            aggregation: How a word's sub-word token scores combine: ``"sum"``, ``"mean"`` or
                ``"max_abs"`` (the largest by magnitude, with its sign).

        Returns:
            The scores, one per word or token, in order.
        """
        if level not in LEVELS:
            raise ExplainError(f"Unknown level {level!r}. Choose one of: {', '.join(LEVELS)}.")
        token_scores = self.result(method).scores
        if level == "token":
            return token_scores.astype(np.float64)
        return aggregate(token_scores, self.word_index, len(self.words), aggregation)

    def spans(self, level: str = "phrase", aggregation: str = "sum") -> list[Span]:
        """The spans of a level with every method's score.

        A method that scores spans itself (REAT, ``MethodResult.span_scores``) gives its own
        span scores; the others are aggregated from their word scores (``sum``, as the REAT
        paper does for its baselines).

        Args:
            level: ``"word"``, ``"phrase"`` or ``"clause"``.
            aggregation: How word scores combine into a span's: ``"sum"``, ``"mean"`` or
                ``"max_abs"`` (the largest by magnitude, with its sign).

        Returns:
            The spans in order, each with its text, word range and method → score.
        """
        if level == "word":
            ranges = tuple((i, i + 1) for i in range(len(self.words)))
        elif level in SPAN_LEVELS:
            if level not in self.span_levels:
                raise ExplainError(
                    f"This explanation has no {level} spans; pass spans=... to Explainer.explain."
                )
            ranges = self.span_levels[level]
        else:
            raise ExplainError(
                f"Unknown span level {level!r}. Choose one of: word, {', '.join(SPAN_LEVELS)}."
            )
        per_method = {}
        for name, result in self.results.items():
            own = result.span_scores.get(level)
            if own is not None:
                per_method[name] = [float(v) for v in own]
            else:
                words = self.scores(name, "word", aggregation)
                per_method[name] = [float(words[a:b].sum()) for a, b in ranges]
        return [
            Span(a, b, " ".join(self.words[a:b]), {m: v[k] for m, v in per_method.items()})
            for k, (a, b) in enumerate(ranges)
        ]

    @property
    def reduction(self) -> Reduction:
        """The input-reduction path (needs ``input_reduction`` among the methods)."""
        steps = tuple(
            MappingProxyType({**step, "tokens": tuple(self.tokens[i] for i in step["remaining"])})
            for step in self.result("input_reduction").reduction_steps
        )
        final = tuple(steps[-1]["remaining"]) if steps else ()
        return Reduction(steps, final, tuple(self.tokens[i] for i in final))

    # ------------------------------------------------------------ serialisation
    def to_json(self) -> tuple[dict, list[bytes]]:
        """The record as JSON and binary buffers (the widget's wire format).

        Returns:
            A JSON-safe dict, whose arrays are ``{"buffer": i, "dtype", "shape"}``, and the
            list of buffers they point to.
        """
        buffers: list[bytes] = []

        def pack(array: np.ndarray) -> dict:
            array = np.ascontiguousarray(array)
            buffers.append(array.tobytes())
            return {
                "buffer": len(buffers) - 1,
                "dtype": array.dtype.str,
                "shape": list(array.shape),
            }

        state = {
            "text": self.text,
            "text_pair": self.text_pair,
            "tokens": list(self.tokens),
            "words": list(self.words),
            "word_index": pack(self.word_index),
            "special_mask": pack(self.special_mask.astype(np.uint8)),
            "probabilities": pack(self.probabilities),
            "class_names": list(self.class_names),
            "target": self.target,
            "output": self.output,
            "model_name": self.model_name,
            "truncated_tokens": self.truncated_tokens,
            "span_levels": {k: [list(r) for r in v] for k, v in self.span_levels.items()},
            "span_source": self.span_source,
            "head": self.head,
            "contrast": self.contrast,
            "results": [
                {
                    "name": r.name,
                    "family": r.family,
                    "signed": r.signed,
                    "scores": pack(r.scores),
                    "params": dict(r.params),
                    "seconds": r.seconds,
                    "info": dict(r.info),
                    "span_scores": {k: list(v) for k, v in r.span_scores.items()},
                    "reduction_steps": [dict(step) for step in r.reduction_steps],
                    "checks": {k: dict(v) for k, v in r.checks.items()},
                }
                for r in self.results.values()
            ],
        }
        json.dumps(
            state
        )  # fail here, not in the browser, if a param or info value is not JSON-safe
        return state, buffers

    @classmethod
    def from_json(cls, state: dict, buffers: list[bytes]) -> "Explanation":
        """The record ``to_json`` wrote, after checking every field (``record_schema``).

        Args:
            state: The JSON-safe dict.
            buffers: The binary buffers its arrays point to.

        Returns:
            The Explanation.

        Raises:
            ExplainError: For a damaged or edited record, naming the field.
        """
        check_record(state, buffers)

        def unpack(ref: dict) -> np.ndarray:
            return np.frombuffer(buffers[ref["buffer"]], dtype=ref["dtype"]).reshape(ref["shape"])

        results = {
            r["name"]: MethodResult(
                r["name"],
                r["family"],
                r["signed"],
                unpack(r["scores"]),
                r["params"],
                r["seconds"],
                r["info"],
                r.get("span_scores", {}),
                r.get("reduction_steps", ()),
                r.get("checks", {}),
            )
            for r in state["results"]
        }
        return cls(
            text=state["text"],
            text_pair=state["text_pair"],
            tokens=state["tokens"],
            words=state["words"],
            word_index=unpack(state["word_index"]),
            special_mask=unpack(state["special_mask"]).astype(bool),
            probabilities=unpack(state["probabilities"]),
            class_names=state["class_names"],
            target=state["target"],
            output=state["output"],
            results=results,
            model_name=state["model_name"],
            truncated_tokens=state["truncated_tokens"],
            span_levels=state.get("span_levels", {}),
            span_source=state.get("span_source", ""),
            head=state.get("head", "softmax"),
            contrast=state.get("contrast"),
        )

    def to_pandas(self, level: str = "word"):
        """The scores as a table (pandas is an optional dependency).

        Args:
            level: ``"word"`` or ``"token"``.

        Returns:
            A DataFrame with one row per word or token: its text, then one column of scores
            per method.
        """
        from .tabular import dataframe

        units = self.words if level == "word" else self.tokens
        columns = {level: list(units)}
        columns.update({m: self.scores(m, level) for m in self.methods})
        return dataframe(columns)

    def trust(self):
        """How far each map can be trusted on this input: one row per method and check (pandas
        is an optional dependency).

        The checks are the method's own identity (completeness for integrated gradients,
        summation-to-delta for DeepLIFT, efficiency for Shapley and Owen values; see
        ``methods.identity``) and its agreement with leave-one-out on this input (when
        leave-one-out was computed; see ``metrics.trust``), the figures the widget's trust line
        shows.

        Returns:
            A DataFrame with columns ``method``, ``check``, ``ok``, ``value`` (the identity's
            relative gap, or the Pearson r with leave-one-out) and ``detail`` (the check's
            other figures).
        """
        from .tabular import dataframe

        columns: dict[str, list] = {"method": [], "check": [], "ok": [], "value": [], "detail": []}
        for name, result in self.results.items():
            for kind, check in result.checks.items():
                figures = dict(check)
                columns["method"].append(name)
                columns["check"].append(figures.pop("what", kind))
                columns["ok"].append(figures.pop("ok"))
                columns["value"].append(figures.pop("pearson", figures.pop("relative", None)))
                columns["detail"].append(figures)
        return dataframe(columns)

    # ------------------------------------------------------------------ display
    def widget(self, **view):
        """A display-only widget showing this explanation.

        To edit the text or recompute, use ``Explainer.show(text)`` instead (it passes
        ``explainer=``).

        Args:
            **view: The view traits (``method``, ``level``, ``view``, ...).

        Returns:
            An :class:`~notebook_explain.widget.ExplainWidget`.
        """
        return live_view(self, **view)

    def to_html(self, path=None, title: str | None = None) -> str | Path:
        """A standalone HTML page with the widget's views: bundle inlined, no kernel, no network.

        Args:
            path: Where to write the page, or ``None``.
            title: The page title (default: the text).

        Returns:
            The page; with ``path``, the path it was written to instead.
        """
        return self.widget().to_html(path, title)

    def _repr_mimebundle_(self, include=None, exclude=None):
        # the live widget; IPython adds _repr_html_ (the escaped static heatmap) for other frontends
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)

    def _repr_html_(self) -> str:
        from .report import render_explanation

        return render_explanation(self)

    def __repr__(self) -> str:
        return (
            f"Explanation({self.text[:40]!r}{'…' if len(self.text) > 40 else ''}, "
            f"target={self.target_name!r}, methods={list(self.methods)}, {self.prediction!r})"
        )


class Explanations(list):
    """The Explanations of several texts (``Explainer.explain_many``), in the order given: a
    plain list, with the whole set as one table."""

    def to_pandas(self, level: str = "word"):
        """Every text's scores in one long table.

        Args:
            level: ``"word"`` or ``"token"``.

        Returns:
            A DataFrame of each text's ``Explanation.to_pandas(level)`` rows, after a ``text``
            column (the text's position in the list), a ``position`` column (the unit's
            position in its text), and the text's ``predicted`` and ``target`` class names.
        """
        from .tabular import dataframe

        columns: dict[str, list] = {"text": [], "position": [], level: []}
        methods = list(dict.fromkeys(m for e in self for m in e.methods))
        columns.update({"predicted": [], "target": []})
        columns.update({m: [] for m in methods})
        for i, explanation in enumerate(self):
            units = explanation.words if level == "word" else explanation.tokens
            n = len(units)
            columns["text"] += [i] * n
            columns["position"] += list(range(n))
            columns[level] += list(units)
            columns["predicted"] += [explanation.prediction.label] * n
            columns["target"] += [explanation.target_name] * n
            for m in methods:
                columns[m] += (
                    list(explanation.scores(m, level)) if m in explanation.results else [None] * n
                )
        return dataframe(columns)
