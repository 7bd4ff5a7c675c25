"""Time per sentence of every method each demo model supports, and how many forward passes it makes.

    python benchmarks/method_speed.py [--models minilm-sst2 gru-sst2] [--n 20] [--device cpu]
                                      [--methods shapley owen ...]

For each model and method: the median and mean seconds per sentence over the first ``n`` SST-2
dev sentences (after one warm-up sentence), and per sentence the number of batched model calls
(forward passes through ``adapter.logits`` or ``adapter.propagation_logits``; a backward pass
is not counted separately) and the number of rows those calls carried, leaving out the input's
own forward pass that ``explain`` shares between all its methods. Methods run one at a time
here, so nothing else is shared between them.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2


class CallCounter:
    """Counts the adapter's batched model calls and their rows (wraps the bound methods)."""

    HOOKS = ("logits", "propagation_logits")

    def __init__(self, adapter):
        self.calls = self.rows = 0
        for name in self.HOOKS:
            if hasattr(adapter, name):
                setattr(adapter, name, self._counting(getattr(adapter, name)))

    def _counting(self, call):
        def counted(embeddings, *args, **kwargs):
            self.calls += 1
            self.rows += int(embeddings.shape[0])
            return call(embeddings, *args, **kwargs)

        return counted

    def take(self) -> tuple[int, int]:
        counts = (self.calls, self.rows)
        self.calls = self.rows = 0
        return counts


def benchmark(
    name: str, texts: list[str], device: str | None, methods=None
) -> tuple[list[tuple], float]:
    """One row per supported method (of ``methods``, when given), and the mean number of tokens
    per sentence."""
    explainer = Explainer.demo(name, device=device)
    counter = CallCounter(explainer.adapter)
    rows = []
    supported = explainer.supported_methods()
    for method in [m for m in supported if methods is None or m in methods]:
        explainer.explain(texts[0], methods=[method])  # warm-up (and any lazy loading)
        counter.take()
        seconds, calls, batch_rows = [], [], []
        for text in texts[1:]:
            start = time.perf_counter()
            explainer.explain(text, methods=[method])
            seconds.append(time.perf_counter() - start)
            n_calls, n_rows = counter.take()
            calls.append(n_calls - 1)  # minus explain's own forward pass of the input
            batch_rows.append(n_rows - 1)
        rows.append(
            (method, np.median(seconds), np.mean(seconds), np.mean(calls), np.mean(batch_rows))
        )
    tokens = np.mean([explainer.adapter.encode(t).length for t in texts[1:]])
    return rows, float(tokens)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["minilm-sst2", "gru-sst2"])
    parser.add_argument("--n", type=int, default=20, help="sentences timed per method")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--methods", nargs="+", default=None, help="only these methods")
    args = parser.parse_args()
    texts = load_sst2("dev").texts[: args.n + 1]
    print(
        f"# method_speed: {args.n} SST-2 dev sentences, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
        f"device {args.device or ('cuda' if torch.cuda.is_available() else 'cpu')}"
    )
    print("| model | method | median s/sentence | mean s/sentence | model calls | rows |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.models:
        rows, tokens = benchmark(name, texts, args.device, args.methods)
        for method, median, mean, calls, batch_rows in rows:
            print(
                f"| {name} | {method} | {median:.4f} | {mean:.4f} | {calls:.1f} | {batch_rows:.0f} |"
            )
        print(f"\n{name}: {tokens:.1f} tokens per sentence on average.\n")


if __name__ == "__main__":
    main()
