"""The disk cache under damage: every kind of cache file truncated, garbled or removed is found on
load, reported with its path, moved aside and built again to the same result; a cache folder
that cannot be written is worked around with one warning; a killed build's leftovers go."""

import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import torch
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.cache import MANIFEST, store, valid
from notebook_explain.demo import load_demo

SMALL = {"max_train": 200, "epochs": 1, "checkpoints": 2}
DAMAGE = {
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: max(len(path.read_bytes()) // 2, 1)]),
    "garbled": lambda path: path.write_bytes(os.urandom(max(path.stat().st_size, 8))),
    "removed": lambda path: path.unlink(),
}  # fmt: skip
TEXT = "a gorgeous , witty , seductive movie ."


def _damaged_reload(entry, file, damage, load):
    DAMAGE[damage](entry / file)
    with pytest.warns(UserWarning, match="is damaged") as caught:
        again = load()
    message = str(caught[0].message)
    assert str(entry) in message and "built again" in message
    assert list(entry.parent.glob(f"{entry.name}.damaged-*")), "the damaged entry was moved aside"
    assert valid(entry)
    return again


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory, data_dir, minilm_path):
    cache = tmp_path_factory.mktemp("demo-cache")
    first = load_demo("gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL)
    files = sorted(
        p.relative_to(first.path).as_posix()
        for p in first.path.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )
    return cache, first, files


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_demo_model_is_found_moved_aside_and_trained_again(demo_files, data_dir, damage):
    cache, first, files = demo_files
    assert {"info.json", "vocab.json", "model.safetensors", "model_config.json"} <= set(files)
    assert "checkpoints/index.json" in files
    expected = Explainer(first.adapter).predict(TEXT)
    for file in files:
        again = _damaged_reload(
            first.path,
            file,
            damage,
            lambda: load_demo(
                "gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL
            ),
        )
        np.testing.assert_allclose(Explainer(again.adapter).predict(TEXT), expected, atol=1e-6)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("file", ["features.npy", "config.json", MANIFEST])
def test_a_damaged_influence_index_is_rebuilt(vocab, tmp_path, damage, file):
    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    texts, labels = SENTENCES * 4, [1, 0, 0] * 4
    first = ex.index(texts, labels, cache_dir=tmp_path, progress=False)
    (first.path / file).exists() or pytest.skip(f"{file} is not written")
    # the index maps its features file: a copy of them, before that file is damaged in place
    expected = first.features.clone()
    del first.features
    again = _damaged_reload(
        first.path,
        file,
        damage,
        lambda: ex.index(texts, labels, cache_dir=tmp_path, progress=False),
    )
    assert not again.from_cache
    torch.testing.assert_close(again.features, expected)


def test_wrong_or_nan_features_with_a_fresh_manifest_are_caught(vocab, tmp_path):
    """Content checks beyond checksums: an entry rewritten whole (manifest included) with
    features of the wrong shape or NaN is still refused."""
    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    texts, labels = SENTENCES * 4, [1, 0, 0] * 4
    first = ex.index(texts, labels, cache_dir=tmp_path, progress=False)
    for bad, reason in (
        (first.features[:-1], "not one row per training text"),
        (torch.full_like(first.features, float("nan")), "NaN"),
    ):
        path = first.path

        def fill(folder, bad=bad):
            np.save(folder / "features.npy", bad.numpy())

        store(path, fill)
        with pytest.warns(UserWarning, match=reason):
            again = ex.index(texts, labels, cache_dir=tmp_path, progress=False)
        torch.testing.assert_close(again.features, first.features)


def test_an_unwritable_cache_works_uncached_with_one_warning(vocab, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")  # no folder can be made below it, even as root
    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    with pytest.warns(UserWarning, match="cannot be written.*NOTEBOOK_EXPLAIN_CACHE") as caught:
        index = ex.index(SENTENCES * 4, [1, 0, 0] * 4, cache_dir=blocked, progress=False)
    assert len([w for w in caught if "cannot be written" in str(w.message)]) == 1
    assert not index.from_cache and len(index.features) == 12
    assert ex.influence(SENTENCES[0], k=2).proponents is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per folder
        ex.index(SENTENCES * 4, [0, 1, 0] * 4, cache_dir=blocked, progress=False)


def test_a_killed_builds_leftovers_are_swept(tmp_path):
    final = tmp_path / "entry"
    old, fresh = tmp_path / ".entry-old", tmp_path / ".entry-fresh"
    for leftover in (old, fresh):
        leftover.mkdir()
        (leftover / "half.bin").write_bytes(b"x")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    store(final, lambda folder: (folder / "data.txt").write_text("done"))
    assert not old.exists() and fresh.exists()  # a recent one may be another build under way
    assert valid(final) and (final / "data.txt").read_text() == "done"


def test_a_failed_build_keeps_the_old_entry(tmp_path):
    final = tmp_path / "entry"
    store(final, lambda folder: (folder / "data.txt").write_text("old"))

    def failing(folder):
        (folder / "data.txt").write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        store(final, failing)
    assert valid(final) and (final / "data.txt").read_text() == "old"
    assert not list(tmp_path.glob(".entry-*"))


def test_a_dead_builders_leftover_goes_at_once_and_a_live_ones_stays(tmp_path):
    final = tmp_path / "entry"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone, alive = (
        tmp_path / f".entry-{int(dead.stdout)}-abc",
        tmp_path / f".entry-{os.getppid()}-abc",
    )
    for leftover in (gone, alive):
        leftover.mkdir()
    store(final, lambda folder: (folder / "data.txt").write_text("done"))
    assert not gone.exists() and alive.exists()


def test_repeated_damage_keeps_one_damaged_copy_per_entry(tmp_path):
    final = tmp_path / "entry"
    for round_ in range(3):
        store(final, lambda folder: (folder / "data.txt").write_text(f"round {round_}"))
        (final / "data.txt").write_text("changed")
        with pytest.warns(UserWarning, match="is damaged"):
            assert not valid(final)
    aside = list(tmp_path.glob("entry.damaged-*"))
    assert len(aside) == 1 and (aside[0] / "data.txt").read_text() == "changed"


BUILD = """
import sys, time
from pathlib import Path
from notebook_explain.cache import store

def fill(folder):
    with open(sys.argv[2], "a") as log:
        log.write("built\\n")
    time.sleep(1.5)
    (folder / "data.txt").write_text(sys.argv[3])

print(store(Path(sys.argv[1]), fill))
"""


def test_two_processes_building_one_entry_at_once_build_it_once_and_both_load_it(tmp_path):
    """A docs build and a tutorial training one demo model at once used to kill one of them
    (the second build removed the first's entry under it): the second now waits and loads."""
    final, log = tmp_path / "entry", tmp_path / "builds.log"
    builders = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(final), str(log), name],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    outputs = [b.communicate(timeout=120)[0].strip() for b in builders]
    assert [b.returncode for b in builders] == [0, 0]
    assert outputs == [str(final)] * 2
    assert log.read_text() == "built\n"  # one build; the other process loaded it
    assert valid(final) and (final / "data.txt").read_text() in {"first", "second"}
