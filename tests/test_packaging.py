"""The source distribution a clean clone builds: the licence, the frontend's sources and the
examples travel with it, installed dependencies and build outputs do not; its metadata carries
the SPDX licence, the version from ``notebook_explain.__version__`` and the typing marker."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import notebook_explain

ROOT = Path(__file__).parents[1]


def test_a_clean_clone_builds_an_sdist_with_sources_licence_and_metadata(tmp_path):
    pytest.importorskip("build", reason="the test extras' build frontend")
    pytest.importorskip("hatch_jupyter_builder", reason="the test extras' build hook")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if (ROOT / "js" / "node_modules").is_dir():  # spares npm's download in the build hook
        shutil.copytree(ROOT / "js" / "node_modules", clone / "js" / "node_modules", symlinks=True)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(tmp_path / "dist")],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
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
