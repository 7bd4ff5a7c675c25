"""The word-vocabulary classifiers, sparsemax/sparsegen and the word vocabulary."""

import json

import pytest
import torch

from notebook_explain.errors import ExplainError
from notebook_explain.models.classifiers import WordClassifier
from notebook_explain.models.sparsemax import sparsegen, sparsemax
from notebook_explain.models.vocab import WordVocab

VOCAB_SIZE, NUM_CLASSES, EMBED_DIM = 30, 3, 8
RNN = {"hidden_dim": 6}
CASES = {
    "gru": {"arch": "gru", **RNN},
    "lstm": {"arch": "lstm", **RNN},
    "bigru": {"arch": "bigru", **RNN},
    "bilstm": {"arch": "bilstm", **RNN},
    "bilstm_attention-softmax": {"arch": "bilstm_attention", "attention": "softmax", **RNN},
    "bilstm_attention-sparsemax": {"arch": "bilstm_attention", "attention": "sparsemax", **RNN},
    "bilstm_attention-sparsegen": {
        "arch": "bilstm_attention",
        "attention": "sparsegen",
        "sparsegen_lambda": 0.3,
        **RNN,
    },
    **{
        f"transformer_attention-{normalizer}": {
            "arch": "transformer_attention",
            "attention": normalizer,
            "hidden_dim": 8,
            "heads": 2,
            "ffn_dim": 8,
        }
        for normalizer in ("softmax", "sparsemax", "sparsegen")
    },
    # The default widths (3, 4, 5) exceed the shortest test sequences (lengths 1 and 2).
    "cnn": {"arch": "cnn", "num_filters": 4},
    "bag": {"arch": "bag"},
}
ATTENTION_CASES = [name for name in CASES if "_attention-" in name]
LENGTHS = [1, 2, 4, 7]


def make_model(case: str, **overrides) -> WordClassifier:
    torch.manual_seed(0)
    kwargs = {
        "vocab_size": VOCAB_SIZE,
        "num_classes": NUM_CLASSES,
        "embed_dim": EMBED_DIM,
        **CASES[case],
        **overrides,
    }
    return WordClassifier(**kwargs).eval()


