"""Contextual decomposition (Murdoch et al. 2018) and its ACD hierarchy (Singh et al. 2019) on real
small GRU/LSTM/BiGRU/BiLSTM word models with saturating random weights: β + γ equals the model's
logit for every phrase (the identity, checked against the model's own forward pass); an empty
phrase gets exactly nothing; a one-word phrase agrees with a per-unit reimplementation of the
papers' LSTM equations (and of the GRU equations derived in the module); the hierarchy is a
chain of partitions from the words up; models without a plain recurrence are refused."""

import math

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.methods.contextual_decomposition import decompose

RECURRENT = ["gru", "lstm", "bigru", "bilstm"]
TEXT = SENTENCES[2]  # "it 's not a bad film , but it is not good either ."


def _explainer(arch, vocab, seed=1):
    model = make_word_model(arch, vocab, seed=seed)
    with torch.no_grad():  # saturating gates: the linearisation's terms all matter
        model.embedding.weight.mul_(3)
        for name, p in model.encoder.rnn.named_parameters():
            p.mul_(2.5)
    return model, Explainer(model, vocab, class_names=["neg", "pos"])


def _logits(model, vocab, text):
    ids = torch.tensor([vocab.encode(text)])
    with torch.no_grad():
        return model(ids, torch.ones_like(ids).bool())[0].double().numpy()


@pytest.mark.parametrize("arch", RECURRENT)
def test_beta_plus_gamma_is_the_models_logit_for_every_phrase(arch, vocab):
    model, ex = _explainer(arch, vocab)
    logits = _logits(model, vocab, TEXT)
    adapter = ex.adapter
    encoded = adapter.encode(TEXT)
    states = adapter.recurrent_states(adapter.embed(encoded.input_ids))
    n = encoded.length
    rng = np.random.default_rng(0)
    phrases = np.concatenate(
        [np.zeros((1, n), bool), np.ones((1, n), bool), rng.random((30, n)) < 0.4]
    )
    beta, gamma = decompose(states, phrases)
    np.testing.assert_allclose(beta + gamma, np.broadcast_to(logits, beta.shape), atol=1e-5)
    assert np.abs(beta[0]).max() == 0.0  # the empty phrase contributes exactly nothing
    assert np.abs(beta[2:]).max() > 0.05  # and the others something


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def _lin(act, a, c, b):
    """The papers' linearisation of act(a + c + b), written out for one unit."""
    return (
        0.5 * (act(b + a) - act(b) + act(b + a + c) - act(b + c)),
        0.5 * (act(b + c) - act(b) + act(b + a + c) - act(b + a)),
        act(b),
    )


def _reference_cd(arch, model, vocab, text, word):
    """β of the target-free logit vector for the one-word phrase ``word``, unit by unit, from
    Murdoch et al.'s LSTM equations (§3.2) and the module's GRU derivation."""
    rnn = model.encoder.rnn
    x = model.embedding(torch.tensor(vocab.encode(text))).double().detach().numpy()
    W = rnn.weight_ih_l0.double().detach().numpy()
    V = rnn.weight_hh_l0.double().detach().numpy()
    bi, bh = rnn.bias_ih_l0.double().detach().numpy(), rnn.bias_hh_l0.double().detach().numpy()
    H = rnn.hidden_size
    beta_h, gamma_h = np.zeros(H), np.zeros(H)
    beta_c, gamma_c = np.zeros(H), np.zeros(H)
    for t in range(len(x)):
        inside = t == word
        wx = W @ x[t]
        vb, vg = V @ beta_h, V @ gamma_h
        nb_h, ng_h = np.zeros(H), np.zeros(H)
        nb_c, ng_c = np.zeros(H), np.zeros(H)
        for u in range(H):

            def gate(k, act):
                j = k * H + u
                own, rest = (wx[j], 0.0) if inside else (0.0, wx[j])
                return _lin(act, own + vb[j], rest + vg[j], bi[j] + bh[j])

            if arch == "lstm":
                (ib, ig, ic), (fb, fg, fc) = gate(0, _sigmoid), gate(1, _sigmoid)
                (gb, gg, gc), (ob, og, oc) = gate(2, math.tanh), gate(3, _sigmoid)
                cb = ib * gb + ib * gc + ic * gb + (ic * gc if inside else 0.0)
                cg = ig * (gb + gg + gc) + (ib + ic) * gg + (0.0 if inside else ic * gc)
                cb, cg = (
                    cb + (fb + fc) * beta_c[u],
                    cg + (fb + fg + fc) * gamma_c[u] + fg * beta_c[u],
                )
                tb, tg, _ = _lin(math.tanh, cb, cg, 0.0)
                nb_c[u], ng_c[u] = cb, cg
                nb_h[u], ng_h[u] = (ob + og + oc) * tb, (ob + og + oc) * tg
            else:
                rb, rg, rc = gate(0, _sigmoid)
                zb, zg, zc = gate(1, _sigmoid)
                j = 2 * H + u
                own, rest = (wx[j], 0.0) if inside else (0.0, wx[j])
                hb, hg, hc = vb[j], vg[j], bh[j]
                prod_b = rb * hb + rb * hc + rc * hb
                prod_g = rg * (hb + hg + hc) + (rb + rc) * hg
                nb, ng, nc = _lin(math.tanh, own + prod_b, rest + prod_g, bi[j] + rc * hc)
                ab, ag, ac = -zb, -zg, 1.0 - zc
                kb = ab * nb + ab * nc + ac * nb + (ac * nc if inside else 0.0)
                kg = ag * (nb + ng + nc) + (ab + ac) * ng + (0.0 if inside else ac * nc)
                nb_h[u] = kb + (zb + zc) * beta_h[u]
                ng_h[u] = kg + (zb + zg + zc) * gamma_h[u] + zg * beta_h[u]
        beta_h, gamma_h, beta_c, gamma_c = nb_h, ng_h, nb_c, ng_c
    return model.output.weight.double().detach().numpy() @ beta_h


