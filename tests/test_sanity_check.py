"""The model-randomisation sanity check (Adebayo et al. 2018) on real models: unchanged, every
correlation is 1; randomising the bag model's output layer leaves signed gradient × input
uncorrelated with the original; the weights are restored."""

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.metrics.sanity import layer_groups
from notebook_explain.models.base import parameters_fingerprint


def fingerprint(explainer):
    return parameters_fingerprint(explainer.adapter.named_parameters())


def test_cascading_check_on_minilm_restores_the_weights(hf_explainer):
    before = fingerprint(hf_explainer)
    check = hf_explainer.sanity_check(SENTENCES[1], ["signed_grad_input", "leave_one_out"])
    assert fingerprint(hf_explainer) == before
    groups = [name for name, _ in layer_groups(hf_explainer.adapter.named_parameters())]
    assert check.stages == ("none", *groups) and groups[0] == "classifier"
    assert "bert.encoder.layer.5" in groups and groups[-1].endswith("word_embeddings")
    for method, values in check.correlations.items():
        assert values[0] == pytest.approx(1.0), method  # nothing randomised: the same map
        assert values.shape == (len(check.stages),)
    # once everything is random, neither map keeps its ranking
    assert all(abs(v[-1]) < 0.9 for v in check.correlations.values())
    assert "SanityCheck(cascading" in repr(check)


def test_randomising_the_bag_models_only_layer_decorrelates_signed_grad_input(vocab):
    """A bag of embeddings: the logit is w_y · mean(e), so signed grad × input is e_i · w_y / L;
    a random w_y gives scores unrelated to the original ranking."""
    model = make_word_model("bag", vocab, seed=1)
    explainer = Explainer(model, vocab)
    before = fingerprint(explainer)
    output_layer = layer_groups(explainer.adapter.named_parameters())[0][0]
    stage = None
    values = []
    for seed in range(20):
        check = explainer.sanity_check(
            SENTENCES[1], ["signed_grad_input"], mode="independent", seed=seed
        )
        stage = check.stages.index(output_layer)
        values.append(check.correlations["signed_grad_input"][stage])
    assert fingerprint(explainer) == before
    assert stage == 1  # the top layer comes first
    assert abs(np.mean(values)) < 0.25 and np.std(values) > 0.1


def test_a_map_that_ignores_the_model_is_flagged(vocab):
    explainer = Explainer(make_word_model("gru", vocab), vocab)
    check = explainer.sanity_check(SENTENCES[0], ["random", "leave_one_out"])
    assert "random" in check.flagged  # the same seeded noise whatever the weights
    with pytest.raises(ExplainError, match="Unknown mode 'sideways'"):
        explainer.sanity_check(SENTENCES[0], ["random"], mode="sideways")
    with pytest.raises(ExplainError, match="seed must be a non-negative integer"):
        explainer.sanity_check(SENTENCES[0], ["random"], seed=-1)


def test_a_map_mirrored_by_the_output_layer_is_kept_not_changed(vocab):
    """Negating the target row of a GRU's output layer negates S_y and every gradient of it:
    the signed map is mirrored exactly (ρ = −1), yet it ranks the same words as important, so
    the check (on absolute values, as Adebayo et al.) reads it as kept (ρ = 1), not changed."""
    from notebook_explain.metrics.sanity import SURVIVES, _correlations

    model = make_word_model("gru", vocab, seed=2, hidden_dim=16)
    explainer = Explainer(model, vocab)
    requested = {"signed_grad_input": {}, "integrated_gradients": {"steps": 64}}
    original = explainer.explain(SENTENCES[1], methods=requested, target=0)
    with torch.no_grad():
        model.output.weight[0].neg_()
        model.output.bias[0].neg_()
    absolute, signed = _correlations(
        explainer.engine, SENTENCES[1], requested, original, {"target": 0}
    )
    np.testing.assert_allclose(signed, [-1.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(absolute, [1.0, 1.0], atol=1e-6)
    assert min(absolute) >= SURVIVES
