"""Every bad input gets an ExplainError that names the problem and the fix."""

import warnings

import pytest
import torch
from conftest import SENTENCES

from notebook_explain import Explainer, ExplainError, available_methods


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(hf_explainer, text):
    with pytest.raises(ExplainError, match="empty"):
        hf_explainer.explain(text)


def test_non_string_text(hf_explainer):
    with pytest.raises(ExplainError, match="string"):
        hf_explainer.explain(["a list"])


def test_unknown_method_lists_valid_ones(hf_explainer):
    with pytest.raises(ExplainError) as info:
        hf_explainer.explain(SENTENCES[0], methods=["saliency_l3"])
    for name in available_methods():
        assert name in str(info.value)


def test_unknown_target_class(hf_explainer):
    for bad in ("happy", 3, -1, 1.5):
        with pytest.raises(ExplainError, match="negative, neutral, positive"):
            hf_explainer.explain(SENTENCES[0], methods=["saliency_l2"], target=bad)


def test_bad_parameters(hf_explainer):
    with pytest.raises(ExplainError, match="steps"):
        hf_explainer.explain(SENTENCES[0], methods={"integrated_gradients": {"steps": 0}})
    with pytest.raises(ExplainError, match="rule"):
        hf_explainer.explain(SENTENCES[0], methods={"integrated_gradients": {"rule": "simpson"}})
    with pytest.raises(ExplainError, match="no parameter n_steps"):
        hf_explainer.explain(SENTENCES[0], methods={"integrated_gradients": {"n_steps": 10}})
    with pytest.raises(ExplainError, match="log_odds"):
        hf_explainer.explain(SENTENCES[0], output="loss")


def test_model_without_input_embeddings(tokenizer):
    with pytest.raises(ExplainError, match="input embeddings"):
        Explainer(torch.nn.Linear(4, 2), tokenizer)


def test_word_model_needs_its_vocab(vocab):
    from conftest import make_word_model

    with pytest.raises(ExplainError, match="WordVocab"):
        Explainer(make_word_model("gru", vocab), None)


def test_too_long_text_is_truncated_with_a_warning(hf_explainer, tokenizer):
    text = " ".join(["good"] * 600)
    with pytest.warns(UserWarning, match=r"90 tokens were dropped"):
        e = hf_explainer.explain(text, methods=["saliency_l2"])
    assert e.truncated_tokens == 90 and len(e.tokens) == 512


def test_short_text_gives_no_warning(hf_explainer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hf_explainer.explain(SENTENCES[0], methods=["saliency_l2"])


def test_bad_device_and_batch_size(hf_model, tokenizer):
    with pytest.raises(ExplainError, match="device"):
        Explainer(hf_model, tokenizer, device="tpu:7")
    with pytest.raises(ExplainError, match="batch_size"):
        Explainer(hf_model, tokenizer, batch_size=0)
    with pytest.raises(ExplainError, match="max_batch_tokens"):
        Explainer(hf_model, tokenizer, max_batch_tokens=True)


def test_show_names_the_tabs_it_can_open(vocab):
    from conftest import make_word_model

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    with pytest.raises(ExplainError, match=r"view='dashboard' is not a tab.*'influence'"):
        ex.show(SENTENCES[0], methods=["saliency_l2"], view="dashboard")
    assert ex.show(SENTENCES[0], methods=["saliency_l2"], view="compare").view == "compare"
