"""The identities that some methods' scores obey, checked on every call.

A method with an identity knows, for the input at hand, what its scores must sum to:

* integrated gradients, completeness (Sundararajan et al. 2017, Prop. 1; survey eq. 10):
  Σ_i IG_i = S(x) − S(x̄);
* DeepLIFT, summation-to-delta (Shrikumar et al. 2017, eq. 1): Σ_i C_i = S(x) − S(x̄);
* Shapley and Owen values, efficiency (Shapley 1953): Σ_i φ_i = v(all words) − v(no words).

A check is a plain dict kept in the record (``MethodResult.checks``) and shown by the widget's
trust line: what was checked, the sum, the value it must equal, the gap, the relative gap and the
tolerance, and whether it holds. A gap within ``TOLERANCE`` of |expected|, plus float rounding
(``ROUNDING`` of the outputs' scale), holds. A method whose identity fails on an input is never
returned as if it were sound: integrated gradients adds steps (``steps="auto"``) or warns when
its cap stops it; DeepLIFT and the Shapley samplers refuse with an ``ExplainError`` that names
the gap.
"""

from __future__ import annotations

from ..errors import ExplainError

#: the largest gap, relative to |expected|, that an identity tolerates
TOLERANCE = 0.01
#: float rounding allowed on top, relative to the largest |output| involved
ROUNDING = 1e-4


def identity_check(what: str, total: float, expected: float, *outputs: float) -> dict:
    """The check that ``total`` (the scores' sum) equals ``expected``; ``outputs`` are the model
    outputs ``expected`` was computed from (their scale sets the rounding allowed)."""
    gap = float(total) - float(expected)
    scale = max([1.0, *(abs(float(o)) for o in outputs)])
    # None: a gap against an expected 0 has no relative size
    relative = abs(gap) / abs(expected) if expected != 0 else (0.0 if gap == 0 else None)
    return {
        "what": what,
        "sum": float(total),
        "expected": float(expected),
        "gap": gap,
        "relative": relative,
        "tolerance": TOLERANCE,
        "ok": bool(abs(gap) <= TOLERANCE * abs(expected) + ROUNDING * scale),
    }


def describe(check: dict) -> str:
    """The check in words: "completeness: Σ 1.23 vs 1.25 (gap 1.6 %)"."""
    relative = check["relative"]
    share = "against 0" if relative is None else f"{relative:.1%}"
    return (
        f"{check['what']}: the scores sum to {check['sum']:.4g} where they must sum to "
        f"{check['expected']:.4g} (a gap of {check['gap']:.3g}, {share})"
    )


def refuse_unless_exact(method: str, check: dict, instead: str) -> dict:
    """``check`` when it holds; otherwise an ExplainError that names the gap and what to use
    ``instead``."""
    if check["ok"]:
        return check
    raise ExplainError(
        f"{method} cannot be computed correctly on this input: {describe(check)}, beyond the "
        f"{TOLERANCE:.0%} tolerance. Its scores would be wrong, so none are shown; {instead}."
    )


def efficiency(method: str, total: float, full: float, empty: float) -> dict:
    """The Shapley family's check: the values sum to v(all) − v(∅), with v(all) read from the
    input's own pass (``full``); refused (``refuse_unless_exact``) when the batched coalitions
    disagree with it."""
    return refuse_unless_exact(
        method,
        identity_check("efficiency", total, full - empty, full, empty),
        "the model's output for the whole input differs between its own pass and the batched "
        "coalitions (padding or batching changes it); report this model's family",
    )
