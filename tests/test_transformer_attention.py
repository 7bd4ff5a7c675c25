"""The ``transformer_attention`` word classifier: every supported method runs on it, its attention
distributions, its propagation rules, and the intermediate representations it attends over."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.methods import available_methods, get_method
from notebook_explain.models.base import ATTENTION, EMBEDDINGS, PROPAGATION, VOCABULARY
from notebook_explain.propagation import EpsilonRule, RescaleRule
from notebook_explain.propagation.word import rule_logits

NORMALIZERS = [
    {"attention": "softmax"},
    {"attention": "sparsemax"},
    {"attention": "sparsegen", "sparsegen_lambda": 0.6},
]
IDS = [options["attention"] for options in NORMALIZERS]
# cheap settings for the sampling methods; the rest run with their defaults
CHEAP = {
    "integrated_gradients": {"steps": 8},
    "lime": {"samples": 64},
    "marginalization": {"likelihood": "uniform"},
    "soc": {"likelihood": "uniform", "samples": 4, "radius": 2},
}


def transformer(vocab, sharpen=1.0, **options):
    """A tiny seeded model; ``sharpen`` scales the query and key weights (and the pooling query)
    so that the sparse normalizers really leave tokens out."""
    model = make_word_model(
        "transformer_attention", vocab, hidden_dim=16, layers=2, heads=2, ffn_dim=8, **options
    )
    with torch.no_grad():
        for layer in model.encoder.layers:
            layer.qkv.weight[: 2 * 16].mul_(sharpen)
        model.encoder.query.mul_(sharpen)
    return model


def padded_batch(model, vocab):
    """Embeddings (2, L, D) and right-padding mask of two sentences of different lengths."""
    ids = [vocab.encode(s) for s in SENTENCES[:2]]
    length = max(map(len, ids))
    mask = torch.arange(length) < torch.tensor([[len(row)] for row in ids])
    ids = torch.tensor([row + [vocab.pad_id] * (length - len(row)) for row in ids])
    with torch.no_grad():
        return model.embedding(ids), mask


@pytest.mark.parametrize("options", NORMALIZERS, ids=IDS)
def test_every_supported_method_explains_a_sentence(vocab, options):
    explainer = Explainer(transformer(vocab, **options), vocab)
    supported = explainer.supported_methods()
    capabilities = {EMBEDDINGS, PROPAGATION, ATTENTION, VOCABULARY}
    assert explainer.adapter.capabilities == capabilities
    assert supported == [m for m in available_methods() if get_method(m).requires <= capabilities]
    assert {"attention", "lrp", "deeplift"} <= set(supported) and "reat" not in supported
    text = SENTENCES[2]
    e = explainer.explain(text, methods={m: CHEAP.get(m, {}) for m in supported})
    assert list(e.methods) == supported
    for method in supported:
        scores = e.scores(method, "word")
        assert scores.shape == (len(vocab.tokenize(text)),) and np.isfinite(scores).all(), method
        assert np.abs(scores).sum() > 0, method


@pytest.mark.parametrize("options", NORMALIZERS, ids=IDS)
def test_attention_rows_are_distributions_over_the_valid_tokens(vocab, options):
    sparse = options["attention"] != "softmax"
    model = transformer(vocab, sharpen=8.0 if sparse else 1.0, **options)
    x, mask = padded_batch(model, vocab)
    pooling = Explainer(model, vocab).adapter.attentions(x, mask)
    assert pooling.shape == (2, 1, 1, 1, x.shape[1])
    _, self_attention = model.encoder.hidden_states(x, mask)
    assert [w.shape for w in self_attention] == [(2, 2, x.shape[1], x.shape[1])] * 2
    for weights in [pooling[:, 0]] + self_attention:  # (B, heads, queries, L)
        keys = mask[:, None, None, :].expand_as(weights)
        assert (weights >= 0).all() and (weights[~keys] == 0).all()
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))
        assert bool((weights[keys] == 0).any()) == sparse
    result = (
        Explainer(model, vocab).explain(SENTENCES[1], methods=["attention"]).result("attention")
    )
    assert result.scores.sum() == pytest.approx(1.0)
    assert result.info["normalizer"] == options["attention"]
    assert result.info.get("sparsegen_lambda") == options.get("sparsegen_lambda")


@pytest.mark.parametrize("options", NORMALIZERS, ids=IDS)
def test_rule_forwards_reproduce_the_logits_and_deeplift_is_exact(vocab, options):
    model = transformer(vocab, sharpen=8.0, **options)
    x, mask = padded_batch(model, vocab)
    torch.manual_seed(1)
    reference = torch.randn_like(x)
    with torch.no_grad():
        expected = model.forward_embeddings(x, mask)
        expected_reference = model.forward_embeddings(reference, mask)
        lrp = rule_logits(model, x, mask, EpsilonRule(0.1))
    torch.testing.assert_close(lrp, expected, atol=1e-6, rtol=1e-5)
    rows = torch.cat([x, reference]).requires_grad_(True)
    paired = rule_logits(model, rows, torch.cat([mask, mask]), RescaleRule(2))
    torch.testing.assert_close(paired[2:].detach(), expected_reference, atol=1e-6, rtol=1e-5)
    (grad,) = torch.autograd.grad(paired[:2, 0].sum(), rows)
    contributions = ((x - reference) * grad[:2] * mask[..., None]).sum(dim=(1, 2))
    difference = (expected - expected_reference)[:, 0]
    torch.testing.assert_close(contributions, difference, atol=1e-6, rtol=1e-4)
    assert difference.abs().min() > 1e-3


@pytest.mark.parametrize("arch", ["bilstm_attention", "transformer_attention"])
def test_the_classifier_attends_over_attended_states(vocab, arch):
    """logits = output(Σ_i α_i h_i) with h = ``attended_states`` and α the attention returned."""
    model = make_word_model(arch, vocab) if arch == "bilstm_attention" else transformer(vocab)
    x, mask = padded_batch(model, vocab)
    with torch.no_grad():
        logits, weights = model.forward_embeddings(x, mask, return_attention=True)
        states = model.attended_states(x, mask)
        context = torch.einsum("bl,blh->bh", weights, states)
    torch.testing.assert_close(model.output(context), logits, atol=1e-6, rtol=1e-5)
    assert states.shape[:2] == mask.shape


def test_bad_widths_and_models_without_attention_are_refused(vocab):
    for width, heads in [(10, 4), (9, 3)]:
        with pytest.raises(ExplainError, match="even hidden_dim that is a multiple of heads"):
            make_word_model("transformer_attention", vocab, hidden_dim=width, heads=heads)
    model = make_word_model("bilstm", vocab)
    x, mask = padded_batch(model, vocab)
    with pytest.raises(ExplainError, match="attended_states needs an attention model"):
        model.attended_states(x, mask)
