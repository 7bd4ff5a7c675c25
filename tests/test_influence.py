"""Training-data influence: identities against autograd, brute force and leave-one-out retraining."""

import json

import numpy as np
import pytest
import torch
from conftest import make_word_model

from notebook_explain import Explainer
from notebook_explain.errors import ExplainError
from notebook_explain.influence import gradients
from notebook_explain.influence.hessian import InverseHessian
from notebook_explain.models.vocab import WordVocab

NAMES = ["negative", "positive"]
DAMPING = 0.01
TEST_TEXT = "a gorgeous , witty , seductive movie ."


@pytest.fixture(scope="module")
def sst(data_dir):
    from notebook_explain.data import load_sst2

    train = load_sst2("train", data_dir=data_dir)
    return train.texts[:160], train.labels[:160]


@pytest.fixture(scope="module")
def bag_vocab(sst):
    return WordVocab.build(sst[0] + [TEST_TEXT])


def _loss(theta, x, y, damping):
    """Mean cross-entropy of the logistic head θ = [vec(W), b] plus (λ/2)‖θ‖²."""
    n, h = x.shape
    logits = x @ theta[: 2 * h].reshape(2, h).T + theta[2 * h :]
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -log_p[np.arange(n), y].mean() + 0.5 * damping * theta @ theta


def _fit(x, y, start, damping=DAMPING):
    """Newton's method on the damped loss, in the [W | b] per-class layout, to machine precision."""
    n, h = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    u = np.concatenate([start[: 2 * h].reshape(2, h), start[2 * h :, None]], 1).ravel()
    for _ in range(100):
        logits = xb @ u.reshape(2, h + 1).T
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        grad = ((p - np.eye(2)[y]).T @ xb).ravel() / n + damping * u
        if np.abs(grad).max() < 1e-13:
            break
        hess = np.zeros((2 * (h + 1), 2 * (h + 1)))
        for i in range(n):
            curvature = np.diag(p[i]) - np.outer(p[i], p[i])
            hess += np.kron(curvature, np.outer(xb[i], xb[i])) / n
        u = u - np.linalg.solve(hess + damping * np.eye(len(u)), grad)
    per_class = u.reshape(2, h + 1)
    return np.concatenate([per_class[:, :h].ravel(), per_class[:, h]])


def _features(explainer, texts):
    """The head inputs of the bag model, computed directly: the mean word embedding."""
    model = explainer.adapter.model
    with torch.no_grad():
        rows = [
            model.embedding(torch.tensor(explainer.adapter.vocab.encode(t))).mean(0) for t in texts
        ]
    return torch.stack(rows).double().numpy()


@pytest.fixture(scope="module")
def fitted(sst, bag_vocab):
    """A bag-of-embeddings model whose head is the converged damped logistic regression."""
    model = make_word_model("bag", bag_vocab, seed=1)
    explainer = Explainer(model, bag_vocab, device="cpu", class_names=NAMES)
    x, y = _features(explainer, sst[0]), np.asarray(sst[1])
    theta = _fit(x, y, np.zeros(2 * x.shape[1] + 2))
    h = x.shape[1]
    with torch.no_grad():
        model.output.weight.copy_(torch.tensor(theta[: 2 * h].reshape(2, h)))
        model.output.bias.copy_(torch.tensor(theta[2 * h :]))
    return explainer, x, y, theta


@pytest.fixture(scope="module")
def indexed(fitted, sst, tmp_path_factory):
    explainer = fitted[0]
    explainer.index(
        *sst, damping=DAMPING, cache_dir=tmp_path_factory.mktemp("cache"), progress=False
    )
    return explainer


def test_influence_matches_leave_one_out_retraining(fitted, indexed):
    _, x, y, theta = fitted
    result = indexed.influence(TEST_TEXT, k=20, highlights=0)
    target = NAMES.index(result.prediction)
    x_test = _features(indexed, [TEST_TEXT])

    def test_loss(t):
        return _loss(t, x_test, np.array([target]), 0.0)

    rows = [item.index for item in result.proponents + result.opponents]
    assert len(rows) >= 30
    estimated = np.array([item.score for item in result.proponents + result.opponents]) / len(y)
    actual = []
    for row in rows:
        keep = np.arange(len(y)) != row
        actual.append(test_loss(_fit(x[keep], y[keep], theta)) - test_loss(theta))
    assert np.corrcoef(estimated, actual)[0, 1] >= 0.9
    assert np.all(np.sign(estimated[:10]) == np.sign(actual[:10]))  # strong proponents raise it


