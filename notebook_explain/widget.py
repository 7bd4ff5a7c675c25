"""ExplainWidget: the anywidget that renders an Explanation live in the notebook.

The kernel computes, the browser renders: every number the views need is in the widget's state
(long arrays as binary buffers), so toggling methods, levels and sliders never waits on the kernel.
The browser asks for new computations (another text, target class, method or parameter) with a
message; the widget hands it to its :class:`~notebook_explain.session.Session`, which computes off
the comm thread and reports back through traits (progress in ``status``, failures in ``error``).
This module is traits and serialization only. The state contract is in ``js/README.md``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import anywidget
import traitlets

from .errors import ExplainError
from .explanation import Explanation, register_live_view
from .methods import available_methods, get_method
from .session import CONTRACT, Session

if TYPE_CHECKING:
    from .explainer import Explainer

STATIC = Path(__file__).parent / "static"
VIEWS = ("heatmap", "compare", "reduction", "hierarchy", "influence", "dataset")
#: a saved page's influence panel when the training examples were never ranked in the widget
UNRANKED_MESSAGE = (
    "The training examples were not ranked before this page was saved: open the Influence tab "
    "in the live widget first, then save the page."
)

#: the traits that make up what the views show (and what a static export carries): the
#: contract's, less the kernel's own bookkeeping (methods computing, a held-back request)
STATE_TRAITS = tuple(t for t in CONTRACT["traits"] if t not in ("pending", "confirm"))


def explanation_payload(explanation: Explanation | None) -> dict | None:
    """The Explanation as the widget's ``explanation`` trait: arrays become
    ``{dtype, shape, data}`` with raw ``bytes`` (sent as binary buffers by the widget protocol;
    ``base64_arrays`` makes them text for a static page)."""
    if explanation is None:
        return None
    state, buffers = explanation.to_json()

    def embed(node):
        if isinstance(node, dict):
            if "buffer" in node and "dtype" in node:
                return {
                    "dtype": node["dtype"],
                    "shape": node["shape"],
                    "data": buffers[node["buffer"]],
                }
            return {k: embed(v) for k, v in node.items()}
        if isinstance(node, list):
            return [embed(v) for v in node]
        return node

    return embed(state)


def base64_arrays(node):
    """A trait's ``{dtype, shape, data: bytes}`` arrays as ``{dtype, shape, b64}`` (a static page)."""
    if isinstance(node, dict):
        if isinstance(node.get("data"), bytes) and "dtype" in node:
            return {
                "dtype": node["dtype"],
                "shape": node["shape"],
                "b64": base64.b64encode(node["data"]).decode("ascii"),
            }
        return {k: base64_arrays(v) for k, v in node.items()}
    if isinstance(node, list):
        return [base64_arrays(v) for v in node]
    return node


def methods_metadata(names, layers=()) -> list[dict]:
    """Registered metadata (family, params, …) of each named method; unregistered names are
    skipped. A ``layer`` parameter gets the model's ``layers`` as its choices (a select)."""
    registered = set(available_methods())
    metadata = [get_method(n).metadata() for n in names if n in registered]
    for entry in metadata:
        if "layer" in entry["params"]:
            entry["params"]["layer"]["choices"] = ["word_embeddings", *layers]
    return metadata


