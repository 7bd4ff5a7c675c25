"""Each map's agreement with word-level leave-one-out on the same input: the trust line's second
figure, beside the method's own identity check (``methods/identity.py``).

Leave-one-out (Li et al. 2016, "Understanding Neural Networks through Representation Erasure";
the survey's eq. 18) scores word i by S(x) − S(x without word i): the model's own answer to
"what does this word do here?", with no gradient and no path. It is not ground truth (removing a
word leaves the input's distribution, and a word's effect can depend on the others), but a map
whose word ranking runs *against* it, r < 0, says the opposite of what deleting the words does,
and a user should know that before believing it (on the MiniLM demo, signed gradient × input
does so, r = −0.26 over 20 SST-2 sentences: ``benchmarks/first_paint_faithfulness.py``).

The agreement is the Pearson r between a method's word scores and leave-one-out's on the
explained input (signed methods against the signed scores, unsigned ones against their
magnitudes), computed whenever leave-one-out is among an explanation's results. It holds
(``ok``) at r ≥ ``AGREES``; below 0 the trust line says the map contradicts leave-one-out.
"""

from __future__ import annotations

import numpy as np

from .statistics import pearson

#: the Pearson r with leave-one-out at or above which a map is marked as agreeing
AGREES = 0.5
REFERENCE = "leave_one_out"


def loo_agreement(scores: np.ndarray, reference: np.ndarray, signed: bool) -> dict | None:
    """The check of one method's word ``scores`` against leave-one-out's (``reference``), or
    None when either is constant (no correlation is defined) or there are fewer than 3 words."""
    target = reference if signed else np.abs(reference)
    if len(scores) < 3 or np.ptp(scores) == 0 or np.ptp(target) == 0:
        return None
    r, _ = pearson(np.asarray(scores, float), np.asarray(target, float))
    if not np.isfinite(r):
        return None
    return {
        "what": "agreement with leave-one-out",
        "pearson": float(r),
        "words": int(len(scores)),
        "threshold": AGREES,
        "ok": bool(r >= AGREES),
        "contradicts": bool(r < 0),
    }


def agreement_checks(word_scores: dict[str, np.ndarray], signed: dict[str, bool]) -> dict:
    """Method → its ``loo_agreement`` check, for every method but leave-one-out itself (empty
    when leave-one-out is not among ``word_scores``)."""
    reference = word_scores.get(REFERENCE)
    if reference is None:
        return {}
    checks = {}
    for name, scores in word_scores.items():
        if name == REFERENCE:
            continue
        check = loo_agreement(scores, reference, signed[name])
        if check is not None:
            checks[name] = check
    return checks
