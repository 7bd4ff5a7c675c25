"""Prompted LLM classifiers (``Explainer.from_causal_lm``) on tiny random causal LMs: every
score is recomputed by hand from the model run on token ids (the full vocabulary's logits, no
adapter in between)."""

import math

import numpy as np
import pytest
import torch
from model_zoo import CAUSAL_FAMILIES, bpe_tokenizer, build_causal_lm

from notebook_explain import Explainer, ExplainError

TEMPLATE = "Review: {text}\nSentiment:"
LABELS = {"negative": " bad", "positive": [" good", " fine movie"]}
DEMOS = [("a dull film", "negative"), ("a fine film", "positive"), ("it is great", "positive")]
TEXT = "the film is a gorgeous , witty , seductive movie ."


@pytest.fixture(scope="module")
def corpus(data_dir):
    from notebook_explain.data import load_sst2

    return load_sst2("train", data_dir=data_dir).texts[:2000]


@pytest.fixture(scope="module", params=list(CAUSAL_FAMILIES))
def lm(request, corpus):
    family = request.param
    tokenizer = bpe_tokenizer(corpus, CAUSAL_FAMILIES[family][0])
    return family, build_causal_lm(family, tokenizer), tokenizer


def prompted(lm, **options):
    _, model, tokenizer = lm
    options = {"template": TEMPLATE, "labels": LABELS, **options}
    return Explainer.from_causal_lm(model, tokenizer, device="cpu", **options)


def prompt_ids(tokenizer, text, demos=DEMOS):
    """The prompt as the model reads it, written out by hand."""
    shots = "".join(
        TEMPLATE.replace("{text}", t) + (LABELS[c] if isinstance(LABELS[c], str) else LABELS[c][0])
        + "\n\n"
        for t, c in demos
    )  # fmt: skip
    return tokenizer(shots + TEMPLATE.replace("{text}", text))["input_ids"]


def label_words(tokenizer, ids):
    """Each class's label words as ids, tokenized after the prompt's end."""
    end = tokenizer.decode(ids)
    base = tokenizer(end)["input_ids"]
    words = {}
    for name, w in LABELS.items():
        options = [w] if isinstance(w, str) else w
        words[name] = [tokenizer(end + word)["input_ids"][len(base) :] for word in options]
    return words


def hand_scores(model, tokenizer, ids) -> np.ndarray:
    """log Σ_w p(w | prompt) per class, each word's tokens scored one after the other."""
    scores = []
    for words in label_words(tokenizer, ids).values():
        per_word = []
        for word in words:
            total = 0.0
            for k, token in enumerate(word):
                with torch.no_grad():
                    logits = model(input_ids=torch.tensor([ids + word[:k]])).logits[0, -1]
                total += float(torch.log_softmax(logits.double(), -1)[token])
            per_word.append(total)
        scores.append(float(torch.logsumexp(torch.tensor(per_word), 0)))
    return np.array(scores)


def test_probabilities_are_the_softmax_over_the_label_words_scores(lm):
    _, model, tokenizer = lm
    ex = prompted(lm, demonstrations=DEMOS)
    ids = prompt_ids(tokenizer, TEXT)
    assert ex.adapter.encode(TEXT).input_ids[0].tolist() == ids
    scores = hand_scores(model, tokenizer, ids)
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(ex.predict(TEXT), expected, atol=1e-5)
    assert ex.class_names == ["negative", "positive"]
    assert any(len(w) > 1 for w in label_words(tokenizer, ids)["positive"])  # a multi-token word


def test_only_the_users_text_is_explained(lm):
    _, _, tokenizer = lm
    ex = prompted(lm, demonstrations=DEMOS)
    encoded = ex.adapter.encode(TEXT)
    assert encoded.words == TEXT.split()
    user = [t for t, s in zip(encoded.input_ids[0].tolist(), encoded.special_mask) if not s]
    assert tokenizer.decode(user).strip() == TEXT
    explanation = ex.explain(TEXT, methods=["leave_one_out", "occlusion_zero", "shapley"])
    for method in explanation.methods:
        assert len(explanation.scores(method)) == len(TEXT.split())
        tokens = explanation.scores(method, level="token")
        assert not tokens[explanation.special_mask].any(), method  # the template: no score


def test_leave_one_out_is_the_model_run_on_the_shortened_prompt(lm):
    """Each word's score is the class's hand score on the prompt minus that word's tokens (from
    the prefix cache where the model takes it)."""
    _, model, tokenizer = lm
    ex = prompted(lm, demonstrations=DEMOS)
    encoded = ex.adapter.encode(TEXT)
    explanation = ex.explain(TEXT, methods={"leave_one_out": {"unit": "word"}}, output="logit")
    ids = encoded.input_ids[0].tolist()
    target = explanation.target
    full = hand_scores(model, tokenizer, ids)[target]
    for word, score in enumerate(explanation.scores("leave_one_out")):
        kept = [i for i, w in zip(ids, encoded.word_index) if w != word]
        assert score == pytest.approx(full - hand_scores(model, tokenizer, kept)[target], abs=1e-4)


