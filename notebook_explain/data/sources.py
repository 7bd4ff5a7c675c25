"""Where dataset files come from.

A file is looked for, in this order, in:

1. the ``data_dir`` argument of a loader;
2. else the folder named by the ``NOTEBOOK_EXPLAIN_DATA`` environment variable;
3. else the cache folder (``$NOTEBOOK_EXPLAIN_CACHE/data``, by default
   ``~/.cache/notebook_explain/data``), where a missing file is first downloaded from the Hugging
   Face hub (see :mod:`notebook_explain.data.hub`).

Every folder is laid out like the project's ``shared/data``: ``sst2-harvardnlp/stsa.binary.dev``,
``sst-ptb-trees/dev.txt``, ``agnews/test.tsv``, ``imdb-2k/imdb-2k.csv``,
``hu-liu-opinion-lexicon/positive-words.txt`` and so on. A folder given by the argument or the
environment variable is used as is: a file missing from it is an error, not a download.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import DataNotFoundError, ExplainError
from . import hub

DATA_ENV_VAR = "NOTEBOOK_EXPLAIN_DATA"
CACHE_ENV_VAR = "NOTEBOOK_EXPLAIN_CACHE"
DEFAULT_CACHE_DIR = "~/.cache/notebook_explain"


def cache_data_dir() -> Path:
    """The folder that hub downloads are written to (it may not exist yet)."""
    root = os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR
    return Path(root).expanduser() / "data"


def _given_folder(data_dir: str | os.PathLike | None) -> tuple[Path, str] | None:
    """The folder chosen by the argument or the environment variable, with where it came from."""
    if data_dir is not None:
        folder, origin = Path(data_dir).expanduser(), "the data_dir argument"
    elif os.environ.get(DATA_ENV_VAR):
        folder, origin = Path(os.environ[DATA_ENV_VAR]).expanduser(), f"${DATA_ENV_VAR}"
    else:
        return None
    if not folder.is_dir():
        raise DataNotFoundError(
            f"The data folder {folder} (from {origin}) does not exist. {_ways_to_provide()}"
        )
    return folder, origin


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder in use: ``data_dir``, else ``$NOTEBOOK_EXPLAIN_DATA``, else the cache folder.

    A folder given by the argument or the environment variable must exist; the cache folder is
    returned even before anything has been downloaded into it.
    """
    given = _given_folder(data_dir)
    return given[0] if given else cache_data_dir()


def locate(relative_path: str, data_dir: str | os.PathLike | None = None) -> Path:
    """The path of one data file, downloading it into the cache folder when no folder is given."""
    given = _given_folder(data_dir)
    if given:
        folder, origin = given
        path = folder / relative_path
        if not path.is_file():
            raise DataNotFoundError(
                f"{relative_path} is missing from {folder} (from {origin}): looked for {path}. "
                f"{_ways_to_provide(relative_path)}"
            )
        return path
    path = cache_data_dir() / relative_path
    if path.is_file():
        return path
    try:
        hub.fetch(relative_path, path)
    except DataNotFoundError as exc:
        raise DataNotFoundError(
            f"{relative_path} was not found. Tried: no data_dir argument was given; "
            f"${DATA_ENV_VAR} is not set; it is not in the cache ({path}); "
            f"getting it from the Hugging Face hub failed: {exc} {_ways_to_provide(relative_path)}"
        ) from exc
    return path


def _ways_to_provide(relative_path: str | None = None) -> str:
    folder = "data_dir='/path/to/data' (a folder laid out like the project's shared/data)"
    if relative_path is None or relative_path in hub.HUB_FILES:
        return (
            f"Provide the data in one of three ways: pass {folder}, set the environment variable "
            f"{DATA_ENV_VAR}=/path/to/data, or give neither and let it be downloaded from the "
            f"Hugging Face hub into {cache_data_dir()} (needs huggingface_hub and a network)."
        )
    return (
        f"It cannot be downloaded from the Hugging Face hub, so pass {folder} or set the "
        f"environment variable {DATA_ENV_VAR}=/path/to/data."
    )


def pick_split(dataset: str, split: str, files: Mapping[str, str]) -> str:
    """The relative path of ``split`` among ``files`` (split name -> relative path)."""
    if split not in files:
        valid = ", ".join(repr(name) for name in files)
        raise ExplainError(f"Unknown split {split!r} for {dataset}. Choose one of: {valid}.")
    return files[split]
