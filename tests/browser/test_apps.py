"""The widget in the other anywidget hosts: a Voilà dashboard and a marimo app, each served
headless on loopback and driven in Debian's chromium. Each shows the heatmap, answers the view's
ping (so the kernel's controls appear), switches method, and recomputes a new text typed into
the widget, in the kernel behind the page."""

import sys
import textwrap

import pytest
from harness import free_port, require_browser_tools, run_script, serve

SETUP = """
from notebook_explain import Explainer
from notebook_explain.models.classifiers import WordClassifier
from notebook_explain.models.vocab import WordVocab
import torch

vocab = WordVocab.build(["a gorgeous , witty , seductive movie .", "the plot is dull ."])
torch.manual_seed(0)
model = WordClassifier("gru", len(vocab), 2, embed_dim=16).eval()
ex = Explainer(model, vocab, device="cpu")
widget = ex.show("a gorgeous , witty movie .", methods=["signed_grad_input", "leave_one_out"])
"""
NEW_TEXT = "the plot is dull ."


def check_the_round_trip(r):
    assert r["pageErrors"] == []
    assert [t["text"] for t in r["before"]] == "a gorgeous , witty movie .".split()
    assert r["methods"] == ["signed_grad_input", "leave_one_out"]
    assert [t["text"] for t in r["after"]] == NEW_TEXT.split()
    assert not r["errorShown"]


def test_voila_serves_a_live_widget(tmp_path):
    pytest.importorskip("voila")
    require_browser_tools()
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP + "widget")]
    nbformat.write(notebook, tmp_path / "dashboard.ipynb")
    port = free_port()
    command = [
        sys.executable, "-m", "voila", "dashboard.ipynb", "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", "--Voila.tornado_settings={'xsrf_cookies': False}",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serve(command, url, "/", tmp_path / "voila.log", "Voilà", cwd=tmp_path):
        check_the_round_trip(run_script("app", APP="voila", APP_URL=url, NEW_TEXT=NEW_TEXT))


def test_marimo_runs_a_live_widget(tmp_path):
    pytest.importorskip("marimo")
    require_browser_tools()
    cell = textwrap.indent(SETUP + "import marimo as mo\nview = mo.ui.anywidget(widget)\n", "    ")
    (tmp_path / "app.py").write_text(
        "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n"
        + cell
        + "    view\n    return\n\n\nif __name__ == '__main__':\n    app.run()\n"
    )
    port = free_port()
    command = [
        sys.executable, "-m", "marimo", "run", "app.py", "--headless", "--no-token",
        f"--port={port}", "--host=127.0.0.1",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serve(command, url, "/health", tmp_path / "marimo.log", "marimo", cwd=tmp_path):
        check_the_round_trip(run_script("app", APP="marimo", APP_URL=url, NEW_TEXT=NEW_TEXT))