def test_the_prefix_cache_gives_the_whole_prompts_results(lm):
    """Where the construction's probe finds the cache exact, results equal the whole prompt's;
    Gemma2's sliding window (8 tokens here) drops keys the rows still read, so it runs whole."""
    family = lm[0]
    cached = prompted(lm, demonstrations=DEMOS)
    assert cached.adapter.prefix_cache == (family != "gemma2")
    whole = prompted(lm, demonstrations=DEMOS, prefix_cache=False)
    methods = {"leave_one_out": {}, "shapley": {"samples": 4}, "lime": {"samples": 40}}
    a, b = cached.explain(TEXT, methods=methods), whole.explain(TEXT, methods=methods)
    for method in methods:
        np.testing.assert_allclose(a.scores(method), b.scores(method), atol=1e-5)
    assert (cached.adapter.rows_from_cache > 0) == cached.adapter.prefix_cache
    assert whole.adapter.rows_from_cache == 0


def test_integrated_gradients_is_complete_and_gradients_reach_the_text(lm):
    ex = prompted(lm)
    explanation = ex.explain(TEXT, methods=["integrated_gradients", "signed_grad_input"])
    check = explanation.result("integrated_gradients").checks["identity"]
    assert check["ok"] and abs(check["relative"]) <= 0.01
    assert np.abs(explanation.scores("signed_grad_input")).sum() > 0


def test_leaving_a_demonstration_out_equals_the_prompt_rebuilt_without_it(lm):
    _, model, tokenizer = lm
    ex = prompted(lm, demonstrations=DEMOS)
    answer = ex.demonstration_influence(TEXT, target="positive")
    full = hand_scores(model, tokenizer, prompt_ids(tokenizer, TEXT))[1]
    scores = {item.index: item.score for item in answer.proponents + answer.opponents}
    for j in range(len(DEMOS)):
        rest = [d for i, d in enumerate(DEMOS) if i != j]
        without = hand_scores(model, tokenizer, prompt_ids(tokenizer, TEXT, rest))[1]
        assert scores.get(j, 0.0) == pytest.approx(full - without, abs=1e-4)
    assert [item.text for item in answer.proponents] == [
        DEMOS[item.index][0] for item in answer.proponents
    ]


def test_demonstration_shapley_values_are_exact_and_efficient(lm):
    _, model, tokenizer = lm
    ex = prompted(lm, demonstrations=DEMOS[:2])
    answer = ex.demonstration_influence(TEXT, method="shapley", target=0)
    values = {
        kept: hand_scores(model, tokenizer, prompt_ids(tokenizer, TEXT, [DEMOS[i] for i in kept]))[0]
        for kept in [(), (0,), (1,), (0, 1)]
    }  # fmt: skip
    phi0 = 0.5 * (values[(0,)] - values[()]) + 0.5 * (values[(0, 1)] - values[(1,)])
    scores = {item.index: item.score for item in answer.proponents + answer.opponents}
    assert scores.get(0, 0.0) == pytest.approx(phi0, abs=1e-4)
    assert sum(scores.values()) == pytest.approx(values[(0, 1)] - values[()], abs=1e-4)
    assert answer.info["prompts"] == 4


def test_contextual_calibration_divides_by_the_content_free_probabilities(lm):
    _, model, tokenizer = lm
    plain, calibrated = prompted(lm), prompted(lm, calibrate=True)
    free = hand_scores(model, tokenizer, prompt_ids(tokenizer, "N/A", []))
    scores = hand_scores(model, tokenizer, prompt_ids(tokenizer, TEXT, [])) - free
    expected = np.exp(scores) / np.exp(scores).sum()
    np.testing.assert_allclose(calibrated.predict(TEXT), expected, atol=1e-5)
    assert not np.allclose(plain.predict(TEXT), expected, atol=1e-3)


def test_a_chat_template_wraps_the_prompt_and_only_the_text_is_scored(lm):
    _, model, tokenizer = lm
    tokenizer = type(tokenizer)(tokenizer_object=tokenizer.backend_tokenizer)
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    ex = Explainer.from_causal_lm(
        model, tokenizer, template="Review: {text}\nAnswer:", labels={"no": "bad", "yes": "good"}
    )
    assert ex.adapter.chat
    encoded = ex.adapter.encode("a fine film")
    assert encoded.words == ["a", "fine", "film"]
    string = tokenizer.decode(encoded.input_ids[0]).strip()  # a byte-level prefix space
    assert string == "<|user|>\nReview: a fine film\nAnswer:\n<|assistant|>"


