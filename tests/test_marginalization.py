"""Input marginalization (Kim et al. 2020) against marginalisations written out by hand here."""

import itertools
import math
from collections import Counter
from functools import partial

import numpy as np
import pytest
import torch
from conftest import ARCHS, SENTENCES, make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.data import load_sst2
from notebook_explain.models.vocab import WordVocab


def woe(p: float, marginal: float) -> float:
    """Eq. 1 of the paper: the log2-odds difference."""
    return math.log2(p / (1 - p)) - math.log2(marginal / (1 - marginal))


def word_model_probs(model, rows: torch.Tensor, target: int) -> np.ndarray:
    with torch.no_grad():
        logits = model(rows, torch.ones_like(rows, dtype=torch.bool))
    return torch.softmax(logits.double(), -1)[:, target].numpy()


def hf_probs(model, rows: torch.Tensor, target: int) -> np.ndarray:
    with torch.no_grad():
        logits = model(input_ids=rows).logits
    return torch.softmax(logits.double(), -1)[:, target].numpy()


def brute_force(probs, ids: torch.Tensor, target: int, weights: dict[int, float], positions):
    """WoE of each position with p(y | x₋ᵢ) = Σ_w q_w p(y | x_i = w) / Σ_w q_w."""
    p = probs(ids[None], target)[0]
    words, q = list(weights), np.array(list(weights.values()))
    scores = []
    for i in positions:
        rows = ids.repeat(len(words), 1)
        rows[:, i] = torch.tensor(words)
        scores.append(woe(p, (q * probs(rows, target)).sum() / q.sum()))
    return np.array(scores)


def marginalization(explainer, text, **params):
    """Run the method alone; uncapped (``max_candidates=0``) unless the test sets a cap."""
    params.setdefault("max_candidates", 0)
    e = explainer.explain(text, methods={"marginalization": params})
    return e, e.result("marginalization")


@pytest.mark.parametrize("arch", ARCHS)
def test_uniform_full_marginalisation_equals_brute_force(vocab, arch):
    model = make_word_model(arch, vocab)
    explainer = Explainer(model, vocab, device="cpu")
    text = SENTENCES[1]
    e, result = marginalization(explainer, text, likelihood="uniform", sigma=0.0)
    ids = torch.tensor(vocab.encode(text))
    weights = dict.fromkeys(range(2, len(vocab)), 1.0)  # every word but <pad> and <unk>
    probs = partial(word_model_probs, model)
    expected = brute_force(probs, ids, e.target, weights, range(len(ids)))
    np.testing.assert_allclose(result.scores, expected, rtol=1e-4, atol=1e-6)
    assert result.info["candidates"] == [len(vocab) - 2] * len(ids)
    assert result.info["classifier_rows"] == (len(vocab) - 2) * len(ids)


@pytest.fixture(scope="module")
def sst2_train(data_dir):
    return load_sst2("train", data_dir=data_dir).texts


def test_truncation_keeps_exactly_the_candidates_above_sigma_and_renormalises(sst2_train):
    corpus, alpha = sst2_train[:300], 0.5
    vocab = WordVocab.build(corpus)
    model = make_word_model("gru", vocab, seed=1)
    explainer = Explainer(model, vocab, device="cpu")
    explainer.use_corpus(corpus, smoothing=alpha)
    counts = Counter(w for text in corpus for w in text.lower().split())
    total = sum(counts.values()) + alpha * (len(vocab) - 2)
    q = {w: (counts[vocab.words[w]] + alpha) / total for w in range(2, len(vocab))}
    sigma = (2.5 + alpha) / total  # between the likelihoods of words seen twice and thrice
    kept = {w: v for w, v in q.items() if v >= sigma}
    assert 20 < len(kept) < len(q) / 4

    text = "the movie is a charming mess ."
    e, result = marginalization(explainer, text, likelihood="unigram", sigma=sigma)
    ids = torch.tensor(vocab.encode(text))
    probs = partial(word_model_probs, model)
    expected = brute_force(probs, ids, e.target, kept, range(len(ids)))
    assert result.info["candidates"] == [len(kept)] * len(ids)
    np.testing.assert_allclose(result.scores, expected, rtol=1e-4, atol=1e-6)
    assert result.info["units_capped"] == 0

    cap = 7  # the default cap keeps the most likely candidates, ties in vocabulary order
    _, capped = marginalization(
        explainer, text, likelihood="unigram", sigma=sigma, max_candidates=cap
    )
    top = dict(sorted(kept.items(), key=lambda item: -item[1])[:cap])
    expected = brute_force(probs, ids, e.target, top, range(len(ids)))
    assert capped.info["candidates"] == [cap] * len(ids)
    assert capped.info["units_capped"] == len(ids)
    np.testing.assert_allclose(capped.scores, expected, rtol=1e-4, atol=1e-6)


