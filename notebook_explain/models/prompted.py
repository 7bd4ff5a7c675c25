"""A causal language model read as a text classifier through a prompt.

The user's text fills a template (``"Review: {text}\\nSentiment:"``), optionally after a few
demonstrations (the template filled with an example and its label word) and inside the
tokenizer's chat template. Each class has one or more label words; a class's score is the
log-probability of its label words as the next tokens, log Σ_w p(w | prompt), a multi-token word
scored by its sequence log-probability (PET, Schick & Schütze, EACL 2021; LM-BFF, Gao et al.,
ACL 2021). The probabilities are the softmax over the classes' scores, that is p(class) ∝ the
probability mass of its label words. With ``calibrate=True`` each score is shifted by minus its
value on a content-free input ("N/A"), the contextual calibration of Zhao et al. (ICML 2021,
eq. 2 with a diagonal W = diag(p_cf)⁻¹).

Only the user's text is explained: the template's tokens (and the demonstrations') are the
input's special tokens here, so no method perturbs, colours or counts them.

Shared-prefix caching: the tokens before the user's text are the same for every input, so
their keys and values are computed once (``prefix_cache``) and every batch without gradients
whose rows start with that prefix runs from the cache; the rows are padded on the right, and
each row's class scores are read at its last real token.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
import torch

from ..errors import ExplainError
from .base import Encoded
from .hf import HFAdapter

SLOT, PAIR_SLOT = "{text}", "{text_pair}"
#: the content-free input of contextual calibration (Zhao et al. 2021)
CONTENT_FREE = "N/A"
#: the most the class scores may move when run from the prefix cache (float32 rounding)
CACHE_TOLERANCE = 1e-5
#: what separates the demonstrations from each other and from the query
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Prompt:
    """What the model is asked: ``template`` with ``{text}`` (and ``{text_pair}`` for pairs),
    ``labels`` (class name → label words), and the few-shot ``demonstrations`` ((text, class
    name) pairs, or (text, text_pair, class name) for pairs), each written as the template filled
    with it and followed by its class's first label word, before the query; ``instruction`` comes
    first of all."""

    template: str
    labels: dict[str, tuple[str, ...]]
    demonstrations: tuple[tuple[str, ...], ...] = ()
    instruction: str = ""

    def __post_init__(self):
        if not isinstance(self.template, str) or self.template.count(SLOT) != 1:
            raise ExplainError(
                "template must contain {text} exactly once, where the text goes, e.g. "
                f"'Review: {{text}}\\nSentiment:'; got {self.template!r}."
            )
        if self.template.count(PAIR_SLOT) > 1:
            raise ExplainError("template may contain {text_pair} once at most.")
        if self.template.rstrip().endswith(SLOT):
            raise ExplainError(
                "template ends with {text}: put the question after it (e.g. "
                "'{text}\\nSentiment:'), so the label word answers it."
            )
        if not isinstance(self.labels, dict) or len(self.labels) < 2:
            raise ExplainError(
                "labels maps each class name to its label words, for two classes at least: "
                "{'negative': ' negative', 'positive': ' positive'}."
            )
        for name, words in self.labels.items():
            if not words or not all(isinstance(w, str) and w for w in words):
                raise ExplainError(f"Class {name!r} needs one label word at least, got {words!r}.")
        arity = 3 if self.paired else 2
        for demo in self.demonstrations:
            if len(demo) != arity or demo[-1] not in self.labels:
                raise ExplainError(
                    f"Each demonstration is ({'text, text_pair, ' if self.paired else 'text, '}"
                    f"class name) with a class of {list(self.labels)}; got {demo!r}."
                )

    @property
    def paired(self) -> bool:
        return PAIR_SLOT in self.template

    def fill(self, text: str, text_pair: str | None = None) -> str:
        # one pass over the template, so braces in the texts are never read as slots
        head, tail = self.template.split(SLOT)
        if self.paired:
            if PAIR_SLOT in head:
                first, second = head.split(PAIR_SLOT)
                return first + (text_pair or "") + second + text + tail
            middle, end = tail.split(PAIR_SLOT)
            return head + text + middle + (text_pair or "") + end
        return head + text + tail

    def demonstration(self, demo: tuple[str, ...]) -> str:
        filled = self.fill(demo[0], demo[1] if self.paired else None)
        return filled + self.labels[demo[-1]][0]

    def context(self) -> str:
        """The instruction and the demonstrations, in the order the model reads them."""
        parts = [self.instruction] if self.instruction else []
        parts += [self.demonstration(demo) for demo in self.demonstrations]
        return SEPARATOR.join(parts) + (SEPARATOR if parts else "")

    def without(self, rows) -> Prompt:
        """The prompt without the demonstrations at ``rows``."""
        drop = set(rows)
        kept = tuple(d for i, d in enumerate(self.demonstrations) if i not in drop)
        return replace(self, demonstrations=kept)


def as_prompt(template, labels, demonstrations=(), instruction="") -> Prompt:
    """Check and normalise ``from_causal_lm``'s arguments into a ``Prompt``."""
    if not isinstance(labels, dict):
        raise ExplainError(
            "labels maps each class name to its label words: "
            "{'negative': ' negative', 'positive': ' positive'}; got "
            f"{type(labels).__name__}."
        )
    words = {str(name): (w,) if isinstance(w, str) else tuple(w) for name, w in labels.items()}
    demos = tuple(tuple(d) for d in (demonstrations or ()))
    return Prompt(template, words, demos, instruction or "")


