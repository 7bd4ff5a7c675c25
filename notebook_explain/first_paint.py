"""What ``Explainer.show()`` paints first, chosen by measurement on the user's model.

The first map is what most users believe, so it must be one that is faithful on *this* model.
Gradient × input is faithful on a GRU (Pearson r = +0.98 with word-level leave-one-out) and runs
against leave-one-out on the MiniLM demo (r = −0.26), so no choice by family holds.

**Calibration.** Once per model (cached by the weights' fingerprint, so a training step
recalibrates), every candidate and word-level leave-one-out (Li et al. 2016; the survey's eq. 18)
explain ``CALIBRATION_TEXTS``, a few short sentences; each candidate's median Pearson r with
leave-one-out is its calibrated agreement (``metrics.trust``), and integrated gradients'
``steps="auto"`` records the most steps it needed.

**Choice.** A request's cost is counted, not timed: rows through the model (``Method.rows``) ×
tokens per row × the model's parameters, a backward pass counted as two forward ones. It is the
same for the same text and model on every run, so the defaults do not change from run to run.
Of the candidates whose cost fits ``FIRST_PAINT_BUDGET``, the one with the highest calibrated
agreement is painted first, when it reaches ``metrics.trust.AGREES``; otherwise word-level
leave-one-out is, when it fits; otherwise the best-agreeing candidate that fits, and the reason
says it did not agree well on calibration. ``reason`` says which it is, in words, and the widget shows it. An unsigned
candidate (``saliency_l2``) is compared with the magnitudes of leave-one-out's scores.

``show()`` then adds the other default methods whose cost fits ``SHOW_BUDGET``; when the whole set
costs more than the first-paint budget, the first map is shown at once and the rest computes
behind it.

**A bounded calibration.** Integrated gradients joins the calibration only when its counted
cost on the calibration sentences, at 64 steps, fits ``CALIBRATION_BUDGET`` (about 25 s of the
MiniLM pace below). On a larger model (a prompted 135M-parameter LLM, whose sentences sit in a
template) it is left out: its agreement is unknown, it is priced at its step cap, and it is
never painted first.

The budgets were set from one timing of the MiniLM demo on 2 CPU cores: integrated gradients'
cost of 4.9e11 on a 422-token text took about 6 s, so 2.4e11 is about 3 s of that work. The pace
varies with the machine and its load (``benchmarks/first_paint_faithfulness.py`` prints each
candidate's cost beside its measured seconds). On a GPU the budgets are ``GPU_FACTOR`` times
larger.
"""

from __future__ import annotations

import dataclasses
import weakref

import numpy as np

from .engine import DEFAULT_METHODS
from .methods import get_method
from .methods.base import InputSize, input_size, resolve_methods
from .methods.integrated_gradients import AUTO_MAX_STEPS
from .metrics.trust import AGREES, REFERENCE, loo_agreement

IG = "integrated_gradients"

#: short sentences of ordinary English on which every candidate is compared with leave-one-out
CALIBRATION_TEXTS = (
    "a gorgeous , witty , seductive movie .",
    "the plot is unbelievably disappointing and the acting is wooden .",
    "it 's not a bad film , but it is not good either .",
    "the service was slow but the food was excellent and cheap .",
    "stocks fell sharply after the company reported weaker profits .",
    "i loved the first half and hated the ending .",
    "the team won the final match in the last minute .",
    "a dull , lifeless film that never finds its footing .",
)
#: the methods that can be painted first, cheapest first (the first two share one backward pass)
CANDIDATES = ("signed_grad_input", "saliency_l2", "integrated_gradients")
#: the cost (parameters × tokens × forward rows) a first paint may take, and show()'s defaults
FIRST_PAINT_BUDGET = 2.4e11
SHOW_BUDGET = 8e11
#: the most integrated gradients may cost over the calibration sentences (priced at 64 steps)
CALIBRATION_BUDGET = 2e12
#: the steps integrated gradients is priced at in calibration
CALIBRATION_IG_STEPS = 64
GPU_FACTOR = 20.0


@dataclasses.dataclass(frozen=True)
class Calibration:
    """A model's calibrated agreement with leave-one-out (median Pearson r per candidate over
    ``texts`` sentences) and the most steps integrated gradients needed."""

    agreement: dict[str, float]
    ig_steps: int
    texts: int
    fingerprint: str | None


@dataclasses.dataclass(frozen=True)
class FirstPaint:
    """``show()``'s plan: the methods in order (the first is painted first), which of them fit
    the first-paint budget, and why the first one was chosen."""

    methods: dict[str, dict]
    first: str
    reason: str
    cost: dict[str, float]
    budget: float

    @property
    def fits(self) -> bool:
        """Whether every method fits the first-paint budget (else the rest computes behind)."""
        return sum(self.cost.values()) <= self.budget