def test_truncated_marginalisation_correlates_with_full(sst2_train, data_dir):
    """σ = 1e-5 drops the words seen once in SST-2 train; the scores barely move (paper: 0.9999)."""
    vocab = WordVocab.build(sst2_train)
    model = make_word_model("gru", vocab, seed=2, hidden_dim=32)
    explainer = Explainer(model, vocab, device="cpu", batch_size=4096, max_batch_tokens=10**6)
    explainer.use_corpus(sst2_train)
    dev = [t for t in load_sst2("dev", data_dir=data_dir).texts if len(t.split()) <= 9][:3]
    truncated, full, candidates = [], [], []
    for text in dev:
        truncated.append(marginalization(explainer, text, likelihood="unigram")[1].scores)
        _, result = marginalization(explainer, text, likelihood="unigram", sigma=0.0)
        full.append(result.scores)
        candidates.append(result.info["average_candidates"])
    assert max(candidates) == len(vocab) - 2
    pearson = np.corrcoef(np.concatenate(truncated), np.concatenate(full))[0, 1]
    assert pearson >= 0.99


def test_batched_equals_one_at_a_time_on_a_word_model(vocab):
    model = make_word_model("bilstm", vocab)
    small = Explainer(model, vocab, device="cpu", batch_size=1)
    large = Explainer(model, vocab, device="cpu", batch_size=512, max_batch_tokens=10**5)
    for explainer in (small, large):
        explainer.use_corpus(SENTENCES)
    text, params = SENTENCES[2], {"likelihood": "unigram", "sigma": 0.02}
    (_, one), (_, batched) = (marginalization(ex, text, **params) for ex in (small, large))
    np.testing.assert_allclose(one.scores, batched.scores, rtol=1e-5, atol=1e-7)
    assert one.info["candidates"] == batched.info["candidates"]
    rows = one.info["classifier_rows"]
    assert one.info["classifier_passes"] == rows and batched.info["classifier_passes"] == 1


@pytest.fixture(scope="module")
def tiny_mlm():
    """A seeded, untrained one-layer BERT masked LM over MiniLM's vocabulary."""
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    return BertForMaskedLM(config).eval()


def test_batched_equals_one_at_a_time_with_a_masked_lm_and_words(hf_model, tokenizer, tiny_mlm):
    small, large = (Explainer(hf_model, tokenizer, device="cpu", batch_size=b) for b in (1, 64))
    for explainer in (small, large):
        explainer.use_mlm(tiny_mlm, tokenizer)
    text = "a charmless , heartfelt movie"  # two words of two word pieces
    params = {"likelihood": "mlm", "sigma": 0.0, "max_candidates": 3, "unit": "word"}
    (e, one), (_, batched) = (marginalization(ex, text, **params) for ex in (small, large))
    np.testing.assert_allclose(one.scores, batched.scores, rtol=1e-4, atol=1e-6)
    assert one.info["candidates"] == batched.info["candidates"] == [3] * len(e.words)
    # each two-piece word queries the masked LM twice: both pieces masked, then the second
    assert one.info["likelihood_rows"] == len(e.words) + 2 * 3
    assert one.info["likelihood_passes"] == one.info["likelihood_rows"]
    assert batched.info["likelihood_passes"] == 2


