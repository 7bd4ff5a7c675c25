"""The user's model keeps its own mode: explanations run in eval mode inside a context that
restores every submodule's training flag and every parameter's requires_grad afterwards, so a
model left in train mode (dropout on) still gets deterministic, eval-mode attributions."""

import numpy as np
import pytest
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer

METHODS = {"leave_one_out": {}, "integrated_gradients": {"steps": 8}, "saliency_l2": {}}


def _modes(model):
    return [m.training for m in model.modules()], [p.requires_grad for p in model.parameters()]


@pytest.mark.parametrize("which", ["word model", "MiniLM"])
def test_a_model_in_train_mode_is_explained_in_eval_mode_and_left_as_it_was(
    which, vocab, hf_model, tokenizer
):
    if which == "word model":
        model = make_word_model("bilstm_attention", vocab, dropout=0.5)
        ex = Explainer(model, vocab, device="cpu")
    else:
        model = hf_model
        ex = Explainer(model, tokenizer, device="cpu")
    model.eval()
    reference = ex.explain(SENTENCES[1], methods=METHODS)
    try:
        model.train()
        model.get_submodule(next(n for n, _ in model.named_modules() if n)).eval()  # mixed modes
        next(model.parameters()).requires_grad_(False)
        before = _modes(model)
        for _ in range(2):  # dropout would make each run differ
            e = ex.explain(SENTENCES[1], methods=METHODS)
            for method in METHODS:
                np.testing.assert_allclose(
                    e.scores(method), reference.scores(method), atol=1e-5, err_msg=method
                )
            np.testing.assert_allclose(ex.predict(SENTENCES[1]), reference.probabilities, atol=1e-6)
            assert _modes(model) == before
        assert any(before[0]) and not all(before[0])
    finally:
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)


def test_creating_an_explainer_leaves_the_model_in_its_mode(vocab):
    model = make_word_model("gru", vocab).train()
    Explainer(model, vocab, device="cpu")
    assert model.training and all(m.training for m in model.modules())
