"""Likelihood models p(x̃ᵢ | x₋ᵢ) for input marginalization (Kim et al. 2020, §3.2 and §4.5).

A likelihood model answers, for a masked position of the *classifier's own* token sequence, with a
distribution over the classifier's vocabulary: the token ids its adapter can embed, less the
special ones (padding, unknown, [CLS], [SEP], [MASK], ...), which never fill a position.

* ``"mlm"``: a masked language model reads the sequence with the position masked (§3.2). For a
  Hugging Face classifier it must share the classifier's tokenizer (same vocabulary). For a
  word-vocabulary classifier (``models/word.py``) the words are re-tokenized into the masked
  LM's word pieces, the masked word becomes one [MASK], and each classifier word that is a single
  word piece gets that piece's probability; words of several pieces get none; renormalised.
* ``"unigram"``: the prior p(x̃) (§4.5 "Prior"): token frequencies in a corpus, with additive
  smoothing, whatever the context.
* ``"uniform"``: 1/|V| over the candidate tokens (§4.5 "Uniform").

``Likelihoods`` is an Explainer's registry of these: it builds each on first use and keeps it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import torch

from ..errors import ExplainError
from ..models.base import MASK_TOKEN, VOCABULARY, ModelAdapter, Vocabulary

LIKELIHOODS = ("mlm", "unigram", "uniform")
#: additive smoothing of the unigram counts (a pseudo-count per candidate token)
UNIGRAM_SMOOTHING = 0.1


class Likelihood:
    """The interface: ``log_probs`` of every candidate token at one position per row.

    ``contextual`` models run one forward pass per call; the others ignore the context.
    """

    kind: str = ""
    contextual: bool = False

    def __init__(self, vocabulary: Vocabulary, description: str):
        self.vocabulary = vocabulary
        self.description = description

    def log_probs(self, input_ids, masked, positions, attention_mask, token_type_ids):
        """(B, V) float64 log p(x̃ at ``positions[b]`` | the unmasked tokens of row b).

        ``input_ids`` (B, L) are classifier token ids; ``masked`` (B, L) marks the positions that
        are unknown (the queried one and any others still to be filled). Non-candidate ids get
        -inf; each row's probabilities sum to 1.
        """
        raise NotImplementedError


class _ContextFree(Likelihood):
    """The same distribution ``log_p`` (V,) at every position, whatever the context."""

    def __init__(self, vocabulary: Vocabulary, log_p: torch.Tensor, description: str):
        super().__init__(vocabulary, description)
        self.log_p = log_p

    def log_probs(self, input_ids, masked, positions, attention_mask, token_type_ids):
        return self.log_p.to(input_ids.device).expand(input_ids.shape[0], -1)


class Uniform(_ContextFree):
    kind = "uniform"

    def __init__(self, vocabulary: Vocabulary):
        n = int(vocabulary.candidates.sum())
        log_p = torch.full((vocabulary.size,), -math.inf, dtype=torch.float64)
        log_p[vocabulary.candidates] = -math.log(n)
        super().__init__(vocabulary, log_p, f"uniform over {n} tokens")


class Unigram(_ContextFree):
    """p(x̃) = (count(x̃) + α) / (N + α·|V|) over the candidate tokens of a corpus."""

    kind = "unigram"

    def __init__(self, vocabulary: Vocabulary, counts: torch.Tensor, smoothing: float, what: str):
        counts = counts.double().masked_fill(~vocabulary.candidates, 0.0)
        smoothed = (counts + smoothing).masked_fill(~vocabulary.candidates, 0.0)
        if not smoothed.sum() > 0:
            raise ExplainError(
                f"The unigram corpus ({what}) holds none of the classifier's tokens; pass other "
                "texts to use_corpus, or a smoothing > 0."
            )
        description = f"unigram over {int(counts.sum())} tokens of {what} (α = {smoothing:g})"
        super().__init__(vocabulary, (smoothed / smoothed.sum()).log(), description)

    @classmethod
    def from_texts(
        cls, adapter: ModelAdapter, vocabulary: Vocabulary, texts: Sequence[str], smoothing: float
    ) -> Unigram:
        """Count the tokens of ``texts`` as the classifier encodes them (special tokens left out)."""
        counts = torch.zeros(vocabulary.size, dtype=torch.float64)
        with warnings.catch_warnings():  # a long text is counted up to the model's maximum length
            warnings.simplefilter("ignore")
            for text in texts:
                encoded = adapter.encode(text)
                ids = encoded.input_ids[0].cpu()[torch.as_tensor(~encoded.special_mask)]
                counts += torch.bincount(ids, minlength=vocabulary.size)[: vocabulary.size]
        return cls(vocabulary, counts, smoothing, f"{len(texts)} texts")


def _logits(model, **inputs) -> torch.Tensor:
    with torch.no_grad():
        out = model(**inputs)
    return getattr(out, "logits", out)


class MaskedLM(Likelihood):
    """A masked LM sharing the classifier's vocabulary: the row's masked positions become [MASK]."""

    kind = "mlm"
    contextual = True

    def __init__(self, vocabulary: Vocabulary, model, mask_id: int, name: str):
        super().__init__(vocabulary, f"masked LM {name}")
        self.model, self.mask_id = model, mask_id

    def log_probs(self, input_ids, masked, positions, attention_mask, token_type_ids):
        inputs = {"input_ids": input_ids.masked_fill(masked, self.mask_id)}
        inputs["attention_mask"] = attention_mask
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        logits = _logits(self.model, **inputs)
        rows = logits[torch.arange(len(positions), device=positions.device), positions]
        rows = rows[:, : self.vocabulary.size].double()
        allowed = self.vocabulary.candidates.to(rows.device)
        return torch.log_softmax(rows.masked_fill(~allowed, -math.inf), -1)


class WordPieceMaskedLM(Likelihood):
    """A word-piece masked LM read over a word vocabulary (see the module docstring)."""

    kind = "mlm"
    contextual = True

    def __init__(self, vocabulary: Vocabulary, model, tokenizer, name: str):
        self.model, self.tokenizer = model, tokenizer
        unknown = [tokenizer.unk_token_id]
        self.pieces = [
            (tokenizer(word, add_special_tokens=False)["input_ids"] if allowed else []) or unknown
            for word, allowed in zip(vocabulary.tokens, vocabulary.candidates.tolist())
        ]
        piece_of_word = torch.full((vocabulary.size,), -1, dtype=torch.long)
        taken = set()
        for word, pieces in enumerate(self.pieces):  # a piece goes to its most frequent word
            single = vocabulary.candidates[word] and pieces != unknown and len(pieces) == 1
            if single and pieces[0] not in taken:
                piece_of_word[word] = pieces[0]
                taken.add(pieces[0])
        self.support = piece_of_word >= 0
        self.piece_of_word = piece_of_word[self.support]
        coverage, total = int(self.support.sum()), int(vocabulary.candidates.sum())
        super().__init__(
            vocabulary,
            f"masked LM {name} over the {coverage} of {total} words that are one word piece",
        )
        # the tokenizer's single-sentence template around one [MASK]: [CLS] [MASK] [SEP] for BERT
        template = tokenizer(tokenizer.mask_token, add_special_tokens=True)["input_ids"]
        self._offset = template.index(tokenizer.mask_token_id)
        self._prefix, self._suffix = template[: self._offset], template[self._offset + 1 :]

    def _row(self, ids, masked, keep, position: int) -> tuple[list[int], int]:
        """The word-piece sequence of one row and the index of its queried [MASK]."""
        sequence, where = [], 0
        for i, (word, hidden, present) in enumerate(zip(ids, masked, keep)):
            if not present:
                continue
            if i == position:
                where = len(sequence)
            if hidden:
                sequence.append(self.tokenizer.mask_token_id)
            else:
                sequence.extend(self.pieces[word])
        sequence = self._prefix + sequence + self._suffix
        if len(sequence) > self.tokenizer.model_max_length:
            raise ExplainError(
                f"The input is {len(sequence)} word pieces long, more than the masked LM's maximum "
                f"of {self.tokenizer.model_max_length}; explain a shorter text."
            )
        return sequence, where + self._offset

    def log_probs(self, input_ids, masked, positions, attention_mask, token_type_ids):
        device = input_ids.device
        rows = [
            self._row(ids, hidden, keep, int(position))
            for ids, hidden, keep, position in zip(
                input_ids.tolist(), masked.tolist(), attention_mask.tolist(), positions.tolist()
            )
        ]
        batch = self.tokenizer.pad({"input_ids": [r[0] for r in rows]}, return_tensors="pt")
        logits = _logits(
            self.model,
            input_ids=batch["input_ids"].to(device),
            attention_mask=batch["attention_mask"].to(device),
        )
        at = torch.tensor([r[1] for r in rows], device=device)
        rows_logits = logits[torch.arange(len(rows), device=device), at].double()
        log_p = torch.full(
            (len(rows), self.vocabulary.size), -math.inf, dtype=torch.float64, device=device
        )
        log_p[:, self.support.to(device)] = torch.log_softmax(
            rows_logits[:, self.piece_of_word.to(device)], -1
        )
        return log_p


class Likelihoods:
    """An Explainer's likelihood models, each built on first use and then kept.

    The masked LM is one attached with ``use_mlm`` (checked against the classifier's vocabulary
    at once) or, for the demo models, the project's MLM head (``demo/mlm.py``), loaded (and
    trained, the first time) when first needed. The unigram counts ``use_corpus``'s texts,
    by default the SST-2 training sentences.
    """

    def __init__(self, adapter: ModelAdapter):
        self.adapter = adapter
        self._mlm_loader: Callable[[], tuple] | None = None
        self._corpus: Callable[[], Sequence[str]] = self._sst2_train
        self._smoothing = UNIGRAM_SMOOTHING
        self._data_dir = None
        self._built: dict[str, Likelihood] = {}

    def _sst2_train(self) -> list[str]:
        from ..data import load_sst2

        return load_sst2("train", data_dir=self._data_dir).texts

    def use_mlm(self, model, tokenizer=None, name: str = "") -> None:
        """Attach a masked LM: a Hugging Face hub name or path, or a model with its tokenizer."""
        if isinstance(model, str):
            from transformers import AutoModelForMaskedLM, AutoTokenizer

            name = name or model
            tokenizer = tokenizer or AutoTokenizer.from_pretrained(model)
            model = AutoModelForMaskedLM.from_pretrained(model)
        if tokenizer is None:
            raise ExplainError(
                "Pass the masked LM's tokenizer too: use_mlm(model, tokenizer), or a hub name."
            )
        self._check_mlm_tokenizer(tokenizer)
        model = model.to(self.adapter.device).eval()
        name = (
            name
            or getattr(getattr(model, "config", None), "_name_or_path", "")
            or type(model).__name__
        )
        self._mlm_loader = lambda: (model, tokenizer, name)
        self._built.pop("mlm", None)

    def use_mlm_loader(self, load: Callable[[], tuple], data_dir=None) -> None:
        """A masked LM loaded when first needed: ``load()`` → (model, tokenizer, name) (how a
        demo model brings its MLM head); ``data_dir``'s SST-2 becomes the unigram corpus."""
        self._mlm_loader, self._data_dir = load, data_dir
        self._built.clear()

    def use_corpus(self, texts: Sequence[str], smoothing: float = UNIGRAM_SMOOTHING) -> None:
        """Count the unigram prior on ``texts``, each token's count plus ``smoothing``."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts) or not texts:
            raise ExplainError("use_corpus takes a non-empty list of texts.")
        if not smoothing >= 0:
            raise ExplainError(f"smoothing must be >= 0, got {smoothing!r}.")
        texts = list(texts)
        self._corpus, self._smoothing = (lambda: texts), float(smoothing)
        self._built.pop("unigram", None)

    def _check_mlm_tokenizer(self, tokenizer) -> None:
        if tokenizer.mask_token_id is None:
            raise ExplainError(
                "The masked LM's tokenizer has no mask token; it cannot mask a position."
            )
        vocabulary = self._vocabulary()
        if not vocabulary.whole_words:
            ours = dict(enumerate(vocabulary.tokens))
            theirs = dict(enumerate(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))))
            if ours != theirs:
                differing = sorted(set(ours.items()) ^ set(theirs.items()))[:3]
                raise ExplainError(
                    f"The masked LM's vocabulary ({len(theirs)} tokens) is not the classifier's "
                    f"({len(ours)} tokens; e.g. {differing} differ). Attach a masked LM that uses "
                    "the classifier's tokenizer, or use likelihood='unigram' or 'uniform'."
                )

    def get(self, kind: str) -> Likelihood:
        """The likelihood model of ``kind`` ("mlm", "unigram" or "uniform")."""
        if kind not in LIKELIHOODS:
            raise ExplainError(
                f"Unknown likelihood {kind!r}. Choose one of: {', '.join(LIKELIHOODS)}."
            )
        if kind not in self._built:
            self._built[kind] = self._build(kind)
        return self._built[kind]

    def _vocabulary(self) -> Vocabulary:
        if VOCABULARY not in self.adapter.capabilities:
            raise ExplainError(
                f"Likelihood models need the classifier's vocabulary, which this "
                f"{type(self.adapter).__name__} does not declare: give the adapter a vocabulary() "
                "hook and the 'vocabulary' capability (see models.base.ModelAdapter)."
            )
        return self.adapter.vocabulary()

    def _build(self, kind: str) -> Likelihood:
        vocabulary = self._vocabulary()
        if kind == "uniform":
            return Uniform(vocabulary)
        if kind == "unigram":
            return Unigram.from_texts(self.adapter, vocabulary, self._corpus(), self._smoothing)
        words = vocabulary.whole_words
        if not words and MASK_TOKEN not in self.adapter.capabilities:
            raise ExplainError(
                "likelihood='mlm' masks positions with the tokenizer's [MASK] token, and this "
                "model's tokenizer has none; use likelihood='unigram' or 'uniform'."
            )
        if self._mlm_loader is None:
            raise ExplainError(
                "likelihood='mlm' needs a masked LM: attach one with "
                "explainer.use_mlm('bert-base-uncased') (any AutoModelForMaskedLM"
                + (")" if words else " with this model's tokenizer)")
                + ", or use likelihood='unigram' or 'uniform'."
            )
        model, tokenizer, name = self._mlm_loader()
        if words:
            return WordPieceMaskedLM(vocabulary, model, tokenizer, name)
        self._check_mlm_tokenizer(tokenizer)
        return MaskedLM(vocabulary, model, tokenizer.mask_token_id, name)
