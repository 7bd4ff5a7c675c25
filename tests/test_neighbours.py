"""The nearest-neighbour search behind knn and fast_influence: FAISS's exact index answers what
brute force answers on real head features (SST-2 through the GRU demo); without FAISS the torch
search gives the same rankings; the approximate kinds find most of the exact neighbours."""

import numpy as np
import pytest
import torch

from notebook_explain import Explainer, ExplainError
from notebook_explain.influence import neighbours as neighbours_module
from notebook_explain.influence.neighbours import NeighbourSearch

faiss = pytest.importorskip("faiss")


@pytest.fixture(scope="module")
def indexed(data_dir, tmp_path_factory):
    from notebook_explain.data import load_sst2

    ex = Explainer.demo("gru-sst2", progress=False)
    train = load_sst2("train", data_dir=data_dir)
    ex.index(train.texts[:2000], train.labels[:2000], cache_dir=tmp_path_factory.mktemp("c"),
             progress=False)  # fmt: skip
    queries = load_sst2("test", data_dir=data_dir).texts[:20]
    return ex, queries


def brute_force(features, query, k):
    distances = np.linalg.norm(features - query, axis=1)
    return np.argsort(distances, kind="stable")[:k], np.sort(distances)[:k]


def test_faiss_exact_search_is_brute_force_on_real_features(indexed):
    ex, queries = indexed
    index = ex.training_index
    assert index.neighbours.backend == "faiss" and index.neighbours.kind == "exact"
    features = index.features.numpy()
    from notebook_explain.influence.scorers import make_query

    checked = 0
    for text in queries:
        query = make_query(ex.adapter, text, None).features
        rows, distances = index.nearest(query, 10)
        expected_rows, expected = brute_force(features, query.numpy(), 11)
        np.testing.assert_allclose(distances.numpy(), expected[:10], rtol=1e-6)
        # the same ten rows, unless the 10th and 11th are tied within float32 rounding
        if expected[10] - expected[9] > 1e-5 * expected[10]:
            assert set(rows.tolist()) == set(expected_rows[:10].tolist())
            checked += 1
    assert checked >= 15


def test_without_faiss_the_rankings_are_the_same(indexed, monkeypatch):
    ex, queries = indexed
    with_faiss = [ex.influence(t, method="knn", k=8, highlights=0) for t in queries[:5]]
    fast = [ex.influence(t, method="fast_influence", k=5, highlights=0) for t in queries[:5]]
    monkeypatch.setattr(neighbours_module, "faiss_or_none", lambda: None)
    ex.training_index.neighbours = NeighbourSearch(ex.training_index.features)
    assert ex.training_index.neighbours.backend == "torch"
    for text, a, b in zip(queries[:5], with_faiss, fast):
        again = ex.influence(text, method="knn", k=8, highlights=0)
        assert [i.index for i in again.proponents] == [i.index for i in a.proponents]
        assert [i.index for i in again.opponents] == [i.index for i in a.opponents]
        fast_again = ex.influence(text, method="fast_influence", k=5, highlights=0)
        assert [i.index for i in fast_again.proponents] == [i.index for i in b.proponents]
    ex.training_index.neighbours = NeighbourSearch(ex.training_index.features)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_the_approximate_searches_find_most_exact_neighbours(indexed, kind):
    ex, queries = indexed
    from notebook_explain.influence.scorers import make_query

    features = ex.training_index.features
    approximate = NeighbourSearch(features, kind)
    recalls = []
    for text in queries:
        query = make_query(ex.adapter, text, None).features
        rows, _ = approximate.search(query, 10)
        exact, _ = brute_force(features.numpy(), query.numpy(), 10)
        recalls.append(len(set(rows.tolist()) & set(exact.tolist())) / 10)
    assert np.mean(recalls) >= 0.8, recalls


def test_bad_kinds_are_refused(indexed, monkeypatch):
    ex, _ = indexed
    features = ex.training_index.features
    with pytest.raises(ExplainError, match="Unknown neighbour search 'annoy'"):
        NeighbourSearch(features, "annoy")
    monkeypatch.setattr(neighbours_module, "faiss_or_none", lambda: None)
    with pytest.raises(ExplainError, match=r"needs FAISS: pip install 'notebook_explain\[faiss\]'"):
        NeighbourSearch(features, "hnsw")
    assert isinstance(NeighbourSearch(torch.zeros(3, 2)).search(torch.zeros(2), 5)[0], torch.Tensor)
