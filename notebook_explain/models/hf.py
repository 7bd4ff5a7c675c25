"""Adapter for any Hugging Face ``AutoModelForSequenceClassification`` and its tokenizer.

Every method feeds the model input embeddings. Most models take them as ``inputs_embeds``; those
whose forward needs ``input_ids`` (T5 and BART find their end-of-sequence token in the ids,
Longformer builds its global attention from them) get structural ids (padding where the mask is
0, the end-of-sequence token at each row's last real position) while a forward hook replaces
the word-embedding layer's output with the explained embeddings. Which way a model is fed is
chosen when the adapter is made, and checked against the model run on real ids.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
import warnings

import numpy as np
import torch

from ..device import resolve_device
from ..errors import ExplainError
from .base import (
    ATTENTION,
    EMBEDDINGS,
    LAYERS,
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


#: the input on which the propagation rules are checked before LRP and DeepLIFT are offered
PROBE_TEXT = (
    "the film opens with a quiet scene at the station , and for a while it seems that nothing "
    "will happen ; then the letters arrive , the brothers argue , and the last hour is as "
    "gripping as anything this year ."
)


#: characters that belong to the character before them: variation selectors and the joiner
_JOINERS = frozenset("\ufe0e\ufe0f\u200d")


def _through_marks(source: str, end: int) -> int:
    """``end`` moved past the combining marks, variation selectors and joiners that follow it:
    an uncased tokenizer strips them ("café" written with U+0301, "❤️"), so its offsets end before
    them, and the shown word would lose them."""
    while end < len(source) and (
        unicodedata.category(source[end]).startswith("M") or source[end] in _JOINERS
    ):
        end += 1
    return end


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
        self.head = self._head_kind(model.config)
        self.device = resolve_device(device)
        self.model = model.to(self.device)  # eval mode only inside inference(): see base.py
        self.tokenizer = tokenizer
        self._embedding = embedding
        config = model.config
        self.class_names = self._class_names(config, class_names)
        self.name = _short_name(config, model)
        self.pad_id = next(
            (i for i in (tokenizer.pad_token_id, config.pad_token_id) if isinstance(i, int)), 0
        )  # a decoder without a pad token is padded on the left, under a 0 mask: any id serves
        self.unk_id = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else self.pad_id
        self.mask_id = tokenizer.mask_token_id
        #: every embedding module that shares the word embeddings' weight (an encoder-decoder
        #: has three: the shared one, the encoder's and the decoder's)
        self._embeddings = [
            m
            for m in model.modules()
            if isinstance(m, torch.nn.Embedding) and m.weight is getattr(embedding, "weight", None)
        ] or [embedding]
        #: "inputs_embeds", or "ids" for a model fed structural ids and hooked embeddings
        self.feed = self._choose_feed()
        #: where rows of different lengths are padded (``_padding_side``; None: nowhere)
        self.padding_side = self._padding_side()
        #: the position the classifier reads: an encoder's first ([CLS], <s>); a model that must
        #: be padded on the left reads its last (GPT-2, Llama, Qwen2, XLNet)
        self.pooled_position = "last" if self.padding_side == "left" else "first"
        self.max_length = _length_limit(model, tokenizer)
        capabilities = {EMBEDDINGS, VOCABULARY}
        if self._attention_is_readable():
            capabilities.add(ATTENTION)
        if self.mask_id is not None:
            capabilities.add(MASK_TOKEN)
        if self._propagation_is_exact():
            capabilities.add(PROPAGATION)
        #: inner layers whose output can be attributed (``layer_output``), checked on a probe
        self._layer_modules = self._attributable_layers()
        self.layers = tuple(self._layer_modules)
        if self.layers:
            capabilities.add(LAYERS)
        self.capabilities = frozenset(capabilities)
        self.attention_normalizer = {"normalizer": "softmax"}

    def _head_kind(self, config) -> str:
        return _head(config)

    def _class_names(self, config, class_names) -> list[str]:
        if class_names is None:
            id2label = getattr(config, "id2label", None) or {}
            class_names = [str(id2label.get(i, f"class_{i}")) for i in range(config.num_labels)]
        if len(class_names) != config.num_labels:
            raise ExplainError(
                f"class_names has {len(class_names)} names but the model has {config.num_labels} classes."
            )
        return list(class_names)

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
        words = [
            sources[seq][start : _through_marks(sources[seq], end)].strip()
            for seq, start, end in spans
        ]
        return words, word_index

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self._embedding(input_ids)

    def logits(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        return self._logits(embeddings, attention_mask, token_type_ids, self.padding_side).logits

    def _logits(self, embeddings, attention_mask, token_type_ids, side, **options):
        kwargs = {"attention_mask": attention_mask, **options}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        if side == "left":  # the real tokens keep the positions they have without padding
            kwargs["position_ids"] = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        with self._pad_token():
            if self.feed == "inputs_embeds":
                return self.model(inputs_embeds=embeddings, **kwargs)
            ids = self._structural_ids(attention_mask)
            with self._embedding_output(ids, embeddings):
                return self.model(input_ids=ids, **kwargs)

    @contextlib.contextmanager
    def _pad_token(self):
        """A model whose config names no pad token (GPT-2's) refuses batches of more than one
        row; within the block its config names ``pad_id``, and after it nothing again."""
        config = self.model.config
        if config.pad_token_id is not None:
            yield
            return
        config.pad_token_id = self.pad_id
        try:
            yield
        finally:
            config.pad_token_id = None

    def _structural_ids(self, attention_mask: torch.Tensor) -> torch.Tensor:
        """Ids that carry a batch's structure only: padding where the mask is 0, an ordinary
        token elsewhere, and the end-of-sequence token at each row's last real position (where
        T5's and BART's heads pool)."""
        real = attention_mask.bool()
        ids = torch.where(real, self._ordinary_id, self.pad_id)
        eos = self.model.config.eos_token_id
        eos = eos[0] if isinstance(eos, (list, tuple)) else eos
        vocabulary = getattr(self._embedding, "num_embeddings", len(self.tokenizer))
        if isinstance(eos, int) and 0 <= eos < vocabulary:
            positions = torch.arange(real.shape[1], device=real.device)
            last = torch.where(real, positions, -1).amax(-1, keepdim=True)
            ids = torch.where(positions == last, eos, ids)
        return ids

    @functools.cached_property
    def _ordinary_id(self) -> int:
        """The first id of an ordinary token (no special token, no padding)."""
        special = set(self.tokenizer.all_special_ids) | {self.pad_id}
        return next(i for i in range(len(self.tokenizer)) if i not in special)

    @contextlib.contextmanager
    def _embedding_output(self, ids: torch.Tensor, embeddings: torch.Tensor):
        """Within the block, the word-embedding layers return ``embeddings`` for ``ids`` (and
        for ids a model pads further, their own output past them), and the same embeddings
        shifted one place right after the start token's for a decoder fed the ids shifted."""
        length = ids.shape[1]

        def replace(module, args, output):
            seen = args[0]
            if seen.shape[1] >= length and torch.equal(seen[:, :length], ids):
                return torch.cat([embeddings.to(output.dtype), output[:, length:]], 1)
            if seen.shape == ids.shape and torch.equal(seen[:, 1:], ids[:, :-1]):
                return torch.cat([output[:, :1], embeddings[:, :-1].to(output.dtype)], 1)
            raise ExplainError(
                f"{type(self.model).__name__} looked up token ids that are neither its input nor "
                "its input shifted for a decoder, so the explained embeddings cannot stand in "
                "for them. Wrap the model in a ModelAdapter whose logits() maps embeddings to "
                "class logits."
            )

        handles = [m.register_forward_hook(replace) for m in self._embeddings]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _choose_feed(self) -> str:
        """ "inputs_embeds" when the model takes embeddings and says what it says for the ids,
        else "ids" when hooked embeddings do; else an ExplainError. Checked on a short text."""
        name = type(self.model).__name__
        real = self.tokenizer("a good movie", return_tensors="pt")
        ids = real["input_ids"].to(self.device)
        one = torch.ones_like(ids)
        failures = []
        with torch.no_grad(), self.inference():
            try:
                expected = self.model(input_ids=ids, attention_mask=one)
            except Exception as err:  # noqa: BLE001 - a model that cannot run at all
                raise ExplainError(
                    f"{name} fails on a short tokenized text ({type(err).__name__}: "
                    f"{str(err)[:200]}); check that the tokenizer belongs to the model."
                ) from err
            logits = getattr(expected, "logits", None)
            if not torch.is_tensor(logits) or tuple(logits.shape) != (1, len(self.class_names)):
                raise ExplainError(
                    f"{name} is not a sequence classifier: it returns no (batch, classes) "
                    "logits. Load the model with AutoModelForSequenceClassification."
                )
            for feed in ("inputs_embeds", "ids"):
                self.feed = feed
                try:
                    got = self._logits(self.embed(ids), one, None, "right").logits
                except Exception as err:  # noqa: BLE001 - this feed does not work: try the next
                    failures.append(f"{feed}: {type(err).__name__}: {str(err)[:160]}")
                    continue
                if torch.allclose(got, logits, atol=1e-4, rtol=1e-4):
                    return feed
                failures.append(f"{feed}: the logits differ from the model run on the ids")
        raise ExplainError(
            f"{name} cannot be fed input embeddings, which every method here does "
            f"({'; '.join(failures)}). Wrap the model in a ModelAdapter whose logits() maps "
            "embeddings to class logits."
        )

    @contextlib.contextmanager
    def layer_output(self, name: str, replacement: torch.Tensor | None = None):
        """Within the block, the output of layer ``name`` (``layers``) is appended to the list
        this yields, or replaced by ``replacement`` (a block's other outputs kept)."""
        if name not in self._layer_modules:
            raise ExplainError(
                f"This model has no layer {name!r}; its layers: word_embeddings, "
                f"{', '.join(self.layers) or '(no others)'}."
            )
        captured = []

        def hook(module, args, output):
            hidden = output[0] if isinstance(output, tuple) else output
            captured.append(hidden)
            if replacement is None:
                return None
            value = replacement.to(hidden.dtype)
            return (value, *output[1:]) if isinstance(output, tuple) else value

        handle = self._layer_modules[name].register_forward_hook(hook)
        try:
            yield captured
        finally:
            handle.remove()

    def _attributable_layers(self) -> dict[str, torch.nn.Module]:
        """ "embeddings" (the base model's embedding block, when it has one) and every encoder
        block by number (the longest ModuleList of the base model); an encoder-decoder's are
        left out (its head reads the decoder). Each is kept only if, on a short input, its
        output is one (1, L, H) tensor and putting it back changes nothing."""
        if getattr(self.model.config, "is_encoder_decoder", False):
            return {}
        base = getattr(self.model, "base_model", self.model)
        found = {}
        embeddings = getattr(base, "embeddings", None)
        if isinstance(embeddings, torch.nn.Module) and embeddings is not self._embedding:
            found["embeddings"] = embeddings
        lists = [m for m in base.modules() if isinstance(m, torch.nn.ModuleList) and len(m)]
        if lists:
            for i, block in enumerate(max(lists, key=len)):
                found[str(i)] = block
        self._layer_modules = found
        ids = self.tokenizer("a good movie", return_tensors="pt")["input_ids"].to(self.device)
        mask = torch.ones_like(ids)
        kept = {}
        with torch.no_grad(), self.inference():
            x = self.embed(ids)
            plain = self.logits(x, mask)
            for name, module in found.items():
                try:
                    with self.layer_output(name) as captured:
                        self.logits(x, mask)
                    hidden = captured[0]
                    with self.layer_output(name, hidden) as _:
                        again = self.logits(x, mask)
                except Exception:  # noqa: BLE001 - this layer cannot be read or replaced
                    continue
                if (
                    hidden.dim() == 3
                    and hidden.shape[:2] == ids.shape
                    and torch.allclose(again, plain, atol=1e-5)
                    and len(captured) == 1
                ):
                    kept[name] = module
        return kept

    def _attention_is_readable(self) -> bool:
        """Whether ``attentions`` gives full self-attention maps over the input: not for T5 and
        BART (their heads pool in the decoder) nor for local, windowed attention (Longformer)."""
        if getattr(self.model.config, "is_encoder_decoder", False):
            return False
        ids = self.tokenizer("a good movie", return_tensors="pt")["input_ids"].to(self.device)
        with self.inference():
            try:
                self.attentions(self.embed(ids), torch.ones_like(ids))
            except ExplainError:
                return False
        return True

    def _padding_side(self) -> str | None:
        """Where rows of different lengths can be padded without changing the output: "right"
        (encoders), "left" with positions from the mask (decoders, which read the last
        position: they cannot find padding in embeddings), or None. Found by trying both on a
        short input, so that nothing pads a batch in a way that changes what the model says."""
        ids = self.tokenizer("a good movie", return_tensors="pt")["input_ids"].to(self.device)
        with torch.no_grad(), self.inference():
            emb = self.embed(ids)
            pad = self.embed(torch.full_like(ids[:, :1], self.pad_id))
            one, none = torch.ones_like(ids), torch.zeros_like(ids[:, :1])
            plain = self._logits(emb, one, None, "right").logits
            for side, rows, mask in (
                ("right", torch.cat([emb, pad], 1), torch.cat([one, none], 1)),
                ("left", torch.cat([pad, emb], 1), torch.cat([none, one], 1)),
            ):
                try:
                    padded = self._logits(rows, mask, None, side).logits
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
        """``logits`` with every nonlinear op handed to ``rule`` (``propagation.transformer``)."""
        from ..propagation.transformer import RULE_KEYWORD, rule_pass

        if self.model.training:
            raise ExplainError("lrp and deeplift need the model in eval mode: call model.eval().")
        with rule_pass(self.model, rule) as attention_calls:
            logits = self._logits(
                embeddings,
                attention_mask,
                token_type_ids,
                self.padding_side,
                **{RULE_KEYWORD: rule},
            ).logits
        if not attention_calls:
            raise ExplainError(
                f"{type(self.model).__name__} computes its attention with code of its own, which "
                "the propagation rules do not reach; use integrated_gradients instead."
            )
        return logits

    def _propagation_is_exact(self) -> bool:
        """Whether the propagation rules cover every nonlinear op of the model, on an input of
        ordinary length (``PROBE_TEXT``, 43 words cut to the model's length limit; a three-token
        probe passed models whose sliding-window attention only matters on longer inputs):
        every attention layer runs through the rules, the rule pass gives the model's own logits,
        and DeepLIFT's contributions sum to the logit difference against a reference (an
        ordinary token at every position) within 1e-4 relative. An op the rules miss (a
        ``torch.tanh`` written inline, attention code of the model's own) breaks that sum, and
        LRP and DeepLIFT are then not offered. DeepLIFT checks the sum again on every input it
        explains (``methods/identity.py``)."""
        from ..propagation import RescaleRule

        probe = self.tokenizer(
            PROBE_TEXT, return_tensors="pt", truncation=True, max_length=self.max_length
        )
        ids = probe["input_ids"].to(self.device)
        mask = torch.ones_like(ids).expand(2, -1)
        with self.inference():
            x = self.embed(ids).detach()
            reference = self.embed(torch.full_like(ids, self._ordinary_id)).detach()
            rows = torch.cat([x, reference]).requires_grad_(True)
            try:
                with torch.enable_grad():
                    logits = self.propagation_logits(rows, mask, None, RescaleRule(1))
                    target = int(logits[0].argmax())
                    (grad,) = torch.autograd.grad(logits[0, target], rows)
                with torch.no_grad():
                    plain = self.logits(x, mask[:1])
            except Exception:  # noqa: BLE001 - any failure: the rules do not fit this model
                return False
        total = float(((x[0] - reference[0]) * grad[0]).sum())
        difference = float((logits[0, target] - logits[1, target]).detach())
        same = torch.allclose(logits[:1].detach(), plain, atol=1e-4, rtol=1e-4)
        return (
            bool(same)
            and abs(difference) > 1e-4
            and abs(total - difference) <= 1e-4 * abs(difference)
        )

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
        configs = _configs(self.model)
        saved = [config._attn_implementation_internal for config in configs]
        try:
            if self.model.config._attn_implementation != "eager":
                self.model.set_attn_implementation("eager")
            with torch.no_grad():
                attentions = self._logits(
                    embeddings,
                    attention_mask,
                    token_type_ids,
                    self.padding_side,
                    output_attentions=True,
                ).attentions
        finally:
            for config, implementation in zip(configs, saved):
                config._attn_implementation_internal = implementation
        name = type(self.model).__name__
        if not attentions or any(a is None for a in attentions):
            raise ExplainError(
                f"{name} returned no attention probabilities. Load it with "
                'attn_implementation="eager" to explain it with attention.'
            )
        length = embeddings.shape[1]
        if any(a.shape[-2:] != (length, length) for a in attentions):
            raise ExplainError(
                f"{name}'s attention is not a distribution over the input tokens (its maps are "
                f"{tuple(attentions[0].shape[-2:])} for {length} tokens: local or windowed "
                "attention), so it cannot be read as token importance; use another method."
            )
        return torch.stack(attentions, dim=1)


