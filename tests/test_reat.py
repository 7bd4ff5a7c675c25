"""REAT and NaiveREAT (Du et al., WWW 2019) on seeded tiny GRU/LSTM word classifiers.

The references below index the paper's equations by word position, read the states from
PyTorch's own ``nn.GRU``/``nn.LSTM`` forward pass and the gates from the weights, and multiply
products out in loops, unlike the method (reading order, flipped backward direction, tensor
products over the adapter's unrolled states).
"""

import json
import math

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.methods.context import AttributionContext
from notebook_explain.methods.reat import RecurrentDecomposition

RECURRENT = ["gru", "lstm", "bigru", "bilstm"]
TEXT = SENTENCES[2]  # "it 's not a bad film , but it is not good either ."
SPANS = {
    "clause": [(0, 7), (7, 14)],
    "phrase": [(0, 2), (2, 3), (3, 6), (6, 7), (7, 9), (9, 11), (11, 14)],
}


def explain(model, vocab, methods=("reat", "naive_reat"), spans=SPANS, **kwargs):
    return Explainer(model, vocab, device="cpu").explain(
        TEXT, methods=list(methods), spans=spans, **kwargs
    )


def torch_forward(model, vocab):
    """(embeddings (T, D), PyTorch's states (T, H × directions), final cells or None), float64."""
    ids = torch.tensor([vocab.encode(TEXT)])
    with torch.no_grad():
        x = model.embedding(ids)
        outputs, final = model.encoder.rnn(x)
    cells = final[1][:, 0].double() if isinstance(final, tuple) else None
    return x[0].double(), outputs[0].double(), cells


@torch.no_grad()
def gru_update_gates(rnn, x, states, reverse):
    """u_t = σ(W_uz x_t + b + W_hz h_prev + b) by position; h_prev is h_{t−1} (forward) or
    h_{t+1} (backward), zero past the ends."""
    suffix = "_reverse" if reverse else ""
    w_ih, w_hh = getattr(rnn, f"weight_ih_l0{suffix}"), getattr(rnn, f"weight_hh_l0{suffix}")
    b_ih, b_hh = getattr(rnn, f"bias_ih_l0{suffix}"), getattr(rnn, f"bias_hh_l0{suffix}")
    h = rnn.hidden_size
    rows = slice(h, 2 * h)  # PyTorch's GRU gate order: reset, update, new
    gates = []
    for t in range(len(x)):
        p = t + 1 if reverse else t - 1
        h_prev = states[p] if 0 <= p < len(x) else torch.zeros(h, dtype=torch.float64)
        pre = w_ih[rows].double() @ x[t] + b_ih[rows].double()
        pre = pre + w_hh[rows].double() @ h_prev + b_hh[rows].double()
        gates.append(torch.sigmoid(pre))
    return gates


def gru_phrase_reference(model, vocab, spans, target):
    """Eq. 16 (GRU) and eq. 22 (BiGRU) for every 0-based range, by 1-based positions q … r."""
    x, outputs, _ = torch_forward(model, vocab)
    rnn, T, H = model.encoder.rnn, len(x), model.encoder.rnn.hidden_size
    W = model.output.weight[target].detach().double()
    zero, ones = torch.zeros(H, dtype=torch.float64), torch.ones(H, dtype=torch.float64)
    # 1-based: h[t] = h_t with h[0] = 0 (forward); hr[t] = h_{t,r} with hr[T + 1] = 0 (backward)
    h = [zero, *outputs[:, :H]]
    u = [None, *gru_update_gates(rnn, x, outputs[:, :H], reverse=False)]
    scores = []
    for start, end in spans:
        q, r = start + 1, end
        updating = h[r] - math.prod((u[j] for j in range(q, r + 1)), start=ones) * h[q - 1]
        forgetting = math.prod((u[k] for k in range(r + 1, T + 1)), start=ones)
        score = W[:H] @ (updating * forgetting)
        if rnn.bidirectional:
            hr = [None, *outputs[:, H:], zero]
            ur = [None, *gru_update_gates(rnn, x, outputs[:, H:], reverse=True)]
            updating = hr[q] - math.prod((ur[j] for j in range(q, r + 1)), start=ones) * hr[r + 1]
            forgetting = math.prod((ur[k] for k in range(1, q)), start=ones)
            score = score + W[H:] @ (updating * forgetting)
        scores.append(float(score))
    return scores


