"""Input reduction (Feng et al. 2018) checked step by step against independent forward passes.

Every reduced input the method reports is rebuilt here from the original token ids at its
``remaining`` indices and run through the raw model (the HF model or the WordClassifier), never
through the package's context, adapter or deletion helper.
"""

import json

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.methods import get_method

# with the seeded MiniLM head this reduction stops at "it s fill ##er": every further deletion
# changes the label, so local minimality is checked on several tokens, not vacuously
EARLY_STOP = "it 's just filler ."


def hf_forward(model, tokenizer, text, text_pair=None):
    """f(remaining) → the (C,) float64 logits of the original ids at ``remaining``."""
    enc = tokenizer(text, text_pair, return_tensors="pt")

    def forward(remaining):
        inputs = {k: v[:, remaining] for k, v in enc.items()}
        with torch.no_grad():
            return model(**inputs).logits[0].double()

    return forward


def word_forward(model, vocab, text):
    ids = torch.tensor(vocab.encode(text))

    def forward(remaining):
        reduced = ids[remaining][None]
        with torch.no_grad():
            return model(reduced, torch.ones_like(reduced, dtype=torch.bool))[0].double()

    return forward


def explained(logits, target, output):
    if output == "logit":
        return float(logits[target])
    assert output == "probability"
    return float(torch.softmax(logits, -1)[target])


def check_reduction(e, forward, output="logit", greedy=True):
    """Every invariant of one input_reduction result, against ``forward`` (independent passes)."""
    steps = [dict(step) for step in e.result("input_reduction").reduction_steps]
    json.dumps(steps)  # plain, JSON-safe data
    final = steps[-1]["remaining"]
    special, n = e.special_mask, len(e.tokens)
    non_special = [i for i in range(n) if not special[i]]
    predicted, target = int(np.argmax(e.probabilities)), e.target

    assert steps[0]["removed"] is None and steps[0]["remaining"] == list(range(n))
    # the Explanation keeps its probabilities as float32
    assert np.float32(steps[0]["probability"]) == e.probabilities[target]
    assert steps[-1]["scores"] == {}
    for k, step in enumerate(steps):
        remaining = step["remaining"]
        assert all(i in remaining for i in np.flatnonzero(special))  # special tokens stay
        if k:
            removed = step["removed"]
            assert type(removed) is int and not special[removed]
            assert remaining == [i for i in steps[k - 1]["remaining"] if i != removed]
        logits = forward(remaining)
        assert step["label"] == int(logits.argmax()) == predicted, k
        assert step["probability"] == pytest.approx(
            float(torch.softmax(logits, -1)[target]), abs=1e-5
        )
        if k == len(steps) - 1:
            break
        # the step's scores: leave-one-out of the explained output on the current reduced input
        words = [i for i in remaining if not special[i]]
        assert sorted(int(i) for i in step["scores"]) == words
        full = explained(logits, target, output)
        valid = {}
        for i in words:
            without = forward([j for j in remaining if j != i])
            want = full - explained(without, target, output)
            assert step["scores"][str(i)] == pytest.approx(want, abs=1e-4), (k, i)
            valid[i] = int(without.argmax()) == predicted
        assert valid[steps[k + 1]["removed"]]
        # the removed token is the least important deletion that keeps the prediction; with a beam
        # that holds for the last step (the final state is the best of the last beam) only
        if greedy or k == len(steps) - 2:
            best = min((s, int(i)) for i, s in step["scores"].items() if valid[int(i)])
            assert steps[k + 1]["removed"] == best[1], k

    # local minimality: every further deletion changes the predicted class
    final_words = [i for i in final if not special[i]]
    if len(final_words) > 1:
        for i in final_words:
            assert int(forward([j for j in final if j != i]).argmax()) != predicted, i

    # scores: 0 for special tokens, k / n for the token removed at step k, 1 for the kept ones
    expected = np.where(special, 0.0, 1.0)
    for k, step in enumerate(steps[1:], start=1):
        expected[step["removed"]] = k / len(non_special)
    np.testing.assert_allclose(e.scores("input_reduction", level="token"), expected, atol=1e-7)
    return steps


def test_greedy_reduction_on_minilm(hf_explainer, hf_model, tokenizer):
    text = SENTENCES[2]
    e = hf_explainer.explain(text, methods=["input_reduction", "leave_one_out"])
    steps = check_reduction(e, hf_forward(hf_model, tokenizer, text))
    assert len(steps) > 5
    # step 0's scores are exactly the leave_one_out method's scores
    loo = e.scores("leave_one_out", level="token")
    for i, score in steps[0]["scores"].items():
        assert score == pytest.approx(loo[int(i)], abs=1e-5)
    result = e.result("input_reduction")
    assert result.family == "perturbation" and not result.signed
    assert dict(result.params) == {"base": "leave_one_out", "beam": 1}