def _short_name(config, model) -> str:
    """The model's short name: the last part of its hub name or folder, never a whole path."""
    path = str(getattr(config, "_name_or_path", "") or "").rstrip("/\\")
    return path.replace("\\", "/").rsplit("/", 1)[-1] or type(model).__name__


def _length_limit(model, tokenizer) -> int:
    """The most tokens the model takes: the smaller of the tokenizer's ``model_max_length`` and
    the position table, which for RoBERTa-style models (positions counted after the padding
    index) holds ``padding_idx + 1`` fewer; -1, None and huge sentinels mean no limit."""
    limits = [getattr(tokenizer, "model_max_length", None)]
    positions = getattr(model.config, "max_position_embeddings", None)
    for name, module in model.named_modules():
        if name.endswith("position_embeddings") and isinstance(module, torch.nn.Embedding):
            offset = 0 if module.padding_idx is None else module.padding_idx + 1
            positions = module.num_embeddings - offset
            break
    limits.append(positions)
    return min((x for x in limits if isinstance(x, int) and 0 < x < 100_000), default=512)


def _configs(model) -> list:
    """Every distinct config of the model, its submodels and their sub-configs."""
    found, pending = {}, [getattr(module, "config", None) for module in model.modules()]
    while pending:
        config = pending.pop()
        if hasattr(config, "_attn_implementation_internal") and id(config) not in found:
            found[id(config)] = config
            pending.extend(getattr(config, key, None) for key in config.sub_configs)
    return list(found.values())