def _layers(explainer) -> tuple[str, ...]:
    """The inner layers the explainer's model can be attributed at (none without a model)."""
    adapter = getattr(explainer, "adapter", None)
    return tuple(getattr(adapter, "layers", ())) if adapter is not None else ()


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
    #: methods asked for and being computed, not yet in ``explanation``: the method select lists
    #: them as computing instead of leaving them out
    pending = traitlets.List(traitlets.Unicode()).tag(sync=True)
    level = traitlets.Enum(("token", "word", "phrase", "clause"), default_value="word").tag(
        sync=True
    )
    threshold = traitlets.Float(0.0, min=0.0, max=1.0).tag(sync=True)
    #: the share (%) of each method's units the comparison colours: the top fifth by default,
    #: since at 100 % every top-k overlap reads 100 %
    top_k = traitlets.Float(20.0, min=1.0, max=100.0).tag(sync=True)
    selected_token = traitlets.Int(-1).tag(sync=True)
    view = traitlets.Enum(VIEWS, default_value="heatmap").tag(sync=True)
    reduction_step = traitlets.Int(0, min=0).tag(sync=True)
    influence = traitlets.Dict().tag(sync=True)
    evaluation = traitlets.Dict().tag(sync=True)
    #: the model-randomisation sanity check (``SanityCheck.to_json()``; ``{}`` until asked for)
    sanity = traitlets.Dict().tag(sync=True)
    #: a request held back for its cost: ``{"seconds": {method: estimate}, "request": ...}``
    #: until the user runs it anyway or drops it (``{}``: none)
    confirm = traitlets.Dict().tag(sync=True)
    #: a dataset run to browse (``dataset.browse_payload``: binary columns; ``{}``: none)
    dataset = traitlets.Dict().tag(sync=True)
    #: why ``show()`` painted this map first (``first_paint.plan``): ``{"method", "reason"}``;
    #: ``{}`` when the methods were given
    painted_first = traitlets.Dict().tag(sync=True)
    #: method → seconds from the request to its map on screen (queueing behind the request's
    #: other methods included; ``MethodResult.seconds`` is its own compute time)
    waited = traitlets.Dict().tag(sync=True)
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
        self._session = Session(explainer, explanation, self._apply, lambda: self.view)
        self._kernel_writes = True  # the explanation trait: set by the kernel only
        names = (
            explainer.supported_methods()
            if explainer is not None
            else (explanation.methods if explanation else ())
        )
        if "influence" not in kwargs:
            visible = kwargs.get("view") == "influence"
            kwargs["influence"] = self._session.influence(explanation, visible=visible)
        if explanation is not None:
            kwargs.setdefault("method", explanation.methods[0])
            kwargs.setdefault("compare", list(explanation.methods))
            for name in [kwargs["method"], *kwargs["compare"]]:
                explanation.result(name)  # a clear error for a method the explanation lacks
        if evaluate:
            kwargs["evaluation"] = self._session.evaluation(explanation)
        super().__init__(
            explanation=explanation_payload(explanation),
            methods=methods_metadata(names, _layers(explainer)),
            editable=explainer is not None,
            **kwargs,
        )
        self._kernel_writes = False
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        """A request from the view, for the session; a ping (the view asking whether a kernel
        answers it, js/src/context.js) is answered here at once with a pong."""
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send({"type": "pong"})
            return
        self._session.handle(content)

    @property
    def value(self) -> Explanation | None:
        """The Explanation currently shown."""
        return self._session.explanation

    @property
    def session(self) -> Session:
        """The kernel side that answers this widget's requests (``session.wait()`` blocks
        until the running one is done)."""
        return self._session

    def __repr__(self) -> str:
        return f"ExplainWidget({self.value!r}, view={self.view!r}, method={self.method!r})"

    # ------------------------------------------------------- state from the view
    def set_state(self, sync_data):
        """The view's changes, checked: a value the kernel cannot show (an unknown method, a
        token outside the text, an edited explanation) is refused, the error says so, and the
        view gets the kernel's values back."""
        try:
            super().set_state(sync_data)
        except traitlets.TraitError as err:
            self.error = f"The widget sent a value the kernel cannot show, so it was undone: {err}"
            self.send_state([name for name in sync_data if name in self.keys])

    @traitlets.validate("method")
    def _valid_method(self, proposal):
        names = self.value.methods if self.value else ()
        if proposal["value"] not in ("", *names):
            raise traitlets.TraitError(
                f"method {proposal['value']!r} was not computed; the computed ones: {list(names)}."
            )
        return proposal["value"]

    @traitlets.validate("compare")
    def _valid_compare(self, proposal):
        names = self.value.methods if self.value else ()
        unknown = [m for m in proposal["value"] if m not in names]
        if unknown:
            raise traitlets.TraitError(f"compare names methods not computed: {unknown}.")
        return proposal["value"]

    @traitlets.validate("selected_token")
    def _valid_selected_token(self, proposal):
        e, index = self.value, proposal["value"]
        units = max(len(e.tokens), len(e.words)) if e else 0
        if not -1 <= index < units:
            raise traitlets.TraitError(f"selected_token {index} is outside -1..{units - 1}.")
        return index

    @traitlets.validate("reduction_step")
    def _valid_reduction_step(self, proposal):
        e, step = self.value, proposal["value"]
        steps = (
            len(e.result("input_reduction").reduction_steps)
            if e and ("input_reduction" in e.methods)
            else 1
        )
        if step >= max(steps, 1):
            raise traitlets.TraitError(f"reduction_step {step} is past the last step {steps - 1}.")
        return step

    @traitlets.validate("explanation")
    def _valid_explanation(self, proposal):
        if not self._kernel_writes:
            raise traitlets.TraitError("the explanation is the kernel's to set, not the view's.")
        return proposal["value"]

    def _apply(self, **changes):
        """Show the session's changes: an ``explanation`` resets the views that depend on it."""
        with self.hold_sync():
            explanation = changes.pop("explanation", None)
            if explanation is not None:
                self.selected_token = -1
                self.reduction_step = 0
                shown = {r["name"] for r in (self.explanation or {}).get("results", [])}
                added = [m for m in explanation.methods if m not in shown]
                with self.hold_trait_notifications():
                    if self.method not in explanation.methods:
                        self.method = explanation.methods[0]
                    # the compared methods that remain, and any method just added
                    kept = [m for m in self.compare if m in explanation.methods]
                    self.compare = [*kept, *added] if kept else list(explanation.methods)
                self._kernel_writes = True
                try:
                    self.explanation = explanation_payload(explanation)
                finally:
                    self._kernel_writes = False
            for name, value in changes.items():
                setattr(self, name, value)

    # ------------------------------------------------------------------ export
    def to_html(self, path: str | Path | None = None, title: str | None = None) -> str | Path:
        """A standalone HTML page of this widget's current state (bundle inlined, no network).

        Args:
            path: Where to write the page, or ``None``.
            title: The page title (default: the text).

        Returns:
            The page; with ``path``, the path it was written to instead (so a notebook cell
            does not print a whole page).
        """
        from .export import standalone_html, write_page

        state = {name: getattr(self, name) for name in STATE_TRAITS}
        if state["influence"].get("status") == "stale":  # never ranked: a page cannot ask
            state["influence"] = {"status": "empty", "message": UNRANKED_MESSAGE}
        state.update(
            explanation=base64_arrays(explanation_payload(self.value)),
            dataset=base64_arrays(self.dataset),
            editable=False,
            busy=False,
        )
        page = standalone_html(
            state, title or (self.value.text if self.value else "notebook_explain")
        )
        if path is None:
            return page
        write_page(path, page)
        return Path(path)


register_live_view(ExplainWidget)