def test_word_unit_marginalises_the_pieces_jointly(hf_model, tokenizer):
    """unigram with no smoothing: the candidates are the corpus's tokens, the joint a product."""
    corpus = ["a good film .", "the bad movie , a plot"]
    explainer = Explainer(hf_model, tokenizer, device="cpu")
    explainer.use_corpus(corpus, smoothing=0.0)
    counts = Counter(i for t in corpus for i in tokenizer(t, add_special_tokens=False).input_ids)
    q = {i: c / sum(counts.values()) for i, c in counts.items()}
    text = "a charmless movie"
    ids = torch.tensor(tokenizer(text).input_ids)
    probs = partial(hf_probs, hf_model)

    e, tokens = marginalization(explainer, text, likelihood="unigram", sigma=0.0)
    positions = range(1, len(ids) - 1)
    np.testing.assert_allclose(
        tokens.scores[1:-1], brute_force(probs, ids, e.target, q, positions), rtol=1e-4
    )
    assert tokens.scores[0] == tokens.scores[-1] == 0

    _, words = marginalization(explainer, text, likelihood="unigram", sigma=1e-12, unit="word")
    assert e.tokens[2:4] == ("charm", "##less")
    pairs = list(itertools.product(q, repeat=2))
    rows = ids.repeat(len(pairs), 1)
    rows[:, 2:4] = torch.tensor(pairs)
    joint = np.array([q[a] * q[b] for a, b in pairs])
    p = probs(ids[None], e.target)[0]
    expected = woe(p, (joint * probs(rows, e.target)).sum())
    assert words.info["candidates"][1] == len(pairs)
    assert words.scores[2] == words.scores[3]  # the word's score is shared by its pieces
    word_scores = e.scores("marginalization", level="word")  # tokens ran with unit="token"
    assert words.scores[2] + words.scores[3] == pytest.approx(expected, rel=1e-4)
    assert words.scores[1] == pytest.approx(word_scores[0], rel=1e-4)  # one-piece words agree


