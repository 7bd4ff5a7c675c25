"""The training index's neighbour search at a million examples:

    python benchmarks/neighbour_search.py [--rows 1000000] [--width 384] [--queries 50]

A synthetic index of ``--rows`` random ``--width``-d features (standard normal, float64 as the
index holds them) searched for the 10 nearest rows of ``--queries`` random queries, one query at
a time, as ``knn`` and ``fast_influence`` ask: the build time and the resident memory it adds
(Linux's VmRSS),
and the median time per query, for FAISS's exact flat index, FAISS's IVF index (approximate,
with its recall of the exact top 10) and the torch brute force used without FAISS. Goal: exact
top-10 in ≤ 50 ms per query on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from notebook_explain.influence.neighbours import NeighbourSearch, faiss_or_none


def resident_mib() -> float:
    """The process's resident memory now (MiB), from /proc (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def measure(name, make, queries, exact_rows=None):
    before = resident_mib()
    start = time.perf_counter()
    search = make()
    build = time.perf_counter() - start
    added = resident_mib() - before
    times, found = [], []
    for query in queries:
        start = time.perf_counter()
        rows, _ = search.search(query, 10)
        times.append(time.perf_counter() - start)
        found.append(set(rows.tolist()))
    recall = ""
    if exact_rows is not None:
        hits = [len(a & b) / 10 for a, b in zip(found, exact_rows)]
        recall = f", recall of the exact top 10 {statistics.mean(hits):.3f}"
    print(
        f"{name}: build {build:.1f} s, +{added:.0f} MiB resident, "
        f"median {statistics.median(times) * 1000:.1f} ms per query{recall}"
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(args.rows, args.width, generator=generator, dtype=torch.float64)
    queries = list(torch.randn(args.queries, args.width, generator=generator, dtype=torch.float64))
    faiss = faiss_or_none()
    print(
        f"# neighbour_search: {args.rows:,} × {args.width} features "
        f"({features.numel() * 8 / 2**30:.1f} GiB float64), {args.queries} queries, top 10, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"faiss {faiss.__version__ if faiss else 'not installed'}"
    )
    exact = measure("torch brute force (no FAISS)", lambda: _torch(features), queries)
    if faiss is not None:
        measure("FAISS exact (IndexFlatL2)", lambda: NeighbourSearch(features), queries, exact)
        measure("FAISS IVF (approximate)", lambda: NeighbourSearch(features, "ivf"), queries, exact)


def _torch(features):
    import notebook_explain.influence.neighbours as module

    found = module.faiss_or_none
    module.faiss_or_none = lambda: None
    try:
        return NeighbourSearch(features)
    finally:
        module.faiss_or_none = found


if __name__ == "__main__":
    main()