@pytest.mark.parametrize("arch", ["gru", "lstm"])
def test_a_one_word_phrase_follows_the_equations_unit_by_unit(arch, vocab):
    model, ex = _explainer(arch, vocab)
    adapter = ex.adapter
    encoded = adapter.encode(TEXT)
    states = adapter.recurrent_states(adapter.embed(encoded.input_ids))
    n = encoded.length
    for word in (0, 4, n - 1):
        phrase = np.zeros((1, n), bool)
        phrase[0, word] = True
        beta, _ = decompose(states, phrase)
        np.testing.assert_allclose(
            beta[0], _reference_cd(arch, model, vocab, TEXT, word), atol=1e-10
        )


@pytest.mark.parametrize("arch", RECURRENT)
def test_explain_gives_word_span_and_hierarchy_scores(arch, vocab):
    model, ex = _explainer(arch, vocab)
    spans = {"clause": [(0, 6), (6, 14)], "phrase": [(0, 3), (3, 6), (6, 7), (7, 10), (10, 14)]}
    e = ex.explain(TEXT, methods=["contextual_decomposition"], spans=spans, target="pos")
    result = e.result("contextual_decomposition")
    adapter = ex.adapter
    encoded = adapter.encode(TEXT)
    states = adapter.recurrent_states(adapter.embed(encoded.input_ids))
    n = len(e.words)
    singles, _ = decompose(states, np.eye(n, dtype=bool))
    np.testing.assert_allclose(e.scores("contextual_decomposition"), singles[:, 1], atol=1e-6)
    for level, level_spans in spans.items():
        masks = np.array([[a <= w < b for w in range(n)] for a, b in level_spans])
        np.testing.assert_allclose(
            result.span_scores[level], decompose(states, masks)[0][:, 1], atol=1e-9
        )
    assert result.checks["identity"]["ok"]
    hierarchy = result.info["hierarchy"]
    assert [[a, b] for a, b, _ in hierarchy[0]] == [[0, n]]
    assert [[a, b] for a, b, _ in hierarchy[-1]] == [[i, i + 1] for i in range(n)]
    for upper, lower in zip(hierarchy, hierarchy[1:]):  # each level splits one segment in two
        assert len(lower) == len(upper) + 1
        assert {(a, b) for a, b, _ in upper} - {(a, b) for a, b, _ in lower} != set()
    whole = decompose(states, np.ones((1, n), bool))[0][0, 1]
    assert hierarchy[0][0][2] == pytest.approx(whole)


@pytest.mark.parametrize("arch", ["cnn", "bag", "bilstm_attention"])
def test_models_without_a_plain_recurrence_are_refused(arch, vocab):
    ex = Explainer(make_word_model(arch, vocab), vocab)
    assert "contextual_decomposition" not in ex.supported_methods()
    with pytest.raises(ExplainError, match="contextual_decomposition"):
        ex.explain(TEXT, methods=["contextual_decomposition"])


def test_only_the_logit_is_decomposed(vocab):
    _, ex = _explainer("gru", vocab)
    with pytest.raises(ExplainError, match="output='logit'"):
        ex.explain(TEXT, methods=["contextual_decomposition"], output="probability")


def test_a_transformer_is_not_offered_it(hf_explainer):
    assert "contextual_decomposition" not in hf_explainer.supported_methods()
