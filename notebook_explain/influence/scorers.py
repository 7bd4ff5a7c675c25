"""Influence queries over a ``TrainingIndex``: which training examples drive a prediction.

- ``influence_function`` (Koh & Liang, ICML 2017; survey eq. 4): score(z) = ∇L(x)ᵀ(H + λI)⁻¹∇L(z)
  = −I(z, x). Positive: removing z would raise the test loss (by ≈ score/n), so z supports the
  prediction.
- ``fast_influence`` (FastIF, Guo et al., EMNLP 2021): the same score, over the test example's
  nearest training examples in feature space only.
- ``tracin`` (TracInCP, Pruthi et al., NeurIPS 2020): score(z) = Σ_t η_t ∇L(z; θ_t)·∇L(x; θ_t)
  over the saved checkpoints θ_t; with none, the final weights' gradient dot product.
- ``knn`` (survey §3.2; Rajani et al. 2020): the k nearest training examples in the head's
  input representation, with the conformity score (the share of neighbours whose label is the
  prediction).

The test loss is the cross-entropy at the explained class (default: the predicted one).
Gradients are those of the classifier head, in closed form (see ``gradients``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ExplainError
from ..registry import Param, Registry
from . import gradients
from .highlights import word_highlights
from .result import InfluenceItem, InfluenceResult

LOSS_SIGN_NOTE = (
    "score = ∇L(test)ᵀ H⁻¹ ∇L(z) = −I(z, test) (Koh & Liang; survey eq. 4), the test loss taken "
    "at the explained class. Positive: removing z would raise the test loss, so z supports the "
    "prediction (proponent); negative: z opposes it (opponent)."
)
SIGN_NOTES = {
    "influence_function": LOSS_SIGN_NOTE,
    "fast_influence": LOSS_SIGN_NOTE + " Scored over the nearest training examples only (FastIF).",
    "tracin": (
        "score = Σ_t η_t ∇L(z; θ_t)·∇L(test; θ_t) over training checkpoints (TracInCP). Positive: "
        "the training steps on z lowered the test loss, so z supports the prediction (proponent)."
    ),
    "knn": (
        "The k nearest training examples in the model's representation; score = ± the normalized "
        "inverse distance, + for neighbours labelled with the prediction (proponents), − for "
        "other labels (opponents). Conformity: the share of neighbours with the predicted label."
    ),
}


#: what each ranking means, in plain words (the widget shows it, with the formula on hover)
PLAIN_HINTS = {
    "influence_function": (
        "Proponents: training examples without which the model would be less sure of this "
        "prediction. Opponents: examples without which it would be surer."
    ),
    "fast_influence": (
        "Proponents: training examples without which the model would be less sure of this "
        "prediction; opponents the reverse. Searched among the most similar examples only."
    ),
    "tracin": (
        "Proponents: training examples whose training steps made this prediction more likely. "
        "Opponents: examples whose steps made it less likely."
    ),
    "knn": (
        "The training examples the model finds most similar to this text: proponents carry the "
        "predicted label, opponents another."
    ),
    "token_influence": (
        "Proponents: training examples that taught the model to rely on this word for the "
        "prediction. Opponents: examples that taught it the reverse."
    ),
}


@dataclass(frozen=True)
class Query:
    """The test input as the methods see it: its head features and the explained class."""

    text: str
    encoded: object
    features: torch.Tensor  # (1, H) float64
    probabilities: np.ndarray
    target: int

    def residual(self, weight, bias) -> torch.Tensor:
        return gradients.residuals(self.features, torch.tensor([self.target]), weight, bias)

    def gradient(self, weight, bias) -> torch.Tensor:
        return gradients.gradients(self.features, self.residual(weight, bias))[0]


def make_query(adapter, text: str, target: int | None) -> Query:
    """Encode ``text``; ``target`` is the explained class (``None``: the predicted one)."""
    encoded = adapter.encode(text)
    with torch.no_grad():
        features = (
            adapter.head_features(
                adapter.embed(encoded.input_ids), encoded.attention_mask, encoded.token_type_ids
            )
            .double()
            .cpu()
        )
    _, head = adapter.classifier_head()
    weight, bias = head.weight.detach().double().cpu(), head.bias.detach().double().cpu()
    probabilities = gradients.probabilities(features, weight, bias)[0].numpy()
    if target is None:
        target = int(np.argmax(probabilities))
    return Query(text, encoded, features, probabilities, target)


def loss_scorer(index, query: Query):
    """influence_function's score as a function of training rows (features, labels)."""
    direction = index.inverse_hessian(query.gradient(index.weight, index.bias))
    return lambda features, labels: gradients.dot_gradients(
        features, index.residuals(features, labels), direction
    )


