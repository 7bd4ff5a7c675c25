"""Method toggling in the browser: a 512-token input with 20 methods, in Debian's chromium.

Explains the longest IMDB review (truncated to 512 tokens) with the MiniLM demo model: the 10
methods it supports besides input_reduction, plus 10 integrated-gradients variants (5 quadrature
rules × 2 step counts) for 20 score vectors. The explanation is exported with ``to_html``, opened
headless, and every method is selected once; the figure is the time from the select's change
event to the end of the style recalculation of every token (median and max over the toggles).
The page's payload size is printed too (scores travel as binary / base64, not JSON lists).

    python benchmarks/widget_toggle.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import run_script  # noqa: E402

from notebook_explain import Explainer  # noqa: E402
from notebook_explain.data import load_imdb  # noqa: E402

PANEL = (
    "saliency_l1",
    "saliency_l2",
    "saliency_linf",
    "saliency_sum",
    "grad_input",
    "signed_grad_input",
    "integrated_gradients",
    "occlusion_zero",
    "occlusion_unk",
    "leave_one_out",
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm-sst2")
    args = parser.parse_args(argv)

    ex = Explainer.demo(args.model)
    text = max(load_imdb().texts, key=len)
    # the fast gradient and perturbation methods: marginalization and LIME on 512 tokens would
    # take far longer to compute than the toggle this measures, which only depends on the count
    base = ex.explain(text, methods=[m for m in ex.supported_methods() if m in PANEL])
    results = dict(base.results)
    for rule in (
        "gausslegendre",
        "riemann_left",
        "riemann_right",
        "riemann_middle",
        "riemann_trapezoid",
    ):
        for steps in (8, 16):
            e = ex.explain(text, methods={"integrated_gradients": {"steps": steps, "rule": rule}})
            results[f"integrated_gradients[{rule},{steps}]"] = e.result("integrated_gradients")
    explanation = replace(base, results=results)
    print(
        f"input: {len(explanation.tokens)} tokens, {len(explanation.words)} words, {len(results)} methods"
    )
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "toggle.html"
        explanation.to_html(page)
        print(f"page: {page.stat().st_size / 1024:.0f} KiB")
        r = run_script("static", PAGE=page)
    toggles = r["toggleMs"]
    print(
        f"toggle + recolour ({len(toggles)} toggles): median {statistics.median(toggles):.1f} ms, max {max(toggles):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
