"""Every method on every Hugging Face family the README names: a tiny random classifier of each
(``model_zoo``), on a sentence and on a pair. Each cell is a checked result or a clear
``ExplainError``; the identities are checked against the model run on real ids:

- one score per word, and 0 for special tokens from every removal method and IG;
- leave-one-out's batched (padded) rows give what the model says for each shorter text alone;
- IG is complete: its scores sum to S(x) − S(baseline), S(x) being the model's own logit;
- a multi-label head's probabilities are the model's sigmoids; a regression head is refused.

``python benchmarks/model_matrix.py`` prints the same matrix for the README.
"""

import copy

import numpy as np
import pytest
import torch
from model_zoo import FAMILIES, build_model, tokenizer_for

from notebook_explain import Explainer, ExplainError
from notebook_explain.methods import available_methods

SENTENCE = "a gorgeous , witty movie ."
PAIR = ("the plot is dull .", "the movie is boring .")
#: methods that never score a special token (they perturb or interpolate words only)
WORD_ONLY = {"integrated_gradients", "lime", "occlusion_zero", "occlusion_unk", "leave_one_out"}


@pytest.fixture(scope="module")
def zoo(sst_corpus, tokenizer):
    built = {}

    def get(family, head="single_label"):
        key = (family, head)
        if key not in built:
            tok = tokenizer_for(family, sst_corpus, tokenizer)
            built[key] = (build_model(family, tok, head), tok)
        return built[key]

    return get


def model_logits(model, tokenizer, text, text_pair=None) -> torch.Tensor:
    encoding = tokenizer(text, text_pair, return_tensors="pt")
    inputs = {k: encoding[k] for k in ("input_ids", "token_type_ids") if k in encoding}
    with torch.no_grad():
        return model(**inputs).logits[0].double()


@pytest.mark.parametrize("family", FAMILIES)
def test_every_method_is_a_checked_result_or_a_clear_refusal(zoo, family):
    model, tok = zoo(family)
    ex = Explainer(model, tok, device="cpu", batch_size=16)
    supported = set(ex.supported_methods())
    for text, pair in ((SENTENCE, None), PAIR):
        for method in available_methods():
            try:
                e = ex.explain(text, text_pair=pair, methods=[method])
            except ExplainError as err:
                # marginalization is offered with likelihoods that need no masked LM
                assert method not in supported or "likelihood='mlm'" in str(err), (method, err)
                continue
            scores = e.scores(method)
            assert len(scores) == len(e.words) and np.isfinite(scores).all(), method
            if method in WORD_ONLY:
                assert (e.result(method).scores[e.special_mask] == 0).all(), method
        ev = ex.evaluate(ex.explain(text, text_pair=pair))
        assert ev.results and all(ev.results.values()), family


@pytest.mark.parametrize("family", FAMILIES)
def test_padded_deletion_rows_are_the_shorter_texts_run_alone(zoo, family):
    model, tok = zoo(family)
    ex = Explainer(model, tok, device="cpu", batch_size=16)
    e = ex.explain(PAIR[0], text_pair=PAIR[1], methods={"leave_one_out": {"unit": "word"}})
    encoding = tok(*PAIR, return_tensors="pt")
    inputs = {k: encoding[k] for k in ("input_ids", "token_type_ids") if k in encoding}
    with torch.no_grad():
        full = model(**inputs).logits[0, e.target].double()
        for w in range(len(e.words)):
            kept = torch.from_numpy(e.word_index != w)
            alone = model(**{k: v[:, kept] for k, v in inputs.items()}).logits[0, e.target]
            expected = float(full - alone.double())
            assert e.scores("leave_one_out")[w] == pytest.approx(expected, abs=2e-4), w


@pytest.mark.parametrize("family", FAMILIES)
def test_integrated_gradients_is_complete_on_the_models_own_logit(zoo, family):
    model, tok = zoo(family)
    e = Explainer(model, tok, device="cpu").explain(
        SENTENCE, methods={"integrated_gradients": {"steps": 1000}}
    )
    info = e.result("integrated_gradients").info
    own = float(model_logits(model, tok, SENTENCE)[e.target])
    assert info["output_input"] == pytest.approx(own, abs=1e-4)
    difference = own - info["output_baseline"]
    total = e.result("integrated_gradients").scores.sum()
    assert abs(total - difference) <= 0.03 * abs(difference) + 1e-4