#: each engine's latest calibration
_CALIBRATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def calibrate(engine) -> Calibration:
    """The model's calibration (see the module docstring), computed once per weights;
    ``engine`` is the model's ``engine.Engine``."""
    fingerprint = engine.fingerprint()
    cached = _CALIBRATIONS.get(engine)
    if cached is not None and cached.fingerprint == fingerprint and fingerprint is not None:
        return cached
    adapter = engine.adapter
    ig_price = sum(
        cost(adapter, IG, {"steps": CALIBRATION_IG_STEPS}, _size(adapter, text), 0)
        for text in CALIBRATION_TEXTS
    )
    with_ig = ig_price <= CALIBRATION_BUDGET
    calibrated = [n for n in CANDIDATES if with_ig or n != IG]
    methods = {name: {} for name in calibrated}
    methods[REFERENCE] = {"unit": "word"}
    agreements: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    steps = [0 if with_ig else AUTO_MAX_STEPS]
    for text in CALIBRATION_TEXTS:
        explanation = engine.explain(text, methods=methods)
        reference = explanation.scores(REFERENCE)
        for name in calibrated:
            signed = get_method(name).signed  # an unsigned map against |leave-one-out|
            check = loo_agreement(explanation.scores(name), reference, signed=signed)
            if check is not None:
                agreements[name].append(check["pearson"])
        if with_ig:
            steps.append(int(explanation.result(IG).info["steps_used"]))
    calibration = Calibration(
        agreement={n: float(np.median(v)) if v else float("nan") for n, v in agreements.items()},
        ig_steps=max(steps),
        texts=len(CALIBRATION_TEXTS),
        fingerprint=fingerprint,
    )
    _CALIBRATIONS[engine] = calibration
    return calibration


def _size(adapter, text: str, text_pair: str | None = None) -> InputSize:
    return input_size(adapter.encode(text, text_pair))


def _parameters(adapter) -> int:
    named = getattr(adapter, "named_parameters", None)
    return sum(p.numel() for _, p in named()) if callable(named) else 1_000_000


def cost(adapter, name: str, params: dict, size: InputSize, ig_steps: int) -> float:
    """The cost of one method on an input of ``size``: rows × tokens × parameters, a backward
    pass counted as two more forward ones; integrated gradients' ``steps="auto"`` priced at the
    steps it needed on calibration."""
    ((method, params),) = resolve_methods({name: params}, None).values()
    if name == IG and params["steps"] == "auto":
        params = {**params, "steps": ig_steps}
    rows = max(1, int(method.rows(size, **params)))  # the gradient family reads the input pass
    return rows * size.tokens * _parameters(adapter) * (3 if method.backward else 1)


def defaults(engine, text: str, text_pair: str | None) -> dict[str, dict]:
    """``DEFAULT_METHODS`` and ``input_reduction``, perturbing whole words (``unit="word"``)
    where some word of ``text`` spans several tokens, since the widget shows words."""
    encoded = engine.adapter.encode(engine.check_text(text), text_pair)
    words = encoded.word_index[encoded.word_index >= 0]
    split_words = len(words) > len(np.unique(words))
    return {
        name: {"unit": "word"} if split_words and "unit" in get_method(name).params else {}
        for name in [*DEFAULT_METHODS, "input_reduction"]
    }


def plan(engine, text: str, text_pair: str | None = None) -> FirstPaint:
    """``show()``'s methods for ``text``: the first-painted method, then those of
    ``defaults(engine, text, text_pair)`` that fit ``SHOW_BUDGET``."""
    adapter = engine.adapter
    calibration = calibrate(engine)
    size = _size(adapter, engine.check_text(text), text_pair)
    scale = GPU_FACTOR if adapter.device.type == "cuda" else 1.0
    budget, show_budget = FIRST_PAINT_BUDGET * scale, SHOW_BUDGET * scale
    loo = {"unit": "word"}
    chosen = defaults(engine, text, text_pair)
    prices = {
        name: cost(adapter, name, params, size, calibration.ig_steps)
        for name, params in {**dict.fromkeys(CANDIDATES, {}), REFERENCE: loo, **chosen}.items()
    }
    fitting = [n for n in CANDIDATES if prices[n] <= budget]
    agreement = calibration.agreement
    ranked = sorted(fitting, key=lambda n: -np.nan_to_num(agreement[n], nan=-2.0))
    on = f"on {calibration.texts} calibration sentences"
    if ranked and agreement[ranked[0]] >= AGREES:
        first = ranked[0]
        reason = (
            f"{first} is shown first: of the methods fast enough for this text, it agrees best "
            f"with leave-one-out on this model (median r = {agreement[first]:+.2f} {on})."
        )
    elif prices[REFERENCE] <= budget:
        first = REFERENCE
        reason = (
            "leave_one_out is shown first: on this model the gradient maps did not agree with "
            f"leave-one-out ({_listing(agreement)} {on})."
        )
    else:
        first = ranked[0] if ranked else CANDIDATES[0]
        reason = (
            f"{first} is shown first as the map fast enough for this text that agrees best with "
            f"leave-one-out, but on this model it does not agree well ({_listing(agreement)} "
            f"{on}): check it against the other methods when they arrive."
        )
    methods = {first: loo if first == REFERENCE else {}}
    for name, params in chosen.items():
        if name not in methods and (
            get_method(name).family == "gradient" or prices[name] <= show_budget
        ):
            methods[name] = params
    return FirstPaint(methods, first, reason, {n: prices[n] for n in methods}, budget)


def _listing(agreement: dict[str, float]) -> str:
    return ", ".join(
        f"{name} r = {value:+.2f}" if np.isfinite(value) else f"{name} not calibrated"
        for name, value in agreement.items()
    )
