"""Adapter for any Hugging Face ``AutoModelForSequenceClassification`` and its tokenizer."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..device import resolve_device
from ..errors import ExplainError
from .base import (
    ATTENTION,
    EMBEDDINGS,
    MASK_TOKEN,
    PROPAGATION,
    VOCABULARY,
    Encoded,
    Vocabulary,
    inference_mode,
)
from .base import head_input as _head_input


def _head(config) -> str:
    """ "sigmoid" for a multi-label classifier, "softmax" for a single-label one; a regression
    head is refused: its output is a value, not class probabilities."""
    problem = getattr(config, "problem_type", None)
    if problem == "regression" or (problem is None and config.num_labels == 1):
        raise ExplainError(
            "This model has a regression head (one output value, problem_type='regression'); "
            "notebook_explain explains class scores, and its probabilities, metrics and "
            "reduction would be meaningless for it. Explain a classifier; for a single yes/no "
            "score, give it two classes or problem_type='multi_label_classification'."
        )
    return "sigmoid" if problem == "multi_label_classification" else "softmax"


class HFAdapter:
    """Wraps a transformers sequence classifier (single sentences or sentence pairs).

    Attributions are taken at the word-embedding layer (``model.get_input_embeddings()``);
    position and segment embeddings are added inside the model, as usual for ``inputs_embeds``.
    The model is moved to ``device``; it runs in eval mode inside ``inference()`` only, so its own
    mode is left as it was.
    """

    def __init__(self, model, tokenizer, device=None, class_names=None):
        if tokenizer is None:
            raise ExplainError(
                "A Hugging Face model needs its tokenizer: Explainer(model, AutoTokenizer.from_pretrained(name))."
            )
        try:
            embedding = model.get_input_embeddings()
        except (AttributeError, NotImplementedError):
            embedding = None
        if not isinstance(embedding, torch.nn.Module):
            raise ExplainError(
                f"{type(model).__name__} has no accessible input embeddings (get_input_embeddings() "
                "returned nothing), so gradient and embedding methods cannot run. Pass a transformers "
                "sequence classifier, or wrap your model in a ModelAdapter."
            )
        #: how the logits become probabilities (``outputs.HEADS``), from ``config.problem_type``
        self.head = _head(model.config)
        self.device = resolve_device(device)
        self.model = model.to(self.device)  # eval mode only inside inference(): see base.py
        self.tokenizer = tokenizer
        self._embedding = embedding
        config = model.config
        self.name = getattr(config, "_name_or_path", "") or type(model).__name__
        if class_names is None:
            id2label = getattr(config, "id2label", None) or {}
            class_names = [str(id2label.get(i, f"class_{i}")) for i in range(config.num_labels)]
        if len(class_names) != config.num_labels:
            raise ExplainError(
                f"class_names has {len(class_names)} names but the model has {config.num_labels} classes."
            )
        self.class_names = list(class_names)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.unk_id = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else self.pad_id
        self.mask_id = tokenizer.mask_token_id
        self.padding_side = "right"  # what the probe pads with
        #: where rows of different lengths are padded (``_padding_side``; None: nowhere)
        self.padding_side = self._padding_side()
        #: the position the classifier reads: an encoder's first ([CLS], <s>); a model that must
        #: be padded on the left reads its last (GPT-2, Llama, Qwen2, XLNet)
        self.pooled_position = "last" if self.padding_side == "left" else "first"
        capabilities = {EMBEDDINGS, ATTENTION, VOCABULARY}
        if self.mask_id is not None:
            capabilities.add(MASK_TOKEN)
        from ..propagation.transformer import PROPAGATION_MODEL_TYPES  # transformers' BERT modules

        if getattr(config, "model_type", None) in PROPAGATION_MODEL_TYPES:
            capabilities.add(PROPAGATION)
        self.capabilities = frozenset(capabilities)
        self.attention_normalizer = {"normalizer": "softmax"}
        limits = [
            x
            for x in (
                getattr(config, "max_position_embeddings", None),
                getattr(tokenizer, "model_max_length", None),
            )
            if isinstance(x, int) and 0 < x < 100_000  # XLNet says -1: no limit
        ]
        self.max_length = min(limits, default=512)

    def encode(self, text: str, text_pair: str | None = None) -> Encoded:
        full = self.tokenizer(
            text, text_pair, add_special_tokens=True, truncation=False, verbose=False
        )  # our own warning reports truncation
        n_full = len(full["input_ids"])
        enc = self.tokenizer(
            text,
            text_pair,
            add_special_tokens=True,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=self.tokenizer.is_fast,
        )
        ids = enc["input_ids"]
        dropped = n_full - len(ids)
        if dropped > 0:
            warnings.warn(
                f"The input is longer than the model's maximum of {self.max_length} tokens: "
                f"{dropped} tokens were dropped "
                + ("from the end" if text_pair is None else "from the ends of the two texts")
                + " and are not explained.",
                stacklevel=3,
            )
        # special tokens are the template's structural ones ([CLS], [SEP], ...): the tokens of
        # no sequence. A token of the text is a word, even an unknown word's [UNK] or a "[MASK]"
        # typed in it. A slow tokenizer tells no sequences apart: its special-token mask, [UNK]
        # excepted.
        if self.tokenizer.is_fast:
            special = np.array([seq is None for seq in enc.sequence_ids()], dtype=bool)
        else:
            special = np.array(
                self.tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True),
                dtype=bool,
            ) & (np.asarray(ids) != self.tokenizer.unk_token_id)
        words, word_index = self._group_words(enc, text, text_pair, special)
        as_tensor = lambda key: torch.tensor([enc[key]], device=self.device)  # noqa: E731
        return Encoded(
            input_ids=as_tensor("input_ids"),
            attention_mask=as_tensor("attention_mask"),
            token_type_ids=as_tensor("token_type_ids") if "token_type_ids" in enc else None,
            tokens=self.tokenizer.convert_ids_to_tokens(ids),
            words=words,
            word_index=word_index,
            special_mask=special,
            truncated_tokens=max(dropped, 0),
        )

    def _group_words(self, enc, text, text_pair, special):
        """Words are the tokenizer's pre-tokenized words, split again at whitespace (a tokenizer
        that numbers the whole text as one word is read right); their text is cut from the input
        by offsets, without surrounding whitespace."""
        n = len(enc["input_ids"])
        word_index = np.full(n, -1, dtype=np.int64)
        if not self.tokenizer.is_fast:  # no word alignment available: each token is its own word
            keep = np.flatnonzero(~special)
            word_index[keep] = np.arange(len(keep))
            tokens = self.tokenizer.convert_ids_to_tokens(enc["input_ids"])
            return [tokens[i] for i in keep], word_index
        sources = (text, text_pair)
        keys, spans = {}, []
        previous = {}  # per sequence: the last token's word id, end offset and whitespace breaks
        for i, (seq, wid, (start, end)) in enumerate(
            zip(enc.sequence_ids(), enc.word_ids(), enc["offset_mapping"])
        ):
            if seq is None or wid is None or special[i]:
                continue
            source = sources[seq]
            # byte-level BPE and SentencePiece offsets may take in the space before a word
            while start < end and source[start].isspace():
                start += 1
            last_wid, last_end, breaks = previous.get(seq, (None, start, 0))
            # a word never spans whitespace: some tokenizers (Llama's, Gemma's) number every
            # token of a text as word 0, so whitespace before a token starts a new word
            if wid == last_wid and start < end and any(c.isspace() for c in source[last_end:start]):
                breaks += 1
            previous[seq] = (wid, end if start < end else last_end, breaks)
            key = (seq, wid, breaks)
            if key not in keys:
                keys[key] = len(spans)
                spans.append([seq, start, end])
            spans[keys[key]][2] = end
            word_index[i] = keys[key]
        return [sources[seq][start:end].strip() for seq, start, end in spans], word_index

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self._embedding(input_ids)

    def logits(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        return self._logits(embeddings, attention_mask, token_type_ids, self.padding_side)

    def _logits(self, embeddings, attention_mask, token_type_ids, side) -> torch.Tensor:
        kwargs = {"inputs_embeds": embeddings, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        if side == "left":  # the real tokens keep the positions they have without padding
            kwargs["position_ids"] = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        return self.model(**kwargs).logits

    def _padding_side(self) -> str | None:
        """Where rows of different lengths can be padded without changing the output: "right"
        (encoders), "left" with positions from the mask (decoders, which read the last
        position: they cannot find padding in embeddings), or None. Found by trying both on a
        short input, so that nothing pads a batch in a way that changes what the model says."""
        ids = [i for i in range(min(len(self.tokenizer), 64)) if i != self.pad_id][:4]
        ids = torch.tensor([ids], device=self.device)
        with torch.no_grad(), self.inference():
            emb = self.embed(ids)
            pad = self.embed(torch.full_like(ids[:, :1], self.pad_id))
            one, none = torch.ones_like(ids), torch.zeros_like(ids[:, :1])
            try:
                plain = self._logits(emb, one, None, "right")
            except Exception as err:  # noqa: BLE001 - any failure here means: cannot run at all
                raise ExplainError(
                    f"{type(self.model).__name__} cannot run from input embeddings, which every "
                    f"method here feeds it ({type(err).__name__}: {str(err)[:200]}). Encoder-"
                    "decoder classifiers (BART, T5) and some others (XLNet, Longformer) are not "
                    "supported yet; wrap the model in a ModelAdapter whose logits() maps "
                    "embeddings to class logits, or use an encoder or decoder classifier."
                ) from err
            for side, rows, mask in (
                ("right", torch.cat([emb, pad], 1), torch.cat([one, none], 1)),
                ("left", torch.cat([pad, emb], 1), torch.cat([none, one], 1)),
            ):
                try:
                    padded = self._logits(rows, mask, None, side)
                except (TypeError, ValueError, RuntimeError):  # e.g. no position_ids argument
                    continue
                if torch.allclose(padded, plain, atol=1e-4, rtol=1e-4):
                    return side
        return None

    def inference(self):
        return inference_mode(self.model)

    def vocabulary(self) -> Vocabulary:
        """The tokenizer's tokens by id; its special tokens never fill a position."""
        tokenizer = self.tokenizer
        tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        return Vocabulary.of(tokens, tokenizer.all_special_ids, whole_words=False)

    def propagation_logits(self, embeddings, attention_mask, token_type_ids, rule) -> torch.Tensor:
        """``logits`` with every nonlinear op handed to ``rule`` (``propagation.rules``)."""
        from ..propagation.transformer import rule_logits  # imports transformers' BERT modules

        return rule_logits(self.model, embeddings, attention_mask, token_type_ids, rule)

    def classifier_head(self) -> tuple[str, torch.nn.Linear]:
        """The name and module of the final Linear layer that maps the head features to the logits."""
        heads = [
            (name, module)
            for name, module in self.model.named_modules()
            if isinstance(module, torch.nn.Linear) and module.out_features == len(self.class_names)
        ]
        if not heads:
            raise ExplainError(
                f"{type(self.model).__name__} has no Linear layer with {len(self.class_names)} "
                "outputs to treat as its classifier head."
            )
        return heads[-1]

    def head_features(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        """(B, H) features entering ``classifier_head()`` (differentiable, like ``logits``)."""
        return _head_input(
            self.classifier_head()[1], self.logits, embeddings, attention_mask, token_type_ids
        )

    def named_parameters(self):
        """The model's named parameters (for fingerprints and parameter-subset gradients)."""
        return self.model.named_parameters()

    def attentions(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        """(B, layers, heads, L, L) self-attention probabilities of every layer, without autograd.

        The sdpa and flash kernels return no attention probabilities, so this pass runs with
        eager attention; every config's attention setting is put back afterwards.
        """
        kwargs = {"inputs_embeds": embeddings, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        configs = _configs(self.model)
        saved = [config._attn_implementation_internal for config in configs]
        try:
            if self.model.config._attn_implementation != "eager":
                self.model.set_attn_implementation("eager")
            with torch.no_grad():
                attentions = self.model(**kwargs, output_attentions=True).attentions
        finally:
            for config, implementation in zip(configs, saved):
                config._attn_implementation_internal = implementation
        if not attentions or any(a is None for a in attentions):
            raise ExplainError(
                f"{type(self.model).__name__} returned no attention probabilities. Load it with "
                'attn_implementation="eager" to explain it with attention.'
            )
        return torch.stack(attentions, dim=1)


def _configs(model) -> list:
    """Every distinct config of the model, its submodels and their sub-configs."""
    found, pending = {}, [getattr(module, "config", None) for module in model.modules()]
    while pending:
        config = pending.pop()
        if hasattr(config, "_attn_implementation_internal") and id(config) not in found:
            found[id(config)] = config
            pending.extend(getattr(config, key, None) for key in config.sub_configs)
    return list(found.values())
