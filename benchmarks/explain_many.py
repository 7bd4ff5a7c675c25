"""``explain_many`` against a loop of ``explain`` calls, on the first n SST-2 dev sentences.

    python benchmarks/explain_many.py [--models minilm-sst2 gru-sst2] [--n 100] [--repeats 3]
                                      [--device cpu]

For each model and each method set (the gradient family; the defaults, ``DEFAULT_METHODS``):
the median over ``repeats`` of the wall time of a loop of ``explain`` and of one
``explain_many`` over the same sentences, timed alternately in one run, and their ratio. Every
run's explanations are checked to agree (probabilities to 1e-5), so the figure is never the
speed of a wrong answer.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.explainer import DEFAULT_METHODS

METHOD_SETS = {
    "gradient family": ["saliency_l2", "grad_input", "signed_grad_input"],
    "defaults": list(DEFAULT_METHODS),
}


def timed(call) -> tuple[float, list]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["minilm-sst2", "gru-sst2"])
    parser.add_argument("--n", type=int, default=100, help="sentences")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args()
    texts = load_sst2("dev").texts[: args.n]
    print(
        f"# explain_many: {len(texts)} SST-2 dev sentences, median of {args.repeats} runs, "
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads, "
        f"device {args.device or ('cuda' if torch.cuda.is_available() else 'cpu')}"
    )
    print("| model | methods | loop of explain (s) | explain_many (s) | speed-up |")
    print("|---|---|---:|---:|---:|")
    for name in args.models:
        explainer = Explainer.demo(name, device=args.device)
        for label, methods in METHOD_SETS.items():
            explainer.explain_many(texts[:2], methods=methods, progress=False)  # warm-up
            loop_times, many_times = [], []
            for _ in range(args.repeats):
                seconds, loop = timed(
                    lambda: [explainer.explain(t, methods=methods) for t in texts]
                )
                loop_times.append(seconds)
                seconds, many = timed(
                    lambda: explainer.explain_many(texts, methods=methods, progress=False)
                )
                many_times.append(seconds)
                gap = max(
                    np.abs(a.probabilities - b.probabilities).max() for a, b in zip(loop, many)
                )
                assert gap < 1e-5, f"explain_many disagrees with explain by {gap}"
            loop_s, many_s = np.median(loop_times), np.median(many_times)
            print(f"| {name} | {label} | {loop_s:.2f} | {many_s:.2f} | {loop_s / many_s:.2f}× |")


if __name__ == "__main__":
    main()
