"""lrp and deeplift: rewritten forwards, conservation, analytic identities, Captum, errors.

Conservation is the check that no nonlinear op escapes the rule: an op left to plain autograd
breaks DeepLIFT's summation-to-delta, and LRP's (ε = 0, no biases) sum-to-logit, by far more than
the tolerances here.
"""

import copy

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.propagation import EpsilonRule, RescaleRule
from notebook_explain.propagation.word import rule_logits as word_rule_logits

# every word architecture, plus the sparse attention normalisers
WORD_MODELS = [(arch, {}) for arch in ARCHS] + [
    ("bilstm_attention", {"attention": "sparsemax"}),
    ("bilstm_attention", {"attention": "sparsegen"}),
]
WORD_IDS = [arch + "-" + "-".join(options.values()) for arch, options in WORD_MODELS]


def word_model(arch, vocab, **options):
    """The seeded conftest model; attention sharpened so sparsemax's support really varies."""
    model = make_word_model(arch, vocab, **options)
    if arch == "bilstm_attention":
        with torch.no_grad():
            model.encoder.attention.score.weight.mul_(30)
    return model


def padded_batch(model, vocab):
    """Embeddings (2, L, D) and right-padding mask of two sentences of different lengths."""
    ids = [vocab.encode(s) for s in SENTENCES[:2]]
    length = max(map(len, ids))
    ids = torch.tensor([row + [vocab.pad_id] * (length - len(row)) for row in ids])
    mask = torch.arange(length) < torch.tensor([[len(vocab.encode(s))] for s in SENTENCES[:2]])
    with torch.no_grad():
        return model.embedding(ids), mask


def relative_error(value, expected):
    return abs(value - expected) / max(abs(expected), 1e-12)


