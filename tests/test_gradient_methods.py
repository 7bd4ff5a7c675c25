"""Gradient-family methods against hand-computed gradients and analytic identities."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer

GRADIENT_METHODS = [
    "saliency_l1",
    "saliency_l2",
    "saliency_linf",
    "saliency_sum",
    "grad_input",
    "signed_grad_input",
]


def hand_gradient(model, tokenizer, text, target):
    """∂ logit_target / ∂ word embeddings, computed directly with autograd on the raw model."""
    enc = tokenizer(text, return_tensors="pt")
    emb = model.get_input_embeddings()(enc["input_ids"]).detach().requires_grad_(True)
    logit = model(
        inputs_embeds=emb,
        attention_mask=enc["attention_mask"],
        token_type_ids=enc["token_type_ids"],
    ).logits
    logit[0, target].backward()
    return emb.grad[0].numpy(), emb[0].detach().numpy()


def test_saliency_and_grad_input_match_hand_gradient(hf_explainer, hf_model, tokenizer):
    text = SENTENCES[1]
    e = hf_explainer.explain(text, methods=GRADIENT_METHODS, target=2)
    g, x = hand_gradient(hf_model, tokenizer, text, 2)
    expected = {
        "saliency_l1": np.abs(g).sum(-1),
        "saliency_l2": np.linalg.norm(g, axis=-1),
        "saliency_linf": np.abs(g).max(-1),
        "saliency_sum": g.sum(-1),
        "grad_input": np.abs((g * x).sum(-1)),
        "signed_grad_input": (g * x).sum(-1),
    }
    for name, want in expected.items():
        np.testing.assert_allclose(
            e.scores(name, level="token"), want, rtol=1e-4, atol=1e-6, err_msg=name
        )


def test_one_backward_pass_serves_all_gradient_methods(hf_model, tokenizer):
    calls = []
    explainer = Explainer(hf_model, tokenizer)  # its padding probe runs here, not in explain
    handle = hf_model.register_forward_hook(
        lambda module, args, kwargs_out: calls.append(torch.is_grad_enabled())
    )
    try:
        explainer.explain(SENTENCES[0], methods=GRADIENT_METHODS)
    finally:
        handle.remove()
    # one forward pass, with autograd on, gives the prediction and the gradient all six methods share
    assert calls == [True], calls


def test_signed_grad_input_is_exact_contribution_on_linear_bag_model(vocab):
    """For logits = W·mean(e) + b, token i contributes exactly W_y·e_i / n to logit_y."""
    model = make_word_model("bag", vocab)
    text = SENTENCES[2]
    e = Explainer(model, vocab, class_names=["neg", "pos"]).explain(
        text, methods=["signed_grad_input"], target=1
    )
    ids = torch.tensor(vocab.encode(text))
    emb = model.embedding.weight[ids].detach().numpy()
    weight = model.output.weight[1].detach().numpy()
    np.testing.assert_allclose(
        e.scores("signed_grad_input", level="token"), emb @ weight / len(ids), rtol=1e-5, atol=1e-7
    )
    # and the contributions plus the bias rebuild the logit exactly
    logit = model(ids[None], torch.ones(1, len(ids), dtype=torch.bool))[0, 1].item()
    assert e.scores("signed_grad_input").sum() + model.output.bias[1].item() == pytest.approx(
        logit, abs=1e-5
    )


def test_target_switch_flips_log_odds_attributions(hf_model, tokenizer):
    """With two classes, log-odds(class 0) = −log-odds(class 1), so every signed score flips sign."""
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(1)
    binary = AutoModelForSequenceClassification.from_pretrained(
        hf_model.config._name_or_path, num_labels=2
    )
    ex = Explainer(binary, tokenizer, class_names=["neg", "pos"])
    methods = ["signed_grad_input", "integrated_gradients", "leave_one_out"]
    pos = ex.explain(SENTENCES[0], methods=methods, target="pos", output="log_odds")
    neg = ex.explain(SENTENCES[0], methods=methods, target=0, output="log_odds")
    assert (pos.target, neg.target) == (1, 0)
    for m in methods:
        np.testing.assert_allclose(pos.scores(m), -neg.scores(m), atol=1e-5, err_msg=m)
        assert np.abs(pos.scores(m)).max() > 1e-4


def test_log_odds_is_difference_of_logit_attributions_for_two_classes(tokenizer, hf_model):
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(2)
    binary = AutoModelForSequenceClassification.from_pretrained(
        hf_model.config._name_or_path, num_labels=2
    )
    ex = Explainer(binary, tokenizer)
    lo = ex.explain(SENTENCES[1], methods=["signed_grad_input"], target=1, output="log_odds")
    l1 = ex.explain(SENTENCES[1], methods=["signed_grad_input"], target=1)
    l0 = ex.explain(SENTENCES[1], methods=["signed_grad_input"], target=0)
    np.testing.assert_allclose(
        lo.scores("signed_grad_input"),
        l1.scores("signed_grad_input") - l0.scores("signed_grad_input"),
        atol=1e-5,
    )


def test_probability_output_uses_chain_rule(hf_explainer):
    """∂p/∂e = p(1−p)∂logit/∂e − p Σ_{c≠y} p_c ∂logit_c/∂e; check on signed grad×input."""
    text, y = SENTENCES[0], 1
    by_class = [
        hf_explainer.explain(text, methods=["signed_grad_input"], target=c) for c in range(3)
    ]
    p = by_class[0].probabilities.astype(np.float64)
    logit_scores = np.stack([b.scores("signed_grad_input", level="token") for b in by_class])
    expected = p[y] * (logit_scores[y] - p @ logit_scores)
    prob = hf_explainer.explain(text, methods=["signed_grad_input"], target=y, output="probability")
    np.testing.assert_allclose(
        prob.scores("signed_grad_input", level="token"), expected, rtol=1e-3, atol=1e-7
    )
