"""ExplainWidget: the anywidget that renders an Explanation live in the notebook.

The kernel computes, the browser renders: every number the views need is in the widget's state
(long arrays as binary buffers), so toggling methods, levels and sliders never waits on the kernel.
The browser asks for new computations (another text, target class, method or parameter) with a
message; the kernel answers by setting traits, and errors land in the ``error`` trait, shown in
the widget. The state contract is documented in ``js/README.md``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import numpy as np
import traitlets

from .errors import ExplainError
from .explanation import Explanation
from .influence.methods import METHODS as INFLUENCE_METHODS
from .methods import available_methods, get_method
from .metrics import DEFAULT_METRICS, evaluate

if TYPE_CHECKING:
    from .explainer import Explainer

STATIC = Path(__file__).parent / "static"
VIEWS = ("heatmap", "compare", "reduction", "influence")

#: the traits that make up what the views show (and what a static export carries)
STATE_TRAITS = (
    "explanation", "methods", "method", "compare", "level", "threshold", "top_k", "selected_token",
    "view", "reduction_step", "influence", "evaluation", "editable", "busy", "status", "error",
)  # fmt: skip
REQUESTS = ("explain", "influence", "token_influence", "evaluate")

NO_INDEX_MESSAGE = (
    "No training-data influence yet: build a training index with ex.index(train_texts, "
    "train_labels), then open the widget with ex.show(text)."
)
#: training examples per side in the influence panel
INFLUENCE_K = 5
NO_MODEL_MESSAGE = (
    "Evaluating faithfulness needs the model, and this explanation has none (it was loaded from "
    "JSON): open it with Explainer.show(text), or run explainer.evaluate(explanation)."
)


def explanation_payload(explanation: Explanation | None, binary: str = "bytes") -> dict | None:
    """The Explanation as the widget's ``explanation`` trait.

    Arrays become ``{dtype, shape, data}`` with raw ``bytes`` (sent as binary buffers by the
    widget protocol) or, with ``binary="base64"``, ``{dtype, shape, b64}`` for a static page.
    """
    if explanation is None:
        return None
    state, buffers = explanation.to_json()

    def embed(node):
        if isinstance(node, dict):
            if "buffer" in node and "dtype" in node:
                raw = buffers[node["buffer"]]
                packed = {"dtype": node["dtype"], "shape": node["shape"]}
                if binary == "base64":
                    packed["b64"] = base64.b64encode(raw).decode("ascii")
                else:
                    packed["data"] = raw
                return packed
            return {k: embed(v) for k, v in node.items()}
        if isinstance(node, list):
            return [embed(v) for v in node]
        return node

    return embed(state)


def methods_metadata(names) -> list[dict]:
    """Registered metadata (family, params, …) of each named method; unregistered names are skipped."""
    registered = set(available_methods())
    return [get_method(n).metadata() for n in names if n in registered]


class ExplainWidget(anywidget.AnyWidget):
    """Heatmap, method toggle, comparison, reduction stepper and influence panel for one Explanation.

    Build it with ``Explainer.show(text)`` (recomputing works: edit the text, pick a target class
    or a parameter) or ``Explanation.widget()`` (display only). ``widget.value`` is the current
    Explanation; ``widget.to_html(path)`` saves a standalone page of what is shown. The
    Faithfulness button (or ``evaluate=True``) runs ``metrics.DEFAULT_METRICS`` on every method
    into the ``evaluation`` trait (``Evaluation.to_json()``; ``{}`` until then and after a recompute).
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    explanation = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    methods = traitlets.List(traitlets.Dict()).tag(sync=True)
    method = traitlets.Unicode("").tag(sync=True)
    compare = traitlets.List(traitlets.Unicode()).tag(sync=True)
    level = traitlets.Enum(("token", "word", "phrase", "clause"), default_value="word").tag(
        sync=True
    )
    threshold = traitlets.Float(0.0, min=0.0, max=1.0).tag(sync=True)
    top_k = traitlets.Float(100.0, min=1.0, max=100.0).tag(sync=True)
    selected_token = traitlets.Int(-1).tag(sync=True)
    view = traitlets.Enum(VIEWS, default_value="heatmap").tag(sync=True)
    reduction_step = traitlets.Int(0, min=0).tag(sync=True)
    influence = traitlets.Dict().tag(sync=True)
    evaluation = traitlets.Dict().tag(sync=True)
    editable = traitlets.Bool(False).tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        explanation: Explanation | None = None,
        explainer: "Explainer | None" = None,
        evaluate: bool = False,
        **kwargs,
    ):
        if explanation is not None and not isinstance(explanation, Explanation):
            raise ExplainError(
                f"ExplainWidget shows an Explanation, got {type(explanation).__name__}."
            )
        self._explainer = explainer
        self._value = explanation
        names = (
            explainer.supported_methods()
            if explainer is not None
            else (explanation.methods if explanation else ())
        )
        if "influence" not in kwargs:
            kwargs["influence"] = self._influence(explanation)
        if explanation is not None:
            kwargs.setdefault("method", explanation.methods[0])
            kwargs.setdefault("compare", list(explanation.methods))
            for name in [kwargs["method"], *kwargs["compare"]]:
                explanation.result(name)  # a clear error for a method the explanation lacks
        if evaluate:
            kwargs["evaluation"] = self._evaluation(explanation)
        super().__init__(
            explanation=explanation_payload(explanation),
            methods=methods_metadata(names),
            editable=explainer is not None,
            **kwargs,
        )
        self.on_msg(self._on_message)

    @property
    def value(self) -> Explanation | None:
        """The Explanation currently shown."""
        return self._value

    def __repr__(self) -> str:
        return f"ExplainWidget({self._value!r}, view={self.view!r}, method={self.method!r})"

    def _set_value(self, explanation: Explanation):
        self._value = explanation
        with self.hold_sync():
            if self.method not in explanation.methods:
                self.method = explanation.methods[0]
            self.compare = [m for m in self.compare if m in explanation.methods] or list(
                explanation.methods
            )
            self.selected_token = -1
            self.reduction_step = 0
            self.evaluation = {}
            self.explanation = explanation_payload(explanation)

    # ---------------------------------------------------------------- requests
    def _on_message(self, _widget, content, _buffers):
        try:
            if not isinstance(content, dict) or content.get("type") not in REQUESTS:
                raise ExplainError(f"Unknown request from the widget: {content!r}.")
            if self._explainer is None and content["type"] != "evaluate":
                raise ExplainError(
                    "This widget only displays an Explanation; to recompute, open it with Explainer.show(text)."
                )
            self.error = ""
            self.busy = True
            if content["type"] == "explain":
                self._recompute(content)
            elif content["type"] == "evaluate":
                self.evaluation = self._evaluation(self._value, self._evaluation_progress)
            elif content["type"] == "influence":
                self.status = "Ranking training examples…"
                self.influence = self._influence(self._value, content.get("method"))
            else:
                self.status = "Ranking training examples by their influence on this token…"
                self.influence = self._token_influence(content)
        except Exception as exc:  # noqa: BLE001 - shown in the widget instead of lost in the kernel log
            message = str(exc) if isinstance(exc, ExplainError) else f"{type(exc).__name__}: {exc}"
            self.error = message
        finally:
            self.busy = False
            self.status = ""

    def _recompute(self, request: dict):
        methods = request.get("methods") or (self._value.methods if self._value else None)

        def progress(name, i, n):
            self.status = f"Running {name} ({i + 1}/{n})…"

        text = request.get("text", self._value.text if self._value else "")
        keep_spans = self._value and self._value.span_source == "user" and text == self._value.text
        explanation = self._explainer.explain(
            text,
            methods=methods,
            spans=dict(self._value.span_levels) if keep_spans else None,
            target=request.get("target"),
            output=self._value.output if self._value else "logit",
            text_pair=self._value.text_pair if self._value else None,
            on_progress=progress,
        )
        self._set_value(explanation)
        method = self.influence.get("method")
        self.influence = self._influence(
            explanation, method if method in INFLUENCE_METHODS else None
        )

    # ------------------------------------------------------------ faithfulness
    def _evaluation(self, explanation: Explanation | None, on_progress=None) -> dict:
        """``metrics.DEFAULT_METRICS`` for every method of ``explanation`` as the ``evaluation``
        trait, with the widget's explainer or else the one that made ``explanation``."""
        if explanation is None:
            raise ExplainError("Nothing to evaluate yet: explain a text first.")
        explainer = self._explainer or explanation.explainer
        if explainer is None:
            raise ExplainError(NO_MODEL_MESSAGE)
        return evaluate(explainer, explanation, DEFAULT_METRICS, on_progress).to_json()

    def _evaluation_progress(self, name, i, n):
        self.status = f"Evaluating the faithfulness of {name} ({i + 1}/{n})…"

    # --------------------------------------------------------------- influence
    def _influence(self, explanation, method=None) -> dict:
        """The influence panel's state: the ranked training examples for the shown text, or
        the empty state with how to build an index."""
        index = getattr(self._explainer, "training_index", None)
        if index is None or explanation is None:
            return {"status": "empty", "message": NO_INDEX_MESSAGE}
        result = self._explainer.influence(
            explanation.text,
            k=INFLUENCE_K,
            method=method or "influence_function",
            target=explanation.target,
        )
        return {**result.to_json(), "methods": list(INFLUENCE_METHODS)}

    def _token_influence(self, request: dict) -> dict:
        """The hybrid query (survey eq. 29) for a clicked token, or a word's first token."""
        explanation = self._value
        if getattr(self._explainer, "training_index", None) is None:
            return {"status": "empty", "message": NO_INDEX_MESSAGE}
        index = int(request.get("index", -1))
        if request.get("level") == "word":
            tokens = np.flatnonzero(explanation.word_index == index)
            if len(tokens) == 0:
                raise ExplainError(f"There is no word {index} in this explanation.")
            index = int(tokens[0])
        result = self._explainer.token_influence(
            explanation.text, index, k=INFLUENCE_K, target=explanation.target
        )
        return {**result.to_json(), "methods": list(INFLUENCE_METHODS)}

    # ------------------------------------------------------------------ export
    def to_html(self, path: str | Path | None = None, title: str | None = None) -> str:
        """A standalone HTML page of this widget's current state (bundle inlined, no network).

        Written to ``path`` when given; returned either way.
        """
        from .export import standalone_html

        state = {name: getattr(self, name) for name in STATE_TRAITS}
        state.update(
            explanation=explanation_payload(self._value, binary="base64"),
            editable=False,
            busy=False,
        )
        page = standalone_html(
            state, title or (self._value.text if self._value else "notebook_explain")
        )
        if path is not None:
            path = Path(path)
            if not path.parent.is_dir():
                raise ExplainError(
                    f"Cannot write {path}: the folder {path.parent} does not exist; create it first."
                )
            path.write_text(page, encoding="utf-8")
        return page
