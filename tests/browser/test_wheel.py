"""The packaging path, as ``make dist`` runs it on a clean clone (the bundle is not in git): an
sdist with the sources, the licence, the examples and the tests, and a wheel built *from that
sdist*. The wheel ships the one bundle, byte-identical to a fresh build of js/; installed alone
into a fresh virtual environment with no node on its PATH, it explains a text with a small real
model, serves the widget's ESM, and writes a static export that renders offline in chromium."""

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from harness import run_script

import notebook_explain

ROOT = Path(__file__).parents[2]
BUNDLE = ("notebook_explain/static/widget.js", "notebook_explain/static/widget.css")

SMOKE = textwrap.dedent(
    """
    import json, sys
    import torch
    import notebook_explain
    from notebook_explain import Explainer, ExplainWidget
    from notebook_explain.models.classifiers import WordClassifier
    from notebook_explain.models.vocab import WordVocab

    text = "a gorgeous , witty film"
    vocab = WordVocab.build([text])
    torch.manual_seed(0)
    model = WordClassifier("gru", len(vocab), 2, embed_dim=8).eval()
    e = Explainer(model, vocab, device="cpu").explain(text, methods=["integrated_gradients"])
    e.to_html(sys.argv[1])
    esm = ExplainWidget._esm
    print(json.dumps({
        "package": notebook_explain.__file__,
        "words": list(e.words),
        "scores": e.scores("integrated_gradients").tolist(),
        "esm": str(esm),  # anywidget reads the file into a FileContents
    }))
    """
)


def make_dist_target() -> list[str]:
    """The build command of the Makefile's ``dist`` target, as arguments after ``python``."""
    (line,) = re.findall(
        r"^dist:.*\n\t\$\(BIN\)/python (.+)$", (ROOT / "Makefile").read_text(), re.M
    )
    return line.split()


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """A clean clone built as ``make dist`` builds it; returns the folder with the sdist and
    the wheel (built from the sdist, so the sdist is proven to build it)."""
    work = tmp_path_factory.mktemp("dist")
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if (ROOT / "js" / "node_modules").is_dir():  # spares the download of the clone's own build
        shutil.copytree(ROOT / "js" / "node_modules", clone / "js" / "node_modules", symlinks=True)
    built = subprocess.run(
        [sys.executable, *make_dist_target()], cwd=clone, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return clone / "dist"


def fresh_venv_with(wheel: Path, where: Path) -> Path:
    """A new virtual environment with ``wheel`` installed into it and nothing else: its
    dependencies are borrowed from this test's environment through a path file (added after
    the venv's own site-packages, and without running that environment's editable-install
    hooks), so nothing is downloaded. Returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True,
    )  # fmt: skip
    return python


def test_the_wheel_from_the_sdist_ships_the_bundle_and_runs_in_a_fresh_venv(dist, tmp_path):
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "notebook_explain/static"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout == "", "the built bundle must not be committed"
    (wheel,) = dist.glob("notebook_explain-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = {name: archive.read(name) for name in BUNDLE}
    assert not {n for n in names if n.startswith("notebook_explain/static/")} - set(BUNDLE)
    fresh_build = tmp_path / "fresh-build"
    subprocess.run(["node", "build.mjs", "--outdir", str(fresh_build)], cwd=ROOT / "js", check=True)
    for name in BUNDLE:
        assert shipped[name] == (fresh_build / Path(name).name).read_bytes(), name

    python = fresh_venv_with(wheel, tmp_path / "venv")
    page = tmp_path / "from-wheel.html"
    out = subprocess.run(
        [str(python), "-c", SMOKE, str(page)],
        env={"PATH": str(python.parent)},  # no node, no npm
        cwd=tmp_path,  # not the checkout, whose notebook_explain/ would shadow the wheel's
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    made = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(made["package"]).is_relative_to(tmp_path / "venv")  # the wheel's copy ran
    assert made["esm"] == shipped[BUNDLE[0]].decode("utf-8")
    assert made["words"] == ["a", "gorgeous", ",", "witty", "film"]
    assert shipped[BUNDLE[0]].decode("utf-8") in page.read_text(encoding="utf-8")
    r = run_script("static", PAGE=page)
    assert r["requests"] == [] and r["pageErrors"] == []
    assert [t["text"] for t in r["tokens"]] == made["words"]
    assert [t["score"] for t in r["tokens"]] == pytest.approx(made["scores"], rel=1e-6)


def test_the_sdist_carries_sources_licence_examples_tests_and_metadata(dist):
    """The licence, the frontend's sources, the examples and the tests travel with the sdist;
    installed dependencies and build outputs do not; its metadata carries the SPDX licence,
    the version from ``notebook_explain.__version__``, the project URLs and the typing marker."""
    (sdist,) = dist.glob("notebook_explain-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        info = archive.extractfile(next(n for n in archive.getnames() if n.endswith("/PKG-INFO")))
        metadata = info.read().decode()
    for member in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "js/package.json",
        "js/package-lock.json",
        "js/build.mjs",
        "js/src/index.js",
        "examples/quickstart.ipynb",
        "tests/conftest.py",
        "notebook_explain/py.typed",
    ):
        assert member in names, member
    assert not [n for n in names if n.startswith(("js/node_modules/", ".venv", "report/"))]
    assert f"Version: {notebook_explain.__version__}" in metadata
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "Project-URL: Repository, https://" in metadata
