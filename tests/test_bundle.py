"""The shipped widget bundle is what js/ builds: rebuild it into a scratch folder and compare bytes."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
STATIC = ROOT / "notebook_explain" / "static"
BUNDLE = ("widget.js", "standalone.js", "widget.css")


def _shipped(name: str) -> bytes:
    """The committed file in a git checkout (what a wheel built from it ships), else the file on disk."""
    relative = f"notebook_explain/static/{name}"
    inside = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"], capture_output=True
    )
    if inside.returncode == 0:
        return subprocess.run(
            ["git", "-C", str(ROOT), "show", f"HEAD:{relative}"], capture_output=True, check=True
        ).stdout
    return (ROOT / relative).read_bytes()


def test_shipped_bundle_matches_js_sources(tmp_path):
    if shutil.which("node") is None or not (ROOT / "js" / "node_modules" / "esbuild").exists():
        pytest.fail(
            "Building the bundle needs node and js/node_modules (cd js && npm ci; make setup does it)."
        )
    subprocess.run(
        ["node", "build.mjs", "--outdir", str(tmp_path)],
        cwd=ROOT / "js",
        check=True,
        capture_output=True,
    )
    for name in BUNDLE:
        assert (tmp_path / name).read_bytes() == _shipped(name), (
            f"notebook_explain/static/{name} is stale with respect to js/: run `cd js && npm run build` "
            "and commit notebook_explain/static/."
        )