def zero_sources(model, names=("bias",)):
    """A copy whose biases (and other parameters named in ``names``) are zero."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if any(part in name for part in names):
                parameter.zero_()
    return model


def source_relevance(adapter, embeddings, mask, types, target, names=("bias",)):
    """Σ θ · ∂S/∂θ over the parameters named in ``names``, through the LRP (ε = 0) forward."""
    sources = [p for n, p in adapter.model.named_parameters() if any(k in n for k in names)]
    for p in sources:
        p.requires_grad_(True)
    logit = adapter.propagation_logits(embeddings, mask, types, EpsilonRule(0.0))[0, target]
    grads = torch.autograd.grad(logit, sources, allow_unused=True)
    return sum(float((p * g).sum().detach()) for p, g in zip(sources, grads) if g is not None)


# --------------------------------------------------------------------------- rewritten forwards
@pytest.mark.parametrize("arch, options", WORD_MODELS, ids=WORD_IDS)
def test_rule_forwards_reproduce_word_model_logits(vocab, arch, options):
    model = word_model(arch, vocab, **options)
    x, mask = padded_batch(model, vocab)
    reference = torch.randn_like(x)
    with torch.no_grad():
        expected = model.forward_embeddings(x, mask)
        expected_reference = model.forward_embeddings(reference, mask)
        lrp = word_rule_logits(model, x, mask, EpsilonRule(0.1))
        paired = word_rule_logits(
            model, torch.cat([x, reference]), torch.cat([mask, mask]), RescaleRule(2)
        )
    torch.testing.assert_close(lrp, expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(paired[:2], expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(paired[2:], expected_reference, atol=1e-6, rtol=1e-5)


def test_word_adapter_scores_an_empty_row_like_its_logits(vocab):
    adapter = Explainer(word_model("lstm", vocab), vocab, device="cpu").adapter
    x, mask = padded_batch(adapter.model, vocab)
    mask[1] = False  # every token of the second row removed
    with torch.no_grad():
        expected = adapter.logits(x, mask)
        ours = adapter.propagation_logits(x, mask, None, EpsilonRule())
    torch.testing.assert_close(ours, expected, atol=1e-6, rtol=1e-5)


def test_rule_forwards_reproduce_minilm_logits_and_restore_the_model(
    hf_model, tokenizer, hf_explainer
):
    enc = tokenizer(SENTENCES[:2], [SENTENCES[2], "fine ."], return_tensors="pt", padding=True)
    assert not enc["attention_mask"].all()  # the padded path of the attention mask is covered
    x = hf_model.get_input_embeddings()(enc["input_ids"]).detach()
    reference = torch.zeros_like(x)
    mask, types = enc["attention_mask"], enc["token_type_ids"]
    rule_logits = hf_explainer.adapter.propagation_logits
    implementation = hf_model.config._attn_implementation
    hooks = {name: dict(m._forward_hooks) for name, m in hf_model.named_modules()}
    with torch.no_grad():
        expected = hf_model(inputs_embeds=x, attention_mask=mask, token_type_ids=types).logits
        expected_reference = hf_model(
            inputs_embeds=reference, attention_mask=mask, token_type_ids=types
        ).logits
        lrp = rule_logits(x, mask, types, EpsilonRule(0.1))
        paired = rule_logits(
            torch.cat([x, reference]),
            mask.repeat(2, 1),
            types.repeat(2, 1),
            RescaleRule(2),
        )
    torch.testing.assert_close(lrp, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(paired[:2], expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(paired[2:], expected_reference, atol=1e-5, rtol=1e-5)
    assert hf_model.config._attn_implementation == implementation
    # no hook of ours is left behind (transformers may keep its own output-recording hooks)
    assert {name: dict(m._forward_hooks) for name, m in hf_model.named_modules()} == hooks


# --------------------------------------------------------------------------- DeepLIFT
@pytest.mark.parametrize("arch, options", WORD_MODELS, ids=WORD_IDS)
def test_deeplift_sums_to_the_logit_difference_on_word_models(vocab, arch, options):
    model = word_model(arch, vocab, **options)
    e = Explainer(model, vocab).explain(SENTENCES[1], methods=["deeplift"], target=1)
    ids = torch.tensor([vocab.encode(SENTENCES[1])])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        x = model.embedding(ids)
        difference = (
            model.forward_embeddings(x, mask) - model.forward_embeddings(torch.zeros_like(x), mask)
        )[0, 1].item()
    total = e.scores("deeplift", level="token").sum()
    assert relative_error(total, difference) < 1e-4
    assert abs(difference) > 1e-3  # not a comparison of two near-zero numbers
    info = e.result("deeplift").info
    assert abs(info["summation_gap"]) < 1e-4 * abs(difference)


@pytest.mark.parametrize("arch, options", WORD_MODELS, ids=WORD_IDS)
def test_deeplift_is_exact_on_padded_batches_with_random_references(vocab, arch, options):
    model = word_model(arch, vocab, **options)
    x, mask = padded_batch(model, vocab)
    torch.manual_seed(1)
    reference = torch.randn_like(x)
    rows = torch.cat([x, reference]).requires_grad_(True)
    logits = word_rule_logits(model, rows, torch.cat([mask, mask]), RescaleRule(2))[:, 0]
    (grad,) = torch.autograd.grad(logits[:2].sum(), rows)
    contributions = ((x - reference) * grad[:2] * mask[..., None]).sum(dim=(1, 2))
    with torch.no_grad():
        difference = (
            model.forward_embeddings(x, mask) - model.forward_embeddings(reference, mask)
        )[:, 0]
    torch.testing.assert_close(contributions, difference, atol=1e-6, rtol=1e-4)
    assert difference.abs().min() > 1e-3


@pytest.mark.parametrize(
    "baseline, text_pair", [("zero", None), ("pad", None), ("mask", None), ("zero", "fine .")]
)
def test_deeplift_sums_to_the_logit_difference_on_minilm(
    hf_explainer, hf_model, tokenizer, baseline, text_pair
):
    text, target = SENTENCES[1], 0
    e = hf_explainer.explain(
        text, text_pair=text_pair, methods={"deeplift": {"baseline": baseline}}, target=target
    )
    enc = tokenizer(text, text_pair, return_tensors="pt")
    x = hf_model.get_input_embeddings()(enc["input_ids"]).detach()
    special = torch.tensor(
        tokenizer.get_special_tokens_mask(
            enc["input_ids"][0].tolist(), already_has_special_tokens=True
        )
    ).bool()[None, :, None]
    replacement = {"zero": None, "pad": tokenizer.pad_token_id, "mask": tokenizer.mask_token_id}
    if replacement[baseline] is None:
        reference = torch.where(special, x, 0.0)
    else:
        token = hf_model.get_input_embeddings().weight[replacement[baseline]].detach()
        reference = torch.where(special, x, token)
    with torch.no_grad():
        kwargs = {"attention_mask": enc["attention_mask"], "token_type_ids": enc["token_type_ids"]}
        difference = (
            hf_model(inputs_embeds=x, **kwargs).logits[0, target]
            - hf_model(inputs_embeds=reference, **kwargs).logits[0, target]
        ).item()
    scores = e.scores("deeplift", level="token")
    assert relative_error(scores.sum(), difference) < 1e-4
    assert abs(difference) > 1e-2
    assert np.all(scores[e.special_mask] == 0)  # special tokens are their own reference


# --------------------------------------------------------------------------- LRP
@pytest.mark.parametrize("arch, options", WORD_MODELS, ids=WORD_IDS)
def test_lrp_conserves_the_logit_on_word_models(vocab, arch, options):
    """Without biases and at ε = 0 the relevances sum to the logit; with biases, what they miss
    is exactly the biases' relevance Σ b · ∂S/∂b."""
    model = word_model(arch, vocab, **options)
    ids = torch.tensor([vocab.encode(SENTENCES[2])])
    mask = torch.ones_like(ids, dtype=torch.bool)
    lrp = {"lrp": {"epsilon": 0.0}}

    unbiased = zero_sources(model)
    e = Explainer(unbiased, vocab).explain(SENTENCES[2], methods=lrp, target=0)
    with torch.no_grad():
        logit = unbiased.forward_embeddings(unbiased.embedding(ids), mask)[0, 0].item()
    assert relative_error(e.scores("lrp").sum(), logit) < 1e-4
    assert abs(logit) > 1e-3

    explainer = Explainer(model, vocab)
    info = explainer.explain(SENTENCES[2], methods=lrp, target=0).result("lrp").info
    with torch.no_grad():
        x = model.embedding(ids)
    bias_relevance = source_relevance(explainer.adapter, x, mask, None, 0)
    assert relative_error(info["unexplained"], bias_relevance) < 1e-3
    assert abs(bias_relevance) > 1e-3


