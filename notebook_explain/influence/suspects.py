"""Candidates for label noise among the training examples (survey §3, "finding mislabelled
training data" by influence), ranked one of two ways:

- **by self-influence** (no dataset run needed; see ``self_influence``): every training example
  scored by how hard it pulls on its own fit (TracIn or influence-function self-influence, its
  loss, or its neighbours' labels), most suspect first;
- **behind a dataset's errors**: for every misclassified row of a labelled dataset run, the
  training examples that most oppose its gold label (the top ``k`` opponents when the gold label
  is the explained target) are counted. An example that keeps standing behind errors is a
  suspect. Suspects are ranked by that count, then by their summed opposition.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..errors import ExplainError
from .self_influence import RANKINGS, self_influence


@dataclass(frozen=True)
class LabelSuspects:
    """Training rows, most suspect first, with their ``scores`` (the self-influence, or the
    summed opposition to the gold labels of the errors, ≥ 0), texts and labels. Behind errors,
    ``counts`` says how many misclassified rows each stood behind (empty by self-influence)."""

    rows: tuple[int, ...]
    scores: tuple[float, ...]
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    method: str
    #: ``"self_influence"`` or ``"errors"``
    ranking: str
    #: how many misclassified dataset rows were examined (0 by self-influence)
    examined: int = 0
    counts: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def to_pandas(self):
        """A DataFrame of the suspects, most suspect first (needs pandas)."""
        from ..tabular import dataframe

        columns = {"text": self.texts, "label": self.labels, "score": self.scores}
        if self.counts:
            columns["count"] = self.counts
        return dataframe(
            columns,
            index=list(self.rows),
            name="training row",
        )

    def describe(self) -> str:
        """How the ranking was made, in one sentence (the Dataset tab shows it)."""
        if self.ranking == "errors":
            return (
                f"Each of the {self.examined} misclassified rows counts the training examples "
                f"that most oppose its gold label ({self.method}); an example counted often may "
                "carry a wrong label."
            )
        return (
            f"Every training example ranked by {RANKINGS[self.method]}; an example the model "
            "had to bend to fit may carry a wrong label."
        )

    def to_json(self, top: int = 200) -> dict:
        """The first ``top`` suspects as the widget's dataset view lists them."""
        counts = self.counts or (None,) * len(self.rows)
        return {
            "ranking": self.ranking,
            "method": self.method,
            "examined": self.examined,
            "description": self.describe(),
            "items": [
                {"row": r, "count": c, "score": o, "text": t, "label": lab}
                for r, c, o, t, lab in zip(
                    self.rows[:top], counts, self.scores, self.texts, self.labels
                )
            ],
        }


def self_influence_suspects(engine, *, method: str, top: int | None) -> LabelSuspects:
    """See ``Explainer.label_suspects`` without a run: every training row by self-influence."""
    index = _index(engine)
    scores = self_influence(index, method).numpy()
    ranked = sorted(range(len(scores)), key=lambda row: (-scores[row], row))[:top]
    return LabelSuspects(
        rows=tuple(ranked),
        scores=tuple(float(scores[r]) for r in ranked),
        texts=tuple(index.texts[r] for r in ranked),
        labels=tuple(index.class_names[int(index.labels[r])] for r in ranked),
        method=method,
        ranking="self_influence",
    )


def _index(engine):
    index = engine.training_index
    if index is None:
        raise ExplainError(
            "No training index yet: build one first with ex.index(train_texts, train_labels)."
        )
    index.check_model(engine.adapter)
    return index


def label_suspects(
    engine, result, *, k: int, method: str, progress: bool, top: int | None
) -> LabelSuspects:
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
    index = _index(engine)
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
    ranked = sorted(counts, key=lambda row: (-counts[row], -opposition[row], row))[:top]
    return LabelSuspects(
        rows=tuple(ranked),
        scores=tuple(opposition[r] for r in ranked),
        texts=tuple(index.texts[r] for r in ranked),
        labels=tuple(index.class_names[int(index.labels[r])] for r in ranked),
        method=method,
        ranking="errors",
        examined=len(wrong),
        counts=tuple(counts[r] for r in ranked),
    )
