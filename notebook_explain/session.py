"""The kernel side of a widget: it answers the browser's requests, off the comm thread.

A request (explain another text, target or method set; evaluate faithfulness; rank training
examples for the text or for one token) runs on a worker thread, so the kernel keeps handling
messages while it computes: the widget's own view changes, and a ``cancel`` request, which stops
the work before its next batched pass (``methods.context.Batching.check``). Progress goes to the
widget's ``status``; a failure or a cancel leaves the previous result in place and says why in
``error``. One request runs at a time. A recompute keeps the results it does not change (same
text, target, output and parameters) while the model's weights are unchanged, so changing one
method's parameters computes that method only.

The session never touches traits: it reports state changes through ``update(**changes)``, which
the widget turns into traits (``explanation`` there is an :class:`Explanation`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import Cancelled, ExplainError
from .explanation import Explanation
from .influence.demonstrations import DEMONSTRATIONS, demonstration_influence
from .influence.demonstrations import METHODS as DEMONSTRATION_METHODS
from .influence.scorers import METHODS as INFLUENCE_METHODS
from .metrics import DEFAULT_METRICS

if TYPE_CHECKING:
    from .explainer import Explainer

#: the widget's contract (traits, requests and answers), shared with js/src/context.js
CONTRACT = json.loads((Path(__file__).parent / "widget_contract.json").read_text(encoding="utf-8"))
#: the requests a session serves, with their fields (``ping`` is the widget's own, answered at once)
REQUESTS = {kind: fields for kind, fields in CONTRACT["requests"].items() if kind != "ping"}
#: training examples per side in the influence panel
INFLUENCE_K = 5

NO_INDEX_MESSAGE = (
    "No training-data influence yet: build a training index with ex.index(train_texts, "
    "train_labels), then open the widget with ex.show(text)."
)
NO_DEMONSTRATIONS_MESSAGE = (
    "A prompted classifier's training data are its in-context examples: build it with "
    "Explainer.from_causal_lm(..., demonstrations=[(text, class), ...]) to see how each moves "
    "the prediction."
)
NO_MODEL_MESSAGE = (
    "This widget only displays an Explanation, which holds no model: to recompute or evaluate, "
    "open it with Explainer.show(text), or run explainer.evaluate(explanation)."
)
BUSY_MESSAGE = "Still computing the previous request: wait for it, or press Cancel."
#: a request whose new methods should take longer than this is shown with its estimate first,
#: and runs when the user confirms it
CONFIRM_SECONDS = 10.0
CANCELLED_MESSAGE = "Cancelled; the previous result is kept."


class Session:
    """Serves one widget's requests with ``explainer`` (``None``: display only)."""

    def __init__(
        self,
        explainer: Explainer | None,
        explanation: Explanation | None,
        update: Callable[..., None],
        view: Callable[[], str] = lambda: "influence",
    ):
        self.explainer = explainer
        self.explanation = explanation
        self._update = update
        #: the view the widget shows: influence is ranked again only while its tab is open
        self._view = view
        self._cancelled = threading.Event()
        self._worker: threading.Thread | None = None
        #: the influence method the panel shows ("token_influence" after a token click)
        self._influence_method: str | None = None
        #: the model's weights when ``explanation`` was made: its results are reused only then
        self._weights = self._fingerprint() if explanation is not None else None
        #: when the running request arrived (``waited`` counts from there)
        self._received = time.perf_counter()
        #: method → seconds from its request to its map on screen (the ``waited`` trait)
        self._waited: dict[str, float] = {}

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the running request is done (True) or ``timeout`` seconds pass (False)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self.busy

    # ---------------------------------------------------------------- requests
    def handle(self, request) -> None:
        """Start ``request`` (a message from the browser) on a worker thread; ``cancel`` acts now."""
        kind = request.get("type") if isinstance(request, dict) else None
        unknown = (
            sorted(set(request) - {"type", *REQUESTS[kind]})
            if isinstance(kind, str) and kind in REQUESTS
            else None
        )
        if unknown is None or unknown:
            shown = repr(request)
            shown = shown if len(shown) <= 200 else shown[:200] + "…"
            what = f" (fields {unknown} are not in widget_contract.json)" if unknown else ""
            self._update(error=f"Unknown request from the widget: {shown}{what}.")
            return
        if kind == "cancel":
            self._cancelled.set()
            return
        if self.busy:
            self._update(error=BUSY_MESSAGE)
            return
        if self.explainer is None:
            self._update(error=NO_MODEL_MESSAGE)
            return
        self._cancelled.clear()
        self._received = time.perf_counter()
        self._update(busy=True, error="", status="Starting…")
        self._worker = threading.Thread(
            target=self._run, args=(request,), name="notebook_explain request", daemon=True
        )
        self._worker.start()

    def _check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled()

    def _progress(self, what: str) -> Callable[[str, int, int], None]:
        return lambda name, i, n: self._update(status=f"{what} {name} ({i + 1}/{n})…")

    def _run(self, request: dict) -> None:
        try:
            changes = self._answer(request)
        except Cancelled:
            changes = {"error": CANCELLED_MESSAGE}
        except Exception as exc:  # noqa: BLE001 - shown in the widget instead of lost in a thread
            changes = {
                "error": str(exc)
                if isinstance(exc, ExplainError)
                else f"{type(exc).__name__}: {exc}"
            }
        self._update(**changes, busy=False, status="", pending=[])

    def _answer(self, request: dict) -> dict:
        kind = request["type"]
        if kind == "explain":
            return self._explain(request)
        if kind == "evaluate":
            return {
                "evaluation": self.evaluation(
                    self.explanation, self._progress("Evaluating the faithfulness of")
                )
            }
        if kind == "sanity":
            held = self._hold_sanity(request)
            return held or {"sanity": self.sanity(self.explanation)}
        if kind == "influence":
            method = request.get("method")
            if not isinstance(method, str) or method not in self._influence_methods():
                raise ExplainError(
                    f"Unknown influence method {method!r}; choose one of "
                    f"{self._influence_methods()}."
                )
            self._update(status="Ranking training examples…")
            return {
                "influence": self.influence(self.explanation, request.get("method"), visible=True)
            }
        self._update(status="Ranking training examples by their influence on this token…")
        return {"influence": self._token_influence(request)}

    def _explain(self, request: dict) -> dict:
        from .explainer import FIRST_PAINT_SECONDS

        old = self.explanation
        text = request.get("text", old.text if old else "")
        pair = request.get("text_pair", old.text_pair if old else None)
        if request.get("methods") is not None and not isinstance(request["methods"], (dict, list)):
            raise ExplainError(
                f"The widget's methods must be a dict of name → parameters, got {request['methods']!r}."
            )
        keep_spans = (
            old is not None
            and old.span_source == "user"
            and (text, pair) == (old.text, old.text_pair)
        )
        weights = self._fingerprint()
        unchanged = old is not None and weights is not None and weights == self._weights
        methods, todo, same_input = self._plan(request, text, pair, old if unchanged else None)
        shown = request.get("method")
        # the cost is estimated when it decides something: the confirmation, or a first paint
        first_paint = not same_input and shown in todo and len(todo) > 1
        seconds = (
            self._estimate(text, pair, todo) if first_paint or not request.get("confirmed") else {}
        )
        if not request.get("confirmed") and sum(seconds.values()) > CONFIRM_SECONDS:
            return {"confirm": {"seconds": seconds, "request": {**request, "confirmed": True}}}
        options = dict(
            spans=dict(old.span_levels) if keep_spans else None,
            target=request.get("target"),
            contrast=request.get("contrast"),
            output=old.output if old else "logit",
            text_pair=pair,
            check=self._check,
        )
        reuse = old if unchanged else None
        painted_first = first_paint and sum(seconds.values()) > FIRST_PAINT_SECONDS
        if painted_first:
            # a new text or target: the method on screen first, shown while the rest computes
            reuse = self.explainer.explain(
                text, methods={shown: methods[shown]}, reuse=reuse, **options
            )
            self.explanation, self._weights = reuse, weights
            self._waited = {shown: time.perf_counter() - self._received}
            self._update(
                waited=self._waited,
                explanation=reuse,
                evaluation={},
                sanity={},
                status=f"Showing {shown}; running the other methods…",
            )
        if same_input or painted_first:  # the explanation on screen is this input's
            on_screen = self.explanation.methods if self.explanation is not None else ()
            self._update(pending=[name for name in todo if name not in on_screen])
        explanation = self.explainer.explain(
            text,
            methods=methods,
            on_progress=self._progress("Running"),
            reuse=reuse,
            **options,
        )
        shown_influence = self._influence_method
        influence = self.influence(
            explanation, shown_influence if shown_influence in self._influence_methods() else None
        )
        self.explanation, self._weights = explanation, weights
        # reused maps keep their wait (the first-painted one, from this request); the rest
        # waited for the whole request
        elapsed = time.perf_counter() - self._received
        kept = self._waited if same_input or painted_first else {}
        computed = {name for name in todo if not (painted_first and name == shown)}
        self._waited = {
            name: elapsed if name in computed else kept[name]
            for name in explanation.methods
            if name in computed or name in kept
        }
        answer = {
            "waited": self._waited,
            "explanation": explanation,
            "evaluation": {},
            "sanity": {},
            "influence": influence,
            "confirm": {},
        }
        if (
            same_input
            and shown in explanation.methods
            and shown not in (old.methods if old else ())
        ):
            answer["method"] = shown  # a method just added ("+ add method") is shown
        return answer

    def _plan(self, request: dict, text: str, pair: str | None, old: Explanation | None):
        """(every method asked for, name → parameters; those to compute, that is not reusable
        from ``old``; whether the input, target and contrast are ``old``'s)."""
        from .explainer import DEFAULT_METHODS
        from .methods.base import resolve_methods

        methods = request.get("methods") or (list(old.methods) if old else None)
        resolved = {
            name: params for name, (_, params) in resolve_methods(methods, DEFAULT_METHODS).items()
        }
        same_input = old is not None and (text, pair) == (old.text, old.text_pair)
        if same_input:  # a target of None is the predicted class, the same for the same text
            target = request.get("target")
            target = int(np.argmax(old.probabilities)) if target is None else target
            same_input = target == old.target and request.get("contrast") == old.contrast
        todo = {
            name: params
            for name, params in resolved.items()
            if not (same_input and name in old.results and dict(old.result(name).params) == params)
        }
        return resolved, todo, same_input

    def _estimate(self, text: str, pair: str | None, todo: dict) -> dict[str, float]:
        """Method → the seconds ``Explainer.estimate`` expects for each of ``todo``."""
        if not todo:
            return {}
        self._update(status="Estimating the cost…")
        return {
            name: float(e["seconds"])
            for name, e in self.explainer.estimate(text, todo, text_pair=pair).items()
        }

    def _hold_sanity(self, request: dict) -> dict | None:
        """The confirmation a sanity check waits for when it is estimated above
        ``CONFIRM_SECONDS`` (None: run it now)."""
        explanation = self.explanation
        if request.get("confirmed") or explanation is None or self.explainer is None:
            return None
        self._update(status="Estimating the cost…")
        methods = {name: dict(explanation.result(name).params) for name in explanation.methods}
        seconds = {
            name: float(e["seconds"])
            for name, e in self.explainer.estimate(
                explanation.text, methods, explanation.text_pair, of="sanity_check"
            ).items()
        }
        if sum(seconds.values()) <= CONFIRM_SECONDS:
            return None
        return {"confirm": {"seconds": seconds, "request": {**request, "confirmed": True}}}

    def _fingerprint(self) -> str | None:
        """The fingerprint of the model's weights (None for an adapter that does not list its
        parameters: then nothing is reused)."""
        return None if self.explainer is None else self.explainer.engine.fingerprint()

    # ------------------------------------------------------------ the answers
    def evaluation(self, explanation: Explanation | None, on_progress=None) -> dict:
        """``metrics.DEFAULT_METRICS`` for every method of ``explanation``, as the widget's
        ``evaluation`` trait (``Evaluation.to_json()``)."""
        if explanation is None:
            raise ExplainError("Nothing to evaluate yet: explain a text first.")
        if self.explainer is None:
            raise ExplainError(NO_MODEL_MESSAGE)
        return self.explainer.evaluate(
            explanation, DEFAULT_METRICS, on_progress, self._check
        ).to_json()

    def sanity(self, explanation: Explanation | None) -> dict:
        """The model-randomisation sanity check of every method of ``explanation`` (same input,
        target, contrast and parameters), as the widget's ``sanity`` trait
        (``SanityCheck.to_json()``)."""
        if explanation is None:
            raise ExplainError("Nothing to check yet: explain a text first.")
        if self.explainer is None:
            raise ExplainError(NO_MODEL_MESSAGE)
        return self.explainer.sanity_check(
            explanation.text,
            {name: dict(explanation.result(name).params) for name in explanation.methods},
            text_pair=explanation.text_pair,
            target=explanation.target,
            contrast=explanation.contrast,
            output=explanation.output,
            spans=dict(explanation.span_levels) or None,
            on_progress=lambda layer, i, n: self._update(
                status=f"Sanity check: randomising {layer} ({i + 1}/{n})…"
            ),
            check=self._check,
        ).to_json()

    def influence(
        self,
        explanation: Explanation | None,
        method: str | None = None,
        visible: bool | None = None,
    ) -> dict:
        """The influence panel's state: the ranked training examples for the shown text, or
        the empty state with how to build an index (or why the index cannot answer: it is
        stale once the model's weights changed). While the panel is not on screen nothing is
        ranked: the state is "stale", with the method to rank by, and the panel asks for the
        ranking when it opens (``visible``: whether it is on screen, by default the widget's
        view)."""
        demonstrations = explanation is not None and self._ranks_demonstrations()
        if explanation is None or not (
            demonstrations or getattr(self.explainer, "training_index", None) is not None
        ):
            prompted = getattr(getattr(self.explainer, "adapter", None), "prompt", None)
            message = NO_DEMONSTRATIONS_MESSAGE if prompted is not None else NO_INDEX_MESSAGE
            return {"status": "empty", "message": message}
        method = method or self._influence_methods()[0]
        if not (self._view() == "influence" if visible is None else visible):
            return {
                "status": "stale",
                "method": method,
                "message": "Ranking the training examples for this text…",
            }
        try:
            if demonstrations:
                result = demonstration_influence(
                    self.explainer.engine,
                    explanation.text,
                    method=method.removeprefix(DEMONSTRATIONS),
                    target=explanation.target,
                    text_pair=explanation.text_pair,
                    check=self._check,
                )
            else:
                result = self.explainer.engine.influence(
                    explanation.text,
                    k=INFLUENCE_K,
                    method=method,
                    target=explanation.target,
                    check=self._check,
                )
        except ExplainError as err:
            return {"status": "empty", "message": str(err)}
        return self._panel(result)

    def _ranks_demonstrations(self) -> bool:
        """Whether the influence panel ranks a prompted classifier's demonstrations (its
        in-context training data) rather than an index's training examples."""
        prompt = getattr(getattr(self.explainer, "adapter", None), "prompt", None)
        return bool(prompt is not None and prompt.demonstrations)

    def _influence_methods(self) -> list[str]:
        if self._ranks_demonstrations():
            return [DEMONSTRATIONS + name for name in DEMONSTRATION_METHODS]
        return list(INFLUENCE_METHODS)

    def _token_influence(self, request: dict) -> dict:
        """The hybrid query (survey eq. 29) for a clicked token, or a word's first token."""
        explanation = self.explanation
        if getattr(self.explainer, "training_index", None) is None or explanation is None:
            return {"status": "empty", "message": NO_INDEX_MESSAGE}
        index, level = request.get("index"), request.get("level", "token")
        if not isinstance(index, int) or isinstance(index, bool):
            raise ExplainError(f"token_influence needs an integer index, got {index!r}.")
        if level not in ("token", "word"):
            raise ExplainError(f"token_influence's level is 'token' or 'word', not {level!r}.")
        if level == "word":
            tokens = np.flatnonzero(explanation.word_index == index)
            if len(tokens) == 0:
                raise ExplainError(f"There is no word {index} in this explanation.")
            index = int(tokens[0])
        result = self.explainer.engine.token_influence(
            explanation.text, index, k=INFLUENCE_K, target=explanation.target, check=self._check
        )
        return self._panel(result)

    def _panel(self, result) -> dict:
        self._influence_method = result.method
        return {**result.to_json(), "methods": self._influence_methods()}
