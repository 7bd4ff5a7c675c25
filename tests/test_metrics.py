"""Metrics (notebook_explain.metrics) on cases whose value is worked out here by other means:
re-predicting the perturbed texts, hand-built scores, and SciPy for the statistics."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError, Explanation, MethodResult
from notebook_explain.data import load_sst_trees
from notebook_explain.metrics import available_metrics, get_metric
from notebook_explain.metrics.statistics import (
    kendall_tau_b,
    normalized_entropy,
    pearson,
    spearman,
    top_k_overlap,
)

CLASSES = ["negative", "positive"]


@pytest.fixture(scope="module")
def word_explainer(vocab):
    return Explainer(make_word_model("bilstm", vocab), vocab, device="cpu", class_names=CLASSES)


def with_scores(explainer, text, word_scores: dict[str, list[float]], target=None) -> Explanation:
    """A real explanation of ``text`` whose methods carry the given per-word scores."""
    e = explainer.explain(text, methods=["leave_one_out"], target=target)
    index = e.word_index
    pieces = np.bincount(index[index >= 0], minlength=len(e.words))

    def token_scores(scores):  # each word's score shared by its tokens; special tokens 0
        scores = np.asarray(scores, float)
        assert len(scores) == len(e.words)
        return np.where(index >= 0, scores[index] / pieces[index], 0.0)

    results = {
        name: MethodResult(name, "test", True, token_scores(scores), {}, 0.0, {})
        for name, scores in word_scores.items()
    }
    results["leave_one_out"] = e.results["leave_one_out"]
    return Explanation(**{**e.__dict__, "results": results})


def prob(explainer, words, target) -> float:
    """p(target | the words); no words at all is a word model's single <pad> token."""
    if not words:
        model, pad = explainer.adapter.model, explainer.adapter.pad_id
        with torch.no_grad():
            logits = model(torch.tensor([[pad]]), torch.ones(1, 1, dtype=torch.bool))
        return float(torch.softmax(logits, -1)[0, target])
    return float(explainer.predict(" ".join(words))[target])


