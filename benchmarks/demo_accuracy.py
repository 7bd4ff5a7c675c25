"""Train (or load from the cache) the demo models and print their SST-2 accuracy.

    python benchmarks/demo_accuracy.py [names ...]     # default: every demo model

Training time is the time recorded when the model was trained (on this machine if it was
trained here); accuracy is on the 872 dev / 1821 test sentences. The dev set picks the best
epoch of the word models, so the test column is the unbiased one.
"""

import argparse
import sys

import torch

from notebook_explain.demo import DEMO_MODELS, load_demo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(DEMO_MODELS), choices=list(DEMO_MODELS))
    args = parser.parse_args()
    rows = []
    for name in args.names:
        info = load_demo(name).info
        rows.append(
            (name, info["accuracy"]["dev"], info["accuracy"]["test"], info["train_seconds"])
        )
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print("| demo model | dev accuracy | test accuracy | training seconds |\n|---|---|---|---|")
    for name, dev, test, seconds in rows:
        print(f"| {name} | {dev:.3f} | {test:.3f} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
