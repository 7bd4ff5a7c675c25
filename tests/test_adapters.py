"""User-written adapters: one that only delegates to HFAdapter runs every method the explainer
lists (marginalization included) with the same scores; one that declares a capability without
its hook is refused at once, with the fix named."""

import numpy as np
import pytest

from notebook_explain import Explainer, ExplainError
from notebook_explain.models.base import EMBEDDINGS, MASK_TOKEN
from notebook_explain.models.hf import HFAdapter

TEXT = "a witty movie"
CHEAP = {
    "integrated_gradients": {"steps": 8},
    "lime": {"samples": 64},
    "marginalization": {"likelihood": "uniform", "max_candidates": 20},
    "soc": {"likelihood": "uniform", "samples": 4, "radius": 2},
}


class Delegating:
    """What a user writes to log or cache calls: every attribute comes from the wrapped adapter."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)


class ProtocolOnly:
    """The ModelAdapter protocol's members passed on by hand, and the wrapped ``capabilities``
    copied (declaring hooks it does not pass on) or replaced."""

    def __init__(self, inner, capabilities=None):
        self.inner = inner
        for name in ("name", "class_names", "device", "pad_id", "unk_id", "mask_id"):
            setattr(self, name, getattr(inner, name))
        self.capabilities = inner.capabilities if capabilities is None else capabilities

    def encode(self, text, text_pair=None):
        return self.inner.encode(text, text_pair)

    def embed(self, input_ids):
        return self.inner.embed(input_ids)

    def logits(self, embeddings, attention_mask, token_type_ids=None):
        return self.inner.logits(embeddings, attention_mask, token_type_ids)

    def inference(self):
        return self.inner.inference()


@pytest.fixture(scope="module")
def inner(hf_model, tokenizer):
    return HFAdapter(hf_model, tokenizer, device="cpu")


def test_a_delegating_adapter_runs_every_listed_method_as_the_wrapped_one_does(inner, hf_explainer):
    ex = Explainer(Delegating(inner))
    supported = ex.supported_methods()
    assert supported == hf_explainer.supported_methods() and "marginalization" in supported
    methods = {m: CHEAP.get(m, {}) for m in supported}
    ours, theirs = ex.explain(TEXT, methods=methods), hf_explainer.explain(TEXT, methods=methods)
    assert ours.methods == tuple(supported)
    for method in supported:
        np.testing.assert_allclose(
            ours.scores(method, "token"), theirs.scores(method, "token"), atol=1e-5, err_msg=method
        )
    with pytest.raises(ExplainError, match=r"needs a masked LM.*use_mlm"):
        ex.explain(TEXT, methods=["marginalization"])  # the default likelihood, none attached


def test_a_capability_without_its_hook_is_refused_with_the_fix(inner):
    with pytest.raises(
        ExplainError, match=r"vocabulary \(needs vocabulary\(\)\).*remove the flags"
    ):
        Explainer(ProtocolOnly(inner))
    plain = Explainer(ProtocolOnly(inner, frozenset({EMBEDDINGS, MASK_TOKEN})))
    assert "marginalization" not in plain.supported_methods()
    assert "integrated_gradients" in plain.supported_methods()
    with pytest.raises(ExplainError, match="marginalization needs vocabulary"):
        plain.explain(TEXT, methods=["marginalization"])
