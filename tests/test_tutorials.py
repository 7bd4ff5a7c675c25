"""Every numbered tutorial in examples/ runs top to bottom without an error (solutions
included), on the demo models, as a student would run it, within the time a class period can
spare (a notebook over 10 minutes fails). Each run goes through the docs builder
(``executed``), which keeps the executed notebook, with its widget state and its run time, for the
site (``make docs``), and reuses it while neither the notebook nor the package has changed, so
``make test`` runs each tutorial once. Marked ``tutorial``: ``pytest -m "not tutorial"`` skips them in the quick loop;
``make test`` and CI run them."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
TUTORIALS = sorted((ROOT / "examples").glob("[0-9][0-9]_*.ipynb"))
#: a class period's budget for one notebook, with the demo models cached (each takes seconds to
#: about two minutes on 2 cores, depending on the load)
NOTEBOOK_LIMIT_SECONDS = 600


def docs_builder():
    spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_the_ten_tutorials():
    assert [p.name[:2] for p in TUTORIALS] == [f"{i:02d}" for i in range(1, 11)]


@pytest.mark.tutorial
@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_a_tutorial_runs_top_to_bottom(path, data_dir, minilm_path, tmp_path, monkeypatch):
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # raises CellExecutionError, naming the cell, on the first error; the docs build's executed
    # copy is reused when neither the notebook nor the package changed since it ran (in CI the
    # docs build runs first), and its own run time is checked
    notebook = docs_builder().executed(path, tmp_path)
    assert notebook.metadata["notebook_explain_seconds"] < NOTEBOOK_LIMIT_SECONDS
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert [c for c in notebook.cells if "solution" in c.metadata.get("tags", [])]
