"""Rationale metrics (AUPRC, token F1, IOU) and the ERASER metrics' rationale selection, on
hand-built cases and on a real model."""

import numpy as np
import pytest
from conftest import SENTENCES

from notebook_explain import ExplainError
from notebook_explain.metrics.faithfulness import rationale_sizes
from notebook_explain.metrics.rationale import average_precision


def test_average_precision_on_hand_built_rankings():
    # ranks 1..4, rationale words at ranks 1 and 3: (1/2)·1 + (1/2)·(2/3)
    assert average_precision([3, 2, 1, 0], [1, 0, 1, 0]) == pytest.approx(0.5 + 1 / 3)
    assert average_precision([1, 1, 0], [1, 0, 0]) == pytest.approx(0.5)  # a tie enters together
    assert average_precision([0, 1, 2], [0, 0, 1]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "by, size, only_positive, expected",
    [
        ("bins", 0.0, False, [1, 1, 1, 1, 3]),
        ("share", 0.5, False, [3]),
        ("k", 2, False, [2]),
        ("k", 5, True, [3]),  # three positive scores
        ("threshold", 0.2, False, [2]),  # 0.5 and 2 are ≥ 0.2 × 2
        ("threshold", 0.0, True, [3]),
    ],
)
def test_rationale_selection(by, size, only_positive, expected):
    scores = np.array([0.5, -1.0, 2.0, 0.1, 0.0])
    assert rationale_sizes(scores, by, size, only_positive) == expected


def test_the_rationale_metrics_score_a_real_explanation(hf_explainer):
    e = hf_explainer.explain(SENTENCES[0], methods=["leave_one_out"])  # 8 single-token words
    scores = e.scores("leave_one_out")
    order = np.argsort(-scores, kind="stable")
    truth = sorted(order[[0, 2]].tolist())  # the 1st and 3rd ranked words
    metrics = ["rationale_auprc", "rationale_f1", "rationale_iou"]
    ev = hf_explainer.evaluate(e, metrics, rationale=truth)
    values = {m: ev.results["leave_one_out"][m].value for m in metrics}
    assert values["rationale_auprc"] == pytest.approx(0.5 + 1 / 3)
    assert values["rationale_f1"] == pytest.approx(0.5)  # top 2 vs the rationale's 2
    assert values["rationale_iou"] == pytest.approx(1 / 3)
    mask = np.isin(np.arange(len(e.words)), truth)
    again = hf_explainer.evaluate(e, metrics, rationale=mask)
    assert again.results["leave_one_out"]["rationale_f1"].value == values["rationale_f1"]
    missing = hf_explainer.evaluate(e, ["rationale_f1"]).results["leave_one_out"]["rationale_f1"]
    assert np.isnan(missing.value) and "pass rationale=" in missing.info["reason"]
    with pytest.raises(ExplainError, match="word indices 0..7"):
        hf_explainer.evaluate(e, metrics, rationale=[9])


def test_comprehensiveness_of_the_top_word_is_its_deletion(hf_explainer):
    text = SENTENCES[0]
    e = hf_explainer.explain(text, methods=["leave_one_out"])
    top = int(np.argmax(e.scores("leave_one_out")))
    ev = hf_explainer.evaluate(e, {"comprehensiveness": {"by": "k", "size": 1}})
    shorter = " ".join(w for i, w in enumerate(e.words) if i != top)
    p, q = hf_explainer.predict(text)[e.target], hf_explainer.predict(shorter)[e.target]
    assert ev.results["leave_one_out"]["comprehensiveness"].value == pytest.approx(p - q, abs=1e-5)
