"""Every identity a method offers is checked on every call, on inputs of realistic length: on
every family of the model zoo and the decoder families whose attention differs from Llama's,
at 5, 30 and 120 words, integrated gradients, DeepLIFT and the Shapley samplers either meet
their identity (recomputed here from the scores and the model's outputs) or refuse with an
ExplainError; integrated gradients, which is repaired rather than refused, meets it or warns and
marks its check failed. DeepLIFT's result is never returned with a gap over tolerance."""

import warnings

import pytest
from model_zoo import DECODER_FAMILIES, FAMILIES, build_model, tokenizer_for

from notebook_explain import Explainer, ExplainError
from notebook_explain.methods.identity import ROUNDING, TOLERANCE

LENGTHS = (5, 30, 120)
METHODS = {
    "integrated_gradients": {},
    "deeplift": {},
    "shapley": {"samples": 2},
}


@pytest.fixture(scope="module")
def texts(data_dir):
    from notebook_explain.data import load_sst2

    words = " ".join(load_sst2("dev", data_dir=data_dir).texts[:40]).split()
    return {n: " ".join(words[:n]) for n in LENGTHS}


def _holds(total, expected, *outputs) -> bool:
    scale = max([1.0, *(abs(o) for o in outputs)])
    return abs(total - expected) <= TOLERANCE * abs(expected) + ROUNDING * scale


@pytest.mark.parametrize("family", [*FAMILIES, *DECODER_FAMILIES])
def test_each_identity_holds_or_the_method_refuses(family, texts, sst_corpus, tokenizer):
    tok = tokenizer_for(family, sst_corpus, tokenizer)
    ex = Explainer(build_model(family, tok), tok, device="cpu")
    offered = set(ex.supported_methods())
    for n, text in texts.items():
        for method, params in METHODS.items():
            if method not in offered:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = ex.explain(text, methods={method: params}).result(method)
                except ExplainError as error:
                    assert method != "integrated_gradients", (family, n, error)
                    assert "cannot be computed correctly" in str(error), (family, n, error)
                    continue
            info, check = result.info, result.checks["identity"]
            first = "output_empty" if method == "shapley" else "output_baseline"
            outputs = (info["output_input"], info[first])
            expected = outputs[0] - outputs[1]
            holds = _holds(float(result.scores.sum()), expected, *outputs)
            assert check["ok"] == holds, (family, n, method, check)
            if method == "integrated_gradients" and not holds:
                assert any("has not converged" in str(w.message) for w in caught), (family, n)
            else:
                assert holds, (family, n, method, check)


def test_deeplift_is_refused_on_an_input_where_its_rules_miss(texts, sst_corpus, tokenizer):
    """Gemma 2 with a sliding window (8) shorter than the input: DeepLIFT passes the
    construction probe, then misses its summation on a 30-word sentence; the per-input check
    refuses it with the gap, and integrated gradients explains the same input."""
    tok = tokenizer_for("gemma2", sst_corpus, tokenizer)
    ex = Explainer(build_model("gemma2", tok), tok, device="cpu")
    if "deeplift" not in ex.supported_methods():
        pytest.skip("the probe already refuses DeepLIFT on this model")
    with pytest.raises(ExplainError, match=r"deeplift cannot be computed correctly.*gap"):
        ex.explain(texts[30], methods=["deeplift"])
    e = ex.explain(texts[30], methods=["integrated_gradients"])
    assert e.result("integrated_gradients").checks["identity"]["ok"]
