"""Decoder classifiers (GPT-2 here; Qwen2 and Llama pool the same way) read their last position
and cannot find padding in embeddings: rows with deleted tokens are padded on the left with
positions from the mask, found by the adapter's padding probe, and every deleted input scores
what the model says for the shorter text itself. A tiny random GPT-2 with a byte-level BPE
tokenizer trained offline on SST-2."""

import numpy as np
import pytest
import torch
from conftest import byte_level_tokenizer

from notebook_explain import Explainer

TEXT = "the acting is superb , but the plot is a dull mess ."


@pytest.fixture(scope="module")
def gpt2(sst_corpus):
    from transformers import GPT2Config, GPT2ForSequenceClassification
    from transformers.utils import logging

    logging.set_verbosity_error()  # "padding tokens cannot be detected in inputs_embeds"
    tokenizer = byte_level_tokenizer(sst_corpus)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=2,
        num_labels=2,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GPT2ForSequenceClassification(config).eval()
    with torch.no_grad():
        model.score.weight.mul_(20)
    return model, tokenizer, Explainer(model, tokenizer, device="cpu", batch_size=4)


def logits_of(model, ids) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0].double()


def assert_leave_one_out_is_the_shorter_texts(model, ids, e, tokens):
    """Each of ``tokens``' LOO score is the logit drop of the text without that token."""
    full = logits_of(model, ids)[e.target]
    for i in tokens:
        expected = full - logits_of(model, ids[:i] + ids[i + 1 :])[e.target]
        assert e.result("leave_one_out").scores[i] == pytest.approx(float(expected), abs=1e-4), i


def assert_deletion_curve_is_the_shorter_texts(ex, model, ids, e, k=3):
    """AOPC's deleted inputs (padded in a batch) score what the model says for each shorter
    text on its own: the top 1..k words of leave_one_out removed."""
    ev = ex.evaluate(e, {"aopc": {"removal": "delete", "k": k}})
    probabilities = ev.results["leave_one_out"]["aopc"].info["probabilities"]
    order = np.argsort(-e.scores("leave_one_out"), kind="stable")
    for top in range(1, k + 1):
        removed = set(order[:top].tolist())
        kept = [t for t, w in zip(ids, e.word_index) if w not in removed]
        p = torch.softmax(logits_of(model, kept), -1)[e.target]
        assert probabilities[top] == pytest.approx(float(p), abs=1e-4), top


def test_the_probe_finds_each_models_padding(gpt2, hf_explainer):
    _, _, ex = gpt2
    assert ex.adapter.padding_side == "left" and hf_explainer.adapter.padding_side == "right"


@pytest.mark.parametrize("mode", ["mean_heads", "raw", "rollout"])
def test_attention_reads_the_decoders_last_position(gpt2, mode):
    """A decoder pools its last token, so its attention row is the one read, not query 0's
    (which, under causal attention, always puts all its weight on the first token)."""
    model, tokenizer, ex = gpt2
    e = ex.explain(TEXT, methods={"attention": {"mode": mode, "layer": -1, "head": 1}})
    model.set_attn_implementation("eager")
    with torch.no_grad():
        ids = torch.tensor([tokenizer(TEXT)["input_ids"]])
        attentions = torch.stack(model(input_ids=ids, output_attentions=True).attentions)[:, 0]
    last = ids.shape[1] - 1
    if mode == "raw":
        expected = attentions[-1, 1, last]
    elif mode == "mean_heads":
        expected = attentions[-1, :, last].mean(0)
    else:
        mixed = 0.5 * attentions.mean(1).double() + 0.5 * torch.eye(ids.shape[1]).double()
        flow = torch.eye(ids.shape[1]).double()
        for layer in mixed:
            flow = (layer / layer.sum(-1, keepdim=True)) @ flow
        expected = flow[last]
    np.testing.assert_allclose(e.result("attention").scores, expected.numpy(), atol=1e-5)
    assert e.result("attention").info["query"] == last
    assert (e.result("attention").scores > 0).sum() > 1  # not all weight on one token


def test_leave_one_out_equals_the_shorter_texts(gpt2):
    model, tokenizer, ex = gpt2
    e = ex.explain(TEXT, methods=["leave_one_out"])
    ids = tokenizer(TEXT)["input_ids"]
    assert_leave_one_out_is_the_shorter_texts(model, ids, e, range(len(ids)))


def test_deletion_metrics_and_reduction_score_the_shorter_texts(gpt2):
    model, tokenizer, ex = gpt2
    ids = tokenizer(TEXT)["input_ids"]
    e = ex.explain(TEXT, methods=["leave_one_out", "input_reduction"])
    for step in e.result("input_reduction").reduction_steps:
        kept = [ids[i] for i in step["remaining"]]
        p = torch.softmax(logits_of(model, kept), -1)[e.target]
        assert step["probability"] == pytest.approx(float(p), abs=1e-4)
    assert_deletion_curve_is_the_shorter_texts(ex, model, ids, e)


def test_integrated_gradients_is_complete_on_a_decoder(gpt2):
    _, _, ex = gpt2
    e = ex.explain(TEXT, methods={"integrated_gradients": {"steps": 300}})
    assert e.result("integrated_gradients").info["completeness_gap_relative"] < 1e-2


def test_xlnet_pools_its_last_position_and_scores_the_shorter_texts(tokenizer):
    """XLNet reads its last token too (summary_type "last"): the probe finds left padding, and
    leave-one-out and deletion curves equal the model on the shorter texts."""
    from transformers import XLNetConfig, XLNetForSequenceClassification

    torch.manual_seed(0)
    config = XLNetConfig(
        vocab_size=tokenizer.vocab_size, d_model=16, n_layer=2, n_head=2, d_inner=32, num_labels=2
    )
    model = XLNetForSequenceClassification(config).eval()
    with torch.no_grad():
        model.logits_proj.weight.mul_(20)
    ex = Explainer(model, tokenizer, device="cpu", batch_size=4)
    assert ex.adapter.padding_side == "left"
    e = ex.explain(TEXT, methods=["leave_one_out"])
    ids = tokenizer(TEXT)["input_ids"]
    assert_leave_one_out_is_the_shorter_texts(model, ids, e, range(1, len(ids) - 1))
    assert_deletion_curve_is_the_shorter_texts(ex, model, ids, e)
