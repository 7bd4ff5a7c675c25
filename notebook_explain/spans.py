"""Sub-word → word grouping and score aggregation.

A token-level score vector is mapped to words through ``word_index`` (one entry per token, the
index of the word it belongs to, -1 for special tokens such as [CLS] and [SEP]).
"""

import numpy as np

from .errors import ExplainError

AGGREGATIONS = ("sum", "mean", "max_abs")


def aggregate(
    scores: np.ndarray, word_index: np.ndarray, n_words: int, how: str = "sum"
) -> np.ndarray:
    """Aggregate token scores into one score per word; special tokens (index -1) are dropped.

    ``sum`` keeps additive attributions additive (IG completeness, grad×input); ``mean`` and
    ``max_abs`` suit the unsigned norms.
    """
    if how not in AGGREGATIONS:
        raise ExplainError(
            f"Unknown aggregation {how!r}. Choose one of: {', '.join(AGGREGATIONS)}."
        )
    keep = word_index >= 0
    idx, vals = word_index[keep], np.asarray(scores, dtype=np.float64)[keep]
    if how == "max_abs":
        out = np.zeros(n_words)
        best = np.full(n_words, -1.0)
        for i, v in zip(idx, vals):
            if abs(v) > best[i]:
                best[i], out[i] = abs(v), v
        return out
    out = np.zeros(n_words)
    np.add.at(out, idx, vals)
    if how == "mean":
        counts = np.bincount(idx, minlength=n_words)
        out = out / np.maximum(counts, 1)
    return out


def span_levels(words, spans=None):
    """PLACEHOLDER (the lead's plumbing stub; the REAT/spans engineer replaces this function):
    ``({level: [(start, end), ...]}, source)``; no levels unless the user gives them."""
    if spans is None:
        return {}, ""
    return {k: [tuple(r) for r in v] for k, v in spans.items()}, "user"
