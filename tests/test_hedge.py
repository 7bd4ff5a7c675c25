"""HEDGE (Chen et al. 2020): the hierarchy's structure, its splits recomputed by brute force, and
its definitions on a model whose answer is known by construction (a fastText bag, linear in the
words when a removed word becomes the unknown token)."""

import itertools
import math

import numpy as np
import pytest
import torch
from conftest import make_word_model

from notebook_explain import Explainer
from notebook_explain.methods.hedge import EXACT

TEXT = "the film is not good at all"


@pytest.fixture(scope="module")
def gru(vocab):
    return Explainer(make_word_model("gru", vocab, seed=2), vocab, device="cpu")


@pytest.fixture(scope="module")
def bag(vocab):
    return Explainer(make_word_model("bag", vocab, seed=1), vocab, device="cpu")


def logits_of(ex, words):
    """The model's logits with only ``words`` kept and the others replaced by [UNK], straight
    from the model."""
    ids = [ex.adapter.vocab.encode(t)[0] if i in words else ex.adapter.unk_id
           for i, t in enumerate(TEXT.split())]  # fmt: skip
    ids = torch.tensor([ids])
    with torch.no_grad():
        return ex.adapter.model(ids, torch.ones_like(ids, dtype=torch.bool))[0].double()


def test_the_hierarchy_splits_one_segment_per_level_down_to_the_words(gru):
    e = gru.explain(TEXT, methods=["hedge"])
    info = e.result("hedge").info
    n = len(TEXT.split())
    levels = info["hierarchy"]
    assert len(levels) == n and [[a, b] for a, b, _ in levels[0]] == [[0, n]]
    for above, below in zip(levels, levels[1:]):
        spans = [(a, b) for a, b, _ in below]
        assert [w for a, b in spans for w in range(a, b)] == list(range(n))  # a partition
        assert len(below) == len(above) + 1  # one segment split in two
    assert [(a, b) for a, b, _ in levels[-1]] == [(i, i + 1) for i in range(n)]
    word_importance = [s for _, _, s in levels[-1]]
    np.testing.assert_allclose(e.scores("hedge"), word_importance)


def test_the_first_split_is_the_weakest_interaction_by_brute_force(gru):
    """With one segment there are no other players: I(L, R) = v(L∪R) − v(L) − v(R) + v(∅),
    v the target's logit with the other words replaced by [UNK]."""
    e = gru.explain(TEXT, methods={"hedge": {"removal": "unk"}}, output="logit")
    n, target = len(TEXT.split()), e.target

    def v(words):
        return float(logits_of(gru, set(words))[target])

    everything = range(n)
    interactions = {
        cut: abs(v(everything) - v(range(cut)) - v(range(cut, n)) + v(())) for cut in range(1, n)
    }
    first = e.result("hedge").info["splits"][0]
    assert first["at"] == min(interactions, key=interactions.get)
    assert first["interaction"] == pytest.approx(min(interactions.values()), abs=1e-5)


def test_on_a_linear_bag_every_interaction_is_zero_and_importance_is_the_segment_alone(bag):
    """A fastText bag's logits are linear in the mean of the embeddings; with removed words
    replaced by [UNK] the length stays, so the logits are additive over words and every
    Shapley interaction of the logit vanishes. Each segment's importance is p(target) minus the
    other class's probability with only that segment kept."""
    e = bag.explain(TEXT, methods={"hedge": {"removal": "unk"}}, output="logit")
    info = e.result("hedge").info
    assert max(abs(s["interaction"]) for s in info["splits"]) < 1e-5
    for level in info["hierarchy"]:
        for a, b, score in level:
            p = torch.softmax(logits_of(bag, set(range(a, b))), -1)
            assert score == pytest.approx(float(p[e.target] - p[1 - e.target]), abs=1e-6)


def test_sampled_coalitions_follow_the_interaction_weights():
    """With more than EXACT players the sizes are drawn uniformly: the expected weight of each
    size k is 1/(m+1), as Σ over subsets of size k of k!(m−k)!/(m+1)! is."""
    from notebook_explain.methods.hedge import _coalitions

    m = EXACT + 3
    players = [(i, i + 1) for i in range(m)]
    drawn = _coalitions(players, np.random.default_rng(0), 20_000)
    sizes = np.bincount([len(s) for s, _ in drawn], minlength=m + 1) / len(drawn)
    np.testing.assert_allclose(sizes, 1 / (m + 1), atol=0.01)
    exact = _coalitions(players[:EXACT], None, 0)
    assert len(exact) == 2**EXACT
    assert sum(w for _, w in exact) == pytest.approx(1.0)
    for k in range(EXACT + 1):
        weight = math.factorial(k) * math.factorial(EXACT - k) / math.factorial(EXACT + 1)
        assert all(w == pytest.approx(weight) for s, w in exact if len(s) == k)
    assert sum(1 for _ in itertools.combinations(players[:EXACT], 2)) == math.comb(EXACT, 2)


def test_hedge_says_what_it_costs(gru):
    e = gru.explain(TEXT, methods=["hedge"])
    estimate = gru.estimate(TEXT, ["hedge"])["hedge"]["rows"]
    assert 0 < e.result("hedge").info["rows"] <= estimate
