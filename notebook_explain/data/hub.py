"""Download missing data files from the Hugging Face hub, rewritten in the local layout.

Hub sources, one per local file:

- SST-2 sentences (``sst2-harvardnlp/stsa.binary.*``): ``SetFit/sst2``, JSON lines with ``text``
  and ``label`` in ``train.jsonl`` / ``dev.jsonl`` / ``test.jsonl`` (6920 / 872 / 1821 rows).
- AG News test (``agnews/test.tsv``): ``fancyzhx/ag_news``, parquet with ``text`` and ``label``
  (0 World, 1 Sports, 2 Business, 3 Sci/Tech); its text is headline + description, where the
  staged copy has the description only. Reading it needs pyarrow.
- IMDB (``imdb-2k/imdb-2k.csv``): the first 2,000 rows of ``IMDB Dataset.csv`` (the Kaggle
  export of Maas et al. 2011) in ``hannahisrael03/nlp_sentiment_analysis``.

Not on the hub, so they must be provided locally: the SST phrase trees, the 10,001-row AG News
training subset and the Hu & Liu lexicon (see ``NOT_ON_HUB``).
"""

import csv
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataNotFoundError

IMDB_SUBSET_SIZE = 2000
AG_NEWS_HUB_CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")


def _stsa_from_jsonl(downloaded: Path, target: Path) -> None:
    with open(downloaded, encoding="utf-8") as rows, open(target, "w", encoding="utf-8") as out:
        for line in rows:
            if line.strip():
                row = json.loads(line)
                out.write(f"{row['label']} {row['text']}\n")


def _agnews_tsv_from_parquet(downloaded: Path, target: Path) -> None:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise DataNotFoundError(
            "reading the AG News parquet file needs pyarrow (pip install pyarrow)."
        ) from exc
    table = pq.read_table(downloaded, columns=["text", "label"])
    texts, labels = table.column("text").to_pylist(), table.column("label").to_pylist()
    with open(target, "w", encoding="utf-8") as out:
        for text, label in zip(texts, labels):
            one_line = text.replace("\t", " ").replace("\n", " ")
            out.write(f"{one_line}\t{AG_NEWS_HUB_CLASS_NAMES[label]}\n")


def _imdb_subset_from_csv(downloaded: Path, target: Path) -> None:
    with (
        open(downloaded, encoding="utf-8", newline="") as src,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        rows = csv.reader(src)
        writer = csv.writer(out)
        writer.writerow(next(rows))
        writer.writerows(itertools.islice(rows, IMDB_SUBSET_SIZE))


@dataclass(frozen=True)
class HubFile:
    """One file of a hub dataset repository and how to rewrite it as a local data file."""

    repo_id: str
    filename: str
    revision: str | None
    convert: Callable[[Path, Path], None]


_SETFIT_SST2_REVISION = "00ea8ccb7a54b4e3780a3e51aa3f80361ff849c0"
_IMDB_CSV_REVISION = "79b71e982966cdd9c9b3d5e6d977791d93eabb9d"

HUB_FILES = {
    "sst2-harvardnlp/stsa.binary.train": HubFile(
        "SetFit/sst2", "train.jsonl", _SETFIT_SST2_REVISION, _stsa_from_jsonl
    ),
    "sst2-harvardnlp/stsa.binary.dev": HubFile(
        "SetFit/sst2", "dev.jsonl", _SETFIT_SST2_REVISION, _stsa_from_jsonl
    ),
    "sst2-harvardnlp/stsa.binary.test": HubFile(
        "SetFit/sst2", "test.jsonl", _SETFIT_SST2_REVISION, _stsa_from_jsonl
    ),
    "agnews/test.tsv": HubFile(
        "fancyzhx/ag_news", "data/test-00000-of-00001.parquet", None, _agnews_tsv_from_parquet
    ),
    "imdb-2k/imdb-2k.csv": HubFile(
        "hannahisrael03/nlp_sentiment_analysis",
        "IMDB Dataset.csv",
        _IMDB_CSV_REVISION,
        _imdb_subset_from_csv,
    ),
}

_TREES_NOT_ON_HUB = (
    "the SST phrase trees are not stored as files on the Hugging Face hub (stanfordnlp/sst "
    "builds them with a script from https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip); "
    "provide train.txt, dev.txt and test.txt from that archive locally."
)
_LEXICON_NOT_ON_HUB = (
    "the Hu & Liu opinion lexicon is not on the Hugging Face hub; provide positive-words.txt and "
    "negative-words.txt from https://www.cs.uic.edu/~liub/FBS/sentiment-analysis.html locally."
)
NOT_ON_HUB = {
    "sst-ptb-trees/train.txt": _TREES_NOT_ON_HUB,
    "sst-ptb-trees/dev.txt": _TREES_NOT_ON_HUB,
    "sst-ptb-trees/test.txt": _TREES_NOT_ON_HUB,
    "agnews/train-10k.tsv": (
        "the 10,001-row AG News training subset (data/agnews/dev.tsv of github.com/forest-snow/alps) "
        "is not on the Hugging Face hub; provide it locally."
    ),
    "hu-liu-opinion-lexicon/positive-words.txt": _LEXICON_NOT_ON_HUB,
    "hu-liu-opinion-lexicon/negative-words.txt": _LEXICON_NOT_ON_HUB,
}


def fetch(relative_path: str, target: Path) -> None:
    """Download the hub source of ``relative_path`` and write it, converted, to ``target``."""
    source = HUB_FILES.get(relative_path)
    if source is None:
        raise DataNotFoundError(NOT_ON_HUB[relative_path])
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:
        raise DataNotFoundError(
            "huggingface_hub is not installed (pip install huggingface_hub)."
        ) from exc
    try:
        downloaded = hf_hub_download(
            source.repo_id, source.filename, repo_type="dataset", revision=source.revision
        )
    except Exception as exc:  # noqa: BLE001 - offline, missing or refused, across hub versions
        # (an entry not found, an OSError, or huggingface_hub 1.x's closed-client RuntimeError
        # when offline): every failure means the data cannot be had, and the cause is kept
        raise DataNotFoundError(
            f"could not download {source.filename!r} from the hub dataset {source.repo_id} "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source.convert(Path(downloaded), partial)
    partial.replace(target)
