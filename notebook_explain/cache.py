"""The on-disk cache for expensive artefacts: demo models, their MLM head, training indexes.

Entries live under ``NOTEBOOK_EXPLAIN_CACHE`` (default ``~/.cache/notebook_explain``) in a folder
named by a hash of everything they depend on, so a changed configuration or dataset never loads
a stale entry. An entry is written to a temporary folder and renamed into place when complete,
so an interrupted run leaves nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def cache_root(cache_dir=None) -> Path:
    root = (
        cache_dir
        or os.environ.get("NOTEBOOK_EXPLAIN_CACHE")
        or Path.home() / ".cache" / "notebook_explain"
    )
    return Path(root).expanduser()


def fingerprint(*parts) -> str:
    """A short stable hash of JSON-serialisable parts (configs, file hashes, versions)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``: a
    failure at any point leaves an existing ``path`` as it was."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def writing(final: Path):
    """Yield a temporary folder; on success it becomes ``final`` atomically."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        yield tmp
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
