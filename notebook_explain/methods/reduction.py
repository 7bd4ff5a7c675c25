"""Input reduction (Feng et al. 2018, "Pathologies of neural models make interpretations difficult";
survey §4.1.2 and Fig. 6, left).

Starting from the full input, the least important token is deleted, again and again, for as long
as the model still predicts the class it predicted for the full input. Importance is recomputed by
a base method on the *current, reduced* input after every deletion; with ``leave_one_out`` it is
S(x') − S(x' without i) (survey eq. 11) for the current input x'. That recomputation is what makes
the heatmaps shift from step to step in Fig. 6. The end is a locally minimal input: deleting any
one more token changes the prediction. It is often a word or two that mean nothing to a person
yet keep, or even raise, the model's confidence.

``beam`` = 1 is the greedy reduction. With ``beam`` = b, every state of the beam proposes all its
one-token deletions; the b deletions with the smallest base scores that keep the prediction
(over all states, identical remaining token sets counted once) form the next beam. Either way
all deletions of one step go through the model as one batched call (``ctx.logits`` chunks it),
and the reduction stops when no deletion keeps the prediction or one non-special token is left.
Special tokens are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS
from ..outputs import explained_output
from .base import Attribution, Method, Param, register

BASES = ("leave_one_out",)


@dataclass
class _State:
    """One reduced input: the original tokens it keeps, its S, and its step of the path."""

    keep: np.ndarray  # (L,) bool over the original tokens
    output: float  # S(x') of this reduced input: the base of its leave-one-out scores
    step: dict  # its entry of the reduction steps; "scores" is filled in when it is expanded
    parent: _State | None = None

    def path(self) -> list[dict]:
        state, steps = self, []
        while state is not None:
            steps.append(state.step)
            state = state.parent
        return steps[::-1]


def _step(removed, keep: np.ndarray, probability: float, label: int) -> dict:
    return {
        "removed": None if removed is None else int(removed),
        "remaining": np.flatnonzero(keep).tolist(),
        "probability": float(probability),
        "label": int(label),
        "scores": {},
    }


class InputReduction(Method):
    """Greedy (or beam) input reduction with leave-one-out importance recomputed at every step.

    ``scores`` holds one value per original token: 0 for special tokens; k / n for the token
    deleted at step k (1 ≤ k < n, where n is the number of non-special tokens), so tokens deleted
    earlier are less important; and 1.0 for the tokens left in the final, reduced input.

    ``reduction_steps`` is the path to the final input, one entry per step, step 0 being the full
    input: ``removed`` (the original index of the token deleted at this step, ``None`` at step
    0), ``remaining`` (the original indices still present, special tokens included),
    ``probability`` (the target class's softmax probability), ``label`` (the predicted class;
    always the full input's) and ``scores`` (``{str(index): base score}`` of the remaining
    non-special tokens, the scores that chose the next deletion; empty on the last step).
    The final input is the last step's ``remaining``. With ``beam`` > 1 the path is that of
    the final beam state with the smallest base score.
    """

    name = "input_reduction"
    family = "perturbation"
    contrastive = False
    signed = False
    requires = frozenset({EMBEDDINGS})
    description = (
        "Input reduction (Feng et al. 2018): delete the least important token while the prediction "
        "stays the same; score = when the token was deleted (1 = kept to the end)."
    )
    params: ClassVar[dict[str, Param]] = {
        "base": Param(
            "leave_one_out",
            "Importance method recomputed on the reduced input after each removal.",
            choices=BASES,
        ),
        "beam": Param(
            1,
            "Beam width: 1 is greedy; b keeps the b best reduced inputs at each step (AllenNLP uses 3).",
            low=1,
            high=10,
        ),
    }

    def rows(self, size, beam: int, **_) -> int:
        """At most: every one-token deletion of every beam state at every step, n + … + 2."""
        n = size.perturbable
        return beam * (n * (n + 1) // 2 - 1)

    def attribute(self, ctx, base: str, beam: int) -> Attribution:
        if ctx.head != "softmax":
            raise ExplainError(
                "input_reduction deletes tokens while the predicted class stays the one of a "
                "softmax's argmax; this multi-label model predicts each class on its own, so it "
                "has no single prediction to keep. Use leave_one_out or integrated_gradients."
            )
        special = np.asarray(ctx.encoded.special_mask, dtype=bool)
        n_words = int((~special).sum())
        full_probabilities = ctx.probabilities
        predicted = int(np.argmax(full_probabilities))
        full = np.ones(ctx.length, dtype=bool)
        start = _step(None, full, full_probabilities[ctx.target], predicted)
        states = [_State(full, ctx.input_output, start)]

        while int((states[0].keep & ~special).sum()) > 1:
            # every one-token deletion of every state of the beam, as rows of one keep mask
            parents, removed, rows = [], [], []
            for s, state in enumerate(states):
                positions = np.flatnonzero(state.keep & ~special)
                keep = np.repeat(state.keep[None], len(positions), axis=0)
                keep[np.arange(len(positions)), positions] = False
                parents.append(np.full(len(positions), s))
                removed.append(positions)
                rows.append(keep)
            parents, removed, rows = map(np.concatenate, (parents, removed, rows))

            logits = ctx.logits(ctx.deleted_rows(torch.from_numpy(rows)))
            outputs = explained_output(logits, ctx.target, ctx.output, ctx.head)
            outputs = outputs.double().cpu().numpy()
            probabilities = torch.softmax(logits.double(), -1).cpu().numpy()
            labels = logits.argmax(-1).cpu().numpy()
            # base == "leave_one_out" (the only base so far): S(current) − S(current without i)
            scores = np.array([states[p].output for p in parents]) - outputs
            for s, state in enumerate(states):
                mine = parents == s
                pairs = zip(removed[mine], scores[mine])
                state.step["scores"] = {str(int(i)): float(v) for i, v in pairs}

            valid = np.flatnonzero(labels == predicted)
            if len(valid) == 0:
                break
            chosen, seen = [], set()
            for r in valid[np.argsort(scores[valid], kind="stable")]:
                key = rows[r].tobytes()
                if key in seen:
                    continue
                seen.add(key)
                step = _step(removed[r], rows[r], probabilities[r, ctx.target], labels[r])
                chosen.append(_State(rows[r], float(outputs[r]), step, states[parents[r]]))
                if len(chosen) == beam:
                    break
            states = chosen

        final = states[0]
        final.step["scores"] = {}
        steps = final.path()
        token_scores = np.where(special, 0.0, 1.0)
        for k, step in enumerate(steps[1:], start=1):
            token_scores[step["removed"]] = k / n_words
        return Attribution(token_scores, reduction_steps=steps)


register(InputReduction())
