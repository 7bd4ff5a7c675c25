"""Two threads on one Explainer: the same numbers as the same calls made one after the other,
on models with dropout (where a request running in training mode gives different scores), and
the user's model left in the mode it was in."""

import threading

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.models.base import inference_mode

METHODS = {"leave_one_out": {}, "lime": {"samples": 64, "seed": 0}, "shapley": {"samples": 8}}


def _run_together(explainer, jobs):
    """Each job (text, methods) run in its own thread, all released at once."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def work(i, text, methods):
        try:
            barrier.wait()
            results[i] = explainer.explain(text, methods=methods)
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return results


@pytest.mark.parametrize("arch", ["gru", "cnn"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_threads_match_sequential_calls_on_a_dropout_model(vocab, arch, mode):
    options = {"dropout": 0.5} if arch == "cnn" else {"dropout": 0.5, "hidden_dim": 16}
    model = make_word_model(arch, vocab, **options)
    model.train(mode == "train")
    explainer = Explainer(model, vocab, device="cpu")
    jobs = [(text, METHODS) for text in SENTENCES] * 2
    sequential = [explainer.explain(text, methods=methods) for text, methods in jobs]
    together = _run_together(explainer, jobs)
    for alone, concurrent in zip(sequential, together):
        for name in METHODS:
            np.testing.assert_allclose(
                concurrent.results[name].scores, alone.results[name].scores, atol=1e-6
            )
    # the user's modes and flags are as they were
    assert all(m.training == (mode == "train") for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())


def test_training_mode_would_change_the_scores(vocab):
    """The test above can fail: in training mode the same request gives other scores."""
    model = make_word_model("gru", vocab, dropout=0.5, hidden_dim=16)
    ids = Explainer(model, vocab, device="cpu").adapter.encode(SENTENCES[1]).input_ids
    model.train()
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        assert not torch.allclose(model(ids, mask), model(ids, mask))


def test_nested_contexts_restore_only_at_the_outermost(vocab):
    model = make_word_model("gru", vocab, dropout=0.5, hidden_dim=16).train()
    with inference_mode(model):
        with inference_mode(model):
            assert not model.training
        assert not model.training, "the inner context put the model back in training mode"
        assert not any(p.requires_grad for p in model.parameters())
    assert model.training and all(p.requires_grad for p in model.parameters())


def test_a_second_thread_waits_for_the_model(vocab):
    """While one thread holds the model, another's request waits and the first's mode holds."""
    model = make_word_model("gru", vocab, dropout=0.5, hidden_dim=16).train()
    entered, release, seen = threading.Event(), threading.Event(), []

    def holder():
        with inference_mode(model):
            entered.set()
            release.wait(10)
            seen.append(model.training)

    def other():
        with inference_mode(model):
            seen.append("other")

    first = threading.Thread(target=holder)
    first.start()
    entered.wait(10)
    second = threading.Thread(target=other)
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second thread ran while the first held the model"
    release.set()
    first.join(10)
    second.join(10)
    assert seen == [False, "other"]
    assert model.training


def test_demo_models_are_handed_out_in_eval_mode(tmp_path, data_dir):
    from notebook_explain.demo import load_demo

    small = {"max_train": 200, "epochs": 1, "checkpoints": 1, "progress": False}
    for _ in range(2):  # trained, then loaded from the cache
        demo = load_demo("gru-sst2", data_dir=data_dir, cache_dir=tmp_path, **small)
        assert not any(m.training for m in demo.adapter.model.modules())