# ----------------------------------------------------------------------------- statistics
def test_statistics_agree_with_scipy_and_hand_values():
    rng = np.random.default_rng(0)
    for n in (3, 7, 40, 300):
        x, ties = rng.normal(size=n), np.resize([0, 1, 2, 3, 1], n)
        y, tied_y = x * 0.3 + rng.normal(size=n), np.resize([2, 0, 1], n)
        r, p = pearson(x, y)
        reference = scipy.stats.pearsonr(x, y)
        assert r == pytest.approx(reference.statistic, abs=1e-12)
        assert p == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)
        tau = scipy.stats.kendalltau(ties, tied_y).statistic
        assert kendall_tau_b(ties, tied_y) == pytest.approx(tau, abs=1e-12)
        rho = scipy.stats.spearmanr(ties, tied_y).statistic
        assert spearman(ties, tied_y) == pytest.approx(rho, abs=1e-12)
    # by hand: pairs (1,2) and (1,3) concordant, (2,3) discordant
    assert kendall_tau_b([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    assert math.isnan(kendall_tau_b([1, 1, 1], [1, 2, 3]))
    assert math.isnan(pearson([1, 2, 3], [2, 2, 2])[0])
    assert normalized_entropy([1, 1, 1, 1]) == pytest.approx(1.0)
    assert normalized_entropy([0, 0, 5, 0]) == 0.0
    assert normalized_entropy([1, -1, 0, 0]) == pytest.approx(math.log(2) / math.log(4))
    assert top_k_overlap([4, 3, 2, 1], [1, 3, 2, 4], 2) == 0.5


def test_every_metric_declares_range_and_direction():
    for name in available_metrics():
        meta = get_metric(name).metadata()
        low, high = meta["range"]
        assert low < high and meta["direction"] in ("higher", "lower", "neither")
        assert meta["description"] and meta["paper"]


# ----------------------------------------------------------------------------- faithfulness
def test_aopc_deletion_and_eraser_equal_the_re_predicted_texts(word_explainer):
    text = SENTENCES[1]  # 11 words
    words = text.split()
    scores = [0.1 * ((7 * i) % 11) for i in range(len(words))]  # a fixed, tie-free order
    e = with_scores(word_explainer, text, {"hand": scores})
    order = np.argsort(scores)[::-1]
    t = e.target
    without = lambda k: [w for i, w in enumerate(words) if i not in set(order[:k])]
    p = np.array([prob(word_explainer, without(k), t) for k in range(len(words) + 1)])
    # AOPC(K) = 1/(K+1) Σ_k p0 − p_k (eq. 8), removal by deletion
    ev = word_explainer.evaluate(
        e, {"aopc": {"removal": "delete"}, "deletion": {}, "comprehensiveness": {}}
    )
    assert ev.value("hand", "aopc") == pytest.approx(np.mean(p[0] - p), abs=1e-6)
    curve = ev.results["hand"]["aopc"].curve
    assert curve.y[3] == pytest.approx(np.mean(p[0] - p[:4]), abs=1e-6)
    # normalised trapezoid over k / n
    area = np.mean((p[1:] + p[:-1]) / 2)
    assert ev.value("hand", "deletion") == pytest.approx(area, abs=1e-6)
    # ERASER bins of 11 words: 1, 1, 2, 3, 6 words
    sizes = [1, 1, 2, 3, 6]
    comprehensiveness = np.mean([p[0] - p[k] for k in sizes])
    assert ev.value("hand", "comprehensiveness") == pytest.approx(comprehensiveness, abs=1e-6)
    suff = word_explainer.evaluate(e, {"sufficiency": {}}).value("hand", "sufficiency")
    kept = lambda k: [w for i, w in enumerate(words) if i in set(order[:k])]
    expected = np.mean([p[0] - prob(word_explainer, kept(k), t) for k in sizes])
    assert suff == pytest.approx(expected, abs=1e-6)


def test_zero_and_unk_removal_equal_the_model_on_edited_inputs(vocab):
    model = make_word_model("cnn", vocab)
    explainer = Explainer(model, vocab, device="cpu", class_names=CLASSES)
    text = SENTENCES[0]
    e = with_scores(explainer, text, {"hand": [5, 4, 3, 2, 1, 0, -1, -2]})
    ids = torch.tensor([vocab.encode(text)])
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        embeddings = model.embedding(ids)
        edited = embeddings.repeat(3, 1, 1)
        edited[1, :2] = 0.0  # words 0 and 1 zeroed
        edited[2, :2] = model.embedding.weight[vocab.unk_id]
        probs = torch.softmax(model.forward_embeddings(edited, mask.repeat(3, 1)), -1)[:, e.target]
    for removal, row in (("zero", 1), ("unk", 2)):
        ev = explainer.evaluate(e, {"aopc": {"k": 2, "removal": removal}})
        p = ev.results["hand"]["aopc"].info["probabilities"]
        assert p[2] == pytest.approx(float(probs[row]), abs=1e-6)
        assert p[0] == pytest.approx(float(probs[0]), abs=1e-6)


def test_deletion_on_a_transformer_equals_re_tokenised_texts(hf_explainer):
    text = "the acting is wooden but the plot is gorgeous"
    words = text.split()
    e = with_scores(hf_explainer, text, {"hand": list(range(len(words)))})
    ev = hf_explainer.evaluate(e, {"aopc": {"removal": "delete"}})
    p = ev.results["hand"]["aopc"].info["probabilities"]
    for k in (1, 4, len(words) - 1):
        kept = words[: len(words) - k]  # scores rise with position: the last words go first
        assert p[k] == pytest.approx(prob(hf_explainer, kept, e.target), abs=1e-5)


def test_loo_pearson_and_kendall_tau_against_leave_one_out(word_explainer):
    text = SENTENCES[2]
    loo = word_explainer.explain(text, methods=["leave_one_out"]).scores("leave_one_out")
    noise = np.random.default_rng(1).normal(size=len(loo))
    e = with_scores(word_explainer, text, {"copy": loo * 3 + 1, "noisy": loo + noise})
    ev = word_explainer.evaluate(e, ["loo_pearson", "kendall_tau"])
    assert ev.value("copy", "loo_pearson") == pytest.approx(1.0)
    for metric in ("loo_pearson", "kendall_tau"):  # no method is scored against itself
        assert math.isnan(ev.value("leave_one_out", metric))
        assert "itself" in ev.results["leave_one_out"][metric].info["reason"]
    r, p_value = scipy.stats.pearsonr(loo + noise, loo)
    assert ev.value("noisy", "loo_pearson") == pytest.approx(r)
    assert ev.results["noisy"]["loo_pearson"].info["p_value"] == pytest.approx(p_value)
    tau = scipy.stats.kendalltau(np.abs(loo + noise), np.abs(loo)).statistic
    assert ev.value("noisy", "kendall_tau") == pytest.approx(tau)


def test_loo_pearson_computes_leave_one_out_when_the_explanation_lacks_it(word_explainer):
    text = SENTENCES[0]
    e = word_explainer.explain(text, methods=["signed_grad_input"])
    loo = word_explainer.explain(text, methods=["leave_one_out"]).scores("leave_one_out")
    r = word_explainer.evaluate(e, ["loo_pearson"]).value("signed_grad_input", "loo_pearson")
    assert r == pytest.approx(pearson(e.scores("signed_grad_input"), loo)[0])


def test_clause_faithfulness_deletes_the_top_clause(word_explainer):
    text = SENTENCES[2]  # "it 's not a bad film , | but it is not good either ."
    words = text.split()
    scores = [0.0] * 7 + [1.0] * 7  # the second clause scores highest
    e = with_scores(word_explainer, text, {"hand": scores})
    assert [(s.start, s.end) for s in e.spans("clause")] == [(0, 7), (7, 14)]
    ev = word_explainer.evaluate(e, ["clause_faithfulness"])
    expected = prob(word_explainer, words, e.target) - prob(word_explainer, words[:7], e.target)
    assert ev.value("hand", "clause_faithfulness") == pytest.approx(expected, abs=1e-6)
    one_clause = with_scores(word_explainer, "a witty movie", {"hand": [1, 2, 3]})
    value = word_explainer.evaluate(one_clause, ["clause_faithfulness"]).results["hand"][
        "clause_faithfulness"
    ]
    assert math.isnan(value.value) and "single clause" in value.info["reason"]


def test_mlm_replacement_uses_the_masked_lm_samples(vocab):
    """A masked LM that always predicts "witty": AUC_rep's inputs are the text with its top
    words replaced by "witty"."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizer

    pieces = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *sorted(set(" ".join(SENTENCES).split())),
    ]
    mlm_tokenizer = BertTokenizer(vocab={p: i for i, p in enumerate(pieces)})
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(pieces),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    )
    mlm = BertForMaskedLM(config).eval()
    with torch.no_grad():
        mlm.cls.predictions.decoder.bias[:] = -1e4
        mlm.cls.predictions.decoder.bias[pieces.index("witty")] = 1e4
    explainer = Explainer(make_word_model("gru", vocab), vocab, device="cpu", class_names=CLASSES)
    explainer.use_mlm(mlm, mlm_tokenizer)
    text = SENTENCES[1]
    words = text.split()
    e = with_scores(explainer, text, {"hand": [-i for i in range(len(words))]})  # first words first
    ev = explainer.evaluate(e, {"auc_rep": {"fraction": 0.2}})
    curve = ev.results["hand"]["auc_rep"].curve
    assert len(curve.y) == 4  # 20% of 11 words: 3 replaced, plus the unperturbed input
    for k in range(4):
        replaced = ["witty"] * k + words[k:]
        assert curve.y[k] == pytest.approx(prob(explainer, replaced, e.target), abs=1e-6)


# ----------------------------------------------------------------------------- plausibility
def test_interpretability_compares_lexicon_words_for_the_target(word_explainer):
    text = "it is ridiculous , of course but it is also refreshing"
    words = text.split()
    good, bad = words.index("refreshing"), words.index("ridiculous")
    scores = np.zeros(len(words))
    scores[good], scores[bad] = 1.0, -1.0
    positive = with_scores(word_explainer, text, {"right": scores, "wrong": -scores}, "positive")
    ev = word_explainer.evaluate(positive, ["interpretability"])
    assert ev.value("right", "interpretability") == 1.0
    assert ev.value("wrong", "interpretability") == 0.0
    negative = with_scores(word_explainer, text, {"right": -scores}, "negative")
    assert (
        word_explainer.evaluate(negative, ["interpretability"]).value("right", "interpretability")
        == 1.0
    )
    plain = with_scores(word_explainer, "a movie", {"right": [1.0, 2.0]})
    assert math.isnan(
        word_explainer.evaluate(plain, ["interpretability"]).value("right", "interpretability")
    )


def test_iot_and_neutral_score_read_the_sst_word_tags(data_dir):
    tree = next(
        t
        for t in load_sst_trees("dev", binary=True, data_dir=data_dir)
        if t.binary_label == 1
        and 6 <= len(t.words) <= 12
        and 2 <= sum(label >= 3 for a, b, label in t.spans() if b - a == 1)
    )
    words = tree.words
    leaf_tags = [label for a, b, label in tree.spans() if b - a == 1]
    positive = [i for i, label in enumerate(leaf_tags) if label >= 3]
    neutral = [i for i, label in enumerate(leaf_tags) if label == 2]
    vocab_model = __import__("notebook_explain.models.vocab", fromlist=["WordVocab"])
    vocab = vocab_model.WordVocab.build([tree.text])
    explainer = Explainer(make_word_model("gru", vocab), vocab, device="cpu", class_names=CLASSES)
    scores = np.full(len(words), 0.5)
    scores[positive[0]] = 10.0  # one of the positive words on top, the rest tied below
    scores[neutral] = -2.0
    e = with_scores(explainer, tree.text, {"hand": scores}, target="positive")
    ev = explainer.evaluate(e, {"iot": {"k": 1}, "neutral_score": {}})
    assert ev.value("hand", "iot") == pytest.approx(1 / len(positive))
    assert ev.value("hand", "neutral_score") == pytest.approx(2.0 / 10.0)
    other = with_scores(explainer, "a witty movie", {"hand": [1.0, 2.0, 3.0]}, "positive")
    assert math.isnan(explainer.evaluate(other, ["iot"]).value("hand", "iot"))


# ----------------------------------------------------------------------------- dispersion & agreement
def test_entropy_and_agreement_matrix(word_explainer):
    text = SENTENCES[0]  # 8 words
    peaked = [0, 0, 0, 0, 0, 0, 9, 0]
    e = with_scores(
        word_explainer,
        text,
        {"flat": [1.0] * 8, "peaked": peaked, "reversed": list(range(8, 0, -1))},
    )
    ev = word_explainer.evaluate(e, ["entropy"])
    assert ev.value("flat", "entropy") == pytest.approx(1.0)
    assert ev.value("peaked", "entropy") == 0.0
    a = ev.agreement
    i, j = a.methods.index("peaked"), a.methods.index("reversed")
    assert a.rank_correlation[i, j] == pytest.approx(kendall_tau_b(peaked, range(8, 0, -1)))
    assert a.top_k_overlap[i, j] == pytest.approx(4 / 5)  # top 5: {6, 0, 1, 2, 3} vs {0, …, 4}
    assert np.allclose(np.diag(a.rank_correlation)[[i, j]], 1.0)
    assert ev.best("entropy") is None


def test_evaluation_is_plain_json_and_ranks_methods(word_explainer):
    e = word_explainer.explain(SENTENCES[1], methods=["leave_one_out", "saliency_l2", "random"])
    ev = word_explainer.evaluate(e)
    state = ev.to_json()
    assert set(state["values"]) == {"leave_one_out", "saliency_l2", "random"}
    assert [m["name"] for m in state["metrics"]] == list(ev.metric_names)
    assert state["curves"]["random"]["aopc"]["x"][0] == 0
    best = ev.best("aopc")
    assert ev.value(best, "aopc") == max(ev.value(m, "aopc") for m in ev.methods)
    assert ev.best("deletion") == min(ev.methods, key=lambda m: ev.value(m, "deletion"))
    rows = [line.split() for line in repr(ev).splitlines()[2:]]
    assert [row[0] for row in rows] == list(ev.methods)
    assert float(rows[0][1]) == pytest.approx(ev.value(ev.methods[0], "aopc"), abs=1e-4)


# ----------------------------------------------------------------------------- errors
def test_bad_evaluation_requests_name_the_fix(word_explainer, hf_explainer):
    e = word_explainer.explain(SENTENCES[0], methods=["leave_one_out"])
    with pytest.raises(ExplainError, match="Unknown metric 'aopd'.*aopc"):
        word_explainer.evaluate(e, ["aopd"])
    with pytest.raises(ExplainError, match="aopc has no parameter steps"):
        word_explainer.evaluate(e, {"aopc": {"steps": 3}})
    with pytest.raises(ExplainError, match="removal='blank' is not allowed"):
        word_explainer.evaluate(e, {"aopc": {"removal": "blank"}})
    with pytest.raises(ExplainError, match="metrics is empty"):
        word_explainer.evaluate(e, [])
    loaded = Explanation.from_json(*e.to_json())
    assert word_explainer.evaluate(loaded, ["aopc"]).value(
        "leave_one_out", "aopc"
    ) == pytest.approx(word_explainer.evaluate(e, ["aopc"]).value("leave_one_out", "aopc"))
    with pytest.raises(ExplainError, match="Explainer that made it"):
        hf_explainer.evaluate(loaded, ["aopc"])
    three_classes = hf_explainer.explain("a witty movie", methods=["leave_one_out"])
    with pytest.raises(ExplainError, match="named positive or negative"):
        hf_explainer.evaluate(three_classes, ["interpretability"])