def tracin_scorer(index, query: Query):
    heads = [(c.learning_rate, c.weight, c.bias) for c in index.checkpoints] or [
        (1.0, index.weight, index.bias)
    ]
    terms = [(rate, w, b, query.gradient(w, b)) for rate, w, b in heads]

    def scorer(features, labels):
        return sum(
            rate * gradients.dot_gradients(features, index.residuals(features, labels, w, b), g)
            for rate, w, b, g in terms
        )

    return scorer


def distance_scorer(query: Query):
    """Signed closeness: −distance, negated again for neighbours of another label."""

    def scorer(features, labels):
        sign = torch.where(labels == query.target, 1.0, -1.0).double()
        return -sign * (features - query.features).norm(dim=1)

    return scorer


def ranked(scores: torch.Tensor, k: int, rows: torch.Tensor | None = None):
    """(proponent rows, opponent rows): the k highest positive and k lowest negative scores."""
    rows = torch.arange(len(scores)) if rows is None else rows
    order = torch.argsort(scores, descending=True)
    proponents = [int(rows[i]) for i in order[:k] if scores[i] > 0]
    opponents = [int(rows[i]) for i in order.flip(0)[:k] if scores[i] < 0]
    return proponents, opponents


@dataclass(frozen=True)
class Ranking:
    """What a scorer answers: the proponent and opponent rows (best first), each ranked row's
    score, the score as a function of training rows (for the word highlights) and details."""

    proponents: list[int]
    opponents: list[int]
    scores: dict[int, float]
    scorer: object
    info: dict
    conformity: float | None = None


class InfluenceScorer:
    """A registered influence method: ``rank`` the training examples for one query."""

    name: str = ""
    sign_note: str = ""
    params: dict[str, Param] = {}

    def rank(self, index, query: Query, k: int, candidates: int) -> Ranking:
        raise NotImplementedError


class InfluenceFunction(InfluenceScorer):
    name, sign_note = "influence_function", SIGN_NOTES["influence_function"]

    def rank(self, index, query, k, candidates):
        scorer = loss_scorer(index, query)
        scores = scorer(index.features, index.labels)
        return Ranking(*ranked(scores, k), dict(enumerate(scores.tolist())), scorer, {})


class FastInfluence(InfluenceScorer):
    name, sign_note = "fast_influence", SIGN_NOTES["fast_influence"]

    def rank(self, index, query, k, candidates):
        scorer = loss_scorer(index, query)
        full_start = time.perf_counter()
        full = ranked(scorer(index.features, index.labels), k)
        full_seconds = time.perf_counter() - full_start
        start = time.perf_counter()
        m = min(candidates, len(index))
        rows, _ = index.nearest(query.features, m)
        scores = scorer(index.features[rows], index.labels[rows])
        proponents, opponents = ranked(scores, k, rows)
        fast_seconds = time.perf_counter() - start
        info = {
            "candidates": m,
            "full_query_seconds": full_seconds,
            "fast_query_seconds": fast_seconds,
            "query_seconds": fast_seconds,  # the full scan above only measures the speedup
            "speedup": full_seconds / fast_seconds,
            "recall_of_full_top_k": _recall(full, (proponents, opponents)),
        }
        return Ranking(
            proponents, opponents, dict(zip(rows.tolist(), scores.tolist())), scorer, info
        )


