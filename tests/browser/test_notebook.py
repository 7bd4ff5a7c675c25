"""The quickstart notebook, run top to bottom in JupyterLab and Notebook 7 in Debian's chromium.

A JupyterLab server (which also serves Notebook 7) runs on loopback without a token, serving a
scratch copy of examples/, so the runs never touch the repository's notebooks.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from harness import ROOT, free_port, require_browser_tools, run_script, serve


@pytest.fixture(scope="session")
def notebook_dir(tmp_path_factory) -> Path:
    """A scratch folder for the notebooks, so runs never touch the repository's copies."""
    return tmp_path_factory.mktemp("notebooks")


def own_errors(page_errors: list[str]) -> list[str]:
    """Page errors not raised entirely inside Jupyter's own bundles (Notebook 7 logs one of its own)."""

    def jupyters(error: str) -> bool:
        frames = [line for line in error.splitlines()[1:] if "://" in line]
        return bool(frames) and all("/static/" in line for line in frames)

    return [e for e in page_errors if not jupyters(e)]


def fresh_quickstart(folder: Path, name: str) -> str:
    """A copy of the quickstart that no test has run (JupyterLab autosaves outputs into its file)."""
    shutil.copy(ROOT / "examples" / "quickstart.ipynb", folder / name)
    return name


