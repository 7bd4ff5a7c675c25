"""Faithfulness: does removing what a method ranks highest change the prediction?

Words are ranked by the method's word scores, highest first (for a signed method the strongest
evidence *for* the target, for an unsigned one the largest magnitude), ties by position. All
probabilities are of the explained target class.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..registry import Param
from .base import Curve, Metric, MetricValue, register
from .probe import REMOVALS
from .statistics import pearson, top_k

#: ERASER's rationale sizes (DeYoung et al. 2020, §4): the top 1, 5, 10, 20 and 50% of the words
ERASER_BINS = (0.01, 0.05, 0.1, 0.2, 0.5)


def _removal(default: str) -> Param:
    return Param(default, "how a word is removed (see metrics.probe)", choices=REMOVALS)


def _prefixes(order: np.ndarray, sizes, n_words: int) -> np.ndarray:
    """(len(sizes), W) bool: row j removes the ``sizes[j]`` first words of ``order``."""
    rows = np.zeros((len(sizes), n_words), dtype=bool)
    for j, k in enumerate(sizes):
        rows[j, order[:k]] = True
    return rows


class AOPC(Metric):
    name = "aopc"
    label = "AOPC"
    range = (-1.0, 1.0)
    direction = "higher"
    description = (
        "Area over the perturbation curve: the mean drop in the target probability as the top "
        "1…K words are removed, K+1 inputs in all (K = the text's length by default)."
    )
    paper = "signed-gradient-x-input.md, eq. 8 (Samek et al. 2017; Nguyen 2018)"
    params: ClassVar[dict[str, Param]] = {
        "k": Param(0, "cut-off K, the most words removed (0: all of them)", low=0),
        "removal": _removal("zero"),
    }

    def compute(self, probe, method, k, removal) -> MetricValue:
        n = probe.n_words
        K = n if k == 0 else min(k, n)
        order = top_k(probe.word_scores(method), n)
        p = probe.probabilities(_prefixes(order, range(K + 1), n), removal)
        drops = p[0] - p
        curve = np.cumsum(drops) / np.arange(1, K + 2)  # AOPC at every cut-off 0…K
        return MetricValue(
            float(curve[-1]),
            Curve(np.arange(K + 1), curve, "words removed K", "AOPC"),
            {"probabilities": p.tolist(), "removal": removal, "k": K},
        )


class DeletionAUC(Metric):
    """The area under the deletion curve, normalised to [0, 1] (divided by its x range)."""

    range = (0.0, 1.0)
    direction = "lower"

    def __init__(self, name, removal, fraction, description, paper, label=""):
        self.label = label
        self.name, self.description, self.paper = name, description, paper
        self.params = {
            "fraction": Param(
                fraction, "share of the words removed by the curve's end", low=0.0, high=1.0
            ),
            "removal": _removal(removal),
        }

    def compute(self, probe, method, fraction, removal) -> MetricValue:
        n = probe.n_words
        K = max(1, math.ceil(fraction * n - 1e-9))
        order = top_k(probe.word_scores(method), n)
        p = probe.probabilities(_prefixes(order, range(K + 1), n), removal)
        x = np.arange(K + 1) / n
        area = float(((p[1:] + p[:-1]) / 2 * np.diff(x)).sum() / x[-1])
        return MetricValue(
            area,
            Curve(x, p, "share of words removed", "target probability"),
            {"removal": removal, "words_removed": K},
        )


#: how the rationale is selected from a method's word scores (after ferret's evaluators)
SELECTIONS = ("bins", "share", "k", "threshold")


def rationale_sizes(scores: np.ndarray, by: str, size: float, only_positive: bool) -> list[int]:
    """How many of the top-ranked words form the rationale, once per rationale: ``bins`` the
    ERASER sizes ``ERASER_BINS`` (at least one word each); ``share`` the top ``size`` share of
    the words; ``k`` the top ``size`` words; ``threshold`` the words scoring at least ``size``
    times the highest score. ``only_positive`` keeps only words with a positive score. An empty
    list: no word qualifies."""
    n = len(scores)
    eligible = int((scores > 0).sum()) if only_positive else n
    if by == "bins":
        sizes = [max(1, math.ceil(b * n - 1e-9)) for b in ERASER_BINS]
    elif by == "share":
        sizes = [max(1, math.ceil(size * n - 1e-9))]
    elif by == "k":
        sizes = [int(size)]
    else:
        top = scores.max()
        sizes = [int((scores >= size * top).sum())] if top > 0 else [0]
    sizes = [min(k, eligible) for k in sizes]
    return [] if min(sizes, default=0) < 1 else sizes


class Eraser(Metric):
    """Comprehensiveness (remove the rationale) or sufficiency (keep only the rationale), as in
    ERASER (DeYoung et al. 2020, §4): p(y|x) − p(y|x′), averaged over the rationales that
    ``by`` selects (``rationale_sizes``; by default the ERASER bins)."""

    range = (-1.0, 1.0)
    paper = "ERASER (DeYoung et al., ACL 2020), §4, aggregated over bins"

    def __init__(self, name, keep_rationale: bool, direction: str, description: str, label=""):
        self.label = label
        self.name, self.keep_rationale = name, keep_rationale
        self.direction, self.description = direction, description
        self.params = {
            "removal": _removal("delete"),
            "by": Param(
                "bins",
                "How the rationale is chosen: the ERASER bins (1, 5, 10, 20, 50 % of the words, "
                "averaged), the top `size` share of the words, the top `size` words, or the words "
                "scoring at least `size` × the top score.",
                choices=SELECTIONS,
            ),
            "size": Param(0.2, "The share, count or threshold that `by` uses.", low=0.0),
            "only_positive": Param(False, "Only words with a positive score enter the rationale."),
        }

    def compute(self, probe, method, removal, by, size, only_positive) -> MetricValue:
        n = probe.n_words
        scores = probe.word_scores(method)
        sizes = rationale_sizes(scores, by, size, only_positive)
        if not sizes:
            return MetricValue.not_applicable(
                f"No word is selected (by={by!r}, size={size}, only_positive={only_positive})."
            )
        rationale = _prefixes(top_k(scores, n), [0, *sizes], n)
        removed = ~rationale if self.keep_rationale else rationale
        removed[0] = False  # row 0: the unperturbed input
        p = probe.probabilities(removed, removal)
        drops = p[0] - p[1:]
        x = np.array(ERASER_BINS) if by == "bins" else np.array(sizes) / n
        return MetricValue(
            float(drops.mean()),
            Curve(x, drops, "rationale size (share of words)", "p(y|x) − p(y|x′)"),
            {"removal": removal, "rationale_words": sizes},
        )


class LOOPearson(Metric):
    name = "loo_pearson"
    label = "Pearson r with leave-one-out"
    range = (-1.0, 1.0)
    direction = "higher"
    description = (
        "Pearson correlation of the method's word scores with leave-one-out's (deletion of each "
        "word, same output); info has the two-sided p-value and whether p ≤ 0.05."
    )
    paper = "signed-gradient-x-input.md, §4 and Fig. 2"

    def compute(self, probe, method) -> MetricValue:
        if method == "leave_one_out":
            return MetricValue.not_applicable(
                "This is leave-one-out itself: its correlation with itself is 1 by definition."
            )
        ours, loo = probe.word_scores(method), probe.word_scores("leave_one_out")
        r, p_value = pearson(ours, loo)
        if math.isnan(r):
            return MetricValue.not_applicable(
                "Pearson needs 3 or more words and scores that are not all equal."
            )
        return MetricValue(r, None, {"p_value": p_value, "significant": bool(p_value <= 0.05)})


class ClauseFaithfulness(Metric):
    name = "clause_faithfulness"
    label = "Top clause deleted"
    range = (-1.0, 1.0)
    direction = "higher"
    description = (
        "Drop in the target probability when the clause the method scores highest is deleted "
        "(REAT scores clauses itself; other methods sum their word scores)."
    )
    paper = "reat-rnn-additive-decomposition.md, eq. 23"
    params: ClassVar[dict[str, Param]] = {"removal": _removal("delete")}

    def compute(self, probe, method, removal) -> MetricValue:
        spans = probe.explanation.spans("clause")
        if len(spans) < 2:
            return MetricValue.not_applicable("The text has a single clause.")
        best = max(range(len(spans)), key=lambda j: spans[j].scores[method])
        top = spans[best]
        p = probe.probabilities(probe.word_set_matrix([[], range(top.start, top.end)]), removal)
        return MetricValue(float(p[0] - p[1]), None, {"clause": top.text, "removal": removal})


register(AOPC())
register(
    DeletionAUC(
        "deletion",
        "delete",
        1.0,
        "Area under the target probability as the top words are deleted one by one, all of them "
        "by the end (normalised; a faithful ranking makes it drop fast).",
        "Petsiuk et al. 2018's deletion curve, as in input-marginalization.md §3.5",
        label="Deletion AUC",
    )
)
register(
    DeletionAUC(
        "auc_rep",
        "mlm",
        0.2,
        "Area under the target probability as the top words are replaced by masked-LM samples, "
        "until 20% of the words are replaced (normalised). The demo models' MLM head trains on "
        "first use (about 8 minutes on 2 CPU cores), then is cached.",
        "input-marginalization.md §3.5, AUC_rep",
        label="AUC_rep (masked-LM replacement)",
    )
)
register(
    Eraser(
        "comprehensiveness",
        keep_rationale=False,
        direction="higher",
        description="Drop in the target probability when the top words are removed.",
        label="Comprehensiveness",
    )
)
register(
    Eraser(
        "sufficiency",
        keep_rationale=True,
        direction="lower",
        description="Drop in the target probability when only the top words are kept.",
        label="Sufficiency",
    )
)
register(LOOPearson())
register(ClauseFaithfulness())
