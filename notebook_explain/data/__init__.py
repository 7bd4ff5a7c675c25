"""Datasets for development, tests and benchmarks: SST-2, SST trees, AG News, IMDB, a lexicon."""

from .datasets import TextDataset, load_agnews, load_imdb, load_sst2
from .lexicon import Lexicon, load_lexicon
from .sources import resolve_data_dir
from .trees import PhraseTree, load_sst_trees

__all__ = [
    "Lexicon",
    "PhraseTree",
    "TextDataset",
    "load_agnews",
    "load_imdb",
    "load_lexicon",
    "load_sst2",
    "load_sst_trees",
    "resolve_data_dir",
]
