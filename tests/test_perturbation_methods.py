"""Occlusion and leave-one-out against forward differences computed by hand on the raw model."""

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model

from notebook_explain import Explainer

PERTURBATION = ["occlusion_zero", "occlusion_unk", "occlusion_mask", "leave_one_out"]


def logit(model, target, **inputs):
    with torch.no_grad():
        return model(**inputs).logits[0, target].item()


def test_occlusion_and_leave_one_out_equal_hand_forward_differences(
    hf_explainer, hf_model, tokenizer
):
    text, target = SENTENCES[2], 2
    e = hf_explainer.explain(text, methods=PERTURBATION, target=target)
    enc = tokenizer(text, return_tensors="pt")
    ids, n = enc["input_ids"][0], enc["input_ids"].shape[1]
    full = logit(hf_model, target, input_ids=ids[None])
    for i in range(1, n - 1):  # every non-special token
        unk, masked = ids.clone(), ids.clone()
        unk[i], masked[i] = tokenizer.unk_token_id, tokenizer.mask_token_id
        emb = hf_model.get_input_embeddings()(ids[None]).detach().clone()
        emb[0, i] = 0
        dropped = torch.cat([ids[:i], ids[i + 1 :]])
        expected = {
            "occlusion_unk": full - logit(hf_model, target, input_ids=unk[None]),
            "occlusion_mask": full - logit(hf_model, target, input_ids=masked[None]),
            "occlusion_zero": full - logit(hf_model, target, inputs_embeds=emb),
            "leave_one_out": full - logit(hf_model, target, input_ids=dropped[None]),
        }
        for name, want in expected.items():
            assert e.scores(name, level="token")[i] == pytest.approx(want, abs=1e-4), (name, i)
    for name in PERTURBATION:  # special tokens are never perturbed
        assert e.scores(name, level="token")[[0, n - 1]].tolist() == [0.0, 0.0]


def test_leave_one_out_on_sentence_pairs_keeps_segments(hf_explainer, hf_model, tokenizer):
    premise, hypothesis, target = "a man plays a guitar .", "someone makes music", 0
    e = hf_explainer.explain(
        premise, text_pair=hypothesis, methods=["leave_one_out"], target=target
    )
    enc = tokenizer(premise, hypothesis, return_tensors="pt")
    full = logit(hf_model, target, **enc)
    i = e.tokens.index("music")
    keep = [j for j in range(len(e.tokens)) if j != i]
    dropped = {k: v[:, keep] for k, v in enc.items()}
    assert e.scores("leave_one_out", level="token")[i] == pytest.approx(
        full - logit(hf_model, target, **dropped), abs=1e-4
    )
    assert e.words == ("a", "man", "plays", "a", "guitar", ".", "someone", "makes", "music")


@pytest.mark.parametrize("arch", ARCHS)
def test_word_model_leave_one_out_equals_deletion(vocab, arch):
    model = make_word_model(arch, vocab)
    text = SENTENCES[0]
    e = Explainer(model, vocab).explain(text, methods=["leave_one_out", "occlusion_unk"], target=0)
    ids = vocab.encode(text)

    def out(seq):
        t = torch.tensor([seq])
        with torch.no_grad():
            return model(t, torch.ones_like(t, dtype=torch.bool))[0, 0].item()

    for i in range(len(ids)):
        assert e.scores("leave_one_out")[i] == pytest.approx(
            out(ids) - out(ids[:i] + ids[i + 1 :]), abs=1e-5
        )
        assert e.scores("occlusion_unk")[i] == pytest.approx(
            out(ids) - out(ids[:i] + [vocab.unk_id] + ids[i + 1 :]), abs=1e-5
        )


def test_leave_one_out_on_a_one_word_text_scores_the_empty_input_as_padding(vocab):
    model = make_word_model("gru", vocab)
    e = Explainer(model, vocab).explain("gorgeous", methods=["leave_one_out"], target=1)
    with torch.no_grad():
        full = model(torch.tensor([vocab.encode("gorgeous")]), torch.ones(1, 1, dtype=torch.bool))[
            0, 1
        ]
        empty = model(torch.tensor([[vocab.pad_id]]), torch.ones(1, 1, dtype=torch.bool))[0, 1]
    assert e.scores("leave_one_out")[0] == pytest.approx((full - empty).item(), abs=1e-6)


ALL = ["saliency_l2", "signed_grad_input", "integrated_gradients", *PERTURBATION]


