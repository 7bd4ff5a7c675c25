"""SOC (Jin et al. 2020) on real small word models: on a fastText bag, whose occlusion effect of a
phrase is W_y · Σ e_w / L whatever the context, every word and phrase score equals that closed form
and phrases are sums of their words, for any radius, sampler and seed; with radius 0 it is plain
occlusion of the phrase; on a GRU the resampled contexts change the scores, reproducibly by seed."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError

TEXT = SENTENCES[2]  # 14 words
SPANS = {"clause": [(0, 6), (6, 14)], "phrase": [(0, 3), (3, 6), (6, 7), (7, 10), (10, 14)]}


def _soc(ex, **params):
    e = ex.explain(
        TEXT, methods={"soc": {"likelihood": "uniform", **params}}, spans=SPANS, target=1
    )
    return e, e.result("soc")


@pytest.mark.parametrize("radius, seed", [(0, 0), (3, 0), (10, 4)])
def test_on_a_bag_every_score_is_the_closed_form_and_phrases_are_sums(vocab, radius, seed):
    model = make_word_model("bag", vocab, seed=2)
    ex = Explainer(model, vocab)
    e, result = _soc(ex, radius=radius, samples=5, seed=seed)
    ids = torch.tensor(vocab.encode(TEXT))
    with torch.no_grad():
        own = (model.embedding(ids).double() @ model.output.weight[1].double()).numpy() / len(ids)
    np.testing.assert_allclose(e.scores("soc"), own, atol=1e-6)
    for level, spans in SPANS.items():
        np.testing.assert_allclose(
            result.span_scores[level], [own[a:b].sum() for a, b in spans], atol=1e-6
        )


def test_radius_zero_is_occlusion_of_each_phrase_by_padding(vocab):
    model = make_word_model("gru", vocab, seed=3)
    ex = Explainer(model, vocab)
    e, result = _soc(ex, radius=0)
    ids = torch.tensor([vocab.encode(TEXT)])

    def logit(row):
        with torch.no_grad():
            return model(row, torch.ones_like(row).bool())[0, 1].item()

    def occluded(a, b):
        row = ids.clone()
        row[0, a:b] = vocab.pad_id
        return logit(ids) - logit(row)

    np.testing.assert_allclose(e.scores("soc"), [occluded(i, i + 1) for i in range(14)], atol=1e-5)
    np.testing.assert_allclose(
        result.span_scores["phrase"], [occluded(a, b) for a, b in SPANS["phrase"]], atol=1e-5
    )
    assert result.info["contexts"] == 1 and result.info["likelihood_rows"] == 0


def test_resampled_contexts_change_the_scores_reproducibly(vocab):
    model = make_word_model("gru", vocab, seed=3)
    with torch.no_grad():
        model.embedding.weight.mul_(4)  # words interact: the context matters
    ex = Explainer(model, vocab)
    plain = _soc(ex, radius=0)[0].scores("soc")
    first = _soc(ex, radius=2, samples=8, seed=1)[0].scores("soc")
    again = _soc(ex, radius=2, samples=8, seed=1)[0].scores("soc")
    other = _soc(ex, radius=2, samples=8, seed=2)[0].scores("soc")
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other) and not np.allclose(first, plain)


def test_mask_occlusion_needs_a_mask_token(vocab):
    ex = Explainer(make_word_model("gru", vocab), vocab)
    with pytest.raises(ExplainError, match=r"soc: .*no \[MASK\] token"):
        _soc(ex, occlusion="mask")
