"""The widget at real-use scale, on the longest IMDB review (truncated to the model's limit):

    python benchmarks/widget_scale.py [--model minilm-sst2] [--repeats 3]

* the time of ``ex.show(review)``, from the call to a widget whose state is ready to paint
  (goal: ≤ 3 s on 2 CPU cores), and until the defaults ``show`` picks by their estimates are
  all computed behind it;
* a one-method recompute through the widget (integrated gradients with other steps, sent as
  the browser sends it and answered by the session) against computing that method alone with
  ``explain``, timed alternately (goal: ≤ 1.1×).

Medians over ``--repeats`` runs. (The issue's third figure, a compact Compare grid of 20
methods × 512 tokens, waits for that grid.)
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from notebook_explain import Explainer
from notebook_explain.data import load_imdb


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def recompute(widget, methods) -> None:
    widget._handle_custom_msg(
        {"type": "explain", "text": widget.value.text, "methods": methods, "confirmed": True}, []
    )
    assert widget.session.wait(timeout=600) and widget.error == "", widget.error


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
    through_widget, alone = [], []
    for i in range(args.repeats):
        steps = 20 + i  # a new parameter each time, so nothing is reused
        ig = {"integrated_gradients": {**current["integrated_gradients"], "steps": steps}}
        through_widget.append(timed(lambda: recompute(widget, {**current, **ig}))[0])
        alone.append(timed(lambda: ex.explain(review, methods=ig))[0])
    w, a = statistics.median(through_widget), statistics.median(alone)
    print(
        f"one-method recompute (integrated_gradients) through the widget: median {w:.2f} s; "
        f"the method alone with explain: {a:.2f} s; ratio {w / a:.2f}×"
    )


if __name__ == "__main__":
    main()