class PromptedLMAdapter(HFAdapter):
    """A causal LM (``AutoModelForCausalLM``) and its tokenizer, classifying through ``prompt``.

    ``chat``: wrap the prompt in the tokenizer's chat template as one user message followed
    by the assistant's turn (``None``: when the tokenizer has a chat template).
    """

    def __init__(
        self,
        model,
        tokenizer,
        prompt: Prompt,
        device=None,
        chat: bool | None = None,
        calibrate: bool = False,
        prefix_cache: bool = True,
    ):
        if tokenizer is None:
            raise ExplainError("A prompted classifier needs its tokenizer.")
        if not getattr(tokenizer, "is_fast", False):
            raise ExplainError(
                "A prompted classifier needs a fast tokenizer (its offsets tell the user's text "
                "from the template): load it with AutoTokenizer.from_pretrained(..., use_fast=True)."
            )
        self.prompt = prompt
        has_chat = bool(getattr(tokenizer, "chat_template", None))
        if chat and not has_chat:
            raise ExplainError("chat=True, but this tokenizer has no chat template.")
        self.chat = has_chat if chat is None else bool(chat)
        self.tokenizer = tokenizer
        self._layers_hooked = 0
        self._prefix = None  # (prefix ids, their embeddings, their cache), made on first use
        self.prefix_cache = False  # while the base class probes the model
        self._bias = None
        #: rows run from the prefix cache so far (``benchmarks/prompted_llm.py`` reports it)
        self.rows_from_cache = 0
        self._set_label_ids()
        super().__init__(model, tokenizer, device=device, class_names=list(prompt.labels))
        # the model reads its answer at the last real token of each row
        self.pooled_position = "last"
        self.name = f"{self.name} (prompted)"
        self.prefix_cache = bool(prefix_cache) and self._prefix_cache_agrees()
        if calibrate:
            self._bias = self._content_free_scores()

    # ------------------------------------------------------------------ the prompt
    def _render(self, prompt: Prompt, text: str, text_pair: str | None) -> tuple[str, list]:
        """The whole prompt as a string, and the character spans of the user's texts in it."""
        marks = ("\x00TEXT\x00", "\x00PAIR\x00")
        content = prompt.context() + prompt.fill(marks[0], marks[1] if prompt.paired else None)
        if self.chat:
            content = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": content}],
                tokenize=False,
                add_generation_prompt=True,
            )
        spans, out, cursor = [], [], 0
        pieces = [(marks[0], text)] + ([(marks[1], text_pair or "")] if prompt.paired else [])
        order = sorted(pieces, key=lambda piece: content.index(piece[0]))
        for mark, value in order:
            at = content.index(mark, cursor)
            out.append(content[cursor:at])
            start = sum(map(len, out))
            out.append(value)
            spans.append((mark, start, start + len(value)))
            cursor = at + len(mark)
        out.append(content[cursor:])
        spans.sort(key=lambda span: span[0] != marks[0])  # the text first, then the pair
        return "".join(out), [(start, end) for _, start, end in spans]

    def _tokenize(self, string: str) -> dict:
        add = not self.chat  # a chat template writes its own start token
        return self.tokenizer(
            string, add_special_tokens=add, return_offsets_mapping=True, verbose=False
        )

    def _set_label_ids(self) -> None:
        """Each class's label words as token ids, tokenized where they stand: after the
        prompt's end (a word's first token may merge with nothing before it)."""
        end, _ = self._render(self.prompt, "x", "x" if self.prompt.paired else None)
        base = self._tokenize(end)["input_ids"]
        self._label_ids: list[list[list[int]]] = []
        for name, words in self.prompt.labels.items():
            ids = []
            for word in words:
                full = self._tokenize(end + word)["input_ids"]
                if full[: len(base)] != base or len(full) == len(base):
                    raise ExplainError(
                        f"The label word {word!r} of {name!r} merges with the end of the prompt "
                        "when tokenized after it; end the template with a space or newline, or "
                        "start the word with one."
                    )
                ids.append(full[len(base) :])
            self._label_ids.append(ids)

    def encode(self, text: str, text_pair: str | None = None):
        prompt = self.prompt
        if prompt.paired and text_pair is None:
            raise ExplainError("This prompt has a {text_pair} slot: pass text_pair=.")
        if text_pair is not None and not prompt.paired:
            raise ExplainError("This prompt has no {text_pair} slot, so it takes no text_pair.")
        string, spans = self._render(prompt, text, text_pair)
        enc = self._tokenize(string)
        ids = enc["input_ids"]
        if len(ids) > self.max_length:
            raise ExplainError(
                f"The prompt is {len(ids)} tokens, over the model's {self.max_length}: shorten "
                "the text, the template or the demonstrations (nothing is cut, since cutting "
                "would drop the question the label word answers)."
            )
        special = np.ones(len(ids), dtype=bool)
        for i, (start, end) in enumerate(enc["offset_mapping"]):
            while start < end and string[start].isspace():
                start += 1
            for lo, hi in spans:
                if start < end and lo <= start and end <= hi:
                    special[i] = False
                elif start < end and start < hi and end > lo:
                    raise ExplainError(
                        f"The token {string[start:end]!r} joins the template to the text; put "
                        "a space or newline between the template and {text}."
                    )
        if special.all():
            raise ExplainError("The text has no tokens of its own in the prompt.")
        words, word_index = self._group_words(enc, string, None, special)
        device_ids = torch.tensor([ids], device=self.device)
        return Encoded(
            input_ids=device_ids,
            attention_mask=torch.ones_like(device_ids),
            token_type_ids=None,
            tokens=self.tokenizer.convert_ids_to_tokens(ids),
            words=words,
            word_index=word_index,
            special_mask=special,
        )

    def with_prompt(self, prompt: Prompt) -> PromptedLMAdapter:
        """This adapter with another prompt (the same model, calibration kept; no prefix
        cache: it serves one pass)."""
        other = copy.copy(self)
        other.prompt, other._prefix, other.prefix_cache = prompt, None, False
        other._set_label_ids()
        return other

    # ------------------------------------------------------------------ the scores
    def _choose_feed(self) -> str:
        ids = self.tokenizer("a good movie", return_tensors="pt")["input_ids"].to(self.device)
        with torch.no_grad(), self.inference():
            expected = self.model(input_ids=ids).logits
            got = self.model(inputs_embeds=self.embed(ids)).logits
        if not torch.allclose(got, expected, atol=1e-4, rtol=1e-4):
            raise ExplainError(
                f"{type(self.model).__name__} says something else for input embeddings than "
                "for token ids, so it cannot be explained here."
            )
        return "inputs_embeds"

    def _head_kind(self, config) -> str:
        return "softmax"

    def _class_names(self, config, class_names) -> list[str]:
        return list(class_names)

    def _logits(self, embeddings, attention_mask, token_type_ids, side, **options):
        rows, mask = embeddings, attention_mask
        last = _last_real(mask)
        # every multi-token label word written after each row's answer position; attention
        # maps are read from the prompt as it is
        expanded = self._longest > 1 and "output_attentions" not in options
        if expanded:
            rows, mask, last = self._with_label_words(rows, mask, last)
        kwargs = {"attention_mask": mask, **options}
        if side == "left":
            kwargs["position_ids"] = (mask.long().cumsum(-1) - 1).clamp(min=0)
        start = 0
        cache = self._cache_for(rows, mask, options)
        if cache is not None:
            start, kwargs[self._cache_keyword] = cache
            rows = rows[:, start:]
            if "position_ids" in kwargs:
                kwargs["position_ids"] = kwargs["position_ids"][:, start:]
        # the vocabulary's logits only where a label word is read (not (B, L, V))
        reads = last[:, None] - start + torch.arange(self._longest, device=last.device)
        keep = torch.unique(reads.clamp(max=rows.shape[1] - 1))
        out = self.model(inputs_embeds=rows, logits_to_keep=keep, **kwargs)
        column = torch.searchsorted(keep, reads.clamp(max=rows.shape[1] - 1))
        logprobs = torch.log_softmax(out.logits.float(), dim=-1)
        scores = self._label_scores(logprobs, column, len(embeddings), expanded)
        if self._bias is not None:
            scores = scores - self._bias.to(scores)
        return SimpleNamespace(logits=scores, attentions=getattr(out, "attentions", None))

    @property
    def _longest(self) -> int:
        return max(len(ids) for words in self._label_ids for ids in words)

    def _with_label_words(self, rows, mask, last):
        """Rows repeated once per label word (in class order), each with the word's tokens but
        its last written after the row's last real token."""
        words = [ids for per_class in self._label_ids for ids in per_class]
        batch, _, width = rows.shape
        grown = torch.cat([rows, rows.new_zeros(batch, self._longest - 1, width)], 1)
        grown_mask = torch.cat([mask, mask.new_zeros(batch, self._longest - 1)], 1)
        every = torch.arange(batch, device=rows.device)
        out_rows, out_mask = [], []
        for ids in words:
            r, m = grown.clone(), grown_mask.clone()
            if len(ids) > 1:
                tokens = self.embed(torch.tensor(ids[:-1], device=rows.device)).to(rows.dtype)
                for k in range(len(ids) - 1):
                    r[every, last + 1 + k] = tokens[k]
                    m[every, last + 1 + k] = 1
            out_rows.append(r)
            out_mask.append(m)
        return torch.cat(out_rows), torch.cat(out_mask), last.repeat(len(words))

    def _label_scores(self, logprobs, column, batch, expanded):
        """(B, C) log Σ_w p(w | row): a word's tokens read at its row's columns ``column``
        (one block of ``batch`` rows per label word when ``expanded``)."""
        rows = torch.arange(batch, device=logprobs.device)
        scores, word = [], 0
        for per_class in self._label_ids:
            per_word = []
            for ids in per_class:
                block = rows + word * batch if expanded else rows
                per_word.append(
                    sum(logprobs[block, column[block, k], token] for k, token in enumerate(ids))
                )
                word += 1
            scores.append(torch.logsumexp(torch.stack(per_word), 0))
        return torch.stack(scores, 1)

    def _content_free_scores(self) -> torch.Tensor:
        encoded = self.encode(CONTENT_FREE, CONTENT_FREE if self.prompt.paired else None)
        with torch.no_grad(), self.inference():
            return self.logits(self.embed(encoded.input_ids), encoded.attention_mask)[0].detach()

    # ------------------------------------------------------------------ the prefix cache
    def _prefix_ids(self) -> list[int]:
        """The template's tokens before the user's text, the same for every text: the prompt
        up to the text, without its trailing whitespace and last token (either may merge with
        the text's first word). Each batch is checked against them before it uses the cache."""
        string, spans = self._render(self.prompt, "x", "x" if self.prompt.paired else None)
        head = string[: min(lo for lo, _ in spans)].rstrip()
        return self._tokenize(head)["input_ids"][:-1] if head else []

    def _cache_for(self, rows, mask, options):
        """(prefix length, the cache expanded to the batch) when this batch can run from the
        prefix cache: no gradient, no options (attention maps, rules), no layer hooks, and
        every row starts with the prefix, unmasked."""
        if (
            not self.prefix_cache
            or options
            or self._layers_hooked
            or (torch.is_grad_enabled() and rows.requires_grad)
        ):
            return None
        if self._prefix is None:
            self._prefix = self._make_prefix()
        ids, embedded, layers = self._prefix
        length = len(ids)
        if length == 0 or rows.shape[1] <= length:
            return None
        if not bool(mask[:, :length].all()):
            return None
        if not torch.equal(rows[:, :length], embedded.expand(len(rows), -1, -1).to(rows.dtype)):
            return None
        from transformers import DynamicCache

        batch = len(rows)
        self.rows_from_cache += batch
        expanded = [
            (k.expand(batch, *k.shape[1:]), v.expand(batch, *v.shape[1:])) for k, v in layers
        ]
        return length, DynamicCache(expanded, config=self.model.config)

    @functools.cached_property
    def _cache_keyword(self) -> str:
        """The forward's name for a key-value cache (``cache`` since transformers 5)."""
        parameters = inspect.signature(self.model.forward).parameters
        return "cache" if "cache" in parameters else "past_key_values"

    def _make_prefix(self):
        ids = self._prefix_ids()
        if not ids:
            return ids, None, []
        tensor = torch.tensor([ids], device=self.device)
        with torch.no_grad(), self.inference():
            embedded = self.embed(tensor)
            out = self.model(inputs_embeds=embedded, use_cache=True)
        cache = getattr(out, "cache", None) or out.past_key_values
        layers = [(layer.keys, layer.values) for layer in cache.layers]
        return ids, embedded, layers

    def _prefix_cache_agrees(self) -> bool:
        """Whether rows run from the prefix cache give the scores of the whole prompt, within
        ``CACHE_TOLERANCE``: checked once, on a short text and the same text with its first
        token deleted (a right-padded row, as the perturbations make). A model whose cache
        does not fit this use (a sliding-window cache that drops what the rows still attend to)
        runs whole prompts."""
        from ..perturb import delete_tokens

        encoded = self.encode("a good movie", "a film" if self.prompt.paired else None)
        keep = torch.ones(2, encoded.length, dtype=torch.bool, device=self.device)
        keep[1, int(np.flatnonzero(~encoded.special_mask)[0])] = False
        self.prefix_cache = True
        try:
            with torch.no_grad(), self.inference():
                x = self.embed(encoded.input_ids)
                rows, mask, _ = delete_tokens(x, encoded.attention_mask, None, keep, "right")
                cached = self.logits(rows, mask)
                self.prefix_cache = False
                whole = self.logits(rows, mask)
        except Exception:  # noqa: BLE001 - a cache this model cannot take: run whole prompts
            return False
        finally:
            self.prefix_cache = False
        used, self.rows_from_cache = self.rows_from_cache, 0
        gap = float((cached - whole).abs().max())
        return used > 0 and gap <= CACHE_TOLERANCE

    @contextlib.contextmanager
    def layer_output(self, name: str, replacement: torch.Tensor | None = None):
        self._layers_hooked += 1
        try:
            with super().layer_output(name, replacement) as captured:
                yield captured
        finally:
            self._layers_hooked -= 1

    # ------------------------------------------------------------------ no classifier head
    def classifier_head(self):
        raise ExplainError(
            "A prompted classifier has no classifier head, so training-data influence does not "
            "apply; its in-context examples are its training data: see "
            "ex.demonstration_influence(text)."
        )

    def head_features(self, embeddings, attention_mask, token_type_ids=None):
        """Refused, as ``classifier_head`` is: there is no head to feed."""
        return self.classifier_head()


def _last_real(mask: torch.Tensor) -> torch.Tensor:
    """(B,) the index of each row's last unmasked position."""
    positions = torch.arange(mask.shape[1], device=mask.device)
    return torch.where(mask.bool(), positions, -1).amax(1)