@pytest.mark.parametrize("arch", RECURRENT)
def test_unrolled_states_reproduce_the_torch_rnn_and_the_logits(arch, vocab):
    from notebook_explain.models.word import WordModelAdapter

    model = make_word_model(arch, vocab, seed=1)
    adapter = WordModelAdapter(model, vocab, device="cpu")
    encoded = adapter.encode(TEXT)
    embeddings = adapter.embed(encoded.input_ids)
    states = adapter.recurrent_states(embeddings)
    _, outputs, cells = torch_forward(model, vocab)
    H = model.encoder.rnn.hidden_size
    forward, *backward = states.directions
    assert states.cell_type == ("lstm" if "lstm" in arch else "gru")
    torch.testing.assert_close(forward.hidden.double(), outputs[:, :H], atol=1e-6, rtol=0)
    if backward:  # read from the last word: row k is the state at word T − 1 − k
        torch.testing.assert_close(
            backward[0].hidden.double().flip(0), outputs[:, H:], atol=1e-6, rtol=0
        )
    if cells is not None:
        finals = torch.stack([d.cell[-1] for d in states.directions]).double()
        torch.testing.assert_close(finals, cells, atol=1e-6, rtol=0)
    final = torch.cat([d.hidden[-1] for d in states.directions])
    logits = states.output_weight @ final + states.output_bias
    torch.testing.assert_close(
        logits, adapter.logits(embeddings, encoded.attention_mask)[0], atol=1e-6, rtol=0
    )


@pytest.mark.parametrize("arch", ["gru", "bigru"])
@pytest.mark.parametrize("target", [0, 1])
def test_gru_word_scores_sum_to_the_logit_minus_the_output_bias(arch, target, vocab):
    model = make_word_model(arch, vocab, seed=2)
    bias = float(model.output.bias[target].detach())
    assert abs(bias) > 1e-3  # the default init gives a real bias for the decomposition to leave out
    with torch.no_grad():
        logit = float(
            model(torch.tensor([vocab.encode(TEXT)]), torch.ones(1, 14).bool())[0, target]
        )
    whole = {"phrase": [(0, 14)]}
    e = explain(model, vocab, methods=["reat"], spans=whole, target=target)
    result = e.results["reat"]
    assert result.scores.sum() == pytest.approx(logit - bias, abs=1e-4)
    assert result.span_scores["phrase"][0] == pytest.approx(logit - bias, abs=1e-4)
    assert result.info["logit"] == pytest.approx(logit, abs=1e-6)
    assert result.info["output_bias"] == pytest.approx(bias)
    assert abs(result.info["decomposition_gap"]) < 1e-6
    assert e.spans("phrase")[0].scores["reat"] == result.span_scores["phrase"][0]


