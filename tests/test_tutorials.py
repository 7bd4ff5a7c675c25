"""Every numbered tutorial in examples/ runs top to bottom without an error (solutions
included), on the demo models, as a student would run it, within the time a class period can
spare (a cell over 10 minutes fails). Marked ``tutorial``: ``pytest -m "not tutorial"`` skips
them in the quick loop; ``make test`` and CI run them."""

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"
TUTORIALS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))


def test_there_are_tutorials():
    assert TUTORIALS


@pytest.mark.tutorial
@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_a_tutorial_runs_top_to_bottom(path, data_dir, minilm_path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
