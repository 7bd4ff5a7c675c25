"""Multi-label classifiers (a sigmoid per class) are explained with their own probabilities, not
a softmax over the classes; a regression head is refused. Checked against the model's own
outputs, re-predicted texts and IG's completeness, on a tiny random BERT with MiniLM's vocab."""

from pathlib import Path

import numpy as np
import pytest
import torch

from notebook_explain import Explainer, ExplainError

TEXT = "the plot is dull but the acting is superb ."


def bert(tokenizer, **config):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    settings = dict(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    return BertForSequenceClassification(BertConfig(**{**settings, **config})).eval()


@pytest.fixture(scope="module")
def multi_label(tokenizer):
    model = bert(tokenizer, num_labels=3, problem_type="multi_label_classification")
    with torch.no_grad():
        model.classifier.weight.mul_(30)  # probabilities away from 0.5
    return model, Explainer(model, tokenizer, device="cpu")


def sigmoid_of(model, tokenizer, ids) -> np.ndarray:
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids))).logits
    return torch.sigmoid(logits.double())[0].numpy()


def test_the_probabilities_are_each_class_sigmoid(multi_label, tokenizer):
    model, ex = multi_label
    e = ex.explain(TEXT, methods=["saliency_l2"])
    expected = sigmoid_of(model, tokenizer, tokenizer(TEXT)["input_ids"])
    assert e.head == "sigmoid" and abs(expected.sum() - 1) > 0.05  # no softmax in disguise
    np.testing.assert_allclose(e.probabilities, expected, rtol=1e-5)
    np.testing.assert_allclose(ex.predict(TEXT), expected, rtol=1e-6)


def test_leave_one_out_of_the_probability_equals_re_predicted_texts(multi_label, tokenizer):
    model, ex = multi_label
    e = ex.explain(TEXT, methods=["leave_one_out"], output="probability", target=2)
    ids = tokenizer(TEXT)["input_ids"]
    full = sigmoid_of(model, tokenizer, ids)[2]
    for i in range(1, len(ids) - 1):
        without = sigmoid_of(model, tokenizer, ids[:i] + ids[i + 1 :])[2]
        assert e.result("leave_one_out").scores[i] == pytest.approx(full - without, abs=1e-5)
    # for a sigmoid, the log-odds of the target is its logit
    logit = ex.explain(TEXT, methods=["leave_one_out"], output="logit", target=2)
    odds = ex.explain(TEXT, methods=["leave_one_out"], output="log_odds", target=2)
    np.testing.assert_allclose(
        odds.scores("leave_one_out"), logit.scores("leave_one_out"), atol=1e-5
    )


def test_integrated_gradients_is_complete_for_the_sigmoid_probability(multi_label, tokenizer):
    model, ex = multi_label
    e = ex.explain(
        TEXT, methods={"integrated_gradients": {"steps": 300}}, output="probability", target=0
    )
    info = e.result("integrated_gradients").info
    assert info["output_input"] == pytest.approx(
        sigmoid_of(model, tokenizer, tokenizer(TEXT)["input_ids"])[0], abs=1e-5
    )
    assert info["completeness_gap_relative"] < 1e-2


def test_removal_metrics_read_the_sigmoid_probability(multi_label, tokenizer):
    model, ex = multi_label
    e = ex.explain(TEXT, methods=["leave_one_out"], target=1)
    ev = ex.evaluate(e, {"aopc": {"removal": "delete", "k": 1}})
    probabilities = ev.results["leave_one_out"]["aopc"].info["probabilities"]
    assert probabilities[0] == pytest.approx(float(e.probabilities[1]), abs=1e-5)
    top = int(np.argmax(e.scores("leave_one_out")))
    ids = tokenizer(TEXT)["input_ids"]
    tokens = [i for i, w in enumerate(e.word_index) if w == top]
    kept = [t for i, t in enumerate(ids) if i not in tokens]
    assert probabilities[1] == pytest.approx(sigmoid_of(model, tokenizer, kept)[1], abs=1e-5)


def test_what_needs_one_predicted_class_is_refused(multi_label, tmp_path):
    _, ex = multi_label
    with pytest.raises(ExplainError, match="input_reduction.*multi-label"):
        ex.explain(TEXT, methods=["input_reduction"])
    with pytest.raises(ExplainError, match="multi-label"):
        ex.index([TEXT, TEXT], [0, 1], cache_dir=tmp_path, progress=False)


@pytest.mark.parametrize(
    "config", [{"num_labels": 1}, {"num_labels": 2, "problem_type": "regression"}]
)
def test_a_regression_head_is_refused(tokenizer, config):
    with pytest.raises(ExplainError, match="regression head"):
        Explainer(bert(tokenizer, **config), tokenizer, device="cpu")


@pytest.mark.parametrize("model_class", ["BertModel", "BertForMaskedLM"])
def test_a_model_without_a_classification_head_is_refused_up_front(tokenizer, model_class):
    """Not a crash in the middle of a method: an ExplainError, naming the class to load, when
    the Explainer is made."""
    import transformers

    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32,
    )  # fmt: skip
    model = getattr(transformers, model_class)(config).eval()
    with pytest.raises(ExplainError, match="AutoModelForSequenceClassification"):
        Explainer(model, tokenizer, device="cpu")


def test_from_pretrained_loads_a_local_folder_under_its_short_name(minilm_path):
    e = Explainer.from_pretrained(minilm_path, device="cpu")
    assert e.adapter.name == Path(minilm_path).name and "/" not in e.adapter.name
    named = Explainer.from_pretrained(minilm_path, device="cpu", name="my classifier")
    assert named.explain("a fine film .", methods=["leave_one_out"]).model_name == "my classifier"


@pytest.mark.parametrize("name", [None, "", "  ", 3])
def test_from_pretrained_refuses_a_name_that_is_no_name(name):
    with pytest.raises(ExplainError, match="hub name .* or a local folder"):
        Explainer.from_pretrained(name, device="cpu")


def test_from_pretrained_says_what_to_do_when_nothing_loads(tmp_path):
    with pytest.raises(ExplainError, match="offline, pass a local folder"):
        Explainer.from_pretrained(str(tmp_path), device="cpu")


def test_a_text_classification_pipeline_is_explained_as_its_model(hf_model, tokenizer):
    from transformers import pipeline

    pipe = pipeline("text-classification", model=hf_model, tokenizer=tokenizer, device="cpu")
    text = "a gorgeous , witty , seductive movie ."
    probabilities = Explainer(pipe, device="cpu").predict(text)
    expected = {d["label"]: d["score"] for d in pipe(text, top_k=None)}
    for name, p in zip(hf_model.config.id2label.values(), probabilities):
        assert p == pytest.approx(expected[name], abs=1e-5)