class TracIn(InfluenceScorer):
    name, sign_note = "tracin", SIGN_NOTES["tracin"]

    def rank(self, index, query, k, candidates):
        scorer = tracin_scorer(index, query)
        scores = scorer(index.features, index.labels)
        info = {"checkpoints": max(len(index.checkpoints), 1)}
        return Ranking(*ranked(scores, k), dict(enumerate(scores.tolist())), scorer, info)


class NearestNeighbours(InfluenceScorer):
    name, sign_note = "knn", SIGN_NOTES["knn"]

    def rank(self, index, query, k, candidates):
        rows, distances = index.nearest(query.features, k)
        same = index.labels[rows] == query.target
        weights = 1.0 / (distances + 1e-12)
        weights = weights / weights.sum()
        signed = torch.where(same, weights, -weights)
        return Ranking(
            *ranked(signed, k, rows),
            dict(zip(rows.tolist(), signed.tolist())),
            distance_scorer(query),
            {"distances": [float(d) for d in distances], "search": index.neighbours.backend},
            conformity=float(same.double().mean()),
        )


_REGISTRY = Registry("influence method", "notebook_explain.influence.METHODS")
for _scorer in (InfluenceFunction(), FastInfluence(), TracIn(), NearestNeighbours()):
    _REGISTRY.add(_scorer)
#: the registered influence methods, by name
METHODS = tuple(_REGISTRY.names())


def run(adapter, index, query: Query, method: str, k: int, highlights: int, batching, candidates):
    """Answer one query with ``method``; ``highlights`` top items per side get token scores."""
    scorer = _REGISTRY.get(method)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ExplainError(f"k must be a positive integer, got {k!r}.")
    start = time.perf_counter()
    ranking = scorer.rank(index, query, k, candidates)
    info = {"query_seconds": time.perf_counter() - start, **ranking.info}
    return build_result(
        adapter,
        index,
        query,
        method,
        scorer.sign_note,
        ranking.proponents,
        ranking.opponents,
        ranking.scores,
        ranking.scorer,
        highlights,
        batching,
        info,
        conformity=ranking.conformity,
    )


def _recall(full, fast) -> float:
    wanted = set(full[0]) | set(full[1])
    return len(wanted & (set(fast[0]) | set(fast[1]))) / max(len(wanted), 1)


def build_result(
    adapter,
    index,
    query,
    method,
    sign_note,
    proponents,
    opponents,
    scores_by_row,
    scorer,
    highlights,
    batching,
    info,
    conformity=None,
    test_token=None,
) -> InfluenceResult:
    """Turn ranked rows into an ``InfluenceResult``, with word highlights for the top items."""
    start = time.perf_counter()
    lit = proponents[:highlights] + opponents[:highlights]
    marks = dict(zip(lit, word_highlights(adapter, index, lit, scorer, batching)))
    info["highlight_seconds"] = time.perf_counter() - start

    def item(row):
        words, word_scores = marks.get(row, ((), ()))
        return InfluenceItem(
            index=row,
            text=index.texts[row],
            label=index.class_names[int(index.labels[row])],
            score=float(scores_by_row[row]),
            words=tuple(words),
            word_scores=tuple(word_scores),
        )

    return InfluenceResult(
        method=method,
        text=query.text,
        prediction=index.class_names[query.target],
        probabilities=tuple(float(p) for p in query.probabilities),
        sign_note=sign_note,
        proponents=tuple(item(r) for r in proponents),
        opponents=tuple(item(r) for r in opponents),
        test_token=test_token,
        conformity=conformity,
        info=info,
        hint=PLAIN_HINTS.get(method, ""),
    )
