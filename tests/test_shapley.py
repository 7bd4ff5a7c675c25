"""Shapley and Owen values against exact values computed here by enumerating coalitions, on a
real small GRU word model (every word one token, so words are the model's own inputs)."""

import itertools
import math

import numpy as np
import pytest
import torch
from conftest import make_word_model

from notebook_explain import Explainer, ExplainError

TEXT = "it 's not a bad film"  # 6 words: 64 coalitions
TARGET = 1


@pytest.fixture(scope="module")
def model_and_explainer(vocab):
    model = make_word_model("gru", vocab, seed=3)
    with torch.no_grad():
        model.embedding.weight.mul_(6)  # saturating gates: words interact, Owen ≠ Shapley
    return model, vocab, Explainer(model, vocab)


def value(model, vocab, kept: set[int]) -> float:
    """The target logit with every word outside ``kept`` replaced by the unknown word."""
    ids = [i if w in kept else vocab.unk_id for w, i in enumerate(vocab.encode(TEXT))]
    ids = torch.tensor([ids])
    with torch.no_grad():
        return model.forward_embeddings(model.embedding(ids), torch.ones_like(ids).bool())[
            0, TARGET
        ].item()


def exact_shapley(model, vocab, n: int) -> np.ndarray:
    phi = np.zeros(n)
    for i in range(n):
        others = [w for w in range(n) if w != i]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                kept = set(subset)
                phi[i] += weight * (value(model, vocab, kept | {i}) - value(model, vocab, kept))
    return phi


def exact_owen(model, vocab, unions: list[list[int]]) -> np.ndarray:
    """Owen's formula: for word i in union B_k, a sum over the sets R of other unions and the
    subsets T of B_k without i, weighted r!(m−r−1)!/m! · t!(b−t−1)!/b!."""
    m = len(unions)
    phi = {}
    for k, union in enumerate(unions):
        b, other_unions = len(union), [u for j, u in enumerate(unions) if j != k]
        for i in union:
            total = 0.0
            for r in range(m):
                for chosen in itertools.combinations(other_unions, r):
                    base = {w for u in chosen for w in u}
                    wr = math.factorial(r) * math.factorial(m - r - 1) / math.factorial(m)
                    rest = [w for w in union if w != i]
                    for t in range(b):
                        wt = math.factorial(t) * math.factorial(b - t - 1) / math.factorial(b)
                        for subset in itertools.combinations(rest, t):
                            kept = base | set(subset)
                            total += (
                                wr
                                * wt
                                * (value(model, vocab, kept | {i}) - value(model, vocab, kept))
                            )
            phi[i] = total
    return np.array([phi[i] for i in range(len(phi))])


def run(ex, method, spans=None, **params):
    e = ex.explain(TEXT, methods={method: {"removal": "unk", **params}}, target=TARGET, spans=spans)
    return e.scores(method), e.result(method).info


def test_shapley_converges_to_the_exact_values_within_its_standard_errors(model_and_explainer):
    model, vocab, ex = model_and_explainer
    exact = exact_shapley(model, vocab, 6)
    assert np.abs(exact).max() > 1e-2
    errors = {}
    for samples in (20, 2000):
        phi, info = run(ex, "shapley", samples=samples, seed=1)
        errors[samples] = np.abs(phi - exact).max()
        assert np.all(np.abs(phi - exact) <= 5 * np.array(info["standard_error"]) + 1e-9)
    assert errors[2000] < errors[20] / 3


def test_efficiency_holds_for_every_removal(model_and_explainer):
    """Σ φ = S(x) − S(no words), S(x) being the model's own output."""
    model, vocab, ex = model_and_explainer
    full = value(model, vocab, set(range(6)))
    for removal in ("unk", "delete"):
        e = ex.explain(TEXT, methods={"shapley": {"samples": 8, "removal": removal}}, target=TARGET)
        info = e.result("shapley").info
        assert abs(info["efficiency_gap"]) < 1e-6
        assert e.scores("shapley").sum() == pytest.approx(full - info["output_empty"], abs=1e-6)
        if removal == "unk":
            assert info["output_empty"] == pytest.approx(value(model, vocab, set()), abs=1e-6)


def test_same_seed_same_values_other_seed_other_values(model_and_explainer):
    _, _, ex = model_and_explainer
    first, _ = run(ex, "shapley", samples=10, seed=2)
    again, _ = run(ex, "shapley", samples=10, seed=2)
    other, _ = run(ex, "shapley", samples=10, seed=3)
    assert np.array_equal(first, again) and not np.allclose(first, other)