def test_masked_lm_on_a_word_model_reads_single_piece_words(vocab):
    """The bridge equals the masked LM's [MASK] distribution over one-piece words, renormalised."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizer

    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "movie", "gorgeous", ","]
    pieces += ["witty", ".", "the", "plot", "is", "seduct", "##ive", "not", "good"]
    mlm_tokenizer = BertTokenizer(vocab={p: i for i, p in enumerate(pieces)})
    torch.manual_seed(0)
    mlm = BertForMaskedLM(
        BertConfig(
            vocab_size=len(pieces),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
        )
    ).eval()
    model = make_word_model("gru", vocab)
    explainer = Explainer(model, vocab, device="cpu")
    explainer.use_mlm(mlm, mlm_tokenizer)
    text = SENTENCES[0]  # "seductive" is two pieces: it is context, never a candidate
    e, result = marginalization(explainer, text, likelihood="mlm", sigma=0.0)

    words = text.split()
    single = {}
    for w in range(2, len(vocab)):
        ids = mlm_tokenizer(vocab.words[w], add_special_tokens=False).input_ids
        if len(ids) == 1 and ids[0] != mlm_tokenizer.unk_token_id:
            single[w] = ids[0]
    assert vocab.encode("seductive")[0] not in single and len(single) >= 8
    ids = torch.tensor(vocab.encode(text))
    p = word_model_probs(model, ids[None], e.target)[0]
    expected = []
    for i in range(len(words)):
        masked = mlm_tokenizer(
            " ".join(words[:i] + ["[MASK]"] + words[i + 1 :]), return_tensors="pt"
        )
        at = masked.input_ids[0].tolist().index(mlm_tokenizer.mask_token_id)
        with torch.no_grad():
            logits = mlm(**masked).logits[0, at].double()
        q = torch.softmax(logits[list(single.values())], -1).numpy()
        rows = ids.repeat(len(single), 1)
        rows[:, i] = torch.tensor(list(single))
        expected.append(woe(p, (q * word_model_probs(model, rows, e.target)).sum()))
    np.testing.assert_allclose(result.scores, expected, rtol=1e-4, atol=1e-6)
    assert result.info["candidates"] == [len(single)] * len(words)


def test_demo_mlm_head_caches_by_configuration_and_learns(tmp_path, data_dir, minilm_path):
    from notebook_explain.demo.mlm import load_demo_mlm

    train = load_sst2("train", data_dir=data_dir).texts[:96]
    dev = load_sst2("dev", data_dir=data_dir).texts[:24]
    small = {"layers": 1, "epochs": 3, "batch_size": 16, "learning_rate": 0.02}
    first = load_demo_mlm(texts=train, dev_texts=dev, cache_dir=tmp_path, progress=False, **small)
    info = first.info
    assert info["steps"] == 18 and info["config"]["layers"] == 1
    assert 0 <= info["dev_masked_accuracy"] <= 1 and info["dev_perplexity"] > 1
    stamp = (first.path / "info.json").stat().st_mtime
    again = load_demo_mlm(texts=train, dev_texts=dev, cache_dir=tmp_path, progress=False, **small)
    assert again.path == first.path and (first.path / "info.json").stat().st_mtime == stamp
    torch.testing.assert_close(again.model.layers.bias, first.model.layers.bias)
    changed = {**small, "epochs": 1}
    other = load_demo_mlm(texts=train, dev_texts=dev, cache_dir=tmp_path, progress=False, **changed)
    assert other.path != first.path and other.info["steps"] == 6

    # the most frequent word piece, masked in held-out sentences, beats the uniform 1/|V|
    tokenizer = first.tokenizer
    the = tokenizer.convert_tokens_to_ids("the")
    held_out = [t for t in load_sst2("test", data_dir=data_dir).texts[:200] if " the " in t][:20]
    log_p = []
    for text in held_out:
        ids = tokenizer(text, return_tensors="pt").input_ids
        at = ids[0].tolist().index(the)
        ids[0, at] = tokenizer.mask_token_id
        with torch.no_grad():
            log_p.append(torch.log_softmax(first.model(ids)[0, at], -1)[the].item())
    assert np.mean(log_p) > math.log(1 / len(tokenizer)) + 2


def test_mlm_needs_a_matching_vocabulary_and_a_mask_token(hf_model, tokenizer, vocab, minilm_path):
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM, BertTokenizer

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "movie"]
    other_tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(words)})
    other = BertForMaskedLM(
        BertConfig(vocab_size=len(words), hidden_size=8, num_hidden_layers=1, num_attention_heads=1)
    )
    with pytest.raises(ExplainError, match="vocabulary"):
        Explainer(hf_model, tokenizer, device="cpu").use_mlm(other, other_tokenizer)

    no_mask = AutoTokenizer.from_pretrained(minilm_path)
    no_mask.mask_token = None
    explainer = Explainer(hf_model, no_mask, device="cpu")
    with pytest.raises(ExplainError, match=r"\[MASK\].*unigram"):
        marginalization(explainer, "a good movie", likelihood="mlm")

    word_explainer = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    with pytest.raises(ExplainError, match="use_mlm"):
        marginalization(word_explainer, SENTENCES[0], likelihood="mlm")
    with pytest.raises(ExplainError, match="sigma"):
        marginalization(
            Explainer(hf_model, tokenizer, device="cpu"),
            "a charmless movie",
            likelihood="uniform",
            sigma=0.0,
            unit="word",
        )
