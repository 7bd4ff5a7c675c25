"""The widget at real-use scale, on the longest IMDB review (truncated to the model's limit):

    python benchmarks/widget_scale.py [--model minilm-sst2] [--repeats 3]

* the first-paint calibration, once per model (``first_paint.calibrate``), then the time of
  ``ex.show(review)``, from the call to a widget whose state is ready to paint (goal: ≤ 3 s on
  2 CPU cores), and until the defaults ``show`` picks by their counted cost are all computed
  behind it;
* a one-method recompute through the widget (integrated gradients with other steps, sent as
  the browser sends it and answered by the session) against computing that method alone with
  ``explain``, timed alternately (goal: ≤ 1.1×); then the same with a training index attached
  (1,000 SST-2 training sentences), so the influence panel is there but closed;
* ``estimate`` for three methods on the review: its own cost, the first call in a length bucket
  (which times one batched forward) and a later one, as a share of the work it prices (goal:
  ≤ 5 %), and each estimate's ratio to the method's real time.

* opening Compare, as the compact grid, for 20 methods × 512 tokens in chromium (a static
  export of the GRU demo's explanation of the review's first 512 tokens: its 18 methods that
  take under a few seconds, and Shapley and Owen with 2 samples): the time from the tab's click
  to the end of the layout it causes (goal: ≤ 150 ms), and the panel's height (goal: ≤ 1,200 px).
  Needs chromium and playwright-core (``make setup``).

Medians over ``--repeats`` runs (5 page loads for Compare).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import torch

from notebook_explain import Explainer, first_paint
from notebook_explain.data import load_imdb, load_sst2


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def recompute(widget, methods) -> None:
    widget._handle_custom_msg(
        {"type": "explain", "text": widget.value.text, "methods": methods, "confirmed": True}, []
    )
    assert widget.session.wait(timeout=600) and widget.error == "", widget.error


def recompute_times(ex, widget, review, current, repeats, first_steps) -> tuple[float, float]:
    """Medians of integrated gradients recomputed through the widget and alone, alternately,
    with new steps each time (``first_steps``, ``first_steps`` + 1, ...) so nothing is reused."""
    through_widget, alone = [], []
    for i in range(repeats):
        steps = first_steps + i
        ig = {"integrated_gradients": {**current["integrated_gradients"], "steps": steps}}
        through_widget.append(timed(lambda: recompute(widget, {**current, **ig}))[0])
        alone.append(timed(lambda: ex.explain(review, methods=ig))[0])
    return statistics.median(through_widget), statistics.median(alone)


GRID_TOKENS = 512
GRID_SAMPLED = {"shapley": {"samples": 2}, "owen": {"samples": 2}}


def compare_grid(review: str) -> None:
    """Open Compare in chromium on a 20-method × 512-token explanation; print time and height."""
    ex = Explainer.demo("gru-sst2", progress=False)
    words = review.split()
    n = GRID_TOKENS
    while len(ex.explain(" ".join(words[:n]), methods=["random"]).tokens) > GRID_TOKENS:
        n -= 1
    text = " ".join(words[:n])
    cheap = [m for m, e in ex.estimate(text, ex.supported_methods()).items() if e["seconds"] < 5]
    methods = {**{m: {} for m in cheap if m not in GRID_SAMPLED}, **GRID_SAMPLED}
    explanation = ex.explain(text, methods=methods)
    with tempfile.TemporaryDirectory() as folder:
        page = explanation.to_html(Path(folder) / "compare.html")
        script = Path(__file__).with_name("compare_grid.mjs")
        proc = subprocess.run(
            ["node", str(script)],
            env={**os.environ, "PAGE": str(page), "REPEATS": "5"},
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not result["pageErrors"], result["pageErrors"]
    runs = result["runs"]
    print(
        f"Compare as the compact grid, {len(explanation.methods)} methods × "
        f"{len(explanation.tokens)} tokens ({runs[0]['cells']} cells, panel {runs[0]['width']:.0f} px "
        f"wide): opened in median {statistics.median(r['ms'] for r in runs):.0f} ms over "
        f"{len(runs)} page loads; panel height {runs[0]['height']:.0f} px (the grid "
        f"{runs[0]['gridHeight']:.0f} px)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm-sst2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ex = Explainer.demo(args.model, progress=False)
    review = max(load_imdb().texts, key=len)
    ex.explain("warm up .", methods=["integrated_gradients"])
    print(
        f"# widget_scale: {args.model}, the longest IMDB review ({len(review.split())} words), "
        f"torch {torch.__version__}, {platform.machine()}, {torch.get_num_threads()} threads"
    )
    calibration_seconds, calibration = timed(lambda: first_paint.calibrate(ex.engine))
    print(
        f"first-paint calibration, once per model: {calibration_seconds:.2f} s "
        f"({', '.join(f'{m} r = {r:+.2f}' for m, r in calibration.agreement.items())})"
    )
    first, whole = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        widget = ex.show(review)
        first.append(time.perf_counter() - start)
        painted = widget.value.methods
        assert widget.session.wait(timeout=600) and widget.error == "", widget.error
        whole.append(time.perf_counter() - start)
    print(
        f"show() on {len(widget.value.tokens)} tokens: first paint ({', '.join(painted)}) median "
        f"{statistics.median(first):.2f} s; every default ({', '.join(widget.value.methods)}) "
        f"computed behind it by {statistics.median(whole):.2f} s"
    )
    current = {m: dict(widget.value.result(m).params) for m in widget.value.methods}
    w, a = recompute_times(ex, widget, review, current, args.repeats, first_steps=20)
    print(
        f"one-method recompute (integrated_gradients) through the widget: median {w:.2f} s; "
        f"the method alone with explain: {a:.2f} s; ratio {w / a:.2f}×"
    )
    train = load_sst2("train")
    ex.index(train.texts[:1000], train.labels[:1000].tolist(), progress=False)
    w, a = recompute_times(ex, widget, review, current, args.repeats, first_steps=40)
    print(
        f"... with a training index of 1,000 sentences attached (influence tab closed): "
        f"median {w:.2f} s through the widget, {a:.2f} s alone; ratio {w / a:.2f}×"
    )
    estimates(review, args.model)
    compare_grid(review)


ESTIMATED = {
    "integrated_gradients": {"steps": 32},
    "leave_one_out": {},
    "saliency_l2": {},
}


def estimates(review: str, model: str) -> None:
    """The estimate's cost, cold (a new Explainer: its length bucket untimed) and warm, against
    the real time of the work it prices."""
    ex = Explainer.demo(model, progress=False)
    ex.explain("warm up .", methods=["saliency_l2"])
    cold, answer = timed(lambda: ex.estimate(review, ESTIMATED))
    warm = statistics.median(timed(lambda: ex.estimate(review, ESTIMATED))[0] for _ in range(5))
    real = {
        m: timed(lambda m=m: ex.explain(review, methods={m: p}))[0] for m, p in ESTIMATED.items()
    }
    work = sum(real.values())
    print(
        f"estimate of {', '.join(ESTIMATED)} on the review: first call {cold:.3f} s "
        f"({cold / work:.1%} of the {work:.2f} s it prices), later calls {warm * 1000:.1f} ms "
        f"({warm / work:.2%}); estimated / real: "
        + ", ".join(
            f"{m} {answer[m]['seconds']:.2f} / {real[m]:.2f} s = "
            f"{answer[m]['seconds'] / real[m]:.2f}"
            for m in ESTIMATED
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