@pytest.mark.parametrize("family", ["bert", "roberta", "deberta-v2", "gpt2", "llama"])
def test_hooked_embeddings_give_what_inputs_embeds_gives(zoo, family):
    """The feed T5, BART and Longformer need (structural ids, the word-embedding layer's output
    replaced) attributes exactly as ``inputs_embeds`` does, on models that take both."""
    model, tok = zoo(family)
    ex = Explainer(model, tok, device="cpu")
    assert ex.adapter.feed == "inputs_embeds"
    methods = {"integrated_gradients": {"steps": 20}, "leave_one_out": {}}
    plain = ex.explain(PAIR[0], text_pair=PAIR[1], methods=methods)
    ex.adapter.feed = "ids"
    hooked = ex.explain(PAIR[0], text_pair=PAIR[1], methods=methods)
    for method in methods:
        np.testing.assert_allclose(hooked.scores(method), plain.scores(method), atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
def test_multi_label_probabilities_are_the_models_sigmoids(zoo, family):
    model, tok = zoo(family, "multi_label")
    ex = Explainer(model, tok, device="cpu")
    e = ex.explain(SENTENCE, methods=["leave_one_out"])
    expected = torch.sigmoid(model_logits(model, tok, SENTENCE)).numpy()
    np.testing.assert_allclose(e.probabilities, expected, atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_regression_head_is_refused(zoo, family):
    model, tok = zoo(family, "regression")
    with pytest.raises(ExplainError, match="regression head"):
        Explainer(model, tok, device="cpu")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
@pytest.mark.parametrize("family", ["bert", "t5", "llama"])
def test_half_precision_models_run_every_method(zoo, family, dtype):
    """Every supported method runs on a float16/bfloat16 model (LRP's ε once turned them into
    float32), and IG, summed in float32, stays complete to the model's own precision."""
    model, tok = zoo(family)
    ex = Explainer(copy.deepcopy(model).to(dtype), tok, device="cpu")
    for method in ex.supported_methods():
        if method in ("marginalization", "soc"):  # likelihoods that need no masked LM
            method = {method: {"likelihood": "uniform"}}
        e = ex.explain(SENTENCE, methods=method)
        name = e.methods[0]
        assert np.isfinite(e.scores(name)).all(), name
    info = (
        ex.explain(SENTENCE, methods={"integrated_gradients": {"steps": 300}})
        .result("integrated_gradients")
        .info
    )
    assert (
        abs(info["completeness_gap"])
        <= 0.1 * abs(info["output_input"] - info["output_baseline"]) + 0.05
    )


#: parameters that add relevance of their own (biases, position and segment embeddings)
SOURCES = ("bias", "position", "token_type", "wpe")


@pytest.mark.parametrize("family", FAMILIES)
def test_deeplift_sums_to_the_models_own_logit_difference(zoo, family):
    """In float64, so that what is measured is the rules' exactness, not float32 rounding."""
    model, tok = zoo(family)
    model = copy.deepcopy(model).double()
    ex = Explainer(model, tok, device="cpu")
    if "deeplift" not in ex.supported_methods():
        with pytest.raises(ExplainError, match="deeplift needs propagation"):
            ex.explain(SENTENCE, methods=["deeplift"])
        return
    e = ex.explain(PAIR[0], text_pair=PAIR[1], methods=["deeplift"])
    info = e.result("deeplift").info
    own = float(model_logits(model, tok, *PAIR)[e.target])
    # Llama's and Qwen2's RMSNorm compute in float32 even in a float64 model; the rules do not
    assert info["output_input"] == pytest.approx(own, abs=1e-6)
    difference = info["output_input"] - info["output_baseline"]
    assert abs(difference) > 1e-4
    # the scores are stored as float32: their sum is exact to about 1e-6 of their magnitudes
    assert abs(e.result("deeplift").scores.sum() - difference) <= 1e-5 * abs(difference)


@pytest.mark.parametrize("family", FAMILIES)
def test_lrp_conserves_the_logit_without_biases(zoo, family):
    """At ε = 0, with every bias and position or segment embedding zeroed (and an encoder-
    decoder's start token, which its decoder reads first), the relevances sum to the logit."""
    model, tok = zoo(family)
    if "lrp" not in Explainer(model, tok, device="cpu").supported_methods():
        return
    unbiased = copy.deepcopy(model).double()
    with torch.no_grad():
        for name, parameter in unbiased.named_parameters():
            if any(source in name for source in SOURCES):
                parameter.zero_()
        if unbiased.config.is_encoder_decoder:
            unbiased.get_input_embeddings().weight[unbiased.config.decoder_start_token_id] = 0
    e = Explainer(unbiased, tok, device="cpu").explain(SENTENCE, methods={"lrp": {"epsilon": 0.0}})
    logit = float(model_logits(unbiased, tok, SENTENCE)[e.target])
    assert abs(logit) > 1e-3
    assert e.result("lrp").scores.sum() == pytest.approx(logit, rel=1e-6)
