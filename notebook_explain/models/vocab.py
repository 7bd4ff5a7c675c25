"""Word-level vocabulary for the package's own text classifiers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from notebook_explain.errors import ExplainError


class WordVocab:
    """Maps lowercased, whitespace-separated words to integer ids.

    Id 0 is ``"<pad>"`` and id 1 is ``"<unk>"``; every word not in the vocabulary encodes to
    ``unk_id``. Tokenization is only lowercasing plus whitespace splitting, because the data it is
    built for (e.g. SST-2) comes already tokenized (``"wo n't"``, ``"-lrb-"``).
    """

    pad_token = "<pad>"
    unk_token = "<unk>"
    pad_id = 0
    unk_id = 1

    def __init__(self, words: Sequence[str]):
        """``words`` is the full index -> word list, starting with ``"<pad>"``, ``"<unk>"``."""
        words = list(words)
        if words[:2] != [self.pad_token, self.unk_token]:
            raise ExplainError(
                f"A WordVocab's word list must start with {self.pad_token!r}, {self.unk_token!r}; "
                f"got {words[:2]!r}. Build one with WordVocab.build(texts)."
            )
        if len(set(words)) != len(words):
            duplicates = sorted(w for w, n in Counter(words).items() if n > 1)
            raise ExplainError(
                f"A WordVocab's words must be unique; repeated: {duplicates[:10]!r}."
            )
        self.words = words
        # "<pad>" written in a text is an unknown word, never padding.
        self._ids = {word: i for i, word in enumerate(words) if i != self.pad_id}

    @classmethod
    def build(
        cls, texts: Iterable[str], min_freq: int = 1, max_size: int | None = None
    ) -> WordVocab:
        """Collect the words of ``texts`` seen at least ``min_freq`` times.

        Words are ordered by decreasing frequency, ties alphabetically, so the ids are
        deterministic. ``max_size`` caps the number of words kept besides ``<pad>`` and ``<unk>``.
        """
        if min_freq < 1:
            raise ExplainError(f"min_freq must be at least 1, got {min_freq}.")
        if max_size is not None and max_size < 0:
            raise ExplainError(f"max_size must be None or non-negative, got {max_size}.")
        counts = Counter(token for text in texts for token in cls.tokenize(text))
        for special in (cls.pad_token, cls.unk_token):
            counts.pop(special, None)
        kept = sorted(
            (w for w, n in counts.items() if n >= min_freq), key=lambda w: (-counts[w], w)
        )
        return cls([cls.pad_token, cls.unk_token, *kept[:max_size]])

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """Lowercase ``text`` and split it on whitespace."""
        return text.lower().split()

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``'s tokens, ``unk_id`` for words not in the vocabulary."""
        return [self._ids.get(token, self.unk_id) for token in self.tokenize(text)]

    def __len__(self) -> int:
        return len(self.words)

    def to_json(self) -> dict:
        """A plain, JSON-serializable dict; ``WordVocab.from_json`` inverts it."""
        return {"words": list(self.words)}

    @classmethod
    def from_json(cls, data: dict) -> WordVocab:
        """Rebuild a vocabulary from ``to_json``'s dict."""
        if "words" not in data:
            raise ExplainError(
                f"Not a WordVocab JSON dict: expected a 'words' key, got keys {sorted(data)!r}."
            )
        return cls(data["words"])
