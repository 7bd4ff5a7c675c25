"""Training examples behind a dataset's errors: candidates for label noise (survey §3, "finding
mislabelled training data" by influence).

For every misclassified row of a labelled dataset run, the training examples that most oppose
its gold label (the top ``k`` opponents when the gold label is the explained target) are
counted. An example that keeps standing behind errors (pushing many test texts away from their
true class) is a suspect: most often its own label is wrong. Suspects are ranked by that
count, then by their summed opposition.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..errors import ExplainError


@dataclass(frozen=True)
class LabelSuspects:
    """Training rows, most suspect first, with how many misclassified rows each stood behind
    (``counts``) and its summed opposition to their gold labels (``opposition``, ≥ 0)."""

    rows: tuple[int, ...]
    counts: tuple[int, ...]
    opposition: tuple[float, ...]
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    #: how many misclassified dataset rows were examined
    examined: int
    method: str

    def __len__(self) -> int:
        return len(self.rows)

    def to_pandas(self):
        """A DataFrame of the suspects, most suspect first (needs pandas)."""
        from ..tabular import dataframe

        return dataframe(
            {
                "text": self.texts,
                "label": self.labels,
                "count": self.counts,
                "opposition": self.opposition,
            },
            index=list(self.rows),
            name="training row",
        )

    def to_json(self) -> dict:
        """The suspects as the widget's dataset view lists them."""
        return {
            "method": self.method,
            "examined": self.examined,
            "items": [
                {"row": r, "count": c, "opposition": o, "text": t, "label": lab}
                for r, c, o, t, lab in zip(
                    self.rows, self.counts, self.opposition, self.texts, self.labels
                )
            ],
        }


def label_suspects(engine, result, *, k: int, method: str, progress: bool) -> LabelSuspects:
    """See ``Explainer.label_suspects`` (``engine``: the model's ``engine.Engine``)."""
    from tqdm.auto import tqdm

    from .scorers import METHODS

    if method not in METHODS:
        raise ExplainError(f"Unknown influence method {method!r}; choose one of {list(METHODS)}.")
    if not isinstance(k, int) or k < 1:
        raise ExplainError(f"k must be a positive integer, got {k!r}.")
    if "label" not in result.table.column_names:
        raise ExplainError(
            "label_suspects needs a run with labels: pass labels= to explain_dataset."
        )
    index = engine.training_index
    if index is None:
        raise ExplainError(
            "No training index yet: build one first with ex.index(train_texts, train_labels)."
        )
    texts, labels = result.column("text"), result.column("label")
    predictions = result.column("prediction")
    wrong = [i for i, (p, y) in enumerate(zip(predictions, labels)) if p != y]
    counts: Counter[int] = Counter()
    opposition: defaultdict[int, float] = defaultdict(float)
    for i in tqdm(wrong, desc="ranking training examples", disable=not progress):
        answer = engine.influence(texts[i], k=k, method=method, target=labels[i], highlights=0)
        for item in answer.opponents:
            counts[item.index] += 1
            opposition[item.index] += abs(item.score)
    ranked = sorted(counts, key=lambda row: (-counts[row], -opposition[row], row))
    return LabelSuspects(
        rows=tuple(ranked),
        counts=tuple(counts[r] for r in ranked),
        opposition=tuple(opposition[r] for r in ranked),
        texts=tuple(index.texts[r] for r in ranked),
        labels=tuple(index.class_names[int(index.labels[r])] for r in ranked),
        examined=len(wrong),
        method=method,
    )
