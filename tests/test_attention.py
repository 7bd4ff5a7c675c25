"""The attention method against attention recomputed by hand from the models' own weights."""

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.methods import get_method

TEXT = SENTENCES[1]


@pytest.fixture(scope="module")
def reference_attention(hf_model, tokenizer):
    """(layers, heads, L, L): softmax(Q Kᵀ / √d) of every layer, from its query and key weights
    applied to the hidden states the (unchanged, sdpa) model outputs."""
    ids = tokenizer(TEXT, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        hidden = hf_model(input_ids=ids, output_hidden_states=True).hidden_states
        heads = hf_model.config.num_attention_heads
        layers = []
        for layer, states in zip(hf_model.bert.encoder.layer, hidden):
            attention = layer.attention.self
            q = attention.query(states[0]).reshape(ids.shape[1], heads, -1).transpose(0, 1)
            k = attention.key(states[0]).reshape(ids.shape[1], heads, -1).transpose(0, 1)
            layers.append(torch.softmax(q @ k.transpose(1, 2) / q.shape[-1] ** 0.5, dim=-1))
    return torch.stack(layers).double().numpy()


def attention_scores(explainer, text=TEXT, **params):
    result = explainer.explain(text, methods={"attention": params}, target=0).result("attention")
    return result.scores, result.info


def test_raw_heads_equal_attention_recomputed_from_queries_and_keys(
    hf_explainer, reference_attention
):
    layers, heads = reference_attention.shape[:2]
    for layer, head in [(0, 0), (2, 7), (layers - 1, heads - 1)]:
        scores, info = attention_scores(hf_explainer, mode="raw", layer=layer, head=head)
        np.testing.assert_allclose(scores, reference_attention[layer, head, 0], atol=1e-5)
        assert (info["layer"], info["head"], info["layers"], info["heads"]) == (
            layer,
            head,
            layers,
            heads,
        )
    scores, info = attention_scores(hf_explainer, mode="raw", layer=-2, head=3)
    np.testing.assert_allclose(scores, reference_attention[layers - 2, 3, 0], atol=1e-5)
    assert info["layer"] == layers - 2


def test_mean_heads_is_the_mean_of_the_raw_heads(hf_explainer, reference_attention):
    heads = reference_attention.shape[1]
    raw = [attention_scores(hf_explainer, mode="raw", layer=1, head=h)[0] for h in range(heads)]
    mean, info = attention_scores(hf_explainer, mode="mean_heads", layer=1)
    np.testing.assert_allclose(mean, np.mean(raw, axis=0), atol=1e-6)
    assert info["head"] is None and info["normalizer"] == "softmax"
    assert info["special_tokens_weight"] == pytest.approx(mean[[0, -1]].sum())


@pytest.mark.parametrize("layer", [-1, 2])
def test_rollout_equals_a_direct_product_of_residual_attention(
    hf_explainer, reference_attention, layer
):
    length = reference_attention.shape[-1]
    last = layer % reference_attention.shape[0]
    flow = np.eye(length)
    for attention in reference_attention[: last + 1]:
        residual = (attention.mean(axis=0) + np.eye(length)) / 2  # rows already sum to 1
        flow = residual @ flow
    scores, info = attention_scores(hf_explainer, mode="rollout", layer=layer)
    np.testing.assert_allclose(scores, flow[0], atol=1e-5)
    assert scores.sum() == pytest.approx(1.0) and info["layer"] == last


def test_the_users_model_is_left_as_it_was(hf_explainer, hf_model, tokenizer):
    enc = tokenizer(SENTENCES[0], return_tensors="pt")
    with torch.no_grad():
        before = hf_model(**enc).logits
    implementation = hf_model.config._attn_implementation
    for mode in ("raw", "rollout"):
        attention_scores(hf_explainer, mode=mode)
    assert hf_model.config._attn_implementation == implementation != "eager"
    assert {m.config._attn_implementation for m in hf_model.modules() if hasattr(m, "config")} == {
        implementation
    }
    assert not hf_model.config.output_attentions and not hf_model.training
    with torch.no_grad():
        assert torch.equal(hf_model(**enc).logits, before)


@pytest.mark.parametrize("params", [{"layer": 6}, {"layer": -7}, {"mode": "raw", "head": 12}])
def test_a_layer_or_head_outside_the_model_names_the_valid_range(hf_explainer, params):
    name = "head" if "head" in params else "layer"
    count = 12 if name == "head" else 6
    with pytest.raises(ExplainError, match=rf"{name} must be in \[-{count}, {count - 1}\]"):
        attention_scores(hf_explainer, **params)


def test_bilstm_scores_are_the_classifiers_attention_distribution(vocab):
    model = make_word_model("bilstm_attention", vocab)
    ids = torch.tensor([vocab.encode(TEXT)])
    with torch.no_grad():
        _, weights = model(ids, torch.ones_like(ids, dtype=torch.bool), return_attention=True)
    explainer = Explainer(model, vocab)
    for mode in ("mean_heads", "raw"):
        scores, info = attention_scores(explainer, mode=mode)
        np.testing.assert_allclose(scores, weights[0].double().numpy(), atol=1e-7)
        assert (info["layers"], info["heads"], info["normalizer"]) == (1, 1, "softmax")
    assert scores.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "options", [{"attention": "sparsemax"}, {"attention": "sparsegen", "sparsegen_lambda": 0.6}]
)
def test_sparse_attention_gives_exact_zeros_and_names_its_normalizer(vocab, options):
    model = make_word_model("bilstm_attention", vocab, **options)
    with torch.no_grad():  # sharpen the attention scores so that the seeded model is sparse
        model.encoder.attention.score.weight.mul_(20)
    ids = torch.tensor([vocab.encode(TEXT)])
    with torch.no_grad():
        _, weights = model(ids, torch.ones_like(ids, dtype=torch.bool), return_attention=True)
    scores, info = attention_scores(Explainer(model, vocab))
    np.testing.assert_allclose(scores, weights[0].double().numpy(), atol=1e-7)
    zeros = int((weights[0] == 0).sum())
    assert 0 < zeros < len(scores) - 1
    assert info["zero_weights"] == zeros == int((scores == 0).sum())
    assert info["normalizer"] == options["attention"]
    assert info.get("sparsegen_lambda") == options.get("sparsegen_lambda")


def test_bilstm_refuses_rollout_and_layers_it_does_not_have(vocab):
    explainer = Explainer(make_word_model("bilstm_attention", vocab), vocab)
    with pytest.raises(ExplainError, match="rollout needs self-attention"):
        attention_scores(explainer, mode="rollout")
    with pytest.raises(ExplainError, match=r"1 layers, so layer must be in \[-1, 0\]"):
        attention_scores(explainer, layer=1)


@pytest.mark.parametrize("arch", [a for a in ARCHS if a != "bilstm_attention"])
def test_models_without_attention_refuse_the_method_by_name(vocab, arch):
    explainer = Explainer(make_word_model(arch, vocab), vocab)
    assert "attention" not in explainer.supported_methods()
    with pytest.raises(ExplainError, match="^attention needs attention"):
        explainer.explain(TEXT, methods=["attention"])


def test_metadata_flags_attention_as_not_faithful(hf_explainer):
    meta = get_method("attention").metadata()
    assert meta["faithful"] is False and meta["signed"] is False
    assert "Not a faithful attribution" in meta["description"]
    assert "Jain & Wallace 2019" in meta["description"]
    assert "attention" in hf_explainer.supported_methods()
