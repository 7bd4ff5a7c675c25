"""Integrated gradients: completeness, agreement with Captum, quadrature rules, batching."""

import warnings

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model
from model_zoo import build_model, tokenizer_for

from notebook_explain import Explainer
from notebook_explain.methods.quadrature import quadrature


@pytest.mark.parametrize(
    "rule",
    ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"],
)
def test_quadrature_rules_integrate_polynomials(rule):
    alphas, weights = quadrature(rule, 300)
    assert weights.sum() == pytest.approx(1.0)
    assert (alphas * weights).sum() == pytest.approx(0.5, abs=2e-3)  # ∫ α dα
    assert (alphas**2 * weights).sum() == pytest.approx(1 / 3, abs=2e-3)


def independent_outputs(model, tokenizer, text, target, baseline_embeddings=None):
    enc = tokenizer(text, return_tensors="pt")
    emb = model.get_input_embeddings()(enc["input_ids"])
    with torch.no_grad():
        out = (
            model(inputs_embeds=emb, attention_mask=enc["attention_mask"]).logits[0, target].item()
        )
        special = torch.tensor(
            tokenizer.get_special_tokens_mask(
                enc["input_ids"][0].tolist(), already_has_special_tokens=True
            )
        ).bool()
        base = torch.where(special[None, :, None], emb, torch.zeros_like(emb))
        out_base = (
            model(inputs_embeds=base, attention_mask=enc["attention_mask"]).logits[0, target].item()
        )
    return out, out_base


@pytest.mark.parametrize("text", SENTENCES)
def test_ig_completeness_within_one_percent_at_300_steps(hf_explainer, hf_model, tokenizer, text):
    e = hf_explainer.explain(text, methods={"integrated_gradients": {"steps": 300}}, target=0)
    out, out_base = independent_outputs(hf_model, tokenizer, text, 0)
    total = e.scores("integrated_gradients", level="token").sum()
    assert abs(total - (out - out_base)) <= 0.01 * abs(out - out_base)
    assert e.result("integrated_gradients").info["completeness_gap_relative"] <= 0.01


@pytest.mark.parametrize("arch", ARCHS)
def test_ig_completeness_on_word_models(vocab, arch):
    model = make_word_model(arch, vocab)
    e = Explainer(model, vocab).explain(
        SENTENCES[1], methods={"integrated_gradients": {"steps": 300}}, target=1
    )
    ids = torch.tensor([vocab.encode(SENTENCES[1])])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        emb = model.embedding(ids)
        diff = (
            model.forward_embeddings(emb, mask)
            - model.forward_embeddings(torch.zeros_like(emb), mask)
        )[0, 1].item()
    assert abs(e.scores("integrated_gradients").sum() - diff) <= 0.01 * abs(diff) + 1e-6


@pytest.mark.parametrize(
    "rule", ["gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_middle"]
)
def test_ig_equals_captum_layer_integrated_gradients(hf_model, tokenizer, hf_explainer, rule):
    """Same baseline ([PAD] at non-special tokens), same steps and rule: agreement to 1e-4.

    Captum's trapezoid weights are 1/n on n nodes spaced 1/(n−1), summing to (n−1)/n instead of 1;
    ours sum to 1, so there the two differ by exactly that factor.
    """
    captum_attr = pytest.importorskip("captum.attr")
    text, target, steps = SENTENCES[1], 2, 50
    enc = tokenizer(text, return_tensors="pt")
    special = torch.tensor(
        tokenizer.get_special_tokens_mask(
            enc["input_ids"][0].tolist(), already_has_special_tokens=True
        )
    ).bool()
    baseline_ids = torch.where(special, enc["input_ids"][0], tokenizer.pad_token_id)[None]

    def forward(input_ids):
        mask = enc["attention_mask"].expand(input_ids.shape[0], -1)
        return hf_model(input_ids=input_ids, attention_mask=mask).logits

    lig = captum_attr.LayerIntegratedGradients(forward, hf_model.get_input_embeddings())
    theirs = lig.attribute(
        enc["input_ids"], baselines=baseline_ids, target=target, n_steps=steps, method=rule
    )
    theirs = theirs.sum(-1)[0].detach().numpy()
    if rule == "riemann_trapezoid":
        theirs = theirs * steps / (steps - 1)
    ours = hf_explainer.explain(
        text,
        methods={"integrated_gradients": {"steps": steps, "rule": rule, "baseline": "pad"}},
        target=target,
    ).scores("integrated_gradients", level="token")
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert np.abs(theirs).max() > 1e-2  # the comparison is not between two near-zero vectors


