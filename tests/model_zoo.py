"""Tiny randomly initialised Hugging Face classifiers of every family the README names, each with
the kind of tokenizer its hub checkpoints ship, built offline.

WordPiece families use MiniLM's vocabulary. The others get a byte-level BPE vocabulary trained on
SST-2 sentences, with their own special tokens at their usual ids and their own template
(``<s> A </s></s> B </s>`` for RoBERTa-style models, ``A </s>`` for T5, ``A <sep> <cls>`` for
XLNet). Hidden size 32, two layers: every model runs in milliseconds.
"""

from __future__ import annotations

import torch

#: family → (tokenizer kind, config class name, model class name, config options)
FAMILIES = {
    "bert": ("wordpiece", "BertConfig", "BertForSequenceClassification", {}),
    "distilbert": ("wordpiece", "DistilBertConfig", "DistilBertForSequenceClassification", {}),
    "electra": ("wordpiece", "ElectraConfig", "ElectraForSequenceClassification", {}),
    "albert": ("wordpiece", "AlbertConfig", "AlbertForSequenceClassification", {}),
    "mpnet": ("wordpiece", "MPNetConfig", "MPNetForSequenceClassification", {}),
    "deberta-v2": ("wordpiece", "DebertaV2Config", "DebertaV2ForSequenceClassification", {}),
    "modernbert": ("wordpiece", "ModernBertConfig", "ModernBertForSequenceClassification", {}),
    "roberta": ("roberta", "RobertaConfig", "RobertaForSequenceClassification", {}),
    "xlm-roberta": ("roberta", "XLMRobertaConfig", "XLMRobertaForSequenceClassification", {}),
    "longformer": ("roberta", "LongformerConfig", "LongformerForSequenceClassification", {}),
    "bart": ("roberta", "BartConfig", "BartForSequenceClassification", {}),
    "t5": ("t5", "T5Config", "T5ForSequenceClassification", {}),
    "xlnet": ("xlnet", "XLNetConfig", "XLNetForSequenceClassification", {}),
    "gpt2": ("gpt2", "GPT2Config", "GPT2ForSequenceClassification", {}),
    "gpt2-no-pad": ("gpt2-no-pad", "GPT2Config", "GPT2ForSequenceClassification", {}),
    "llama": ("llama", "LlamaConfig", "LlamaForSequenceClassification", {}),
    "qwen2": ("gpt2", "Qwen2Config", "Qwen2ForSequenceClassification", {}),
}
#: decoder families whose attention or norms differ from Llama's (sliding windows, soft caps,
#: q/k norms, parallel blocks, ALiBi): the identity checks run on them too
#: (``tests/test_identity_checks.py``, ``benchmarks/ig_auto.py``)
DECODER_FAMILIES = {
    "mistral": (
        "llama",
        "MistralConfig",
        "MistralForSequenceClassification",
        {"sliding_window": 8},
    ),
    "gemma2": (
        "llama",
        "Gemma2Config",
        "Gemma2ForSequenceClassification",
        {"head_dim": 16, "sliding_window": 8, "attn_logit_softcapping": 50.0},
    ),
    "gemma3": (
        "llama",
        "Gemma3TextConfig",
        "Gemma3TextForSequenceClassification",
        {"head_dim": 16, "sliding_window": 8},
    ),
    "qwen3": ("llama", "Qwen3Config", "Qwen3ForSequenceClassification", {"head_dim": 16}),
    "olmo2": ("llama", "Olmo2Config", "Olmo2ForSequenceClassification", {}),
    "gpt-neox": ("gpt2", "GPTNeoXConfig", "GPTNeoXForSequenceClassification", {}),
    "gpt-j": ("gpt2", "GPTJConfig", "GPTJForSequenceClassification", {"rotary_dim": 8}),
    "falcon": ("gpt2", "FalconConfig", "FalconForSequenceClassification", {}),
    "bloom": ("gpt2", "BloomConfig", "BloomForSequenceClassification", {}),
}

#: causal language models read as prompted classifiers (``tests/test_prompted.py``)
CAUSAL_FAMILIES = {
    "llama": ("llama", "LlamaConfig", "LlamaForCausalLM", {}),
    "qwen2": ("gpt2", "Qwen2Config", "Qwen2ForCausalLM", {}),
    "gemma2": (
        "llama",
        "Gemma2Config",
        "Gemma2ForCausalLM",
        {"head_dim": 16, "sliding_window": 8, "final_logit_softcapping": 30.0},
    ),
}

