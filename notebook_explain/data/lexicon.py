"""The Hu & Liu opinion lexicon: English positive and negative sentiment words."""

import os
from dataclasses import dataclass
from pathlib import Path

from .sources import locate

_POSITIVE_FILE = "hu-liu-opinion-lexicon/positive-words.txt"
_NEGATIVE_FILE = "hu-liu-opinion-lexicon/negative-words.txt"


@dataclass(frozen=True)
class Lexicon:
    """Positive and negative opinion words (Hu & Liu, KDD 2004), all lower-case."""

    positive: frozenset[str]
    negative: frozenset[str]

    def polarity(self, word: str) -> int:
        """+1 for a positive word, -1 for a negative one, 0 otherwise or if in both lists.

        The look-up is case-insensitive.
        """
        word = word.lower()
        return int(word in self.positive) - int(word in self.negative)


def _read_words(path: Path) -> frozenset[str]:
    # negative-words.txt is ISO-8859-1 ('na\xefve'); the positive list is plain ASCII.
    with open(path, encoding="latin-1") as lines:
        return frozenset(
            word for word in (line.strip() for line in lines) if word and not word.startswith(";")
        )


def load_lexicon(data_dir: str | os.PathLike | None = None) -> Lexicon:
    """The Hu & Liu opinion lexicon: 2006 positive and 4783 negative words.

    Three words are in both lists (``envious``, ``enviously``, ``enviousness``); their
    polarity is 0.
    """
    return Lexicon(
        positive=_read_words(locate(_POSITIVE_FILE, data_dir)),
        negative=_read_words(locate(_NEGATIVE_FILE, data_dir)),
    )
