"""Runs the browser scripts: node, playwright-core and Debian's chromium.

The scripts (``*.mjs`` next to this file) use playwright-core from ``js/node_modules`` and print
one JSON object on their last stdout line; ``run_script`` returns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CHROMIUM = os.environ.get("NOTEBOOK_EXPLAIN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("NOTEBOOK_EXPLAIN_SCREENSHOTS", ROOT / "report" / "screenshots"))


def require_browser_tools():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium at {CHROMIUM} (apt-get install -y chromium)")
    if shutil.which("node") is None:
        missing.append("node")
    if not (ROOT / "js" / "node_modules" / "playwright-core").exists():
        missing.append("playwright-core (cd js && npm ci)")
    if missing:
        raise RuntimeError(
            "Browser tests need " + "; ".join(missing) + ". `make setup` installs them."
        )


def run_script(name: str, timeout: float = 600, **env) -> dict:
    """Run ``tests/browser/<name>.mjs`` and return the JSON object it prints last."""
    require_browser_tools()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["node", str(HERE / f"{name}.mjs")],
        env={
            **os.environ,
            "CHROMIUM": CHROMIUM,
            "SCREENSHOTS": str(SCREENSHOTS),
            **{k: str(v) for k, v in env.items()},
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{name}.mjs failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(command: list[str], url: str, ready: str, log_path: Path, name: str, cwd=None):
    """Run a web server (``command``, serving ``url``) until the block ends: yields once
    ``url + ready`` answers, and fails the test with the end of its log if it never does."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}{ready}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail(f"{name} did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
