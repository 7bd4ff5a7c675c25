"""show()'s first map is chosen by measurement on the model: the candidate that agrees best with
word-level leave-one-out on the calibration sentences (recomputed here with numpy), among those
whose counted cost fits the budget; the choice is the same on every run; the widget says why."""

import numpy as np
import pytest
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain import first_paint as fp


def _median_agreement(explainer) -> dict[str, float]:
    """Each candidate's median Pearson r with word-level leave-one-out, by numpy."""
    rs = {name: [] for name in fp.CANDIDATES}
    for text in fp.CALIBRATION_TEXTS:
        e = explainer.explain(
            text, methods={**{n: {} for n in fp.CANDIDATES}, "leave_one_out": {"unit": "word"}}
        )
        loo = e.scores("leave_one_out")
        for name in fp.CANDIDATES:
            scores = e.scores(name)
            reference = loo if e.result(name).signed else np.abs(loo)
            if np.ptp(scores) > 0 and np.ptp(reference) > 0:
                rs[name].append(np.corrcoef(scores, reference)[0, 1])
    return {name: float(np.median(v)) for name, v in rs.items()}


@pytest.fixture(scope="module")
def explainers(vocab, hf_model, tokenizer):
    return {
        "gru": Explainer(make_word_model("gru", vocab, seed=3, hidden_dim=16), vocab),
        "minilm": Explainer(hf_model, tokenizer, device="cpu"),
    }


@pytest.mark.parametrize("model", ["gru", "minilm"])
def test_the_first_map_is_the_best_calibrated_one_that_fits(explainers, model):
    explainer = explainers[model]
    expected = _median_agreement(explainer)
    calibration = fp.calibrate(explainer.engine)
    for name, r in expected.items():
        assert calibration.agreement[name] == pytest.approx(r, abs=1e-6)
    text = SENTENCES[1]
    plan = fp.plan(explainer.engine, text)
    best = max(fp.CANDIDATES, key=expected.get)  # a short sentence: every candidate fits
    if expected[best] >= fp.AGREES:
        assert plan.first == best
    else:
        assert plan.first == "leave_one_out"
    assert plan.first in plan.reason and "leave-one-out" in plan.reason
    assert list(plan.methods)[0] == plan.first
    # counted, not timed: the same plan every time
    again = fp.plan(explainer.engine, text)
    assert (again.methods, again.first, again.cost) == (plan.methods, plan.first, plan.cost)


def test_a_text_too_long_for_the_budget_paints_the_best_one_pass_map_and_says_why(
    explainers, monkeypatch
):
    explainer = explainers["minilm"]
    calibration = fp.calibrate(explainer.engine)
    text = " ".join(SENTENCES * 4)
    # a budget that only the maps of one backward pass fit
    one_pass = fp.cost(explainer.adapter, "signed_grad_input", {}, _size(explainer, text), 16)
    monkeypatch.setattr(fp, "FIRST_PAINT_BUDGET", one_pass)
    plan = fp.plan(explainer.engine, text)
    fitting = ("signed_grad_input", "saliency_l2")
    best = max(fitting, key=calibration.agreement.get)
    assert plan.first == best
    if calibration.agreement[best] < fp.AGREES:
        assert "does not agree well" in plan.reason
    assert not plan.fits


def _size(explainer, text):
    from notebook_explain.methods.base import InputSize

    encoded = explainer.adapter.encode(text)
    return InputSize(encoded.length, int((~encoded.special_mask).sum()), len(encoded.words))


def test_calibration_is_cached_per_weights_and_redone_when_they_change(vocab):
    import torch

    explainer = Explainer(make_word_model("gru", vocab, seed=4, hidden_dim=16), vocab)
    first = fp.calibrate(explainer.engine)
    assert fp.calibrate(explainer.engine) is first
    with torch.no_grad():
        explainer.adapter.model.output.weight.mul_(-1)
    assert fp.calibrate(explainer.engine) is not first


def test_a_model_too_large_for_the_calibration_budget_leaves_integrated_gradients_out(
    vocab, monkeypatch
):
    """Over CALIBRATION_BUDGET (here 0), IG is not run on the calibration sentences: its
    agreement is unknown, it is priced at its step cap, and it is never painted first."""
    from notebook_explain.methods.integrated_gradients import AUTO_MAX_STEPS

    monkeypatch.setattr(fp, "CALIBRATION_BUDGET", 0.0)
    explainer = Explainer(make_word_model("gru", vocab, seed=5, hidden_dim=16), vocab)
    calls = []
    explain = explainer.engine.explain
    monkeypatch.setattr(
        explainer.engine, "explain", lambda *a, **k: calls.append(k["methods"]) or explain(*a, **k)
    )
    calibration = fp.calibrate(explainer.engine)
    monkeypatch.setattr(explainer.engine, "explain", explain)
    assert all("integrated_gradients" not in methods for methods in calls) and calls
    assert np.isnan(calibration.agreement["integrated_gradients"])
    assert calibration.ig_steps == AUTO_MAX_STEPS
    plan = fp.plan(explainer.engine, SENTENCES[0])
    assert plan.first != "integrated_gradients"
    expected = _median_agreement(explainer)
    for name in ("signed_grad_input", "saliency_l2"):
        assert calibration.agreement[name] == pytest.approx(expected[name])


def test_show_paints_the_chosen_map_and_says_why(explainers):
    explainer = explainers["gru"]
    widget = explainer.show(SENTENCES[0])
    widget.session.wait(60)
    plan = fp.plan(explainer.engine, SENTENCES[0])
    assert widget.method == plan.first
    assert widget.painted_first == {"method": plan.first, "reason": plan.reason}
    # leave-one-out is among the defaults: every other map carries its agreement with it
    for name, result in widget.value.results.items():
        if name != "leave_one_out" and name in ("integrated_gradients", "signed_grad_input"):
            assert "leave_one_out" in result.checks
