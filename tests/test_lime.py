"""LIME against cases with a known surrogate, an independent ridge solve, and leave-one-out."""

import math

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.methods.lime import weighted_ridge


def lime(explainer, text, target=0, **params):
    result = explainer.explain(text, methods={"lime": params}, target=target).result("lime")
    return result.scores, result.info


def test_same_seed_same_scores_other_seed_other_scores(hf_explainer):
    text = SENTENCES[0]
    first, info = lime(hf_explainer, text, samples=64, seed=3)
    again, _ = lime(hf_explainer, text, samples=64, seed=3)
    other, _ = lime(hf_explainer, text, samples=64, seed=4)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)
    assert info["samples"] == 64 and first[[0, -1]].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("arch", ARCHS)
def test_runs_on_every_word_model_deterministically(vocab, arch):
    explainer = Explainer(make_word_model(arch, vocab), vocab)
    first, info = lime(explainer, SENTENCES[2], samples=40, seed=1)
    again, _ = lime(explainer, SENTENCES[2], samples=40, seed=1)
    assert np.array_equal(first, again) and np.isfinite(first).all()
    assert np.isfinite(info["intercept"]) and info["r2"] <= 1


def test_mask_removal_needs_a_mask_token(vocab):
    explainer = Explainer(make_word_model("gru", vocab), vocab)
    with pytest.raises(ExplainError, match="no \\[MASK\\] token; use removal='unk'"):
        lime(explainer, SENTENCES[0], removal="mask")


@pytest.mark.parametrize("arch", ["bag", "gru", "bilstm_attention", "cnn"])
def test_two_words_deleted_give_the_interpolating_surrogate(vocab, arch):
    """With W = 2 the only samples are {a, b} (weight 1), {a}, {b} (weight e^{-(1-√½)²/σ²}) and
    {} (weight e^{-1/σ²} ≈ 1e-7): unpenalised, the surrogate passes through the first three."""
    model = make_word_model(arch, vocab)
    a, b = vocab.encode("gorgeous witty")

    def f(*ids):
        ids = torch.tensor([list(ids)])
        with torch.no_grad():
            return model(ids, torch.ones_like(ids, dtype=torch.bool))[0, 1].item()

    scores, info = lime(Explainer(model, vocab), "gorgeous witty", 1, samples=40, alpha=0.0)
    assert scores == pytest.approx([f(a, b) - f(b), f(a, b) - f(a)], abs=1e-5)
    assert info["intercept"] == pytest.approx(f(a) + f(b) - f(a, b), abs=1e-5)


def test_deleted_sub_word_tokens_batch_with_right_padding_on_a_transformer(
    hf_explainer, hf_model, tokenizer
):
    """The same identity on MiniLM, with each word split into several tokens: the padded samples
    must score like the shorter sequences run alone, and a word's score splits over its tokens."""
    text = "unwatchable glossiness"

    def f(words):
        with torch.no_grad():
            return hf_model(**tokenizer(words, return_tensors="pt")).logits[0, 2].item()

    e = hf_explainer.explain(text, methods={"lime": {"samples": 40, "alpha": 0.0}}, target=2)
    full, first, second = f(text), f("unwatchable"), f("glossiness")
    assert e.scores("lime") == pytest.approx([full - second, full - first], abs=1e-4)
    tokens = e.scores("lime", level="token")
    for word in range(2):
        own = tokens[e.word_index == word]
        assert len(own) > 1 and np.allclose(own, own[0])
    assert tokens[e.special_mask].tolist() == [0.0, 0.0]


def test_an_additive_model_is_recovered_exactly(vocab):
    """With [UNK] replacement the bag model is exactly linear in z: S(z) = c + Σ_i z_i β_i with
    β_i = (W_t · (e_i − e_unk)) / n, so the unpenalised surrogate is exact whatever the samples."""
    model = make_word_model("bag", vocab)
    text, target = SENTENCES[1], 1
    ids = torch.tensor(vocab.encode(text))
    with torch.no_grad():
        embeddings = model.embedding.weight
        direction = model.output.weight[target]
        beta = ((embeddings[ids] - embeddings[vocab.unk_id]) @ direction / len(ids)).double()
        all_unk = (embeddings[vocab.unk_id] @ direction + model.output.bias[target]).item()
    scores, info = lime(Explainer(model, vocab), text, target, removal="unk", alpha=0.0)
    np.testing.assert_allclose(scores, beta.numpy(), atol=1e-5)
    assert info["intercept"] == pytest.approx(all_unk, abs=1e-5)
    assert info["r2"] == pytest.approx(1.0, abs=1e-6)


def test_weighted_ridge_equals_the_normal_equations_with_an_unpenalised_intercept():
    rng = np.random.default_rng(0)
    z = rng.integers(0, 2, size=(50, 6)).astype(float)
    y = z @ rng.normal(size=6) + rng.normal(size=50)
    weights, alpha = rng.uniform(0.1, 1, size=50), 0.7
    design = np.hstack([z, np.ones((50, 1))])
    penalty = np.diag([alpha] * 6 + [0.0])
    solution = np.linalg.solve(
        design.T @ (weights[:, None] * design) + penalty, design.T @ (weights * y)
    )
    coefficients, intercept, r2 = weighted_ridge(z, y, weights, alpha)
    np.testing.assert_allclose(coefficients, solution[:6], atol=1e-10)
    assert intercept == pytest.approx(solution[6], abs=1e-10)
    mean = np.average(y, weights=weights)
    residual = y - design @ solution
    expected_r2 = 1 - np.average(residual**2, weights=weights) / np.average(
        (y - mean) ** 2, weights=weights
    )
    assert r2 == pytest.approx(expected_r2, abs=1e-10)


def ranks(x):
    return np.argsort(np.argsort(x))


@pytest.mark.parametrize("text", SENTENCES)
def test_on_a_bag_model_lime_ranks_the_words_like_leave_one_out(vocab, text):
    """Deleting a word from a mean of embeddings is nearly additive, so the surrogate's words
    follow leave-one-out: same order (Spearman) and near-proportional values (Pearson)."""
    explainer = Explainer(make_word_model("bag", vocab, seed=1), vocab)
    e = explainer.explain(text, methods={"lime": {"samples": 2000}, "leave_one_out": {}}, target=0)
    lime_scores, loo = e.scores("lime"), e.scores("leave_one_out")
    assert np.corrcoef(ranks(lime_scores), ranks(loo))[0, 1] > 0.95
    assert np.corrcoef(lime_scores, loo)[0, 1] > 0.99
    assert np.argmax(np.abs(lime_scores)) == np.argmax(np.abs(loo))


def test_forward_passes_are_batched(vocab):
    model = make_word_model("gru", vocab)
    passes = []
    hook = model.output.register_forward_hook(lambda *_: passes.append(1))
    try:
        explainer = Explainer(model, vocab, batch_size=16)
        _, info = lime(explainer, SENTENCES[1], samples=50)
    finally:
        hook.remove()
    assert info["forward_passes"] == math.ceil(50 / 16) == len(passes) - 1  # 1: the input's pass
