"""SmoothGrad and VarGrad: σ = 0 gives the base method, VarGrad is the variance of the noisy
maps, and the mean matches maps computed here one noisy copy at a time on the raw model."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES

from notebook_explain.methods.gradient import REDUCTIONS

TEXT = SENTENCES[1]


@pytest.mark.parametrize("base", list(REDUCTIONS))
def test_without_noise_smoothgrad_is_its_base_method_and_vargrad_is_zero(hf_explainer, base):
    params = {"base": base, "noise": 0.0, "samples": 3}
    e = hf_explainer.explain(
        TEXT, methods={base: {}, "smoothgrad": params, "vargrad": params}, target=0
    )
    np.testing.assert_allclose(
        e.scores("smoothgrad", level="token"), e.scores(base, level="token"), rtol=1e-5, atol=2e-6
    )
    assert np.abs(e.scores("vargrad", level="token")).max() < 1e-10


def test_the_maps_of_noisy_copies_match_the_raw_model(hf_explainer, hf_model, tokenizer):
    """The same noise drawn here; each copy's gradient × input taken by autograd on the model."""
    samples, noise, seed = 5, 0.5, 3
    params = {"base": "signed_grad_input", "samples": samples, "noise": noise, "seed": seed}
    e = hf_explainer.explain(TEXT, methods={"smoothgrad": params, "vargrad": params}, target=0)
    enc = tokenizer(TEXT, return_tensors="pt")
    x = hf_model.get_input_embeddings()(enc["input_ids"]).detach()
    special = torch.tensor(e.special_mask)[None, :, None]
    sigma = torch.where(special, 0.0, noise * x.norm(dim=-1, keepdim=True) / x.shape[-1] ** 0.5)
    noises = torch.randn((samples, *x.shape[1:]), generator=torch.Generator().manual_seed(seed))
    maps = []
    for k in range(samples):
        noisy = (x + sigma * noises[k : k + 1]).requires_grad_(True)
        logit = hf_model(inputs_embeds=noisy, attention_mask=enc["attention_mask"]).logits[0, 0]
        (grad,) = torch.autograd.grad(logit, noisy)
        maps.append((grad * noisy).sum(-1)[0].detach().double().numpy())
    maps = np.array(maps)
    np.testing.assert_allclose(e.scores("smoothgrad", level="token"), maps.mean(0), atol=1e-5)
    np.testing.assert_allclose(e.scores("vargrad", level="token"), maps.var(0), atol=1e-5)
    assert (e.scores("vargrad", level="token") >= 0).all()
    assert e.scores("vargrad", level="token")[~e.special_mask].min() > 0
