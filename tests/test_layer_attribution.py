"""Attribution at inner layers: IG is complete at the layer (its scores sum to S(x) − S(x̄),
both outputs the model's own), gradient × activation matches autograd on the raw model's hidden
states, and the widget offers the model's layers as choices."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES

from notebook_explain import ExplainError
from notebook_explain.widget import ExplainWidget

TEXT = SENTENCES[1]


def test_minilm_offers_its_embedding_block_and_six_encoder_layers(hf_explainer):
    assert hf_explainer.adapter.layers == ("embeddings", "0", "1", "2", "3", "4", "5")


@pytest.mark.parametrize("layer", ["embeddings", "0", "3", "5"])
def test_integrated_gradients_is_complete_at_the_layer(hf_explainer, hf_model, tokenizer, layer):
    e = hf_explainer.explain(
        TEXT, methods={"integrated_gradients": {"layer": layer, "steps": 200}}, target=0
    )
    info = e.result("integrated_gradients").info
    with torch.no_grad():
        own = hf_model(**tokenizer(TEXT, return_tensors="pt")).logits[0, 0].item()
    assert info["output_input"] == pytest.approx(own, abs=1e-4)
    difference = info["output_input"] - info["output_baseline"]
    assert abs(difference) > 1e-2
    total = e.scores("integrated_gradients", level="token").sum()
    assert total == pytest.approx(difference, rel=1e-2)
    word = hf_explainer.explain(TEXT, methods=["integrated_gradients"], target=0)
    assert not np.allclose(e.scores("integrated_gradients"), word.scores("integrated_gradients"))


@pytest.mark.parametrize("layer", ["embeddings", "2"])
def test_gradient_times_activation_matches_the_raw_models_hidden_states(
    hf_explainer, hf_model, tokenizer, layer
):
    e = hf_explainer.explain(TEXT, methods={"signed_grad_input": {"layer": layer}}, target=2)
    enc = tokenizer(TEXT, return_tensors="pt")
    out = hf_model(**enc, output_hidden_states=True)
    hidden = out.hidden_states[0 if layer == "embeddings" else int(layer) + 1]
    (grad,) = torch.autograd.grad(out.logits[0, 2], hidden)
    expected = (grad * hidden).sum(-1)[0].detach().double().numpy()
    np.testing.assert_allclose(e.scores("signed_grad_input", level="token"), expected, atol=1e-5)


def test_an_unknown_layer_is_refused_with_the_choices(hf_explainer):
    with pytest.raises(ExplainError, match=r"no layer '9'; choose one of word_embeddings, embedd"):
        hf_explainer.explain(TEXT, methods={"grad_input": {"layer": "9"}})


def test_the_widget_offers_the_models_layers(hf_explainer):
    e = hf_explainer.explain(TEXT, methods=["integrated_gradients"])
    widget = ExplainWidget(e, hf_explainer)
    ig = next(m for m in widget.methods if m["name"] == "integrated_gradients")
    assert ig["params"]["layer"]["choices"] == ["word_embeddings", *hf_explainer.adapter.layers]
