"""Words as users read them, whatever the tokenizer: byte-level BPE (GPT-2, RoBERTa) whose
offsets take in the space before a word, and a SentencePiece-style Metaspace tokenizer (Llama,
Gemma) that numbers the whole text as word 0. Tokenizers trained offline on SST-2 sentences."""

import pytest
import torch
from conftest import byte_level_tokenizer
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from notebook_explain import Explainer

TEXT = "the movie , however , is a dull , predictable mess ."


def metaspace(corpus):
    """Pieces learnt within words, as SentencePiece does ("▁movie"), then encoded as Llama's
    tokenizer.json does: one pre-token per text (``split=False``)."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first", split=True)
    tok.train_from_iterator(
        corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<unk>"])
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first", split=False)
    tok.decoder = decoders.Metaspace(prepend_scheme="first", split=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>")


@pytest.mark.parametrize("build", [byte_level_tokenizer, metaspace], ids=["BPE", "Metaspace"])
def test_words_are_the_texts_words_without_spaces(sst_corpus, build):
    tokenizer = build(sst_corpus)
    encoded = tokenizer(TEXT)
    if build is metaspace:  # the defect this guards against: one word id for the whole text
        assert set(encoded.word_ids()) == {0}
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=2,
    )
    model = BertForSequenceClassification(config).eval()
    e = Explainer(model, tokenizer, device="cpu").explain(TEXT, methods=["leave_one_out"])
    assert list(e.words) == TEXT.split()
    assert len(e.tokens) > len(e.words)  # several words are really several tokens
    # every token belongs to the word whose text contains its own characters
    for token, word in zip(e.tokens, e.word_index):
        piece = tokenizer.convert_tokens_to_string([token]).strip()
        assert piece in e.words[word], (token, e.words[word])


def test_shown_words_keep_combining_marks_and_variation_selectors(hf_explainer):
    """MiniLM's uncased tokenizer strips accents, so its offsets end before a combining mark:
    the shown word keeps every character of the text up to the next word."""
    text = "the cafe\u0301 was lovely \u2764\ufe0f and so was the cre\u0300me bru\u0302le\u0301e"
    words = hf_explainer.explain(text, methods=["signed_grad_input"]).words
    assert "cafe\u0301" in words and "\u2764\ufe0f" in words
    assert "cre\u0300me" in words and "bru\u0302le\u0301e" in words
    assert "".join(words) == "".join(text.split())
