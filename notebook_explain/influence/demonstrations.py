"""In-context examples as the training data of a prompted classifier: how much each few-shot
demonstration moves the prediction (the survey's §5 hybrid view, training data behind a
decision, in the in-context setting).

The value of a set S of demonstrations is v(S), the explained class's score (its label words'
log-probability mass, ``models.prompted``) with the prompt rebuilt from S alone, in the original
order. Then, for demonstration j of the n:

- ``leave_one_out``: v(N) − v(N \\ {j}), what removing it costs the class;
- ``shapley``: the exact Shapley value (Shapley 1953) over all 2ⁿ prompts,
  φ_j = Σ_{S ⊆ N∖{j}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {j}) − v(S)); the values sum to
  v(N) − v(∅) (efficiency), which is checked.

Positive: the demonstration pushes the prediction toward the explained class (a proponent).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from ..errors import ExplainError
from .result import InfluenceItem, InfluenceResult

#: the demonstration influence methods
METHODS = ("leave_one_out", "shapley")
#: what marks them in the influence panel's method names ("demonstrations:shapley")
DEMONSTRATIONS = "demonstrations:"
#: the most demonstrations exact Shapley values enumerate (2ⁿ prompts)
MAX_EXACT = 10

SIGN_NOTES = {
    "leave_one_out": (
        "score = v(all) − v(all but this one), v the explained class's score (log-probability "
        "of its label words) with the prompt rebuilt from those demonstrations. Positive: the "
        "demonstration pushes the prediction toward the class (proponent)."
    ),
    "shapley": (
        "score = the exact Shapley value of the demonstration over all 2ⁿ prompts built from "
        "subsets of the demonstrations, v the explained class's score; the scores sum to "
        "v(all) − v(none). Positive: a proponent."
    ),
}
HINT = (
    "The few-shot examples in the prompt play the part of training data: proponents move the "
    "prediction toward the explained class, opponents away from it."
)


def demonstration_influence(engine, text, *, method, target, text_pair, check=None):
    """See ``Explainer.demonstration_influence``."""
    adapter = engine.adapter
    prompt = getattr(adapter, "prompt", None)
    if prompt is None:
        raise ExplainError(
            "Demonstration influence is for prompted classifiers: build the explainer with "
            "Explainer.from_causal_lm(..., demonstrations=[(text, class), ...])."
        )
    if not prompt.demonstrations:
        raise ExplainError(
            "This prompt has no demonstrations; pass demonstrations=[(text, class), ...] to "
            "from_causal_lm to see how in-context examples move the prediction."
        )
    if method not in METHODS:
        raise ExplainError(f"Unknown demonstration method {method!r}; choose one of {METHODS}.")
    n = len(prompt.demonstrations)
    if method == "shapley" and n > MAX_EXACT:
        raise ExplainError(
            f"Exact Shapley values over {n} demonstrations need 2^{n} prompts; use "
            f"method='leave_one_out', or {MAX_EXACT} demonstrations at most."
        )
    engine.check_text(text)
    full = _scores(adapter, prompt, text, text_pair)
    target = int(np.argmax(full)) if target is None else engine.target_index(target)
    everyone = frozenset(range(n))
    if method == "leave_one_out":
        sets = [everyone] + [everyone - {j} for j in range(n)]
    else:
        sets = [frozenset(c) for k in range(n + 1) for c in itertools.combinations(range(n), k)]
    values = {}
    for kept in sets:
        if check is not None:
            check()
        values[kept] = float(
            _scores(adapter, prompt.without(everyone - kept), text, text_pair)[target]
        )
    if method == "leave_one_out":
        scores = [values[everyone] - values[everyone - {j}] for j in range(n)]
        info = {}
    else:
        scores = [_shapley(values, j, n) for j in range(n)]
        gap = sum(scores) - (values[everyone] - values[frozenset()])
        if abs(gap) > 1e-6 * max(1.0, abs(values[everyone] - values[frozenset()])):
            raise ExplainError(f"The Shapley values miss efficiency by {gap:.3g}.")
        info = {"efficiency_gap": gap, "prompts": len(sets)}
    probabilities = torch.softmax(torch.as_tensor(full, dtype=torch.float64), 0).numpy()
    items = [
        InfluenceItem(j, demo[0], demo[-1], float(score))
        for j, (demo, score) in enumerate(zip(prompt.demonstrations, scores))
    ]
    ranked = sorted(items, key=lambda item: -item.score)
    return InfluenceResult(
        method=DEMONSTRATIONS + method,
        text=text,
        prediction=adapter.class_names[int(np.argmax(full))],
        probabilities=tuple(float(p) for p in probabilities),
        sign_note=SIGN_NOTES[method],
        proponents=tuple(item for item in ranked if item.score > 0),
        opponents=tuple(item for item in reversed(ranked) if item.score < 0),
        info={**info, "target": adapter.class_names[target], "values": _plain(values, n)},
        hint=HINT,
    )


def _scores(adapter, prompt, text, text_pair) -> np.ndarray:
    """The class scores of ``text`` asked with ``prompt`` (one forward pass)."""
    asked = adapter.with_prompt(prompt)
    encoded = asked.encode(text, text_pair)
    with torch.no_grad(), asked.inference():
        logits = asked.logits(asked.embed(encoded.input_ids), encoded.attention_mask)
    return logits[0].double().cpu().numpy()


def _shapley(values, j: int, n: int) -> float:
    total = 0.0
    for kept, value in values.items():
        if j in kept:
            continue
        weight = math.factorial(len(kept)) * math.factorial(n - len(kept) - 1) / math.factorial(n)
        total += weight * (values[kept | {j}] - value)
    return total


def _plain(values, n) -> dict:
    """v(S) by the demonstrations kept, as "0,2" → value (JSON-safe)."""
    return {",".join(map(str, sorted(kept))): value for kept, value in values.items()}
