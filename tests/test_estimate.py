"""Cost before paying it: each method's declared rows equal the rows it really runs through the
model (an upper bound for input reduction), and ``show()`` leaves input reduction for later when
its estimate is over the budget."""

import pytest
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, first_paint

TEXT = "the unbelievably predictable screenplay disappoints , but the cast is wonderful ."
EXACT = [
    ("leave_one_out", {}),
    ("occlusion_zero", {"unit": "word"}),
    ("occlusion_unk", {}),
    ("occlusion_mask", {}),
    ("lime", {"samples": 37}),
    ("integrated_gradients", {"steps": 11}),
    ("integrated_gradients", {"steps": 11, "layer": "3"}),
    ("signed_grad_input", {"layer": "embeddings"}),
    ("shapley", {"samples": 5}),
    ("owen", {"samples": 4}),
    ("smoothgrad", {"samples": 7}),
]


def counted_rows(explainer, text, method, params) -> int:
    """Rows through ``adapter.logits``, less the input's own pass that every method shares."""
    adapter, rows = explainer.adapter, []
    original = adapter.logits
    adapter.logits = lambda emb, *args, **kwargs: (
        rows.append(len(emb)),
        original(emb, *args, **kwargs),
    )[1]
    try:
        explainer.explain(text, methods={method: params})
    finally:
        del adapter.logits
    return sum(rows) - 1


@pytest.mark.parametrize("method, params", EXACT, ids=[f"{m}{p}" for m, p in EXACT])
def test_declared_rows_are_the_rows_run(hf_explainer, method, params):
    estimate = hf_explainer.estimate(TEXT, {method: params})[method]
    assert estimate["rows"] == counted_rows(hf_explainer, TEXT, method, params)
    assert estimate["seconds"] > 0


def test_input_reduction_stays_within_its_bound(hf_explainer):
    bound = hf_explainer.estimate(TEXT, ["input_reduction"])["input_reduction"]["rows"]
    assert 0 < counted_rows(hf_explainer, TEXT, "input_reduction", {}) <= bound


def test_seconds_follow_the_rows(hf_explainer):
    """One timed pass prices every method of a call: seconds ∝ rows, a backward pass as two."""
    cost = hf_explainer.estimate(
        TEXT, {"lime": {"samples": 100}, "integrated_gradients": {"steps": 99}, "leave_one_out": {}}
    )
    per_row = cost["lime"]["seconds"] / 100
    assert cost["integrated_gradients"]["seconds"] == pytest.approx(3 * 100 * per_row)
    assert cost["leave_one_out"]["seconds"] == pytest.approx(
        cost["leave_one_out"]["rows"] * per_row
    )


def test_show_leaves_reduction_for_later_when_it_costs_too_much(vocab, monkeypatch):
    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    assert "input_reduction" in ex.show(SENTENCES[0]).value.methods
    monkeypatch.setattr(first_paint, "SHOW_BUDGET", 0.0)
    w = ex.show(SENTENCES[0])
    assert "input_reduction" not in w.value.methods
    assert "input_reduction" in {m["name"] for m in w.methods}  # still offered on request
