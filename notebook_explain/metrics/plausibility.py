"""Plausibility: do a method's scores agree with human sentiment annotations?

Both metrics read the explained target as a sentiment: a class named "positive"/"pos" or
"negative"/"neg" (SST-2's classes). Words count for the target when their annotated polarity is
the target's.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import numpy as np

from ..data.lexicon import load_lexicon
from ..data.trees import NEUTRAL_LABEL
from ..errors import ExplainError
from ..registry import Param
from ..spans import leaves_of_words, sst_tree
from .base import Metric, MetricValue, register
from .statistics import top_k

_POLARITY = {"positive": 1, "pos": 1, "negative": -1, "neg": -1}


def target_polarity(explanation) -> int:
    name = explanation.target_name.lower()
    if name not in _POLARITY:
        raise ExplainError(
            f"This metric compares scores with sentiment annotations, so the explained class must "
            f"be named positive or negative; it is {explanation.target_name!r}."
        )
    return _POLARITY[name]


class Interpretability(Metric):
    name = "interpretability"
    label = "Lexicon agreement"
    range = (0.0, 1.0)
    direction = "higher"
    kind = "plausibility"
    description = (
        "1 when the words of the target's polarity in the Hu & Liu lexicon score higher on "
        "average than the words of the other polarity, else 0; averaged over texts it is the "
        "match rate. Needs words of both polarities in the text."
    )
    paper = "reat-rnn-additive-decomposition.md, eq. 24"
    params: ClassVar[dict[str, Param]] = {}

    def compute(self, probe, method) -> MetricValue:
        e = probe.explanation
        polarity = target_polarity(e)
        lexicon = _lexicon()
        signs = np.array([lexicon.polarity(w) for w in e.words])
        if not ((signs == 1).any() and (signs == -1).any()):
            return MetricValue.not_applicable(
                "The text has no pair of positive and negative lexicon words."
            )
        scores = probe.word_scores(method)
        agreeing, opposing = scores[signs == polarity].mean(), scores[signs == -polarity].mean()
        return MetricValue(
            float(agreeing > opposing),
            None,
            {"agreeing_mean": float(agreeing), "opposing_mean": float(opposing)},
        )


class _SSTTags(Metric):
    """A metric over the SST word-level sentiment tags of the sentence (input-marginalization.md
    §4.3): tags 0–1 negative, 2 neutral, 3–4 positive."""

    kind = "plausibility"
    paper = "input-marginalization.md §4.3"

    def tags(self, probe) -> np.ndarray | None:
        e = probe.explanation
        tree = sst_tree(e.words)
        if tree is None:
            return None
        leaf_labels = [label for start, end, label in tree.spans() if end - start == 1]
        labels = np.array([leaf_labels[leaf] for leaf in leaves_of_words(e.words, tree)])
        return np.sign(labels - NEUTRAL_LABEL)


class IoT(_SSTTags):
    name = "iot"
    label = "Top words ∩ SST tags"
    range = (0.0, 1.0)
    direction = "higher"
    description = (
        "Intersection of tokens |P ∩ T| / |P|: P the words SST tags with the target's "
        "polarity, T the method's top-k words."
    )
    params: ClassVar[dict[str, Param]] = {"k": Param(10, "size of the top-scored set T", low=1)}

    def compute(self, probe, method, k) -> MetricValue:
        tags = self.tags(probe)
        if tags is None:
            return MetricValue.not_applicable("Not an SST sentence: no word-level tags.")
        tagged = set(np.flatnonzero(tags == target_polarity(probe.explanation)).tolist())
        if not tagged:
            return MetricValue.not_applicable("No word is tagged with the target's polarity.")
        top = set(top_k(probe.word_scores(method), k).tolist())
        return MetricValue(len(tagged & top) / len(tagged), None, {"tagged": len(tagged)})


class NeutralScore(_SSTTags):
    name = "neutral_score"
    label = "Neutral words' |score|"
    range = (0.0, 1.0)
    direction = "lower"
    description = (
        "Mean |score| of the words SST tags neutral, each divided by the largest |score| in the "
        "text so that methods on different scales compare."
    )
    params: ClassVar[dict[str, Param]] = {}

    def compute(self, probe, method) -> MetricValue:
        tags = self.tags(probe)
        if tags is None:
            return MetricValue.not_applicable("Not an SST sentence: no word-level tags.")
        magnitude = np.abs(probe.word_scores(method))
        if not (tags == 0).any() or magnitude.max() == 0:
            return MetricValue.not_applicable("No neutral word, or every score is zero.")
        return MetricValue(float((magnitude[tags == 0] / magnitude.max()).mean()))


@cache
def _lexicon():
    return load_lexicon()


register(Interpretability())
register(IoT())
register(NeutralScore())