def test_owen_over_a_flat_tree_is_exact_shapley(model_and_explainer):
    model, vocab, ex = model_and_explainer
    flat = {"clause": [(0, 6)], "phrase": [(i, i + 1) for i in range(6)]}
    owen, info = run(ex, "owen", spans=flat)
    np.testing.assert_allclose(owen, exact_shapley(model, vocab, 6), atol=1e-6)
    assert info["sampled_nodes"] == 0 and info["rows"] == 2**6  # every coalition, each once


def test_owen_is_owens_formula_on_a_two_level_tree_in_fewer_rows(model_and_explainer):
    model, vocab, ex = model_and_explainer
    spans = {"clause": [(0, 6)], "phrase": [(0, 2), (2, 4), (4, 6)]}
    exact = exact_owen(model, vocab, [[0, 1], [2, 3], [4, 5]])
    assert np.abs(exact - exact_shapley(model, vocab, 6)).max() > 1e-3  # a different value
    phi, info = run(ex, "owen", spans=spans)
    np.testing.assert_allclose(phi, exact, atol=1e-6)
    assert abs(info["efficiency_gap"]) < 1e-6
    # each phrase's 2 words × the 4 coalitions of the other two phrases, shared: 2^6 at most
    assert info["rows"] < 2**6


def test_owens_estimate_is_the_rows_it_runs(model_and_explainer):
    _, _, ex = model_and_explainer
    text = "it 's not a bad film , but the plot is thin and the acting is worse"
    e = ex.explain(text, methods={"owen": {"removal": "unk"}})
    assert e.span_levels["clause"] and e.result("owen").info["rows"] > 1
    assert ex.estimate(text, {"owen": {}})["owen"]["rows"] == e.result("owen").info["rows"]


def test_owen_on_a_three_level_tree_is_the_recursive_formula(model_and_explainer):
    """Clauses of phrases of words: the Owen value nests the level-by-level Shapley sums."""
    model, vocab, ex = model_and_explainer
    tree = [[[0, 1], [2]], [[3], [4, 5]]]
    spans = {"clause": [(0, 3), (3, 6)], "phrase": [(0, 2), (2, 3), (3, 4), (4, 6)]}

    def shares(node, context):  # Owen's recursion, written out on the tree
        if isinstance(node, int):
            return {node: value(model, vocab, context | {node}) - value(model, vocab, context)}
        out = {}
        m = len(node)
        for j, child in enumerate(node):
            others = [c for k, c in enumerate(node) if k != j]
            for size in range(m):
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                for chosen in itertools.combinations(others, size):
                    words = {w for c in chosen for w in flatten(c)}
                    for word, v in shares(child, context | words).items():
                        out[word] = out.get(word, 0.0) + weight * v
        return out

    def flatten(node):
        return [node] if isinstance(node, int) else [w for c in node for w in flatten(c)]

    expected = shares(tree, set())
    phi, info = run(ex, "owen", spans=spans)
    np.testing.assert_allclose(phi, [expected[i] for i in range(6)], atol=1e-6)


def test_a_wide_node_is_sampled_efficiently_and_converges(model_and_explainer):
    model, vocab, ex = model_and_explainer
    flat = {"clause": [(0, 6)], "phrase": [(i, i + 1) for i in range(6)]}
    exact = exact_shapley(model, vocab, 6)
    errors = {}
    for samples in (4, 400):
        phi, info = run(ex, "owen", spans=flat, exact_width=3, samples=samples, seed=1)
        assert info["sampled_nodes"] == 1 and abs(info["efficiency_gap"]) < 1e-6
        errors[samples] = np.abs(phi - exact).max()
    assert errors[400] < errors[4] / 3 and errors[400] < 0.1 * np.abs(exact).max()


def test_mask_removal_needs_a_mask_token(model_and_explainer):
    _, _, ex = model_and_explainer
    with pytest.raises(ExplainError, match=r"shapley: .*no \[MASK\] token"):
        ex.explain(TEXT, methods={"shapley": {"removal": "mask"}})


def test_one_antithetic_pair_has_no_standard_error_and_still_exports(model_and_explainer, tmp_path):
    """Two samples are one pair: no spread to estimate, so the error is None (JSON null), not NaN."""
    _, _, ex = model_and_explainer
    e = ex.explain(TEXT, methods={"shapley": {"samples": 2}}, target=TARGET)
    assert e.result("shapley").info["standard_error"] is None
    assert e.to_html(tmp_path / "page.html").stat().st_size > 0