def test_reduction_stops_when_every_deletion_changes_the_label(hf_explainer, hf_model, tokenizer):
    e = hf_explainer.explain(EARLY_STOP, methods=["input_reduction"])
    steps = check_reduction(e, hf_forward(hf_model, tokenizer, EARLY_STOP))
    final = steps[-1]["remaining"]
    assert sum(not e.special_mask[i] for i in final) > 1  # minimality was really checked


def test_target_other_than_the_prediction_and_probability_output(hf_explainer, hf_model, tokenizer):
    text = SENTENCES[1]
    probabilities = hf_explainer.predict(text)
    target = int(np.argmin(probabilities))
    e = hf_explainer.explain(text, methods=["input_reduction"], target=target, output="probability")
    assert e.target == target != int(np.argmax(e.probabilities))
    # probabilities are the target's, labels stay the predicted class, scores use S = p(target)
    check_reduction(e, hf_forward(hf_model, tokenizer, text), output="probability")


def test_sentence_pairs_keep_their_segments(hf_explainer, hf_model, tokenizer):
    premise, hypothesis = "a man plays a guitar .", "someone makes music"
    e = hf_explainer.explain(premise, text_pair=hypothesis, methods=["input_reduction"])
    steps = check_reduction(e, hf_forward(hf_model, tokenizer, premise, hypothesis))
    assert [e.tokens[i] for i in steps[-1]["remaining"]].count("[SEP]") == 2


@pytest.mark.parametrize("text", [SENTENCES[0], EARLY_STOP])
def test_beam_search_obeys_the_same_invariants(hf_model, tokenizer, text):
    # batch_size=4: each step's deletions go through the model in several chunks
    explainer = Explainer(hf_model, tokenizer, device="cpu", batch_size=4)
    e = explainer.explain(text, methods={"input_reduction": {"beam": 3}})
    check_reduction(e, hf_forward(hf_model, tokenizer, text), greedy=False)
    assert e.result("input_reduction").params["beam"] == 3


def test_chunked_passes_give_the_same_reduction(hf_explainer, hf_model, tokenizer):
    text = SENTENCES[0]
    big = hf_explainer.explain(text, methods=["input_reduction"]).result("input_reduction")
    one = Explainer(hf_model, tokenizer, device="cpu", batch_size=1).explain(
        text, methods=["input_reduction"]
    )
    one = one.result("input_reduction")
    assert [s["removed"] for s in big.reduction_steps] == [
        s["removed"] for s in one.reduction_steps
    ]
    for a, b in zip(big.reduction_steps, one.reduction_steps):
        assert a["probability"] == pytest.approx(b["probability"], abs=1e-5)


@pytest.mark.parametrize("arch", ["gru", "cnn"])
def test_word_models(vocab, arch):
    model = make_word_model(arch, vocab)
    text = SENTENCES[0]
    explainer = Explainer(model, vocab, device="cpu")
    e = explainer.explain(text, methods=["input_reduction"])
    steps = check_reduction(e, word_forward(model, vocab, text))
    if arch == "cnn":  # this seeded CNN stops with two words left, so minimality is not vacuous
        assert len(steps[-1]["remaining"]) > 1
    # every step's scores are leave_one_out explained on the reduced text itself
    for step in steps[:-1]:
        reduced = " ".join(e.tokens[i] for i in step["remaining"])
        loo = explainer.explain(reduced, methods=["leave_one_out"], target=e.target).scores(
            "leave_one_out"
        )
        got = [step["scores"][str(i)] for i in step["remaining"]]
        np.testing.assert_allclose(got, loo, atol=1e-5)
    beam = explainer.explain(text, methods={"input_reduction": {"beam": 3}})
    check_reduction(beam, word_forward(model, vocab, text), greedy=False)


def test_a_one_word_input_is_already_reduced(vocab):
    e = Explainer(make_word_model("gru", vocab), vocab).explain(
        "gorgeous", methods=["input_reduction"]
    )
    steps = e.result("input_reduction").reduction_steps
    assert len(steps) == 1 and e.reduction.final == (0,) and steps[0]["scores"] == {}
    assert e.scores("input_reduction").tolist() == [1.0]


def test_bad_parameters(hf_explainer):
    with pytest.raises(ExplainError, match=r"beam=0 is outside \[1, 10\]"):
        hf_explainer.explain(SENTENCES[0], methods={"input_reduction": {"beam": 0}})
    with pytest.raises(ExplainError, match="beam must be int"):
        hf_explainer.explain(SENTENCES[0], methods={"input_reduction": {"beam": 1.5}})
    with pytest.raises(
        ExplainError, match=r"base='nope' is not allowed; choose one of \['leave_one_out'\]"
    ):
        hf_explainer.explain(SENTENCES[0], methods={"input_reduction": {"base": "nope"}})


def test_metadata():
    meta = get_method("input_reduction").metadata()
    assert meta["family"] == "perturbation" and meta["signed"] is False
    assert "Feng et al. 2018" in meta["description"]
    assert meta["params"]["base"]["choices"] == ["leave_one_out"]
    beam = meta["params"]["beam"]
    assert (beam["default"], beam["low"], beam["high"]) == (1, 1, 10)
    json.dumps(meta)
