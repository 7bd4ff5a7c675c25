"""Labelled text-classification datasets: SST-2, AG News and a 2,000-review IMDB sample."""

import csv
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExplainError
from .sources import locate, pick_split

SENTIMENT_CLASS_NAMES = ("negative", "positive")
AG_NEWS_CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")

_SST2_FILES = {
    "train": "sst2-harvardnlp/stsa.binary.train",
    "dev": "sst2-harvardnlp/stsa.binary.dev",
    "test": "sst2-harvardnlp/stsa.binary.test",
}
_AG_NEWS_FILES = {"train": "agnews/train-10k.tsv", "test": "agnews/test.tsv"}
_IMDB_FILE = "imdb-2k/imdb-2k.csv"


@dataclass(frozen=True, eq=False)
class TextDataset:
    """Texts with one integer label each; ``labels[i]`` indexes ``class_names``."""

    name: str
    split: str
    texts: list[str]
    labels: np.ndarray
    class_names: list[str]

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ExplainError(
                f"TextDataset {self.name!r} has {len(self.texts)} texts but {len(self.labels)} "
                "labels; give exactly one label per text."
            )

    def __len__(self) -> int:
        return len(self.texts)


def _dataset(
    name: str, split: str, texts: list[str], labels: list[int], class_names: tuple[str, ...]
) -> TextDataset:
    return TextDataset(name, split, texts, np.asarray(labels, dtype=np.int64), list(class_names))


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline) for every non-blank line of a UTF-8 file."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\n")
            if line.strip():
                yield number, line


def _label_id(value: str, label_ids: Mapping[str, int], path: Path, line_number: int) -> int:
    if value not in label_ids:
        expected = ", ".join(repr(name) for name in label_ids)
        raise ExplainError(
            f"{path}, line {line_number}: unknown label {value!r} (expected one of {expected}). "
            "Check that the file is the right one and not damaged."
        )
    return label_ids[value]


def load_sst2(split: str = "train", data_dir: str | os.PathLike | None = None) -> TextDataset:
    """SST-2 sentences with binary sentiment labels (Socher et al., EMNLP 2013).

    The standard sentence-level split without neutral sentences: 6920 train / 872 dev /
    1821 test. Sentences are lower-cased and tokenized as in the treebank (``wo n't``,
    ``-lrb-``). Labels: 0 negative, 1 positive.
    """
    path = locate(pick_split("SST-2", split, _SST2_FILES), data_dir)
    label_ids = {"0": 0, "1": 1}
    texts, labels = [], []
    for number, line in _lines(path):
        label, _, text = line.partition(" ")
        labels.append(_label_id(label, label_ids, path, number))
        texts.append(text)
    return _dataset("sst2", split, texts, labels, SENTIMENT_CLASS_NAMES)


def load_agnews(split: str = "train", data_dir: str | os.PathLike | None = None) -> TextDataset:
    """AG News topic classification (Zhang, Zhao & LeCun, NeurIPS 2015).

    ``train`` is a fixed 10,001-article sample of the official training set, ``test`` the
    official 7,600 articles. Texts are the article descriptions (headline + description for a
    ``test`` file downloaded from the Hugging Face hub). Labels: 0 World, 1 Sports, 2 Business,
    3 Sci/Tech.
    """
    path = locate(pick_split("AG News", split, _AG_NEWS_FILES), data_dir)
    label_ids = {name: i for i, name in enumerate(AG_NEWS_CLASS_NAMES)}
    texts, labels = [], []
    for number, line in _lines(path):
        text, tab, label = line.rpartition("\t")
        if not tab:
            raise ExplainError(
                f"{path}, line {number}: expected '<text>\\t<label>' but found no tab. "
                "Check that the file is the right one and not damaged."
            )
        labels.append(_label_id(label, label_ids, path, number))
        texts.append(text)
    return _dataset("agnews", split, texts, labels, AG_NEWS_CLASS_NAMES)


def load_imdb(data_dir: str | os.PathLike | None = None) -> TextDataset:
    """2,000 IMDB movie reviews with binary sentiment labels (Maas et al., ACL 2011).

    The long-document workload: 1005 positive / 995 negative reviews, 226 words on average,
    with ``<br />`` tags replaced by a space. The dataset has the single split ``"all"``.
    Labels: 0 negative, 1 positive.
    """
    path = locate(_IMDB_FILE, data_dir)
    label_ids = {name: i for i, name in enumerate(SENTIMENT_CLASS_NAMES)}
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as rows:
        reader = csv.DictReader(rows)
        if reader.fieldnames != ["review", "sentiment"]:
            raise ExplainError(
                f"{path}: expected the CSV header 'review,sentiment', found {reader.fieldnames}. "
                "Check that the file is the right one and not damaged."
            )
        for row in reader:
            labels.append(_label_id(row["sentiment"], label_ids, path, reader.line_num))
            texts.append(row["review"].replace("<br />", " "))
    return _dataset("imdb", "all", texts, labels, SENTIMENT_CLASS_NAMES)
