"""Texts per second of ``explain_dataset`` against the model's raw forward + backward on the
same rows:

    python benchmarks/dataset_throughput.py [--model minilm-sst2] [--texts 1821] [--ig-texts 200]

* the gradient panel (``signed_grad_input``, ``grad_input``, ``saliency_l2``) over the SST-2 test
  set: ``explain_dataset`` against one forward and one backward per batch of texts, batched as
  ``explain_many`` batches them (by length, within the batch limits);
* integrated gradients (its default steps) over the first ``--ig-texts`` test sentences: against
  one forward and one backward of each text's steps + 1 interpolated rows.

Both are timed alternately, 3 times, and the medians reported; the goal is a ratio of at least
0.8 of raw. No Parquet is written (``out=None``): the figure is the computation's.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.dataset import GRADIENT_PANEL
from notebook_explain.perturb import pad_inputs


def raw_gradient_panel(ex: Explainer, texts: list[str]) -> None:
    """One forward and one backward (of the predicted logits) per batch of texts."""
    adapter = ex.adapter
    encoded = [adapter.encode(t) for t in texts]
    side = getattr(adapter, "padding_side", "right") or "right"
    with adapter.inference():
        for group in ex.engine.batches([e.length for e in encoded]):
            batch = [encoded[i] for i in group]
            with torch.no_grad():
                rows = [adapter.embed(e.input_ids) for e in batch]
            types = None if batch[0].token_type_ids is None else [e.token_type_ids for e in batch]
            rows, mask, types, _ = pad_inputs(rows, [e.attention_mask for e in batch], types, side)
            leaf = rows.requires_grad_(True)
            with torch.enable_grad():
                logits = adapter.logits(leaf, mask, types)
                logits.max(dim=1).values.sum().backward()


def raw_integrated_gradients(ex: Explainer, texts: list[str], steps: int) -> None:
    """Per text, one forward and one backward of its steps + 1 interpolated rows."""
    adapter = ex.adapter
    with adapter.inference():
        for text in texts:
            e = adapter.encode(text)
            with torch.no_grad():
                x = adapter.embed(e.input_ids)
            alphas = torch.linspace(0, 1, steps + 1, device=x.device, dtype=x.dtype)
            leaf = (alphas[:, None, None] * x).requires_grad_(True)
            mask = e.attention_mask.expand(steps + 1, -1)
            types = None if e.token_type_ids is None else e.token_type_ids.expand(steps + 1, -1)
            with torch.enable_grad():
                adapter.logits(leaf, mask, types)[:, 0].sum().backward()


def alternate(name: str, ours, raw, n: int, repeats: int) -> None:
    ours_s, raw_s = [], []
    for _ in range(repeats):
        ours_s.append(timed(ours))
        raw_s.append(timed(raw))
    o, r = statistics.median(ours_s), statistics.median(raw_s)
    print(
        f"{name}: explain_dataset {n / o:.1f} texts/s ({o:.2f} s), raw forward + backward "
        f"{n / r:.1f} texts/s ({r:.2f} s): {r / o:.2f} of raw"
    )


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm-sst2")
    parser.add_argument("--texts", type=int, default=1821, help="test sentences (all: 1821)")
    parser.add_argument("--ig-texts", type=int, default=200, help="0: skip integrated gradients")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ex = Explainer.demo(args.model, progress=False)
    test = load_sst2("test")
    texts = test.texts[: args.texts]
    print(
        f"# dataset_throughput: {args.model}, SST-2 test, torch {torch.__version__}, "
        f"{platform.machine()}, {torch.get_num_threads()} threads, batch_size {ex.batch_size}"
    )
    ex.explain("warm up .", methods=["integrated_gradients"])
    alternate(
        f"gradient panel ({', '.join(GRADIENT_PANEL)}), {len(texts)} texts",
        lambda: ex.explain_dataset(texts, test.labels[: len(texts)], progress=False),
        lambda: raw_gradient_panel(ex, texts),
        len(texts),
        args.repeats,
    )
    steps = (
        ex.explain("warm up .", methods=["integrated_gradients"])
        .result("integrated_gradients")
        .params["steps"]
    )
    few = texts[: args.ig_texts]
    if not few:
        return
    alternate(
        f"integrated_gradients ({steps} steps), {len(few)} texts",
        lambda: ex.explain_dataset(few, methods=["integrated_gradients"], progress=False),
        lambda: raw_integrated_gradients(ex, few, steps),
        len(few),
        args.repeats,
    )


if __name__ == "__main__":
    main()