def test_bad_prompts_are_refused_with_the_fix(lm):
    with pytest.raises(ExplainError, match=r"must contain \{text\} exactly once"):
        prompted(lm, template="Review: \nSentiment:")
    with pytest.raises(ExplainError, match="ends with"):
        prompted(lm, template="Review: {text}")
    with pytest.raises(ExplainError, match="two classes at least"):
        prompted(lm, labels={"positive": " good"})
    with pytest.raises(ExplainError, match="Each demonstration is"):
        prompted(lm, demonstrations=[("a film", "neutral")])
    with pytest.raises(ExplainError, match="merges with the end of the prompt"):
        prompted(lm, template="Review: {text}\nSentiment: go", labels={"a": "od", "b": "ne"})
    ex = prompted(lm)
    with pytest.raises(ExplainError, match="takes no text_pair"):
        ex.explain(TEXT, text_pair="other", methods=["leave_one_out"])
    with pytest.raises(ExplainError, match="is for prompted classifiers|has no demonstrations"):
        ex.demonstration_influence(TEXT)
    with pytest.raises(ExplainError, match="over the model's"):
        ex.predict("word " * 200)
    with pytest.raises(ExplainError, match="no classifier head"):
        ex.index(["a film"], [0], progress=False)


def test_a_pair_template_explains_both_texts(lm):
    ex = prompted(
        lm,
        template="Premise: {text}\nHypothesis: {text_pair}\nEntailed:",
        labels={"no": " no", "yes": " yes"},
    )
    explanation = ex.explain("a man plays", text_pair="music is made", methods=["leave_one_out"])
    assert list(explanation.words) == ["a", "man", "plays", "music", "is", "made"]
    with pytest.raises(ExplainError, match="pass text_pair"):
        ex.predict("a man plays")


def test_loading_a_gguf_file_without_its_packages_names_them(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gguf" else real(name, *a)
    )
    with pytest.raises(ExplainError, match="pip install gguf accelerate"):
        Explainer.from_causal_lm(
            str(tmp_path), gguf_file="m.gguf", template=TEMPLATE, labels=LABELS
        )


def test_the_label_word_probability_mass_is_a_log_sum(lm):
    """A class with two label words scores log(p(w1) + p(w2))."""
    _, model, tokenizer = lm
    ex = prompted(lm)
    ids = prompt_ids(tokenizer, TEXT, [])
    words = label_words(tokenizer, ids)["positive"]
    first = hand_scores(model, tokenizer, ids)
    encoded = ex.adapter.encode(TEXT)
    with torch.no_grad():
        got = ex.adapter.logits(ex.adapter.embed(encoded.input_ids), encoded.attention_mask)
    assert float(got[0, 1]) == pytest.approx(first[1], abs=1e-4)
    assert len(words) == 2 and math.isfinite(first[1])


def test_the_widget_ranks_the_demonstrations_in_the_influence_tab(lm):
    ex = prompted(lm, demonstrations=DEMOS)
    widget = ex.show(TEXT, methods=["leave_one_out"], view="influence")
    assert widget.session.wait(timeout=120) and widget.error == ""
    panel = widget.influence
    assert panel["status"] == "ready" and panel["method"] == "demonstrations:leave_one_out"
    assert panel["methods"] == ["demonstrations:leave_one_out", "demonstrations:shapley"]
    expected = ex.demonstration_influence(TEXT, target=widget.value.target)
    shown = [item["index"] for item in panel["proponents"] + panel["opponents"]]
    assert shown == [item.index for item in expected.proponents + expected.opponents]
    widget._handle_custom_msg({"type": "influence", "method": "demonstrations:shapley"}, [])
    assert widget.session.wait(timeout=120) and widget.error == ""
    assert widget.influence["method"] == "demonstrations:shapley"
    widget._handle_custom_msg({"type": "influence", "method": "tracin"}, [])
    assert widget.session.wait(timeout=120)
    assert "Unknown influence method 'tracin'" in widget.error
    plain = prompted(lm).show(TEXT, methods=["leave_one_out"], view="influence")
    assert plain.session.wait(timeout=120)
    assert "in-context examples" in plain.influence["message"]


def test_two_threads_on_one_prompted_explainer_match_sequential_calls(lm):
    """The prefix cache is built by whichever thread needs it first (here: several at once,
    after it is dropped), inside the model's lock; every thread gets the sequential scores."""
    from test_concurrency import _run_together

    ex = prompted(lm, demonstrations=DEMOS)
    methods = {"leave_one_out": {"unit": "word"}, "shapley": {"samples": 4}}
    texts = [TEXT, "a dull , lifeless film", "it is not a bad film at all", "fine"]
    sequential = [ex.explain(text, methods=methods) for text in texts]
    ex.adapter._prefix = None
    together = _run_together(ex, [(text, methods) for text in texts])
    for alone, concurrent in zip(sequential, together):
        for name in methods:
            np.testing.assert_allclose(concurrent.scores(name), alone.scores(name), atol=1e-6)
