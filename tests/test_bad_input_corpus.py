"""A corpus of bad and edge-case inputs to ``explain`` and ``evaluate``, on a user's Hugging Face
model, the MiniLM demo and the GRU demo: each one ends in an Explanation or an ExplainError,
never another exception; the errors quote at most a short excerpt of the text; words are never
dropped (an unknown word is shown, scored and perturbed)."""

import math
import unicodedata
import warnings

import numpy as np
import pytest

from notebook_explain import Explainer, ExplainError, Explanation
from notebook_explain.errors import EXCERPT

CHEAP = ["saliency_l2"]
LONG = "a gorgeous , witty movie . " * 4000  # 100k characters
LONG_WORD = "gorgeous" * 2000

#: (label, keyword arguments of explain); the text defaults to a plain sentence
CASES = [
    ("empty", {"text": ""}),
    ("blank", {"text": " \n\t "}),
    ("none", {"text": None}),
    ("number", {"text": 5}),
    ("bytes", {"text": b"a fine film"}),
    ("list", {"text": ["a fine film"]}),
    ("lone surrogate", {"text": "a fine \ud800 film"}),
    ("lone surrogate pair", {"text": "a fine film", "text_pair": "and \udfff more"}),
    ("NUL", {"text": "a fine\x00 film"}),
    ("emoji", {"text": "this movie is 💩 , truly ."}),
    ("CJK", {"text": "这部电影 很好"}),
    ("RTL", {"text": "فيلم رائع"}),
    ("combining", {"text": "e\u0301le\u0301gant film"}),
    ("zero width", {"text": "a\u200b fine\u200d film"}),
    ("special tokens", {"text": "[CLS] [SEP] [MASK] [PAD] <pad> </s>"}),
    ("markup", {"text": '<img src=x onerror="alert(1)"> film'}),
    ("punctuation", {"text": "."}),
    ("long", {"text": LONG}),
    ("long word", {"text": LONG_WORD}),
    ("nested method list", {"methods": [["lime"]]}),
    ("method params a string", {"methods": {"integrated_gradients": "steps"}}),
    ("method params a list", {"methods": {"lime": [1, 2]}}),
    ("methods a number", {"methods": 42}),
    ("methods empty", {"methods": []}),
    ("methods empty dict", {"methods": {}}),
    ("unknown method", {"methods": "shapley"}),
    ("unknown parameter", {"methods": {"lime": {"sample": 10}}}),
    ("NaN steps", {"methods": {"integrated_gradients": {"steps": math.nan}}}),
    ("inf alpha", {"methods": {"lime": {"alpha": math.inf}}}),
    ("NaN kernel width", {"methods": {"lime": {"kernel_width": math.nan}}}),
    ("NaN sigma", {"methods": {"marginalization": {"sigma": math.nan}}}),
    ("negative samples", {"methods": {"lime": {"samples": -1}}}),
    ("bool steps", {"methods": {"integrated_gradients": {"steps": True}}}),
    ("string steps", {"methods": {"integrated_gradients": {"steps": "8"}}}),
    ("target too big", {"target": 99}),
    ("target negative", {"target": -1}),
    ("target float", {"target": 1.5}),
    ("target bool", {"target": True}),
    ("target unknown name", {"target": "happy"}),
    ("output unknown", {"output": "softmax"}),
    ("output none", {"output": None}),
    ("progress not callable", {"on_progress": 5}),
    ("check not callable", {"check": "stop"}),
    ("pair not a string", {"text_pair": 3}),
    ("pair empty", {"text_pair": ""}),
    ("spans a string", {"spans": "phrase"}),
    ("spans past the end", {"spans": {"phrase": [(0, 99)]}}),
    ("spans reversed", {"spans": {"phrase": [(2, 1)]}}),
    ("spans unknown level", {"spans": {"sentence": [(0, 3)]}}),
]


@pytest.fixture(scope="module", params=["user HF model", "minilm demo", "gru demo"])
def explainer(request, hf_explainer, data_dir):
    if request.param == "user HF model":
        return hf_explainer
    name = "minilm-sst2" if request.param == "minilm demo" else "gru-sst2"
    return Explainer.demo(name, data_dir=data_dir, progress=False)


@pytest.mark.parametrize("label, kwargs", CASES, ids=[c[0] for c in CASES])
def test_every_input_ends_in_an_explanation_or_a_clear_error(explainer, label, kwargs):
    kwargs = {"text": "a fine film", "methods": CHEAP, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # truncation warnings are tested elsewhere
        try:
            e = explainer.explain(**kwargs)
        except ExplainError as err:
            message = str(err)
            assert len(message) < 600, f"{label}: {len(message)} characters"
            text = kwargs["text"]
            if isinstance(text, str) and len(text) > EXCERPT:
                assert text[: EXCERPT + 1] not in message
            return
    assert isinstance(e, Explanation)
    for method in e.methods:
        assert np.isfinite(e.scores(method, "token")).all(), (label, method)
    if isinstance(kwargs["text"], str) and kwargs.get("text_pair") is None:
        # no word of the text is lost: the words cover every visible character (the tokenizer's
        # normalizer may drop control and format characters, which are no part of a word)
        visible = lambda s: sorted(c for c in s if unicodedata.category(c)[0] not in "CZ")
        if not e.truncated_tokens:
            assert visible("".join(e.words).lower()) == visible(kwargs["text"].lower()), label


@pytest.mark.parametrize("text", ["this movie is 💩 , truly .", "这部电影 很好 ."])
def test_an_unknown_word_is_shown_scored_and_perturbed(hf_explainer, text):
    e = hf_explainer.explain(text, methods=["leave_one_out", "occlusion_zero", "saliency_l2"])
    unknown = [i for i, t in enumerate(e.tokens) if t == "[UNK]"]
    assert unknown, "the tokenizer has no piece for these characters"
    for i in unknown:
        assert not e.special_mask[i] and e.word_index[i] >= 0
        assert e.words[e.word_index[i]].strip() in text
        for method in ("leave_one_out", "occlusion_zero", "saliency_l2"):
            assert e.result(method).scores[i] != 0, method


def test_evaluate_takes_only_an_explanation_and_callables(hf_explainer):
    e = hf_explainer.explain("a fine film", methods=CHEAP)
    with pytest.raises(ExplainError, match="takes an Explanation"):
        hf_explainer.evaluate("a fine film")
    with pytest.raises(ExplainError, match="on_progress must be a function"):
        hf_explainer.evaluate(e, ["aopc"], on_progress=3)
    with pytest.raises(ExplainError, match="parameters of aopc must be a dict"):
        hf_explainer.evaluate(e, {"aopc": "k"})


@pytest.mark.parametrize("device", ["meta", "cuda:7", "tpu", 3.5])
def test_a_bad_device_leaves_the_callers_model_where_it_was(hf_model, tokenizer, device):
    before = {name: p.device for name, p in hf_model.named_parameters()}
    with pytest.raises(ExplainError, match="device|Device"):
        Explainer(hf_model, tokenizer, device=device)
    assert {name: p.device for name, p in hf_model.named_parameters()} == before
    assert Explainer(hf_model, tokenizer, device="cpu").predict("a fine film").shape == (3,)
