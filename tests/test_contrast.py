"""Contrastive explanations: "why the target rather than the foil?" explains S_target − S_foil,
so every method linear in the explained output gives the difference of the two single-class
explanations; methods tied to one class refuse, and the metrics measure the contrast."""

import numpy as np
import pytest
from conftest import SENTENCES

from notebook_explain import ExplainError, Explanation

LINEAR = {
    "saliency_sum": {},
    "signed_grad_input": {},
    "integrated_gradients": {"steps": 16},
    "occlusion_zero": {},
    "occlusion_unk": {},
    "occlusion_mask": {},
    "leave_one_out": {},
    "lime": {"samples": 40},
    "shapley": {"samples": 6},
    "owen": {"samples": 6},
    "smoothgrad": {"samples": 3},
}


@pytest.mark.parametrize("output", ["logit", "probability", "log_odds"])
def test_linear_methods_explain_the_difference_of_the_two_classes(hf_explainer, output):
    text, target, foil = SENTENCES[2], 2, 0
    versus = hf_explainer.explain(text, methods=LINEAR, target=target, contrast=foil, output=output)
    alone = hf_explainer.explain(text, methods=LINEAR, target=target, output=output)
    other = hf_explainer.explain(text, methods=LINEAR, target=foil, output=output)
    assert versus.contrast == foil and versus.contrast_name == hf_explainer.class_names[foil]
    for method in LINEAR:
        np.testing.assert_allclose(
            versus.scores(method, level="token"),
            alone.scores(method, level="token") - other.scores(method, level="token"),
            atol=2e-5,
            err_msg=method,
        )


def test_methods_tied_to_one_class_refuse_a_contrast(hf_explainer):
    for method in ("lrp", "deeplift", "marginalization", "input_reduction", "attention"):
        with pytest.raises(ExplainError, match=rf"{method} cannot explain one class against"):
            hf_explainer.explain(SENTENCES[0], methods=[method], contrast=0)


def test_the_contrast_must_be_another_known_class(hf_explainer):
    predicted = int(np.argmax(hf_explainer.predict(SENTENCES[0])))
    with pytest.raises(ExplainError, match="contrast is the target class"):
        hf_explainer.explain(SENTENCES[0], methods=["leave_one_out"], contrast=predicted)
    with pytest.raises(ExplainError, match="Unknown target class 'sideways'"):
        hf_explainer.explain(SENTENCES[0], methods=["leave_one_out"], contrast="sideways")


def test_a_contrastive_record_round_trips_and_its_metrics_measure_the_contrast(hf_explainer):
    text = SENTENCES[1]
    e = hf_explainer.explain(text, methods=["leave_one_out"], target=0, contrast="positive")
    again = Explanation.from_json(*e.to_json())
    assert again.contrast == e.contrast == 2
    ev = hf_explainer.evaluate(e, {"aopc": {"removal": "delete", "k": 2}})
    p = hf_explainer.predict(text)
    curve = ev.results["leave_one_out"]["aopc"].info["probabilities"]
    assert curve[0] == pytest.approx(p[0] - p[2], abs=1e-5)  # the input's own contrast
