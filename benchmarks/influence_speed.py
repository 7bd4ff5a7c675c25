"""Influence query speed after indexing, side by side with Captum's influence classes.

    python benchmarks/influence_speed.py [--queries 10] [--train N]

Indexes SST-2 train (6920 sentences) on the MiniLM demo model (classifier head), then times
top-10 queries for dev sentences with each of our methods and with Captum's ``TracInCPFast``
and ``NaiveInfluenceFunction`` on the same head, data and checkpoints. Captum is given the
head over our cached features (a Linear module), so it does not rerun the encoder over the
training set; our timings include the test sentence's MiniLM forward pass. Highlights are off
(``highlights=0``) for the query timings and timed separately. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from notebook_explain import Explainer
from notebook_explain.data import load_sst2


def _median_seconds(fn, inputs) -> float:
    times = []
    for x in inputs:
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--train", type=int, default=None, help="first N training sentences")
    args = parser.parse_args()
    torch.manual_seed(0)
    ex = Explainer.demo("minilm-sst2", progress=False)
    train, dev = load_sst2("train"), load_sst2("dev")
    n = args.train or len(train.texts)
    texts, labels = train.texts[:n], train.labels[:n]
    queries = dev.texts[: args.queries]
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        index = ex.index(texts, labels, cache_dir=cache)
        rows.append(("indexing (forward passes, features cached)", time.perf_counter() - start))
        start = time.perf_counter()
        ex.index(texts, labels, cache_dir=cache, progress=False)
        rows.append(("indexing again (from the disk cache)", time.perf_counter() - start))
    for method in ("influence_function", "tracin", "knn", "fast_influence"):
        ex.influence(queries[0], k=10, method=method, highlights=0)  # warm-up
        seconds = _median_seconds(
            lambda q, m=method: ex.influence(q, k=10, method=m, highlights=0), queries
        )
        rows.append((f"ours: {method}", seconds))
    highlight = [ex.influence(q, k=10, highlights=3).info["highlight_seconds"] for q in queries[:3]]
    rows.append(("ours: leave-word-out highlights, 3 items per side", statistics.median(highlight)))
    token = [ex.token_influence(q, 1, k=10, highlights=0) for q in queries[:3]]
    rows.append(
        (
            "ours: token_influence (double backward)",
            statistics.median(r.info["query_seconds"] for r in token),
        )
    )

    captum_rows = captum_timings(ex, index, queries)
    rows += captum_rows
    ours = {name: s for name, s in rows}
    print(
        f"`{Path(__file__).name}`: {n} training sentences, MiniLM demo, classifier head, "
        f"median of {len(queries)} top-10 queries, torch threads {torch.get_num_threads()}\n"
    )
    print("| step | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.4f} |")
    print()
    for ours_name, theirs in (
        ("ours: tracin", "Captum TracInCPFast query"),
        ("ours: influence_function", "Captum NaiveInfluenceFunction query"),
    ):
        print(f"- {theirs} / {ours_name}: {ours[theirs] / ours[ours_name]:.1f}×")


def captum_timings(ex, index, queries):
    """Captum's TracInCPFast and NaiveInfluenceFunction on the head over the cached features."""
    from captum.influence import NaiveInfluenceFunction, TracInCPFast
    from torch.utils.data import TensorDataset

    from notebook_explain.influence.scorers import make_query

    head = torch.nn.Linear(index.features.shape[1], len(index.class_names))
    with torch.no_grad():
        head.weight.copy_(index.weight)
        head.bias.copy_(index.bias)
    model = torch.nn.Sequential()
    model.add_module("classifier", head)
    data = TensorDataset(index.features.float(), index.labels)
    folder = ex.checkpoints
    entries = json.loads((folder / "index.json").read_text())
    rates = {str(folder / e["file"]): e["learning_rate"] for e in entries}

    def load(module, path):
        tensors = load_file(path)
        module.classifier.weight.data.copy_(tensors["classifier.weight"])
        module.classifier.bias.data.copy_(tensors["classifier.bias"])
        return rates[path]

    loss = torch.nn.CrossEntropyLoss(reduction="sum")
    rows = []
    start = time.perf_counter()
    tracin = TracInCPFast(model, "classifier", data, list(rates), load, loss, batch_size=512)
    rows.append(("Captum TracInCPFast setup", time.perf_counter() - start))
    inputs = []
    for q in queries:
        query = make_query(ex.adapter, q, lambda p: int(p.argmax()))
        inputs.append((query.features.float(), torch.tensor([query.target])))
    rows.append(
        (
            "Captum TracInCPFast query",
            _median_seconds(lambda x: tracin.influence(x, k=10, proponents=True), inputs),
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        final = str(Path(tmp) / "final.pt")
        torch.save(
            {"classifier.weight": index.weight.float(), "classifier.bias": index.bias.float()},
            final,
        )
        start = time.perf_counter()
        naive = NaiveInfluenceFunction(
            model,
            data,
            final,
            lambda m, p: m.load_state_dict(torch.load(p)) or 1.0,
            loss_fn=torch.nn.CrossEntropyLoss(reduction="none"),
            batch_size=512,
            hessian_reg=index.inverse_hessian.damping,
            projection_dim=None,
        )
        rows.append(("Captum NaiveInfluenceFunction setup (Hessian)", time.perf_counter() - start))
        rows.append(
            (
                "Captum NaiveInfluenceFunction query",
                _median_seconds(lambda x: naive.influence(x, k=10, proponents=True), inputs),
            )
        )
    return rows


if __name__ == "__main__":
    main()
