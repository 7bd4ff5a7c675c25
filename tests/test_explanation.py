"""The Explanation record: word grouping, immutability, serialisation and escaped HTML."""

import json

import numpy as np
import pytest
from conftest import CLASS_NAMES, SENTENCES

from notebook_explain import ExplainError, Explanation


def test_words_group_word_pieces_and_word_scores_are_sums(hf_explainer, tokenizer):
    text = "the unbelievably disappointing screenplay"
    e = hf_explainer.explain(text, methods=["signed_grad_input", "integrated_gradients"])
    assert e.words == tuple(text.split())
    tokens = tokenizer.tokenize(text)
    assert list(e.tokens[1:-1]) == tokens and e.special_mask.tolist() == [True] + [False] * len(
        tokens
    ) + [True]
    # independent grouping: a WordPiece continuation starts with "##"
    groups, current = [], []
    for i, tok in enumerate(tokens, start=1):
        if tok.startswith("##"):
            current.append(i)
        else:
            current = [i]
            groups.append(current)
    assert any(len(g) > 1 for g in groups)
    for m in e.methods:
        token_scores = e.scores(m, level="token")
        np.testing.assert_allclose(e.scores(m), [token_scores[g].sum() for g in groups], atol=1e-6)
        np.testing.assert_allclose(
            e.scores(m, aggregation="mean"), [token_scores[g].mean() for g in groups], atol=1e-6
        )


def test_words_keep_original_casing_and_punctuation(hf_explainer):
    e = hf_explainer.explain("Wow, GREAT film!", methods=["saliency_l2"])
    assert e.words == ("Wow", ",", "GREAT", "film", "!")


def test_explanation_is_immutable(hf_explainer):
    e = hf_explainer.explain(SENTENCES[0], methods=["signed_grad_input"])
    with pytest.raises(AttributeError):
        e.text = "other"
    with pytest.raises(ValueError):
        e.result("signed_grad_input").scores[0] = 1.0
    with pytest.raises(TypeError):
        e.results["x"] = None


def test_json_and_buffers_round_trip(hf_explainer):
    e = hf_explainer.explain(
        SENTENCES[2],
        methods={"integrated_gradients": {"steps": 20}, "leave_one_out": {}},
        target="neutral",
    )
    state, buffers = e.to_json()
    assert all(isinstance(b, bytes) for b in buffers)
    back = Explanation.from_json(json.loads(json.dumps(state)), buffers)
    assert back.words == e.words and back.tokens == e.tokens and back.target == e.target == 1
    assert back.class_names == tuple(CLASS_NAMES)
    assert back.result("integrated_gradients").params == {
        "steps": 20,
        "rule": "gausslegendre",
        "baseline": "zero",
        "layer": "word_embeddings",
    }
    for m in e.methods:
        np.testing.assert_array_equal(back.scores(m, level="token"), e.scores(m, level="token"))
    assert back.result("integrated_gradients").seconds > 0


def test_html_fallback_escapes_user_text(hf_explainer):
    e = hf_explainer.explain(
        '<img src=x onerror="alert(1)"> <script>bad()</script> fine', methods=["saliency_l2"]
    )
    html = e._repr_html_()
    assert (
        "<script" not in html and "<img" not in html
    )  # the tokenizer splits "<script>" into "<", "script", ">"
    assert html.count(">&lt;</span>") == e.words.count("<") == 3
    assert html.count('class="ne-tok"') == len(e.words)


def test_missing_method_and_level_errors(hf_explainer):
    e = hf_explainer.explain(SENTENCES[0], methods=["saliency_l2"])
    with pytest.raises(ExplainError, match="saliency_l2"):
        e.scores("integrated_gradients")
    with pytest.raises(ExplainError, match="word, token"):
        e.scores("saliency_l2", level="phrase")


def test_spans_sum_word_scores_or_use_the_methods_own_span_scores(hf_explainer):
    words_text = "the acting is superb , but the plot is dull ."
    spans = {"phrase": [(0, 2), (2, 5), (5, 6), (6, 8), (8, 11)], "clause": [(0, 5), (5, 11)]}
    e = hf_explainer.explain(
        words_text, methods=["signed_grad_input", "leave_one_out"], spans=spans
    )
    assert e.span_source == "user"
    words = e.scores("leave_one_out")
    phrases = e.spans("phrase")
    assert [(s.start, s.end) for s in phrases] == spans["phrase"]
    assert phrases[1].text == "is superb ,"
    for span in phrases:
        assert span.scores["leave_one_out"] == pytest.approx(words[span.start : span.end].sum())
    assert [s.text for s in e.spans("word")] == list(e.words)
    with pytest.raises(ExplainError, match="Unknown span level"):
        e.spans("sentence")
    # a method that scores spans itself (REAT) is read from its span_scores, not re-aggregated
    state, buffers = e.to_json()
    state["results"][0]["span_scores"] = {"clause": [1.5, -2.0]}
    restored = Explanation.from_json(state, buffers)
    assert restored.span_levels == e.span_levels
    assert [s.scores["signed_grad_input"] for s in restored.spans("clause")] == [1.5, -2.0]


def test_reduction_path_is_exposed_with_token_text(hf_explainer):
    e = hf_explainer.explain("a gorgeous , witty , seductive movie .", methods=["input_reduction"])
    steps = e.reduction.steps
    assert steps[0]["removed"] is None
    assert all(step["tokens"] == tuple(e.tokens[i] for i in step["remaining"]) for step in steps)
    assert e.reduction.final == tuple(steps[-1]["remaining"])
    assert e.reduction.final_tokens == steps[-1]["tokens"]
    with pytest.raises(ExplainError, match="input_reduction"):
        hf_explainer.explain("a movie .", methods=["leave_one_out"]).reduction


def test_an_explanation_is_plain_data_that_pickles_without_a_model(hf_explainer):
    import pickle

    e = hf_explainer.explain("a witty movie", methods=["saliency_l2", "leave_one_out"])
    blob = pickle.dumps(e)
    assert b"torch" not in blob and b"Explainer" not in blob
    again = pickle.loads(blob)
    assert (again.text, again.tokens, again.methods) == (e.text, e.tokens, e.methods)
    np.testing.assert_array_equal(again.probabilities, e.probabilities)
    for method in e.methods:
        np.testing.assert_array_equal(again.result(method).scores, e.result(method).scores)
