"""``explain_many``: texts of similar length share their forward pass and its backward, and
each text's explanation is the one ``explain`` gives it alone, on every Hugging Face family
(right-padded encoders, left-padded decoders, T5's and BART's hooked feed) and on our own
recurrent models; the shared pass runs once per batch, not once per text."""

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model
from model_zoo import FAMILIES, build_model, tokenizer_for

from notebook_explain import Explainer, ExplainError, Explanations

TEXTS = [
    "a gorgeous , witty movie .",
    "the plot is dull .",
    "it 's not a bad film , but it is not good either .",
    "wooden .",
    "the acting is superb , but the plot is a dull mess .",
]
METHODS = {"signed_grad_input": {}, "saliency_l2": {}, "integrated_gradients": {"steps": 8}}


def cauchy_schwarz_bound(ex, text, pair, alone) -> float:
    """max_i ‖∂S/∂e_i‖·‖e_i‖, which bounds |gradient · input| and sets the scale of its float
    error: a random model's dot products can cancel to far below it."""
    with torch.no_grad():
        norms = ex.adapter.embed(ex.adapter.encode(text, pair).input_ids)[0].norm(dim=-1)
    return float((torch.as_tensor(alone.scores("saliency_l2", "token")) * norms).max())


def assert_same_as_one_at_a_time(ex, texts, methods=METHODS, **kwargs):
    many = ex.explain_many(texts, methods=methods, progress=False, **kwargs)
    assert isinstance(many, Explanations) and [e.text for e in many] == list(texts)
    pair_kwargs = dict(kwargs)
    pairs = pair_kwargs.pop("text_pairs", [None] * len(texts))
    for text, pair, batched in zip(texts, pairs, many):
        alone = ex.explain(
            text, methods={**methods, "saliency_l2": {}}, text_pair=pair, **pair_kwargs
        )
        np.testing.assert_allclose(batched.probabilities, alone.probabilities, atol=1e-5)
        assert batched.target == alone.target
        for name in methods:
            expected = alone.scores(name, "token")
            scale = max(np.abs(expected).max(), 1e-6)
            if name == "signed_grad_input":
                scale = max(scale, cauchy_schwarz_bound(ex, text, pair, alone))
            np.testing.assert_allclose(
                batched.scores(name, "token") / scale, expected / scale, atol=1e-4, err_msg=name
            )
    return many


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_batched_equals_one_at_a_time(family, sst_corpus, tokenizer):
    tok = tokenizer_for(family, sst_corpus, tokenizer)
    ex = Explainer(build_model(family, tok), tok, device="cpu")
    assert_same_as_one_at_a_time(ex, TEXTS)


@pytest.mark.parametrize("arch", ARCHS)
def test_our_models_batched_equal_one_at_a_time(arch, vocab):
    ex = Explainer(make_word_model(arch, vocab), vocab, device="cpu")
    assert_same_as_one_at_a_time(ex, SENTENCES + ["a movie ."])


def test_pairs_a_fixed_target_and_a_contrast_batch_too(hf_explainer):
    pairs = ["the movie is boring .", "a fine film .", "i liked it a lot , really ."]
    assert_same_as_one_at_a_time(hf_explainer, TEXTS[:3], text_pairs=pairs, target=0)
    assert_same_as_one_at_a_time(
        hf_explainer, TEXTS, methods={"signed_grad_input": {}}, target=1, contrast=0
    )


def count_forward_passes(ex):
    calls = []
    logits = ex.adapter.logits

    def counted(embeddings, *args):
        calls.append(len(embeddings))
        return logits(embeddings, *args)

    ex.adapter.logits = counted
    return calls


def test_the_gradient_family_costs_one_pass_per_batch_not_per_text(hf_model, tokenizer):
    ex = Explainer(hf_model, tokenizer, device="cpu", batch_size=2)
    calls = count_forward_passes(ex)
    ex.explain_many(TEXTS, methods=["signed_grad_input", "saliency_l1"], progress=False)
    assert calls == [2, 2, 1]  # five texts, two per batch
    calls.clear()
    for text in TEXTS:
        ex.explain(text, methods=["signed_grad_input", "saliency_l1"])
    assert calls == [1] * 5


def test_the_token_budget_splits_batches_by_length(hf_model, tokenizer):
    ex = Explainer(hf_model, tokenizer, device="cpu", max_batch_tokens=40)
    calls = count_forward_passes(ex)
    many = ex.explain_many(TEXTS, methods=["signed_grad_input"], progress=False)
    lengths = sorted(len(e.tokens) for e in many)
    assert sum(calls) == len(TEXTS) and len(calls) > 1
    start = 0
    for size in calls:  # each batch: ascending lengths, its longest times its size in budget
        assert size * lengths[start + size - 1] <= 40 or size == 1
        start += size


def test_bad_input_is_named_before_anything_is_computed(hf_explainer):
    with pytest.raises(ExplainError, match="text 2: .*empty"):
        hf_explainer.explain_many(["a film .", "fine .", "   "], progress=False)
    with pytest.raises(ExplainError, match="list of texts"):
        hf_explainer.explain_many("a film .", progress=False)
    with pytest.raises(ExplainError, match=r"one text per text \(2\); got 1"):
        hf_explainer.explain_many(["a .", "b ."], text_pairs=["c ."], progress=False)
    with pytest.raises(ExplainError, match="no_such_method"):
        hf_explainer.explain_many(["a film ."], methods=["no_such_method"], progress=False)


def test_to_pandas_is_one_long_table(hf_explainer):
    pytest.importorskip("pandas")
    many = hf_explainer.explain_many(TEXTS[:3], methods=["signed_grad_input"], progress=False)
    table = many.to_pandas()
    assert len(table) == sum(len(e.words) for e in many)
    assert list(table.columns) == [
        "text",
        "position",
        "word",
        "predicted",
        "target",
        "signed_grad_input",
    ]
    for i, e in enumerate(many):
        rows = table[table.text == i]
        assert list(rows.word) == list(e.words)
        np.testing.assert_array_equal(rows.signed_grad_input, e.scores("signed_grad_input"))
        assert set(rows.predicted) == {e.prediction.label}