def padded_batch(lengths, total_length=9, seed=1):
    """Right-padded random ids (never the pad or unk id) and their mask."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), total_length, dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(2, VOCAB_SIZE, (n,), generator=generator)
    mask = torch.arange(total_length) < torch.tensor(lengths).unsqueeze(1)
    return ids, mask


@pytest.mark.parametrize("case", CASES)
def test_padding_never_changes_the_logits(case):
    model = make_model(case)
    ids, mask = padded_batch(LENGTHS)
    embeddings = model.embedding(ids).detach()
    # Whatever sits at padded positions (explanation methods may perturb it) must not matter.
    noisy = torch.where(mask.unsqueeze(-1), embeddings, 10 * torch.randn_like(embeddings))
    with torch.no_grad():
        batched = model(ids, mask)
        batched_noisy = model.forward_embeddings(noisy, mask)
        alone = torch.cat(
            [
                model(ids[row : row + 1, :n], torch.ones(1, n, dtype=torch.bool))
                for row, n in enumerate(LENGTHS)
            ]
        )
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=0)
    torch.testing.assert_close(batched_noisy, alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_gradients_reach_every_sequence_and_skip_padding(case):
    model = make_model(case)
    ids, mask = padded_batch(LENGTHS)
    embeddings = model.embedding(ids).detach().requires_grad_(True)
    model.forward_embeddings(embeddings, mask)[:, 0].sum().backward()
    grad = embeddings.grad
    assert torch.isfinite(grad).all()
    assert (grad[~mask] == 0).all()
    per_sequence = (grad.abs() * mask.unsqueeze(-1)).sum(dim=(1, 2))
    assert (per_sequence > 0).all()

    model.zero_grad()
    model(ids, mask)[:, 1].sum().backward()
    table_grad = model.embedding.weight.grad.abs().sum(dim=1)
    assert table_grad[0] == 0  # padding_idx
    assert (table_grad[ids[mask].unique()] > 0).all()


@pytest.mark.parametrize("case", ["gru", "lstm", "bigru", "bilstm"])
def test_rnn_logits_read_the_final_state_of_each_direction(case):
    model = make_model(case)
    ids, mask = padded_batch(LENGTHS)
    hidden = CASES[case]["hidden_dim"]
    with torch.no_grad():
        for row, n in enumerate(LENGTHS):
            states, _ = model.encoder.rnn(model.embedding(ids[row : row + 1, :n]))
            # Forward direction after the last token; backward direction after the first.
            final = states[0, -1]
            if case in ("bigru", "bilstm"):
                final = torch.cat([states[0, -1, :hidden], states[0, 0, hidden:]])
            expected = model.output(final)
            torch.testing.assert_close(model(ids, mask)[row], expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_config_rebuilds_an_identical_model(case):
    model = make_model(case)
    config = json.loads(json.dumps(model.config))
    assert config == model.config
    rebuilt = WordClassifier(**config).eval()
    rebuilt.load_state_dict(model.state_dict())
    ids, mask = padded_batch(LENGTHS)
    with torch.no_grad():
        assert torch.equal(rebuilt(ids, mask), model(ids, mask))


def test_config_resolves_defaults_and_rejects_foreign_options():
    config = WordClassifier("bilstm_attention", 10, 2, embed_dim=4, hidden_dim=5).config
    assert config == {
        "arch": "bilstm_attention",
        "vocab_size": 10,
        "num_classes": 2,
        "embed_dim": 4,
        "hidden_dim": 5,
        "dropout": 0.0,
        "attention": "softmax",
        "sparsegen_lambda": 0.5,
        "attention_dim": 5,
    }
    with pytest.raises(ExplainError, match="does not take"):
        WordClassifier("cnn", 10, 2, hidden_dim=5)
    with pytest.raises(ExplainError, match="Unknown arch"):
        WordClassifier("transformer", 10, 2)
    with pytest.raises(ExplainError, match="attention must be"):
        WordClassifier("bilstm_attention", 10, 2, attention="entmax")
    with pytest.raises(ExplainError, match="sparsegen_lambda"):
        WordClassifier("bilstm_attention", 10, 2, attention="sparsegen", sparsegen_lambda=1.0)


def test_bag_model_is_exactly_linear_in_the_embeddings():
    model = make_model("bag")
    ids, mask = padded_batch(LENGTHS)
    table = model.embedding.weight.detach()
    weight, bias = model.output.weight.detach(), model.output.bias.detach()
    expected = torch.stack(
        [weight @ table[ids[row, :n]].mean(dim=0) + bias for row, n in enumerate(LENGTHS)]
    )
    with torch.no_grad():
        torch.testing.assert_close(model(ids, mask), expected, atol=1e-6, rtol=0)
        a, b = torch.randn(2, len(LENGTHS), 9, EMBED_DIM)
        f = model.forward_embeddings
        torch.testing.assert_close(
            f(2 * a - 3 * b, mask) - bias,
            2 * (f(a, mask) - bias) - 3 * (f(b, mask) - bias),
            atol=1e-5,
            rtol=0,
        )


@pytest.mark.parametrize("case", ATTENTION_CASES)
def test_attention_is_a_distribution_over_the_valid_tokens(case):
    model = make_model(case)
    ids, mask = padded_batch(LENGTHS)
    with torch.no_grad():
        logits, weights = model(ids, mask, return_attention=True)
        assert torch.equal(logits, model(ids, mask))
    assert weights.shape == mask.shape
    assert (weights >= 0).all()
    assert (weights[~mask] == 0).all()
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(len(LENGTHS)))


def test_return_attention_needs_an_attention_model():
    ids, mask = padded_batch(LENGTHS)
    with pytest.raises(ExplainError, match="bilstm_attention"):
        make_model("gru")(ids, mask, return_attention=True)


def test_mask_must_be_right_padding():
    model = make_model("bag")
    ids, _ = padded_batch([3])
    left_padded = torch.tensor([[False, True, True] + [False] * 6])
    with pytest.raises(ExplainError, match="right-padding"):
        model(ids, left_padded)
    with pytest.raises(ExplainError, match="right-padding"):
        model(ids, torch.zeros_like(left_padded))


def test_dropout_is_active_in_train_mode_only():
    model = make_model("cnn")  # TextCNN defaults to dropout 0.5 (Kim, 2014)
    ids, mask = padded_batch(LENGTHS)
    with torch.no_grad():
        eval_logits = model(ids, mask)
        assert torch.equal(model(ids, mask), eval_logits)
        model.train()
        assert not torch.equal(model(ids, mask), eval_logits)


def synthetic_task(num, seed):
    """Class 1 iff the sequence contains the trigger word (id 2); lengths 3..8."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, 9, (num,), generator=generator)
    ids = torch.randint(3, 22, (num, 8), generator=generator)
    mask = torch.arange(8) < lengths.unsqueeze(1)
    labels = torch.arange(num) % 2
    for row in range(num):
        if labels[row]:
            position = torch.randint(int(lengths[row]), (1,), generator=generator)
            ids[row, position] = 2
    return ids * mask, mask, labels