@pytest.fixture(scope="session")
def jupyter_url(notebook_dir):
    """A JupyterLab (+ Notebook 7) server without a token on 127.0.0.1, serving ``notebook_dir``."""
    require_browser_tools()
    port = free_port()
    args = [
        "--allow-root", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={notebook_dir}",
        "--LabApp.news_url=", f"--LabApp.workspaces_dir={notebook_dir / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={notebook_dir / 'user-settings'}",  # the theme switch stays here
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jupyter", "lab", *args]
    with serve(command, url, "/api/status", notebook_dir / "jupyter.log", "JupyterLab"):
        yield url


def test_quickstart_in_jupyterlab(jupyter_url, notebook_dir):
    notebook = fresh_quickstart(notebook_dir, "quickstart-lab.ipynb")
    r = run_script("notebook", JUPYTER_URL=jupyter_url, UI="lab", NOTEBOOK=notebook)
    assert r["errors"] == [] and r["pageErrors"] == []
    assert r["widgets"] >= 4
    kernel = r["kernel"]
    # one unit per word, with the kernel's scores for the selected method
    assert [t["text"] for t in r["tokens"]] == kernel["words"]
    assert [t["index"] for t in r["tokens"]] == list(range(len(kernel["words"])))
    np.testing.assert_allclose(
        [t["score"] for t in r["tokens"]], kernel["scores"][kernel["method"]], rtol=1e-6, atol=1e-7
    )
    assert r["methods"] == list(kernel["scores"])
    # switching to another method recolours the words and shows that method's numbers
    assert [t["background"] for t in r["afterToggle"]] != [t["background"] for t in r["tokens"]]
    np.testing.assert_allclose(
        [t["score"] for t in r["afterToggle"]],
        kernel["scores"][r["methods"][1]],
        rtol=1e-6,
        atol=1e-7,
    )
    # the reduction slider steps: one more word struck through per step, step 0 has none
    steps = r["reductionSteps"]
    assert r["reductionMax"] >= 1 and [s["step"] for s in steps] == [0, 1, r["reductionMax"]]
    assert (
        steps[0]["struck"] == 0
        and steps[1]["struck"] >= 1
        and steps[2]["struck"] >= steps[1]["struck"]
    )
    # the influence panel shows the kernel's ranked training examples, in order
    assert len(r["influence"]) > 0 and r["influence"] == kernel["influence"]
    # a payload typed by the user is shown as text and never runs
    assert r["xss"] == {"flag": None, "injected": 0}
    assert "<" in [t["text"] for t in r["xssTokens"]] and "img" in [
        t["text"] for t in r["xssTokens"]
    ]


def test_quickstart_in_notebook7(jupyter_url, notebook_dir):
    notebook = fresh_quickstart(notebook_dir, "quickstart-nb7.ipynb")
    r = run_script("notebook", JUPYTER_URL=jupyter_url, UI="notebook", NOTEBOOK=notebook)
    assert r["errors"] == [] and own_errors(r["pageErrors"]) == []
    assert r["widgets"] >= 3 and len(r["tokens"]) > 5 and len(r["methods"]) >= 10


INTERACTIONS = [
    """import json
from notebook_explain import Explainer
from notebook_explain.data import load_sst2

ex = Explainer.demo("gru-sst2", progress=False)
train = load_sst2("train")
ex.index(train.texts[:300], train.labels[:300], progress=False)
widget = ex.show(
    "a gorgeous , witty , seductive movie that never drags",
    methods=["signed_grad_input", "integrated_gradients", "leave_one_out"],
)
widget""",
    """long = ex.show(" ".join(train.texts[:12]), methods=["signed_grad_input"])
long""",
]


def interactions_notebook(folder: Path, name: str) -> str:
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in INTERACTIONS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, folder / name)
    return name


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_the_widget_as_a_user_works_it(ui, jupyter_url, notebook_dir):
    """Arrow keys, a one-method recompute, "+ add method", three influence switches, Cancel,
    and (JupyterLab) the dark theme, in a real notebook with a real kernel."""
    notebook = interactions_notebook(notebook_dir, f"interactions-{ui}.ipynb")
    r = run_script("interactions", JUPYTER_URL=jupyter_url, UI=ui, NOTEBOOK=notebook)
    assert r["errors"] == [] and own_errors(r["pageErrors"]) == []
    kernel = r["kernel"]

    # the arrow key reached the widget: the next method is shown
    names = r["arrow"]["methods"]
    assert r["arrow"]["after"] == names[(names.index(r["arrow"]["before"]) + 1) % len(names)]

    # a parameter change ran that method only; the busy line never moved the heatmap
    running = [p["text"] for p in r["recompute"] if "Running" in p["text"]]
    assert running and all("integrated_gradients" in t and "(1/1)" in t for t in running), running
    assert kernel["methods"]["integrated_gradients"]["steps"] == 7
    assert len({p["heatmapTop"] for p in r["recompute"]}) == 1, r["recompute"]

    # an added method is computed alone, and joins Compare
    running = [p["text"] for p in r["added"]["progress"] if "Running" in p["text"]]
    assert running and all("saliency_l2" in t and "(1/1)" in t for t in running), running
    assert "saliency_l2" in r["added"]["methods"] and "saliency_l2" in r["added"]["compared"]
    assert r["added"]["shown"] == "saliency_l2"  # the added method is the one on screen

    # the influence select answers every switch and stays enabled
    assert len(r["influence"]) == 3
    assert all(not s["disabled"] and s["items"] > 0 for s in r["influence"]), r["influence"]
    assert kernel["influence"] == r["influence"][-1]["method"]

    # Cancel stops the long run within a batch; the previous result stays
    cancel = r["cancel"]
    assert cancel["seconds"] < 5, cancel
    assert "Cancelled" in cancel["error"] and cancel["scoresKept"]
    assert cancel["methodsAfter"] == cancel["methodsBefore"]
    assert "shapley" not in kernel["long"]

    # a request held for its cost keeps its class in the select, in view; a sanity check asks too
    held = r["held"]
    assert held["selectWhileHeld"] == held["asked"] != held["shown"], held
    assert held["selectAfterDrop"] == held["shown"], held
    assert "will take about" in held["prompt"] and "for “" in held["prompt"], held
    assert held["inView"], held
    assert held["sanityPrompt"].startswith("The sanity check of"), held

    if ui == "lab":  # the dark theme: the weakest word's chip is the least prominent
        chips = sorted(r["dark"], key=lambda c: abs(c["score"]))
        assert chips[0]["contrast"] < chips[-1]["contrast"] and chips[-1]["contrast"] > 2.0