def test_head_gradients_and_exact_hessian_match_autograd(fitted):
    _, x, y, theta = fitted
    features, labels = torch.tensor(x[:25]), torch.tensor(y[:25])
    h = x.shape[1]

    def mean_loss(flat):
        logits = features @ flat[: 2 * h].reshape(2, h).T + flat[2 * h :]
        return torch.nn.functional.cross_entropy(logits, labels)

    flat = torch.tensor(theta)
    weight, bias = flat[: 2 * h].reshape(2, h), flat[2 * h :]
    expected = torch.autograd.functional.hessian(mean_loss, flat)
    torch.testing.assert_close(gradients.hessian(features, weight, bias), expected)

    def mean_loss_row(t, i):
        logits = features[i] @ t[: 2 * h].reshape(2, h).T + t[2 * h :]
        return torch.nn.functional.cross_entropy(logits[None], labels[i : i + 1])

    per_example = torch.stack(
        [
            torch.autograd.functional.jacobian(lambda t, i=i: mean_loss_row(t, i), flat)
            for i in range(3)
        ]
    )

    residuals = gradients.residuals(features[:3], labels[:3], weight, bias)
    torch.testing.assert_close(gradients.gradients(features[:3], residuals), per_example)


def test_cg_and_lissa_agree_with_the_exact_inverse(fitted):
    _, x, _, theta = fitted
    features = torch.tensor(x)
    h = x.shape[1]
    weight, bias = torch.tensor(theta[: 2 * h]).reshape(2, h), torch.tensor(theta[2 * h :])
    hvp = gradients.hessian_vector_product(features, weight, bias)
    matrix = gradients.hessian(features, weight, bias)
    vector = torch.randn(
        matrix.shape[0], generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    expected = torch.linalg.solve(
        matrix + 0.05 * torch.eye(matrix.shape[0], dtype=torch.float64), vector
    )
    for solver in ("exact", "cg", "lissa"):
        solved = InverseHessian(solver, 0.05, hvp, matrix.shape[0], matrix)(vector, tol=1e-12)
        torch.testing.assert_close(solved, expected, rtol=1e-6, atol=1e-8)


def test_knn_neighbours_and_conformity_match_brute_force(indexed, fitted):
    _, x, y, _ = fitted
    result = indexed.influence(TEST_TEXT, k=7, method="knn", highlights=0)
    distances = np.linalg.norm(x - _features(indexed, [TEST_TEXT]), axis=1)
    nearest = np.argsort(distances)[:7]
    items = result.proponents + result.opponents
    assert sorted(item.index for item in items) == sorted(nearest.tolist())
    predicted = NAMES.index(result.prediction)
    assert result.conformity == pytest.approx(np.mean(y[nearest] == predicted))
    assert all(NAMES[y[i.index]] == result.prediction for i in result.proponents)
    assert all(NAMES[y[i.index]] != result.prediction for i in result.opponents)
    assert [i.index for i in result.proponents] == [i for i in nearest if y[i] == predicted]


def _head_gradient(explainer, text, label):
    """∇ of the cross-entropy w.r.t. the head's [vec(W), b], by autograd through the whole model."""
    model = explainer.adapter.model
    ids = torch.tensor([explainer.adapter.vocab.encode(text)])
    loss = torch.nn.functional.cross_entropy(
        model(ids, torch.ones_like(ids, dtype=torch.bool)), torch.tensor([label])
    )
    weight, bias = torch.autograd.grad(loss, [model.output.weight, model.output.bias])
    return torch.cat([weight.reshape(-1), bias]).double()


def test_tracin_is_the_learning_rate_weighted_gradient_dot_product(fitted, sst, tmp_path):
    from safetensors.torch import save_file

    explainer, _, y, _ = fitted
    head = explainer.adapter.model.output
    final = (head.weight.detach().clone(), head.bias.detach().clone())
    explainer.index(*sst, cache_dir=tmp_path / "cache", progress=False)  # no checkpoints
    single = explainer.influence(TEST_TEXT, k=5, method="tracin", highlights=0)
    target = NAMES.index(single.prediction)
    test_grad = _head_gradient(explainer, TEST_TEXT, target)
    for item in single.proponents + single.opponents:
        expected = float(
            _head_gradient(explainer, sst[0][item.index], int(y[item.index])) @ test_grad
        )
        assert item.score == pytest.approx(expected, rel=1e-6)

    folder = tmp_path / "checkpoints"
    folder.mkdir()
    states = [(0.5, final[0] * 0.3, final[1] - 1.0), (0.1, final[0], final[1])]
    for step, (rate, w, b) in enumerate(states):
        save_file(
            {"output.weight": w.contiguous(), "output.bias": b.contiguous()},
            str(folder / f"{step}.safetensors"),
        )
    (folder / "index.json").write_text(
        json.dumps(
            [
                {"file": f"{s}.safetensors", "step": s, "learning_rate": r}
                for s, (r, _, _) in enumerate(states)
            ]
        )
    )
    explainer.index(*sst, checkpoints=folder, cache_dir=tmp_path / "cache", progress=False)
    result = explainer.influence(TEST_TEXT, k=5, method="tracin", highlights=0)
    assert result.info["checkpoints"] == 2
    item = result.proponents[0]
    expected = 0.0
    try:
        for rate, w, b in states:
            with torch.no_grad():
                head.weight.copy_(w)
                head.bias.copy_(b)
            expected += rate * float(
                _head_gradient(explainer, sst[0][item.index], int(y[item.index]))
                @ _head_gradient(explainer, TEST_TEXT, target)
            )
    finally:
        with torch.no_grad():
            head.weight.copy_(final[0])
            head.bias.copy_(final[1])
    assert item.score == pytest.approx(expected, rel=1e-6)


def test_cache_is_reused_and_invalidated_by_new_weights_or_data(sst, bag_vocab, tmp_path):
    model = make_word_model("bag", bag_vocab, seed=2)
    explainer = Explainer(model, bag_vocab, device="cpu", class_names=NAMES)
    calls = []
    model.output.register_forward_pre_hook(lambda *_: calls.append(1))
    texts, labels = sst[0][:40], sst[1][:40]
    first = explainer.index(texts, labels, cache_dir=tmp_path, progress=False)
    assert not first.from_cache and calls
    calls.clear()
    second = explainer.index(texts, labels, cache_dir=tmp_path, progress=False)
    assert second.from_cache and not calls  # no forward pass ran
    torch.testing.assert_close(second.features, first.features)
    assert not explainer.index(
        texts, labels[::-1].copy(), cache_dir=tmp_path, progress=False
    ).from_cache
    with torch.no_grad():
        model.output.weight.mul_(3.0)  # the head is no part of the features: reused, rescored
    rescored = explainer.index(texts, labels, cache_dir=tmp_path, progress=False)
    assert rescored.from_cache and torch.equal(rescored.weight, model.output.weight.double())
    with torch.no_grad():
        model.embedding.weight[5] += 1.0
    changed = explainer.index(texts, labels, cache_dir=tmp_path, progress=False)
    assert not changed.from_cache and not torch.equal(changed.features, first.features)


def test_bad_input_raises_clear_errors(sst, bag_vocab, tmp_path):
    model = make_word_model("bag", bag_vocab, seed=3)
    explainer = Explainer(model, bag_vocab, device="cpu", class_names=NAMES)
    with pytest.raises(ExplainError, match=r"ex\.index\(train_texts, train_labels\)"):
        explainer.influence(TEST_TEXT)
    with pytest.raises(ExplainError, match="empty"):
        explainer.index([], [], cache_dir=tmp_path)
    with pytest.raises(ExplainError, match="3 training texts but 2 labels"):
        explainer.index(sst[0][:3], sst[1][:2], cache_dir=tmp_path)
    with pytest.raises(ExplainError, match="not one of the model's classes"):
        explainer.index(sst[0][:3], [0, 1, 2], cache_dir=tmp_path)
    with pytest.raises(ExplainError, match="not one of the model's classes"):
        explainer.index(sst[0][:2], ["negative", "neutral"], cache_dir=tmp_path)
    explainer.index(sst[0][:20], ["negative", "positive"] * 10, cache_dir=tmp_path, progress=False)
    with pytest.raises(ExplainError, match="Unknown influence method"):
        explainer.influence(TEST_TEXT, method="shapley")
    with pytest.raises(ExplainError, match="outside"):
        explainer.token_influence(TEST_TEXT, 99)
    with torch.no_grad():
        model.output.weight.mul_(2)
    with pytest.raises(ExplainError, match="weights changed"):
        explainer.influence(TEST_TEXT)


def test_token_influence_double_backward_matches_finite_differences(sst, bag_vocab, tmp_path):
    model = make_word_model("gru", bag_vocab, seed=4, hidden_dim=8)
    explainer = Explainer(model, bag_vocab, device="cpu", class_names=NAMES)
    explainer.index(*sst, cache_dir=tmp_path, progress=False)
    token = 1
    result = explainer.token_influence(TEST_TEXT, token, k=3, highlights=1)
    assert result.test_token == token and result.to_json()["test_token"] == token
    target = NAMES.index(result.prediction)
    index = explainer.training_index
    ids = torch.tensor([bag_vocab.encode(TEST_TEXT)])
    mask = torch.ones_like(ids, dtype=torch.bool)

    def saliency():
        embeddings = model.embedding(ids).detach().requires_grad_(True)
        logit = model.forward_embeddings(embeddings, mask)[0, target]
        return float(torch.autograd.grad(logit, embeddings)[0][0, token].norm())

    head = model.output
    original = (head.weight.detach().clone(), head.bias.detach().clone())
    for item in (result.proponents[0], result.opponents[0]):
        g = _head_gradient(explainer, sst[0][item.index], int(sst[1][item.index]))
        direction = index.inverse_hessian(g)
        step = 1e-4
        values = []
        for sign in (1, -1):
            with torch.no_grad():
                head.weight.copy_(original[0] + sign * step * direction[:-2].reshape(2, -1).float())
                head.bias.copy_(original[1] + sign * step * direction[-2:].float())
            values.append(saliency())
        with torch.no_grad():
            head.weight.copy_(original[0])
            head.bias.copy_(original[1])
        assert item.score == pytest.approx(-(values[0] - values[1]) / (2 * step), rel=2e-3)


def test_result_is_the_widget_payload_with_leave_word_out_highlights(indexed, fitted):
    result = indexed.influence(TEST_TEXT, k=4, highlights=1)
    payload = json.loads(json.dumps(result.to_json()))
    assert payload["status"] == "ready" and payload["method"] == "influence_function"
    assert payload["test_token"] is None and "removing z" in payload["sign_note"]
    assert payload["hint"].startswith("Proponents:") and "∇" not in payload["hint"]
    top = payload["proponents"][0]
    assert set(top) >= {"index", "text", "label", "score", "words", "word_scores"}
    assert top["label"] in NAMES and len(top["words"]) == len(top["word_scores"]) > 0
    assert payload["proponents"][1]["words"] == []  # only the top item per side is highlighted
    # leave-word-out, recomputed: the example's score without each of its words
    words = top["words"]
    for t in range(min(3, len(words))):
        shorter = " ".join(words[:t] + words[t + 1 :])
        label = NAMES.index(top["label"])
        x_full, x_short = _features(indexed, [top["text"]]), _features(indexed, [shorter])
        scorer_rows = torch.tensor(np.vstack([x_full, x_short]))
        index = indexed.training_index
        from notebook_explain.influence.scorers import loss_scorer, make_query

        query = make_query(indexed.adapter, TEST_TEXT, None)
        scores = loss_scorer(index, query)(scorer_rows, torch.tensor([label, label]))
        assert top["word_scores"][t] == pytest.approx(
            float(scores[0] - scores[1]), rel=1e-6, abs=1e-9
        )


@pytest.mark.parametrize(
    "edit",
    [
        "head weight",
        "head bias",
        "encoder weight",
        "encoder weight through .data",
        "a replaced parameter",
    ],
)
def test_no_stale_answer_after_any_weight_changes(sst, bag_vocab, tmp_path, edit):
    """Every parameter counts, however it is changed; the widget's panel says so too."""
    model = make_word_model("gru", bag_vocab, seed=5, hidden_dim=8)
    explainer = Explainer(model, bag_vocab, device="cpu", class_names=NAMES)
    explainer.index(sst[0][:40], sst[1][:40], cache_dir=tmp_path, progress=False)
    explainer.influence(TEST_TEXT, k=2)  # fresh: answers
    with torch.no_grad():
        if edit == "head weight":
            model.output.weight[0, 0] += 1e-3
        elif edit == "head bias":
            model.output.bias.add_(0.5)
        elif edit == "encoder weight":
            model.embedding.weight.mul_(1.5)
        elif edit == "encoder weight through .data":
            model.encoder.rnn.weight_hh_l0.data[0, 0] += 1e-3  # no version counter sees this
        else:
            model.output.bias = torch.nn.Parameter(model.output.bias.detach().clone() + 1)
    for method in ("influence_function", "knn", "tracin", "fast_influence"):
        with pytest.raises(ExplainError, match="weights changed since the training index"):
            explainer.influence(TEST_TEXT, method=method)
    with pytest.raises(ExplainError, match="weights changed"):
        explainer.token_influence(TEST_TEXT, 1)
    w = explainer.show(TEST_TEXT, methods=["saliency_l2"], view="influence")
    assert w.influence["status"] == "empty" and "weights changed" in w.influence["message"]
    explainer.index(sst[0][:40], sst[1][:40], cache_dir=tmp_path, progress=False)
    assert (
        explainer.influence(TEST_TEXT, k=2).proponents or explainer.influence(TEST_TEXT).opponents
    )


def test_an_influence_ranking_as_a_dataframe(indexed):
    pytest.importorskip("pandas")
    result = indexed.influence(TEST_TEXT, k=3, highlights=0)
    table = result.to_pandas()
    assert list(table["side"]) == ["proponent"] * 3 + ["opponent"] * 3
    assert list(table["rank"]) == [1, 2, 3, 1, 2, 3]
    assert list(table["index"]) == [i.index for i in (*result.proponents, *result.opponents)]
    assert list(table["score"]) == [i.score for i in (*result.proponents, *result.opponents)]


def test_every_influence_ranking_says_what_it_means_in_plain_words():
    from notebook_explain.influence.scorers import PLAIN_HINTS, SIGN_NOTES

    assert set(SIGN_NOTES) | {"token_influence"} == set(PLAIN_HINTS)
    for method, hint in PLAIN_HINTS.items():
        assert hint.startswith(("Proponents:", "The training examples")), method
        assert not any(symbol in hint for symbol in "∇Σ⁻="), method  # no formula


def test_highlights_are_whole_words_removed_with_all_their_pieces(tokenizer, tmp_path):
    """On a WordPiece model a word of several pieces is one highlight, shown as the word (no
    "##", no special tokens), and its score is the item's score without all of its pieces."""
    from model_zoo import build_model

    from notebook_explain.influence.index import head_features
    from notebook_explain.influence.scorers import loss_scorer, make_query
    from notebook_explain.methods.context import Batching

    ex = Explainer(build_model("bert", tokenizer, num_labels=2), tokenizer, device="cpu")
    # every text has words of several pieces ("un ##bel ##ie ##va ##bly", "over ##wr ##ough ##t")
    texts = [
        "an unbelievably tedious remake",
        "an overwrought , gorgeous film",
        "an incoherent mess",
    ] * 3
    ex.index(texts, [0, 1, 0] * 3, cache_dir=tmp_path, progress=False)
    result = ex.influence("an unbelievably tedious remake", k=3, highlights=3)
    items = [i for i in result.proponents + result.opponents if i.words]
    assert items
    index, query = ex.training_index, make_query(ex.adapter, "an unbelievably tedious remake", None)
    scorer = loss_scorer(index, query)
    checked = 0
    for item in items:
        encoded = ex.adapter.encode(item.text)
        assert list(item.words) == list(encoded.words) and not any("#" in w for w in item.words)
        ids = encoded.input_ids[0].tolist()
        types = encoded.token_type_ids[0].tolist()
        for w, word in enumerate(item.words):
            pieces = [i for i, owner in enumerate(encoded.word_index) if owner == w]
            if len(pieces) < 2:
                continue
            kept = [i for i in range(len(ids)) if i not in pieces]
            rows = [(ids, types), ([ids[i] for i in kept], [types[i] for i in kept])]
            features = head_features(ex.adapter, rows, Batching(8, 4096))
            label = torch.tensor([ex.class_names.index(item.label)] * 2)
            full, without = scorer(features, label)
            # float32 features padded in other batches: about 1e-7 of the losses (≈ 0.7) apart
            assert item.word_scores[w] == pytest.approx(float(full - without), rel=1e-3, abs=2e-6)
            checked += 1
    assert checked >= 2