@pytest.mark.parametrize("case", CASES)
def test_each_arch_learns_a_trigger_word_task(case):
    ids, mask, labels = synthetic_task(256, seed=0)
    options = dict(CASES[case])
    if "hidden_dim" in options:
        options["hidden_dim"] = 16
    torch.manual_seed(0)
    model = WordClassifier(vocab_size=22, num_classes=2, embed_dim=16, **options)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(100):
        loss = torch.nn.functional.cross_entropy(model.train()(ids, mask), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    held_out = synthetic_task(256, seed=1)
    with torch.no_grad():
        train_accuracy = (model(ids, mask).argmax(dim=1) == labels).float().mean().item()
        test_accuracy = (model(*held_out[:2]).argmax(dim=1) == held_out[2]).float().mean().item()
    assert train_accuracy >= 0.95
    assert test_accuracy >= 0.9


def test_sparsemax_hand_worked_projection():
    # z = (1.0, 0.5, -2.0), already sorted. Support size k(z) = max{k : 1 + k z_(k) > sum_{j<=k}}:
    #   k=1: 1 + 1.0 = 2.0 > 1.0; k=2: 1 + 2 * 0.5 = 2.0 > 1.5; k=3: 1 - 6.0 = -5.0 > -0.5 fails.
    # tau = (1.0 + 0.5 - 1) / 2 = 0.25, so p = max(z - 0.25, 0) = (0.75, 0.25, 0).
    p = sparsemax(torch.tensor([1.0, 0.5, -2.0]))
    assert torch.equal(p, torch.tensor([0.75, 0.25, 0.0]))


def test_sparsemax_is_a_sparse_distribution():
    scores = torch.randn(5, 7, 3)
    for dim in (0, 1, -1):
        p = sparsemax(scores, dim=dim)
        assert (p >= 0).all()
        torch.testing.assert_close(p.sum(dim=dim), torch.ones_like(p.sum(dim=dim)))
    # One clearly dominant score: tau = 5 - 1 = 4 leaves only it in the support.
    p = sparsemax(torch.tensor([0.2, 5.0, 0.0, -1.0]))
    assert torch.equal(p, torch.tensor([0.0, 1.0, 0.0, 0.0]))


def test_sparsemax_masks_minus_infinity():
    z = torch.tensor([[1.0, float("-inf"), 0.5, -2.0], [float("-inf")] * 4])
    p = sparsemax(z)
    assert torch.equal(p[0], torch.tensor([0.75, 0.0, 0.25, 0.0]))
    assert torch.equal(p[1], torch.zeros(4))


def test_sparsemax_gradient_is_the_papers_jacobian():
    # On the support S, d p_i / d z_j = delta_ij - 1/|S|; zero elsewhere.
    z = torch.tensor([1.0, float("-inf"), 0.5, -2.0, 0.9], dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(sparsemax, z)
    support = (sparsemax(z) > 0).to(z.dtype)
    expected = torch.diag(support) - torch.outer(support, support) / support.sum()
    torch.testing.assert_close(jacobian, expected)


def test_sparsegen():
    scores = torch.randn(4, 6)
    assert torch.equal(sparsegen(scores, 0.0), sparsemax(scores))
    support_sizes = [(sparsegen(scores, lam) > 0).sum().item() for lam in (-2.0, 0.0, 0.5, 0.9)]
    assert support_sizes == sorted(support_sizes, reverse=True)
    assert support_sizes[0] > support_sizes[-1]
    with pytest.raises(ExplainError, match="lam < 1"):
        sparsegen(scores, 1.0)


def test_vocab_builds_encodes_and_round_trips_through_json():
    texts = ["The film is good", "the film wo n't bore", "A GOOD film"]
    vocab = WordVocab.build(texts)
    assert vocab.words[:5] == ["<pad>", "<unk>", "film", "good", "the"]  # by frequency, then a-z
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)
    assert vocab.tokenize("Wo N'T -LRB-") == ["wo", "n't", "-lrb-"]
    assert vocab.encode("the GOOD zebra <pad>") == [4, 3, vocab.unk_id, vocab.unk_id]

    restored = WordVocab.from_json(json.loads(json.dumps(vocab.to_json())))
    assert restored.words == vocab.words
    assert len(restored) == len(vocab) == 2 + 8
    assert restored.encode("a film wo n't bore you") == vocab.encode("a film wo n't bore you")

    assert WordVocab.build(texts, min_freq=2).words == ["<pad>", "<unk>", "film", "good", "the"]
    assert WordVocab.build(texts, max_size=1).words == ["<pad>", "<unk>", "film"]
    with pytest.raises(ExplainError, match="must start with"):
        WordVocab(["film", "good"])