BERT_SOURCES = ("bias", "position_embeddings", "token_type_embeddings")  # bias: Linear and LN β


def test_lrp_conserves_the_logit_on_minilm(hf_model, tokenizer, hf_explainer):
    text, target = SENTENCES[0], 2
    unbiased = zero_sources(hf_model, BERT_SOURCES)
    e = Explainer(unbiased, tokenizer, device="cpu").explain(
        text, methods={"lrp": {"epsilon": 0.0}}, target=target
    )
    enc = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        logit = unbiased(**enc).logits[0, target].item()
    assert relative_error(e.scores("lrp", level="token").sum(), logit) < 1e-4
    assert abs(logit) > 1e-2

    info = (
        hf_explainer.explain(text, methods={"lrp": {"epsilon": 0.0}}, target=target)
        .result("lrp")
        .info
    )
    x = hf_model.get_input_embeddings()(enc["input_ids"]).detach()
    adapter = hf_explainer.adapter
    source = source_relevance(
        adapter, x, enc["attention_mask"], enc["token_type_ids"], target, BERT_SOURCES
    )
    assert relative_error(info["unexplained"], source) < 1e-3
    assert relative_error(info["target_logit"], hf_model(**enc).logits[0, target].item()) < 1e-5


def test_lrp_epsilon_absorbs_relevance(vocab):
    model = zero_sources(word_model("gru", vocab))
    explainer = Explainer(model, vocab)
    infos = [
        explainer.explain(SENTENCES[1], methods={"lrp": {"epsilon": eps}}, target=1)
        .result("lrp")
        .info
        for eps in (0.0, 0.5)
    ]
    assert abs(infos[0]["unexplained"]) < 1e-6
    assert abs(infos[1]["unexplained"]) > 1e-3


