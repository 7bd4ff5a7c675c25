"""Writing a static page: a bad path gets an ExplainError naming it, and a failing export leaves
an existing file byte-identical (the page goes to a temporary file, renamed only when whole)."""

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
