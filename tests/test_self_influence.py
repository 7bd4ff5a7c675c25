"""Self-influence rankings (``ex.label_suspects()`` without a run): each score is recomputed by
an independent path on the trained GRU demo (autograd on the head, the influence query on the
training text itself, the model's own probabilities, a brute-force neighbour search)."""

import numpy as np
import pytest
import torch

from notebook_explain import Explainer, ExplainError
from notebook_explain.influence.self_influence import NEIGHBOURS, self_influence

ROWS = 120


@pytest.fixture(scope="module")
def indexed(data_dir, tmp_path_factory):
    from notebook_explain.data import load_sst2

    ex = Explainer.demo("gru-sst2", progress=False)
    train = load_sst2("train", data_dir=data_dir)
    texts, labels = train.texts[:ROWS], np.array(train.labels[:ROWS])
    flipped = np.arange(0, ROWS, 10)
    labels[flipped] = 1 - labels[flipped]
    ex.index(texts, labels.tolist(), cache_dir=tmp_path_factory.mktemp("index"), progress=False)
    return ex, texts, labels, flipped


def head_gradient(weight, bias, feature, label) -> torch.Tensor:
    """∇θ L for one row by autograd through a Linear head."""
    w = weight.clone().double().requires_grad_(True)
    b = bias.clone().double().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy((feature @ w.T + b)[None], torch.tensor([label]))
    gw, gb = torch.autograd.grad(loss, (w, b))
    return torch.cat([gw.reshape(-1), gb])


def test_tracin_self_influence_is_the_rate_weighted_squared_gradient_norm(indexed):
    ex, *_ = indexed
    index = ex.training_index
    assert len(index.checkpoints) >= 2  # the demo's saved head states, not the final weights
    scores = self_influence(index, "tracin")
    for row in (0, 7, 50):
        expected = sum(
            c.learning_rate
            * head_gradient(c.weight, c.bias, index.features[row].double(), index.labels[row])
            .pow(2)
            .sum()
            for c in index.checkpoints
        )
        assert float(scores[row]) == pytest.approx(float(expected), rel=1e-9)


def test_influence_function_self_influence_is_the_query_on_the_example_itself(indexed):
    """The influence query for a training text, explained at its own label, scores that same
    training row with ∇L(z)ᵀ(H + λI)⁻¹∇L(z): the self-influence, by another code path."""
    ex, texts, labels, _ = indexed
    scores = self_influence(ex.training_index, "influence_function")
    for row in (3, 10, 41):
        answer = ex.influence(texts[row], k=ROWS, target=int(labels[row]), highlights=0)
        found = {item.index: item.score for item in answer.proponents + answer.opponents}
        assert found[row] == pytest.approx(float(scores[row]), rel=1e-6)
        assert scores[row] > 0  # a positive-definite form


def test_loss_ranking_is_the_models_own_cross_entropy(indexed):
    ex, texts, labels, _ = indexed
    scores = self_influence(ex.training_index, "loss")
    probabilities = np.array([ex.predict(text) for text in texts[:20]])
    expected = -np.log(probabilities[np.arange(20), labels[:20]])
    np.testing.assert_allclose(scores[:20].numpy(), expected, rtol=1e-4)


def test_knn_ranking_is_the_share_of_neighbours_labelled_otherwise(indexed):
    ex, *_ = indexed
    index = ex.training_index
    scores = self_influence(index, "knn")
    for row in (0, 5, 99):
        distances = (index.features - index.features[row]).norm(dim=1)
        distances[row] = float("inf")
        near = torch.argsort(distances)[:NEIGHBOURS]
        share = float((index.labels[near] != index.labels[row]).double().mean())
        assert float(scores[row]) == pytest.approx(share)


def test_self_influence_suspects_rank_every_row_and_find_flipped_labels(indexed):
    ex, texts, labels, flipped = indexed
    suspects = ex.label_suspects(progress=False)
    assert suspects.method == "tracin" and suspects.ranking == "self_influence"
    assert sorted(suspects.rows) == list(range(ROWS))
    assert list(suspects.scores) == sorted(suspects.scores, reverse=True)
    assert suspects.texts[0] == texts[suspects.rows[0]]
    assert suspects.labels[0] == ex.class_names[labels[suspects.rows[0]]]
    # the demo was trained on clean labels, so the flipped ones stand out at once
    top = set(suspects.rows[: len(flipped)])
    assert len(top & set(flipped.tolist())) >= len(flipped) // 2
    short = ex.label_suspects(method="loss", top=5)
    assert len(short) == 5 and short.counts == ()
    assert "count" not in short.to_pandas().columns
    payload = short.to_json()
    assert payload["ranking"] == "self_influence" and "own training loss" in payload["description"]
    assert [item["count"] for item in payload["items"]] == [None] * 5


def test_self_influence_refuses_what_it_cannot_compute(indexed, data_dir, tmp_path):
    ex, texts, labels, _ = indexed
    with pytest.raises(ExplainError, match="Unknown self-influence ranking 'nope'"):
        ex.label_suspects(method="nope")
    with pytest.raises(ExplainError, match="top must be a positive integer"):
        ex.label_suspects(top=0)
    fresh = Explainer(ex.adapter.model, ex.adapter.vocab, class_names=ex.class_names)
    with pytest.raises(ExplainError, match="No training index yet"):
        fresh.label_suspects()
    fresh.index(texts[:40], labels[:40].tolist(), hessian="cg", cache_dir=tmp_path, progress=False)
    with pytest.raises(ExplainError, match="needs the exact inverse Hessian"):
        fresh.label_suspects(method="influence_function")


def test_the_dataset_tab_lists_self_influence_suspects(indexed, data_dir):
    from notebook_explain.data import load_sst2

    ex, *_ = indexed
    dev = load_sst2("dev", data_dir=data_dir)
    run = ex.explain_dataset(dev.texts[:4], dev.labels[:4], methods=["saliency_l2"], progress=False)
    suspects = ex.label_suspects(method="knn", top=8)
    widget = ex.browse(run, suspects)
    listed = widget.dataset["suspects"]
    assert [item["row"] for item in listed["items"]] == list(suspects.rows)
    assert listed["ranking"] == "self_influence" and "neighbours" in listed["description"]