def test_kernel_shap_with_every_coalition_is_exact_shapley(model_and_explainer):
    """Lundberg & Lee's Theorem 2: the kernel-weighted regression on all 2^6 − 2 coalitions."""
    model, vocab, ex = model_and_explainer
    phi, info = run(ex, "kernel_shap", samples=62)
    np.testing.assert_allclose(phi, exact_shapley(model, vocab, 6), atol=1e-6)
    assert info["exact"] and info["coalitions"] == 62 and info["rows"] == 64


def test_sampled_kernel_shap_is_efficient_reproducible_and_close(model_and_explainer):
    model, vocab, ex = model_and_explainer
    exact = exact_shapley(model, vocab, 6)
    phi, info = run(ex, "kernel_shap", samples=40, seed=3)
    again, _ = run(ex, "kernel_shap", samples=40, seed=3)
    np.testing.assert_array_equal(phi, again)
    assert not info["exact"] and abs(info["efficiency_gap"]) < 1e-6
    assert phi.sum() == pytest.approx(exact.sum(), abs=1e-6)
    assert np.abs(phi - exact).max() < 0.5 * np.abs(exact).max()


def test_kernel_shap_is_near_captums_on_the_same_game_and_budget(model_and_explainer):
    """Captum's KernelShap (a test-only peer) on the same game, with the same 62 evaluations."""
    captum_attr = pytest.importorskip("captum.attr")
    pytest.importorskip("sklearn")  # Captum's KernelShap fits its regression with scikit-learn
    model, vocab, ex = model_and_explainer
    ids = torch.tensor([vocab.encode(TEXT)])

    def forward(
        presence,
    ):  # a word outside the coalition becomes the unknown word, as removal="unk"
        rows = torch.where(presence.bool(), ids, vocab.unk_id)
        with torch.no_grad():
            return model(rows, torch.ones_like(rows).bool())[:, TARGET]

    z = torch.tensor(list(itertools.product([0, 1], repeat=6)), dtype=torch.float32)
    proper = z[(z.sum(1) > 0) & (z.sum(1) < 6)]
    kernel = captum_attr.KernelShap(forward)
    torch.manual_seed(0)  # Captum draws its coalitions from torch's generator
    phi_captum = kernel.attribute(
        torch.ones(1, 6), baselines=torch.zeros(1, 6), n_samples=len(proper),
        perturbations_per_eval=64,
    )  # fmt: skip
    ours, _ = run(ex, "kernel_shap", samples=62)
    # Captum draws 62 coalitions at random (with repeats), so it lands near ours, not on them
    r = np.corrcoef(ours, phi_captum[0].numpy())[0, 1]
    assert r > 0.9, r


def _exact_group_shapley(model, vocab, groups):
    """Exact Shapley values of the game whose players are the word groups."""
    m = len(groups)
    phi = np.zeros(m)
    for k in range(m):
        others = [j for j in range(m) if j != k]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for chosen in itertools.combinations(others, size):
                kept = {w for j in chosen for w in groups[j]}
                phi[k] += weight * (
                    value(model, vocab, kept | set(groups[k])) - value(model, vocab, kept)
                )
    return phi


@pytest.mark.parametrize(
    "method, params", [("kernel_shap", {"samples": 6}), ("shapley", {"samples": 3000})]
)
def test_phrases_as_players_give_the_groups_shapley_values(model_and_explainer, method, params):
    """Feature groups: the phrases of the span level are the players, as Captum's feature_mask."""
    model, vocab, ex = model_and_explainer
    spans = {"clause": [(0, 6)], "phrase": [(0, 2), (2, 4), (4, 6)]}
    groups = [[0, 1], [2, 3], [4, 5]]
    exact = _exact_group_shapley(model, vocab, groups)
    e = ex.explain(
        TEXT,
        methods={method: {"removal": "unk", "players": "phrase", **params}},
        target=TARGET,
        spans=spans,
    )
    per_phrase = [span.scores[method] for span in e.spans("phrase")]
    tolerance = (
        1e-6 if method == "kernel_shap" else 5 * max(e.result(method).info["standard_error"]) + 1e-9
    )
    np.testing.assert_allclose(per_phrase, exact, atol=tolerance)
    words = e.scores(method)
    assert words[0] == pytest.approx(words[1])  # a phrase's value shared evenly by its words