def test_ig_zero_baseline_equals_captum_on_embeddings(hf_model, tokenizer, hf_explainer):
    captum_attr = pytest.importorskip("captum.attr")
    text, target = SENTENCES[0], 1
    enc = tokenizer(text, return_tensors="pt")
    emb = hf_model.get_input_embeddings()(enc["input_ids"]).detach()
    special = torch.tensor(
        tokenizer.get_special_tokens_mask(
            enc["input_ids"][0].tolist(), already_has_special_tokens=True
        )
    ).bool()
    base = torch.where(special[None, :, None], emb, torch.zeros_like(emb))

    def forward(embeddings):
        return hf_model(
            inputs_embeds=embeddings,
            attention_mask=enc["attention_mask"].expand(embeddings.shape[0], -1),
        ).logits

    theirs = captum_attr.IntegratedGradients(forward).attribute(
        emb, baselines=base, target=target, n_steps=64
    )
    ours = hf_explainer.explain(
        text, methods={"integrated_gradients": {"steps": 64}}, target=target
    )
    np.testing.assert_allclose(
        ours.scores("integrated_gradients", level="token"),
        theirs.sum(-1)[0].detach().numpy(),
        atol=1e-4,
    )


def test_mask_baseline_differs_from_zero_and_keeps_completeness(hf_explainer):
    e_mask = hf_explainer.explain(
        SENTENCES[0], methods={"integrated_gradients": {"steps": 200, "baseline": "mask"}}
    )
    e_zero = hf_explainer.explain(SENTENCES[0], methods={"integrated_gradients": {"steps": 200}})
    info = e_mask.result("integrated_gradients").info
    assert info["completeness_gap_relative"] < 0.01
    assert not np.allclose(
        e_mask.scores("integrated_gradients"), e_zero.scores("integrated_gradients")
    )


TEXT_T5 = "a gorgeous , witty movie ."


@pytest.fixture(scope="module")
def zoo_t5(sst_corpus):
    tokenizer = tokenizer_for("t5", sst_corpus, None)
    return Explainer(build_model("t5", tokenizer), tokenizer, device="cpu")


def test_an_unconverged_integral_warns_and_auto_steps_close_the_gap(zoo_t5):
    """A tiny random T5 (ReLU feed-forward, RMS norms) needs many steps: with 8 the gap is large,
    the warning says so and the record marks the check failed; steps="auto" (the default)
    refines the path until completeness holds within 1 %, with no warning."""
    ex = zoo_t5
    with pytest.warns(UserWarning, match=r'has not converged.*steps=8.*steps="auto"'):
        e = ex.explain(TEXT_T5, methods={"integrated_gradients": {"steps": 8}})
    fixed = e.result("integrated_gradients")
    assert fixed.info["completeness_gap_relative"] > 0.01
    assert fixed.checks["identity"]["ok"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = ex.explain(TEXT_T5, methods=["integrated_gradients"])
    auto = again.result("integrated_gradients")
    assert auto.params["steps"] == "auto" and auto.info["steps_used"] > 8
    scores, check = auto.scores, auto.checks["identity"]
    assert check["ok"] and check["relative"] <= 0.01
    # the identity, recomputed from the record's own figures
    difference = auto.info["output_input"] - auto.info["output_baseline"]
    assert abs(float(scores.sum()) - difference) <= 0.01 * abs(difference) + 1e-4
