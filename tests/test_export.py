"""Writing a static page: a bad path gets an ExplainError naming it, and a failing export leaves
an existing file byte-identical (the page goes to a temporary file, renamed only when whole);
only regular, writable files are replaced, and a symlink is written through."""

import os
import stat

import numpy as np
import pytest
from conftest import hand_explanation

from notebook_explain import ExplainError, Explanation


def _explanation(text="a fine film") -> Explanation:
    n = len(text.split())
    return hand_explanation(text, {"hand": (True, np.linspace(-1, 1, n))})


def test_a_failing_export_leaves_the_existing_file_byte_identical(tmp_path):
    page = tmp_path / "page.html"
    _explanation().to_html(page)
    before = page.read_bytes()
    with pytest.raises(ExplainError, match="not valid Unicode"):
        _explanation("a lone \ud800 surrogate").to_html(page)
    assert page.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]  # no temporary file left


@pytest.mark.parametrize(
    "path, message",
    [
        ("", "needs a file path"),
        ("bad\0name.html", "needs a file path"),
        (42, "needs a file path"),
        (["page.html"], "needs a file path"),
    ],
)
def test_a_bad_path_is_named(path, message):
    with pytest.raises(ExplainError, match=message):
        _explanation().to_html(path)


def test_a_folder_or_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(ExplainError, match="is a folder"):
        _explanation().to_html(tmp_path)
    with pytest.raises(ExplainError, match="does not exist"):
        _explanation().to_html(tmp_path / "missing" / "page.html")


def test_an_unwritable_place_is_reported(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(ExplainError, match="does not exist|Cannot write"):
        _explanation().to_html(blocked / "page.html")


def test_an_export_gets_the_mode_a_plain_write_would(tmp_path):
    page = tmp_path / "page.html"
    _explanation().to_html(page)
    plain = tmp_path / "plain.html"
    plain.write_text("x")
    assert page.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777  # not the temp file's 0600
    page.chmod(0o640)
    _explanation().to_html(page)  # rewriting keeps the file's own mode
    assert page.stat().st_mode & 0o777 == 0o640


def test_a_fifo_or_device_is_refused_and_left_as_it_is(tmp_path):
    """A write used to replace a FIFO (or, as root, /dev/full) with a regular file. A FIFO
    stands in for a device: both are not regular files."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ExplainError, match="not a regular file"):
        _explanation().to_html(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path):
    target = tmp_path / "real" / "page.html"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    _explanation().to_html(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "a fine film" in target.read_text()
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "real" / "new.html")
    _explanation().to_html(dangling)
    assert dangling.is_symlink() and (tmp_path / "real" / "new.html").exists()


def test_a_read_only_file_is_not_overwritten_even_by_root(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("keep me")
    page.chmod(0o444)
    with pytest.raises(ExplainError, match="read-only"):
        _explanation().to_html(page)
    assert page.read_text() == "keep me"
    link = tmp_path / "link.html"
    link.symlink_to(page)
    with pytest.raises(ExplainError, match="read-only"):
        _explanation().to_html(link)
    assert page.read_text() == "keep me"