#: tokenizer kind → (special tokens in id order, single template, pair template)
TEMPLATES = {
    "roberta": (
        ["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        "<s> $A </s>",
        "<s> $A </s> </s> $B </s>",
    ),
    "t5": (["<pad>", "</s>", "<unk>"], "$A </s>", "$A </s> $B </s>"),
    "xlnet": (
        ["<unk>", "<s>", "</s>", "<cls>", "<sep>", "<pad>", "<mask>"],
        "$A:0 <sep>:0 <cls>:2",
        "$A:0 <sep>:0 $B:1 <sep>:1 <cls>:2",
    ),
    "gpt2": (["<pad>"], None, None),
    "gpt2-no-pad": (["<|endoftext|>"], None, None),
    "llama": (["<pad>", "<s>", "</s>"], "<s> $A", "<s> $A <s> $B"),
}


def bpe_tokenizer(corpus, kind: str):
    """A byte-level BPE tokenizer trained on ``corpus`` with ``kind``'s special tokens and
    template (``TEMPLATES``)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials, single, pair = TEMPLATES[kind]
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=kind != "gpt2-no-pad")
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus, trainer)
    if single is not None:
        used = [t for t in specials if t in single or t in pair]
        tok.post_processor = processors.TemplateProcessing(
            single=single, pair=pair, special_tokens=[(t, tok.token_to_id(t)) for t in used]
        )
    names = {
        "<pad>": "pad_token",
        "<unk>": "unk_token",
        "<mask>": "mask_token",
        "<s>": "bos_token",
        "</s>": "eos_token",
        "<cls>": "cls_token",
        "<sep>": "sep_token",
        "<|endoftext|>": "eos_token",
    }
    options = {names[t]: t for t in specials}
    if kind == "xlnet":
        options["padding_side"] = "left"
    return PreTrainedTokenizerFast(tokenizer_object=tok, **options)


def _family(family: str):
    return FAMILIES[family] if family in FAMILIES else DECODER_FAMILIES[family]


def build_causal_lm(family: str, tokenizer):
    """A seeded tiny ``family`` causal LM (``CAUSAL_FAMILIES``) for ``tokenizer``."""
    import transformers
    from transformers.utils import logging

    logging.set_verbosity_error()
    _, config_class, model_class, extra = CAUSAL_FAMILIES[family]
    config = getattr(transformers, config_class)(**_config_options(family, tokenizer), **extra)
    torch.manual_seed(0)
    return getattr(transformers, model_class)(config).eval()


def tokenizer_for(family: str, corpus, wordpiece):
    kind = _family(family)[0]
    return wordpiece if kind == "wordpiece" else bpe_tokenizer(corpus, kind)


def _config_options(family: str, tokenizer) -> dict:
    """Tiny sizes, and the special-token ids of ``tokenizer``, in each config's own names."""
    ids = {
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    ids = {k: v for k, v in ids.items() if v is not None}
    bert_like = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 130,
    }
    if family in ("bert", "electra", "roberta", "xlm-roberta", "mpnet", "deberta-v2"):
        options = dict(bert_like)
    elif family == "modernbert":
        options = {**bert_like, "global_attn_every_n_layers": 1, "local_attention": 16}
    elif family == "longformer":
        options = {**bert_like, "attention_window": [4, 4]}
    elif family == "albert":
        options = {**bert_like, "embedding_size": 16}
    elif family == "distilbert":
        options = {"dim": 32, "hidden_dim": 64, "n_layers": 2, "n_heads": 2}
    elif family == "bart":
        options = {
            "d_model": 32,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_attention_heads": 2,
            "decoder_attention_heads": 2,
            "encoder_ffn_dim": 64,
            "decoder_ffn_dim": 64,
            "max_position_embeddings": 128,
            "decoder_start_token_id": tokenizer.eos_token_id,
        }
    elif family == "t5":
        options = {
            "d_model": 32,
            "d_kv": 16,
            "d_ff": 64,
            "num_layers": 2,
            "num_heads": 2,
            "decoder_start_token_id": tokenizer.pad_token_id,
        }
    elif family == "xlnet":
        options = {"d_model": 32, "n_layer": 2, "n_head": 2, "d_inner": 64}
    elif family.startswith("gpt2"):
        options = {"n_embd": 32, "n_layer": 2, "n_head": 2, "n_positions": 128}
        if family == "gpt2-no-pad":
            ids.pop("pad_token_id", None)
    elif family == "gpt-j":
        options = {"n_embd": 32, "n_layer": 2, "n_head": 2, "n_positions": 256}
    elif family == "bloom":
        options = {"hidden_size": 32, "n_layer": 2, "n_head": 2}
    elif family in ("gpt-neox", "falcon"):
        options = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}
        options.update({"intermediate_size": 64, "max_position_embeddings": 256})
        if family == "falcon":
            del options["intermediate_size"], options["max_position_embeddings"]
    else:  # llama, qwen2 and the Llama-like decoders
        options = {
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "max_position_embeddings": 128,
        }
    return {**options, **ids, "vocab_size": len(tokenizer)}


def build_model(family: str, tokenizer, head: str = "single_label", num_labels: int = 3):
    """A seeded tiny ``family`` classifier for ``tokenizer``; ``head`` is "single_label",
    "multi_label" or "regression" (``problem_type``). Its head weights are scaled up so that the
    classes differ visibly."""
    import transformers
    from transformers.utils import logging

    logging.set_verbosity_error()
    _, config_class, model_class, extra = _family(family)
    problem = {
        "single_label": "single_label_classification",
        "multi_label": "multi_label_classification",
        "regression": "regression",
    }[head]
    labels = 1 if head == "regression" else num_labels
    config = getattr(transformers, config_class)(
        **_config_options(family, tokenizer), **extra, num_labels=labels, problem_type=problem
    )
    torch.manual_seed(0)
    model = getattr(transformers, model_class)(config).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear) and module.out_features == labels:
                module.weight.mul_(20)
    return model
