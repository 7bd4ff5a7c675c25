"""The record an influence query returns: ranked proponents and opponents, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InfluenceItem:
    """One training example in a ranking.

    ``words`` / ``word_scores`` are the example's own words and how much each contributes to its
    ``score`` (leave-word-out, survey eq. 31: score(z) − score(z without the word's tokens));
    empty when the highlight was not computed for this item.
    """

    index: int
    text: str
    label: str
    score: float
    words: tuple[str, ...] = ()
    word_scores: tuple[float, ...] = ()

    def to_json(self) -> dict:
        """The item as the widget's influence panel reads it."""
        return {
            "index": self.index,
            "text": self.text,
            "label": self.label,
            "score": self.score,
            "words": list(self.words),
            "word_scores": list(self.word_scores),
        }


@dataclass(frozen=True)
class InfluenceResult:
    """Training examples that support (``proponents``, highest score first) or oppose
    (``opponents``, most negative first) a prediction; ``sign_note`` states what the score means
    (with the formula), ``hint`` the same in plain words.

    ``test_token`` is the test token whose saliency was explained (``token_influence``), else
    ``None``. ``conformity`` is kNN's share of neighbours labelled with the prediction.
    ``info`` holds method details (timings, candidate counts), JSON-safe.
    """

    method: str
    text: str
    prediction: str
    probabilities: tuple[float, ...]
    sign_note: str
    proponents: tuple[InfluenceItem, ...]
    opponents: tuple[InfluenceItem, ...]
    test_token: int | None = None
    conformity: float | None = None
    info: dict = field(default_factory=dict)
    hint: str = ""

    def to_pandas(self):
        """A DataFrame with one row per ranked training example: its side (proponent or
        opponent), rank, index in the training set, label, score and text."""
        from ..tabular import dataframe

        ranked = [("proponent", r + 1, item) for r, item in enumerate(self.proponents)]
        ranked += [("opponent", r + 1, item) for r, item in enumerate(self.opponents)]
        return dataframe(
            {
                "side": [side for side, _, _ in ranked],
                "rank": [rank for _, rank, _ in ranked],
                "index": [item.index for _, _, item in ranked],
                "label": [item.label for _, _, item in ranked],
                "score": [item.score for _, _, item in ranked],
                "text": [item.text for _, _, item in ranked],
            }
        )

    def to_json(self) -> dict:
        """The widget's influence-panel payload."""
        return {
            "status": "ready",
            "method": self.method,
            "sign_note": self.sign_note,
            "hint": self.hint,
            "test_token": self.test_token,
            "prediction": self.prediction,
            "conformity": self.conformity,
            "proponents": [item.to_json() for item in self.proponents],
            "opponents": [item.to_json() for item in self.opponents],
            "info": dict(self.info),
        }
