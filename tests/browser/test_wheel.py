"""The packaging path: a wheel built from a clean clone (the bundle is not in git) ships the one
bundle, byte-identical to a fresh build of js/, and the package installed from that wheel alone
writes a static export that renders offline in chromium; the sdist carries the sources."""

import json
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

from harness import run_script

import notebook_explain

ROOT = Path(__file__).parents[2]
BUNDLE = ("notebook_explain/static/widget.js", "notebook_explain/static/widget.css")

EXPORT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import notebook_explain
    from notebook_explain import Explanation, MethodResult

    words = ["a", "gorgeous", ",", "witty", "film"]
    e = Explanation(
        text=" ".join(words), tokens=words, word_index=np.arange(5), words=words,
        special_mask=np.zeros(5, bool), probabilities=[0.2, 0.8],
        class_names=["negative", "positive"], target=1, output="logit",
        results={"hand": MethodResult("hand", "test", True, [0.1, 2.0, 0.0, 1.5, -0.4])},
    )
    e.to_html(sys.argv[1])
    print(json.dumps({"package": notebook_explain.__file__, "scores": e.scores("hand").tolist()}))
    """
)


def build_from_a_clean_clone(tmp_path, kind: str) -> Path:
    """Clone the repository and build a ``kind`` ("wheel" or "sdist") from it, as a release
    would; returns the clone (the distribution is in ``tmp_path / "dist"``)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if (ROOT / "js" / "node_modules").is_dir():  # spares the download; npm still installs
        shutil.copytree(ROOT / "js" / "node_modules", clone / "js" / "node_modules", symlinks=True)
    built = subprocess.run(  # the build backend comes from the test extras (pyproject.toml)
        [
            sys.executable,
            "-m",
            "build",
            f"--{kind}",
            "--no-isolation",
            "-o",
            str(tmp_path / "dist"),
        ],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return clone


def test_a_wheel_from_a_clean_clone_ships_the_bundle_and_its_export_renders(tmp_path):
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "notebook_explain/static"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout == "", "the built bundle must not be committed"
    clone = build_from_a_clean_clone(tmp_path, "wheel")
    (wheel,) = (tmp_path / "dist").glob("notebook_explain-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = {name: archive.read(name) for name in BUNDLE}
        archive.extractall(tmp_path / "site")
    assert not {n for n in names if n.startswith("notebook_explain/static/")} - set(BUNDLE)
    fresh = tmp_path / "fresh"
    subprocess.run(["node", "build.mjs", "--outdir", str(fresh)], cwd=clone / "js", check=True)
    for name in BUNDLE:
        assert shipped[name] == (fresh / Path(name).name).read_bytes(), name

    page = tmp_path / "from-wheel.html"
    out = subprocess.run(
        [sys.executable, "-c", EXPORT, str(page)],
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,  # not the checkout, whose notebook_explain/ would shadow the wheel's
        capture_output=True,
        text=True,
        check=True,
    )
    made = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(made["package"]).is_relative_to(tmp_path / "site")  # the wheel's copy ran
    assert shipped[BUNDLE[0]].decode("utf-8") in page.read_text(encoding="utf-8")
    r = run_script("static", PAGE=page)
    assert r["requests"] == [] and r["pageErrors"] == []
    assert [t["text"] for t in r["tokens"]] == ["a", "gorgeous", ",", "witty", "film"]
    assert [t["score"] for t in r["tokens"]] == made["scores"]


def test_a_clean_clone_builds_an_sdist_with_sources_licence_and_metadata(tmp_path):
    """The licence, the frontend's sources and the examples travel with the sdist; installed
    dependencies and build outputs do not; its metadata carries the SPDX licence, the version
    from ``notebook_explain.__version__`` and the typing marker."""
    build_from_a_clean_clone(tmp_path, "sdist")
    (sdist,) = (tmp_path / "dist").glob("notebook_explain-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        info = archive.extractfile(next(n for n in archive.getnames() if n.endswith("/PKG-INFO")))
        metadata = info.read().decode()
    for member in (
        "LICENSE",
        "README.md",
        "js/package.json",
        "js/package-lock.json",
        "js/build.mjs",
        "js/src/index.js",
        "examples/quickstart.ipynb",
        "notebook_explain/py.typed",
    ):
        assert member in names, member
    assert not [n for n in names if n.startswith(("js/node_modules/", ".venv", "report/"))]
    assert f"Version: {notebook_explain.__version__}" in metadata
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert "Classifier: Typing :: Typed" in metadata
