"""The documentation site: ``docs/build.py`` (what ``make docs`` runs) builds it with ``mkdocs
build --strict``, so any warning fails, and a tutorial page served on loopback renders its widget
in chromium from the saved state, with the site's own bundle: no kernel, nothing fetched from
elsewhere, no kernel-only control."""

import subprocess
import sys

import pytest
from harness import ROOT, free_port, require_browser_tools, run_script, serve

TUTORIAL = "tutorials/08_bring_your_own_model.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    built = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build.py")], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return ROOT / "site"


def test_the_site_has_every_page_and_the_api_reference(site):
    for page in ("index.html", "api.html", "widget-tour.html", "methods/gradient.html", TUTORIAL):
        assert (site / page).exists(), page
    api = (site / "api.html").read_text(encoding="utf-8")
    for name in ("Explainer", "explain_many", "Explanation", "TrainingIndex", "InfluenceResult"):
        assert name in api, name


def test_a_tutorial_page_renders_its_widget_offline(site, tmp_path):
    require_browser_tools()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with serve(command, url, "/index.html", tmp_path / "http.log", "the site server", cwd=site):
        r = run_script("docs", DOCS_URL=f"{url}/{TUTORIAL}")
    assert r["pageErrors"] == [] and r["elsewhere"] == []
    assert r["widgets"] >= 1 and not r["runVisible"]
    words = [t["text"] for t in r["tokens"]]
    assert words == "the acting is superb , but the plot is a dull , predictable mess .".split()
    assert any(t["score"] != 0 for t in r["tokens"])