def test_batched_results_equal_one_at_a_time(hf_model, tokenizer):
    big = Explainer(hf_model, tokenizer, batch_size=64).explain(SENTENCES[1], methods=ALL)
    one = Explainer(hf_model, tokenizer, batch_size=1).explain(SENTENCES[1], methods=ALL)
    for m in ALL:
        np.testing.assert_allclose(
            big.scores(m, level="token"), one.scores(m, level="token"), atol=2e-5, err_msg=m
        )


def test_occlusion_mask_is_not_offered_without_a_mask_token(vocab):
    from notebook_explain import ExplainError

    explainer = Explainer(make_word_model("gru", vocab), vocab)
    assert "occlusion_mask" not in explainer.supported_methods()
    with pytest.raises(ExplainError, match="occlusion_mask needs mask_token"):
        explainer.explain(SENTENCES[0], methods=["occlusion_mask"])


@pytest.mark.parametrize("method", ["leave_one_out", "occlusion_zero", "occlusion_unk"])
def test_word_units_perturb_whole_words(hf_explainer, hf_model, tokenizer, method):
    """A word's summed score is the drop when all its tokens are perturbed at once; for a text
    whose words are single tokens the two units agree."""
    text = "the unbelievably predictable screenplay disappoints"
    e = hf_explainer.explain(text, methods={method: {"unit": "word"}}, output="logit")
    token_level = hf_explainer.explain(text, methods={method: {"unit": "token"}})
    assert len(e.tokens) - 2 > len(e.words)  # several words really are several tokens
    ids = tokenizer(text)["input_ids"]
    embed = hf_model.get_input_embeddings()
    with torch.no_grad():
        full = hf_model(input_ids=torch.tensor([ids])).logits[0, e.target]
        for w in range(len(e.words)):
            tokens = [i for i, x in enumerate(e.word_index) if x == w]
            if method == "leave_one_out":
                kept = [t for i, t in enumerate(ids) if i not in tokens]
                out = hf_model(input_ids=torch.tensor([kept])).logits[0, e.target]
            else:
                rows = embed(torch.tensor([ids]))
                rows[0, tokens] = (
                    0.0 if method == "occlusion_zero" else embed.weight[tokenizer.unk_token_id]
                )
                out = hf_model(inputs_embeds=rows).logits[0, e.target]
            assert e.scores(method)[w] == pytest.approx(float(full - out), abs=1e-4), w
            shares = e.result(method).scores[tokens]
            assert np.allclose(shares, shares[0])  # shared evenly
    single = hf_explainer.explain(SENTENCES[0], methods={method: {"unit": "word"}})
    tokens = hf_explainer.explain(SENTENCES[0], methods=[method])
    if all(np.bincount(single.word_index[single.word_index >= 0]) == 1):
        np.testing.assert_allclose(single.scores(method), tokens.scores(method), atol=1e-6)
    assert token_level.result(method).params["unit"] == "token"


@pytest.mark.parametrize("method", ["occlusion_unk", "leave_one_out"])
def test_a_phrase_or_clause_unit_perturbs_the_whole_span(method, vocab):
    """Feature groups for occlusion and leave-one-out: a span's summed score is S(x) − S(x with
    the whole span perturbed), computed here by hand on the word model."""
    model = make_word_model("gru", vocab, seed=5)
    ex = Explainer(model, vocab)
    text = SENTENCES[1]  # 11 words
    spans = {"clause": [(0, 5), (5, 11)], "phrase": [(0, 2), (2, 5), (5, 6), (6, 8), (8, 11)]}
    ids = vocab.encode(text)

    def logit(row):
        row = torch.tensor([row])
        with torch.no_grad():
            return model(row, torch.ones_like(row).bool())[0, 1].item()

    def perturbed(a, b):
        if method == "leave_one_out":
            return ids[:a] + ids[b:]
        return ids[:a] + [vocab.unk_id] * (b - a) + ids[b:]

    for unit in ("phrase", "clause"):
        e = ex.explain(text, methods={method: {"unit": unit}}, spans=spans, target=1)
        got = [s.scores[method] for s in e.spans(unit)]
        expected = [logit(ids) - logit(perturbed(a, b)) for a, b in spans[unit]]
        np.testing.assert_allclose(got, expected, atol=1e-5)
        assert ex.estimate(text, {method: {"unit": unit}})[method]["rows"] >= 1
