"""Dataset mode at scale: peak memory against the run's size and the chunk size, throughput
against the raw forward + backward, and the time to resume a finished run.

    python benchmarks/dataset_scale.py [--rows 100000] [--chunks 256 1024] [--sizes 25000 100000]

Synthetic rows (5–40 words drawn from a 2,000-word vocabulary, seeded) through a tiny TextCNN word
model (64-dimensional embeddings, randomly initialised: the model is not the
point), the gradient panel (``explain_dataset``'s default methods), written to Parquet. Each run is
a fresh Python process, so its peak RSS (``ru_maxrss``) is its own:

- **memory**: peak RSS of ``explain_dataset`` for each size in ``--sizes`` (chunk 256), and for
  each chunk size in ``--chunks`` at the largest size: flat in the rows means the run streams;
- **throughput**: rows per second of ``explain_dataset`` against one forward and one backward per
  batch of the same rows, batched by length as ``explain_many`` batches them (the model's own
  cost), timed in the same process;
- **resume**: the seconds a second call on the finished folder takes (it verifies every part's
  SHA-256 and computes nothing), and the seconds ``to_pandas()`` takes on the result.

Prints a table and the extrapolation to a million rows: time ≈ 10⁶ / (rows per second), memory
unchanged, resume ≈ 10 × the 100k figure (it reads every part once to hash it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

WORKER = r"""
import json, resource, sys, time
import numpy as np, torch
from notebook_explain import Explainer
from notebook_explain.models.classifiers import WordClassifier
from notebook_explain.models.vocab import WordVocab

rows, chunk, out, what = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rng = np.random.default_rng(0)
words = [f"w{i}" for i in range(2000)]
texts = [" ".join(rng.choice(words, size=rng.integers(5, 41))) for _ in range(rows)]
labels = rng.integers(0, 2, size=rows).tolist()
torch.manual_seed(0)
vocab = WordVocab.build(texts[:5000] + [" ".join(words)])
model = WordClassifier("cnn", len(vocab), 2, embed_dim=64).eval()
ex = Explainer(model, vocab, device="cpu", class_names=["a", "b"])
torch.set_num_threads(torch.get_num_threads())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = {"rows": rows, "chunk": chunk, "baseline_mb": base / 1024}
if what == "raw":
    adapter = ex.adapter
    encoded = [adapter.encode(t) for t in texts]
    start = time.perf_counter()
    from notebook_explain.perturb import pad_inputs
    with adapter.inference():
        for group in ex.engine.batches([e.length for e in encoded]):
            batch = [encoded[i] for i in group]
            with torch.no_grad():
                embedded = [adapter.embed(e.input_ids) for e in batch]
            x, mask, _, _ = pad_inputs(embedded, [e.attention_mask for e in batch], None, "right")
            leaf = x.requires_grad_(True)
            with torch.enable_grad():
                adapter.logits(leaf, mask, None).max(dim=1).values.sum().backward()
    result["seconds"] = time.perf_counter() - start
else:
    start = time.perf_counter()
    run = ex.explain_dataset(texts, labels, out=out, chunk_rows=chunk, progress=False)
    result["seconds"] = time.perf_counter() - start
    result["resumed"] = run.resumed_rows
    if what == "resume":
        start = time.perf_counter()
        frame = run.to_pandas()
        result["to_pandas_seconds"] = time.perf_counter() - start
        assert len(frame) == rows
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def worker(rows: int, chunk: int, out: str, what: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(rows), str(chunk), out, what],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--chunks", type=int, nargs="+", default=[256, 1024])
    args = parser.parse_args(argv)
    largest = max(args.sizes)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("\n| run | rows | chunk | seconds | rows/s | peak RSS (MB) | RSS before the run (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.sizes:
            for chunk in args.chunks if rows == largest else args.chunks[:1]:
                out = os.path.join(folder, f"run-{rows}-{chunk}")
                r = worker(rows, chunk, out, "explain")
                figures[(rows, chunk)] = r
                print(
                    f"| explain_dataset | {rows:,} | {chunk} | {r['seconds']:.1f} | {rows / r['seconds']:,.0f} | "
                    f"{r['peak_mb']:.0f} | {r['baseline_mb']:.0f} |"
                )
        chunk = args.chunks[0]
        raw = worker(largest, chunk, "-", "raw")
        print(
            f"| raw forward + backward | {largest:,} | – | {raw['seconds']:.1f} | {largest / raw['seconds']:,.0f} | "
            f"{raw['peak_mb']:.0f} | {raw['baseline_mb']:.0f} |"
        )
        resume = worker(largest, chunk, os.path.join(folder, f"run-{largest}-{chunk}"), "resume")
        print(
            f"| resume the finished run | {largest:,} | {chunk} | {resume['seconds']:.1f} | – | "
            f"{resume['peak_mb']:.0f} | {resume['baseline_mb']:.0f} |"
        )
    ours = figures[(largest, chunk)]
    rate = largest / ours["seconds"]
    print(
        f"\nexplain_dataset runs at {rate / (largest / raw['seconds']):.2f} of the raw forward + backward; "
        f"resuming {largest:,} finished rows took {resume['seconds']:.1f} s (resumed {resume['resumed']:,} rows), "
        f"to_pandas {resume['to_pandas_seconds']:.1f} s."
    )
    print(
        f"At 1,000,000 rows: about 1e6 / {rate:,.0f} rows/s = {1e6 / rate / 60:.0f} min, peak RSS as above "
        f"(flat in the rows), resume about 10 × {resume['seconds']:.1f} s = {10 * resume['seconds']:.0f} s."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
