"""The on-disk cache for expensive artefacts: demo models, their MLM head, training indexes.

Entries live under ``NOTEBOOK_EXPLAIN_CACHE`` (default ``~/.cache/notebook_explain``) in a folder
named by a hash of everything they depend on, so a changed configuration or dataset never loads
a stale entry. An entry is written to a temporary folder and renamed into place when complete,
so an interrupted run leaves nothing half-written behind; its manifest holds every file's
checksum, so a damaged entry is found on load, reported, moved aside (the latest one per entry
is kept, for a post mortem) and built again. Builds of one entry take a file lock, so a second
process waits for the first and loads what it built. A cache folder that cannot be written is
worked around: the entry is built in a temporary folder.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

#: each entry's list of its files and their sha256, written last
MANIFEST = "MANIFEST.json"


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


def _default_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0o666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def writable_target(path: Path) -> Path:
    """Where a write to ``path`` lands: a symlink is followed to its target. Raises
    ``PermissionError`` for something that must not be replaced by a regular file (a FIFO, a
    device, a socket) or a read-only file (even for root, who could write it)."""
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, device or socket)"
        raise PermissionError(errno.EPERM, f"{target} is {kind}; it is not replaced")
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, f"{target} is read-only; it is not replaced")
    return target


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` (or beside the file a symlink at
    ``path`` names), flush it to disk, then rename it into place: a failure at any point leaves
    an existing file as it was. Only regular, writable files are replaced (``writable_target``)."""
    path = writable_target(Path(path))
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        # a temporary file is private (0600): give the result the mode a plain write would
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        os.replace(tmp, path)
        fsync_folder(path.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (the manifest aside), by relative path."""
    sums = {}
    for file in sorted(folder.rglob("*")):
        if file.is_file() and file.name != MANIFEST:
            digest = hashlib.sha256()
            with open(file, "rb") as data:
                for block in iter(lambda: data.read(1 << 20), b""):
                    digest.update(block)
            sums[file.relative_to(folder).as_posix()] = digest.hexdigest()
    return sums


def _damage(path: Path) -> str | None:
    """Why the entry at ``path`` cannot be trusted, or None when its files match its manifest."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "it has no manifest (its build was interrupted, or an older version wrote it)"
    except (OSError, ValueError) as err:
        return f"its manifest is unreadable ({err})"
    found = _checksums(path)
    for name, checksum in manifest.items():
        if name not in found:
            return f"{name} is missing"
        if found[name] != checksum:
            return f"{name} changed since it was written (its checksum differs)"
    return None


def valid(path: Path) -> bool:
    """Whether a complete, undamaged entry is at ``path``. A damaged one (a file missing, cut
    short or changed since it was written) is discarded, so the caller builds it again."""
    if not path.exists():
        return False
    reason = _damage(path)
    if reason is not None:
        discard(path, reason)
    return reason is None


def discard(path: Path, reason: str) -> None:
    """Move a damaged entry aside (``<name>.damaged-<time>``, replacing the one an earlier damage
    left, so repeated damage does not grow the cache), with a warning that names it and says
    why; a caller's own checks of an entry's content use it too."""
    aside = path.with_name(f"{path.name}.damaged-{time.time_ns()}")
    try:
        for earlier in path.parent.glob(f"{path.name}.damaged-*"):
            shutil.rmtree(earlier, ignore_errors=True)
        path.rename(aside)
        where = f"moved to {aside}"
    except OSError:
        where = "left in place (the cache folder is not writable)"
    warnings.warn(
        f"The cache entry {path} is damaged: {reason}. It was {where} and is built again.",
        stacklevel=3,
    )


def _stamp(entry: Path) -> int | None:
    """When ``entry``'s manifest was written (None: no complete entry)."""
    try:
        return (entry / MANIFEST).stat().st_mtime_ns
    except OSError:
        return None


def store(final: Path, fill: Callable[[Path], None]) -> Path:
    """Build an entry: ``fill(folder)`` writes its files into a temporary folder, which gets a
    manifest of checksums and is renamed to ``final`` (replacing what was there) only when
    complete, so an interrupted build leaves no half-written entry. Builds of one entry hold a
    lock (``.<name>.lock``): a process that had to wait for another's build loads that build
    instead of making its own. Returns where the entry is: ``final``, or, when the cache folder
    cannot be written, a temporary folder outside it (with one warning per process: the work is
    then not kept)."""
    before = _stamp(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        lock = open(final.parent / f".{final.name}.lock", "a+b")  # noqa: SIM115 - held below
    except OSError as err:
        _warn_unwritable(final.parent, err)
        return _store_outside(final, fill)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp(final) != before and _damage(final) is None:
            return final  # built by another process while this one waited
        return _store_locked(final, fill)


def _store_outside(final: Path, fill: Callable[[Path], None]) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=f"notebook_explain-{final.name}-"))
    fill(tmp)
    _write_manifest(tmp)
    return tmp


def _store_locked(final: Path, fill: Callable[[Path], None]) -> Path:
    try:
        _sweep(final)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-{os.getpid()}-", dir=final.parent))
    except OSError as err:
        _warn_unwritable(final.parent, err)
        return _store_outside(final, fill)
    try:
        fill(tmp)
        _write_manifest(tmp)
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        fsync_folder(final.parent)
        return final
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _write_manifest(folder: Path) -> None:
    (folder / MANIFEST).write_text(json.dumps(_checksums(folder), indent=1), encoding="utf-8")


def _sweep(final: Path) -> None:
    """Remove this entry's temporary folders left by a killed build: at once when the process
    named in the folder's name is gone (the caller holds the entry's lock, so no other build of
    it runs), and after an hour for a folder that names none."""
    for leftover in final.parent.glob(f".{final.name}-*"):
        if not leftover.is_dir():
            continue
        writer = leftover.name[len(final.name) + 2 :].split("-", 1)[0]
        gone = not _alive(int(writer)) if writer.isdigit() else None
        if gone or (gone is None and time.time() - leftover.stat().st_mtime > 3600):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # there, but another user's
    return True


_warned_unwritable: set[Path] = set()


def _warn_unwritable(folder: Path, err: OSError) -> None:
    if folder not in _warned_unwritable:
        _warned_unwritable.add(folder)
        warnings.warn(
            f"The cache folder {folder} cannot be written ({err.strerror or err}); working "
            "without a cache, so this work is not kept. Set NOTEBOOK_EXPLAIN_CACHE to a "
            "writable folder to keep it.",
            stacklevel=4,
        )