@pytest.mark.parametrize("arch", ["gru", "bigru"])
def test_gru_phrase_scores_follow_the_papers_equations(arch, vocab):
    model = make_word_model(arch, vocab, seed=3)
    e = explain(model, vocab, methods=["reat"], target=1)
    span_scores = e.results["reat"].span_scores
    for level in ("phrase", "clause"):
        expected = gru_phrase_reference(model, vocab, SPANS[level], 1)
        np.testing.assert_allclose(span_scores[level], expected, rtol=1e-6, atol=1e-7)
    words = gru_phrase_reference(model, vocab, [(t, t + 1) for t in range(14)], 1)
    np.testing.assert_allclose(e.results["reat"].scores, words, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arch", ["lstm", "bilstm"])
def test_lstm_decomposition_reports_its_gap_and_the_cell_approximation(arch, vocab):
    model = make_word_model(arch, vocab, seed=4)
    e = explain(model, vocab, methods=["reat"], target=0)
    result = e.results["reat"]
    # eq. 19 telescopes over the true states: exact whatever α is; only rounding is left
    assert abs(result.info["decomposition_gap"]) < 1e-6
    assert result.scores.sum() == pytest.approx(
        result.info["logit"] - result.info["output_bias"], abs=1e-4
    )
    # eq. 17 reads c_t as h_t / o_t = tanh(c_t): its error, from PyTorch's cells of every prefix
    # (forward) and suffix (backward) of the sentence
    x, _, _ = torch_forward(model, vocab)
    rnn = model.encoder.rnn
    cells = []
    with torch.no_grad():
        for t in range(1, 15):
            cells.append(rnn(x[None, :t].float())[1][1][0, 0])
            if rnn.bidirectional:
                cells.append(rnn(x[None, 14 - t :].float())[1][1][1, 0])
    c = torch.stack(cells).double()
    expected = float(torch.linalg.norm(c - torch.tanh(c)) / torch.linalg.norm(c))
    assert result.info["cell_approximation_error"] == pytest.approx(expected, rel=1e-4)
    assert result.info["cell_approximation_error"] > 0
    # a phrase's eq. 20 score is the sum of its words' eq. 20 scores (the products telescope)
    words = result.scores.astype(np.float64)
    sums = [words[a:b].sum() for a, b in SPANS["phrase"]]
    np.testing.assert_allclose(result.span_scores["phrase"], sums, atol=1e-5)


@pytest.mark.parametrize("arch", RECURRENT)
def test_naive_reat_is_the_change_of_the_hidden_state(arch, vocab):
    model = make_word_model(arch, vocab, seed=5)
    e = explain(model, vocab, target=1)
    _, outputs, _ = torch_forward(model, vocab)
    H, W = model.encoder.rnn.hidden_size, model.output.weight[1].detach().double()
    padded = torch.cat(
        [torch.zeros(1, outputs.shape[1]), outputs, torch.zeros(1, outputs.shape[1])]
    )
    expected = []
    for t in range(1, 15):  # padded[t] is h_t; eq. 9 forward, and h_{t,r} − h_{t+1,r} backward
        score = W[:H] @ (padded[t, :H] - padded[t - 1, :H])
        if outputs.shape[1] > H:
            score = score + W[H:] @ (padded[t, H:] - padded[t + 1, H:])
        expected.append(float(score))
    naive = e.results["naive_reat"]
    np.testing.assert_allclose(naive.scores, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        naive.span_scores["clause"], [sum(expected[:7]), sum(expected[7:])], atol=1e-6
    )
    assert abs(naive.info["decomposition_gap"]) < 1e-6
    assert not np.allclose(naive.scores, e.results["reat"].scores, atol=1e-3)


def test_reat_is_scored_per_span_of_the_explanations_levels(vocab):
    e = explain(make_word_model("bigru", vocab, seed=6), vocab, spans=None)
    assert e.span_source == "chunker"
    for level in ("phrase", "clause"):
        spans = e.spans(level)
        assert [(s.start, s.end) for s in spans] == list(e.span_levels[level])
        own = e.results["reat"].span_scores[level]
        assert [s.scores["reat"] for s in spans] == list(own)
        words = e.results["reat"].scores.astype(np.float64)
        np.testing.assert_allclose(own, [words[s.start : s.end].sum() for s in spans], atol=1e-5)
    json.dumps(e.to_json()[0])  # the span scores travel to the browser


@pytest.mark.parametrize("arch", ["cnn", "bag", "bilstm_attention"])
@pytest.mark.parametrize("method", ["reat", "naive_reat"])
def test_non_recurrent_word_models_are_refused(arch, method, vocab):
    with pytest.raises(ExplainError, match=rf"{method} needs recurrent"):
        explain(make_word_model(arch, vocab), vocab, methods=[method])


def test_the_hook_refuses_a_model_without_a_plain_rnn(vocab):
    from notebook_explain.models.word import WordModelAdapter

    adapter = WordModelAdapter(make_word_model("bilstm_attention", vocab), vocab, device="cpu")
    with pytest.raises(ExplainError, match="plain recurrent model.*'bilstm_attention'"):
        adapter.recurrent_states(adapter.embed(adapter.encode(TEXT).input_ids))


def test_a_transformer_is_refused(hf_explainer):
    with pytest.raises(ExplainError, match="reat needs recurrent"):
        hf_explainer.explain("a fine film", methods=["reat"])


@pytest.mark.parametrize("output", ["probability", "log_odds"])
def test_only_the_logit_is_decomposed(output, vocab):
    with pytest.raises(ExplainError, match=r"reat decomposes.*output='logit'"):
        explain(make_word_model("gru", vocab), vocab, methods=["reat"], output=output)


def test_a_context_built_by_hand_gives_the_same_scores(vocab):
    from notebook_explain.models.word import WordModelAdapter

    model = make_word_model("gru", vocab, seed=7)
    adapter = WordModelAdapter(model, vocab, device="cpu")
    ctx = AttributionContext(
        adapter, adapter.encode(TEXT), "logit", 0, span_levels={"clause": [(0, 14)]}
    )
    attribution = RecurrentDecomposition("reat", naive=False, description="").attribute(ctx)
    assert attribution.span_scores["clause"][0] == pytest.approx(
        ctx.input_output - float(model.output.bias[0].detach()), abs=1e-6
    )
    assert math.isclose(
        float(attribution.scores.sum()), attribution.span_scores["clause"][0], abs_tol=1e-6
    )