# --------------------------------------------------------------------------- bag: linear model
def test_on_a_bag_model_lrp_is_gradient_times_input_and_deeplift_is_the_linear_difference(vocab):
    """logit_y = W_y · mean(e) + b, so ∂logit_y/∂e_i = W_y / L."""
    model = zero_sources(word_model("bag", vocab))
    explainer = Explainer(model, vocab)
    e = explainer.explain(
        SENTENCES[0],
        methods={
            "lrp": {"epsilon": 0.0},
            "deeplift": {"baseline": "zero"},
            "signed_grad_input": {},
        },
        target=1,
    )
    with torch.no_grad():
        x = model.embedding(torch.tensor(vocab.encode(SENTENCES[0])))
        weight = model.output.weight[1] / x.shape[0]
    analytic = (x @ weight).double().numpy()  # baseline zero: (x − 0) · W_y / L
    np.testing.assert_allclose(e.scores("lrp"), analytic, atol=1e-7)
    np.testing.assert_allclose(e.scores("deeplift"), analytic, atol=1e-7)
    np.testing.assert_allclose(e.scores("lrp"), e.scores("signed_grad_input"), atol=1e-7)
    assert np.abs(analytic).max() > 1e-3


# --------------------------------------------------------------------------- Captum
@pytest.mark.filterwarnings("ignore::UserWarning")  # Captum announces its hooks
def test_rules_agree_with_captum_on_a_small_network():
    """Captum's DeepLift (rescale) and LRP (ε at every Linear, identity through the activations)
    on an nn.Sequential, against our rules written as unary ops on the same layers.

    The project's CNN and RNNs cannot be compared this way: Captum finds nonlinearities only as
    nn.ReLU/nn.Tanh/nn.MaxPool modules, while they use functional relu/amax and fused RNN kernels,
    which Captum would backpropagate as plain gradients.
    """
    captum_attr = pytest.importorskip("captum.attr")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
    ).eval()  # fmt: skip
    x, reference = torch.randn(4, 6), torch.randn(4, 6)

    def ours(rule, rows):
        hidden = rule.unary(torch.relu, net[2](rule.unary(torch.tanh, net[0](rows))))
        return net[4](hidden)

    rows = torch.cat([x, reference]).requires_grad_(True)
    (grad,) = torch.autograd.grad(ours(RescaleRule(4), rows)[:4, 2].sum(), rows)
    theirs = captum_attr.DeepLift(net).attribute(x, baselines=reference, target=2)
    torch.testing.assert_close((x - reference) * grad[:4], theirs, atol=1e-6, rtol=1e-5)

    inputs = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(ours(EpsilonRule(0.0), inputs)[:, 2].sum(), inputs)
    theirs = captum_attr.LRP(net).attribute(x, target=2)  # Captum's ε = 1e-9
    torch.testing.assert_close(x * grad, theirs, atol=1e-5, rtol=1e-4)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("method", ["lrp", "deeplift"])
def test_other_outputs_than_the_logit_are_refused(vocab, method):
    explainer = Explainer(word_model("cnn", vocab), vocab)
    with pytest.raises(ExplainError, match=r"logit.*output='logit'"):
        explainer.explain(SENTENCES[0], methods=[method], output="probability")


def test_a_model_without_propagation_rules_is_refused(tokenizer, vocab, hf_explainer):
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=tokenizer.vocab_size, dim=16, n_layers=1, n_heads=2, hidden_dim=32
    )
    explainer = Explainer(DistilBertForSequenceClassification(config), tokenizer, device="cpu")
    for method in ("lrp", "deeplift"):
        assert method in hf_explainer.supported_methods()
        assert method in Explainer(word_model("gru", vocab), vocab).supported_methods()
        assert method not in explainer.supported_methods()
        with pytest.raises(ExplainError, match=rf"{method} needs propagation"):
            explainer.explain(SENTENCES[0], methods=[method])


def test_deeplift_rule_needs_inputs_then_references():
    with pytest.raises(ExplainError, match="2 inputs followed by their 2 references, got 3"):
        RescaleRule(2).unary(torch.tanh, torch.zeros(3, 4))
