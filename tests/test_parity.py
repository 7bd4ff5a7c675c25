"""The kernel and the browser say the same thing: the fallback HTML's colours and the kernel's
method agreement equal what the widget's own modules (js/src, run in node) compute."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import hand_explanation

from notebook_explain import Explanation
from notebook_explain.metrics import agreement
from notebook_explain.report import render_explanation, scale_color, text_color

JS = Path(__file__).parents[1] / "js" / "src"
VALUES = [-1.5, -1.0, -0.7, -0.51, -0.5, -0.25, -1e-9, 0.0, 0.125, 0.3333, 0.5, 0.875, 1.0, 2.0]


def node(script: str):
    if shutil.which("node") is None:
        pytest.fail("these tests run the widget's modules in node (make setup installs it)")
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=JS,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_fallback_html_paints_with_the_widgets_scale():
    js = node(
        'import { scaleColor, textColor } from "./colors.js";'
        f"const values = {json.dumps(VALUES)};"
        "console.log(JSON.stringify([true, false].map((signed) => values.map((v) => {"
        "  const rgb = scaleColor(v, signed); return [rgb, textColor(rgb)]; }))));"
    )
    for signed, row in zip((True, False), js):
        for value, (rgb, text) in zip(VALUES, row):
            ours = scale_color(value, signed)
            assert list(ours) == rgb and text_color(ours) == text, (value, signed)


def _explanation(scores: dict[str, tuple[bool, list[float]]]) -> Explanation:
    n = len(next(iter(scores.values()))[1])
    return hand_explanation(" ".join(f"w{i}" for i in range(n)), scores)


def test_the_kernels_agreement_is_the_compare_views():
    """Signed against unsigned compares magnitudes; top-k is by |score|, ties in text order."""
    rng = np.random.default_rng(0)
    scores = {
        "signed_a": (True, rng.normal(size=9).round(1).tolist()),
        "signed_b": (True, rng.normal(size=9).round(1).tolist()),
        "unsigned": (False, np.abs(rng.normal(size=9)).round(1).tolist()),
    }
    kernel = agreement(_explanation(scores), k=3)
    js = node(
        'import { kendallTauB, topKOverlap } from "./agreement.js";'
        'import { importanceOrder } from "./scores.js";'
        f"const methods = {json.dumps(scores)};"
        "const names = Object.keys(methods);"
        "console.log(JSON.stringify(names.map((a) => names.map((b) => {"
        "  const [sa, x] = methods[a], [sb, y] = methods[b]; const both = sa && sb;"
        "  const tau = kendallTauB(both ? x : x.map(Math.abs), both ? y : y.map(Math.abs));"
        "  return [tau, topKOverlap(importanceOrder(x), importanceOrder(y), 3)]; }))));"
    )
    for i in range(3):
        for j in range(3):
            if i != j:
                assert kernel.rank_correlation[i, j] == pytest.approx(js[i][j][0], abs=1e-12)
                assert kernel.top_k_overlap[i, j] == pytest.approx(js[i][j][1], abs=1e-12)
    # a signed method against an unsigned one really is compared on magnitudes
    signed, unsigned = np.array(scores["signed_a"][1]), np.array(scores["unsigned"][1])
    assert kernel.rank_correlation[0, 2] != pytest.approx(
        agreement(_explanation({"a": (True, signed), "b": (True, unsigned)})).rank_correlation[0, 1]
    )


def test_the_fallback_html_escapes_and_uses_the_scale():
    e = _explanation({"m": (True, [2.0, -1.0, 0.0])})
    page = render_explanation(e)
    orange, blue = scale_color(1.0, True), scale_color(-0.5, True)
    assert f"background:rgb({orange[0]},{orange[1]},{orange[2]})" in page
    assert f"background:rgb({blue[0]},{blue[1]},{blue[2]})" in page
