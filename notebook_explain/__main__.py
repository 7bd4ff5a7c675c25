"""Command line: ``python -m notebook_explain quickstart`` explains a few SST-2 dev sentences with a
demo model and writes a standalone HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import load_sst2
from .demo import DEMO_MODELS
from .explainer import Explainer
from .methods import available_methods
from .report import render_report

QUICKSTART_METHODS = ("signed_grad_input", "integrated_gradients", "leave_one_out", "saliency_l2")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notebook_explain")
    sub = parser.add_subparsers(dest="command", required=True)
    quick = sub.add_parser(
        "quickstart", help="explain SST-2 dev sentences and write an HTML report"
    )
    quick.add_argument("--model", default="minilm-sst2", choices=list(DEMO_MODELS))
    quick.add_argument("-n", type=int, default=5, help="number of dev sentences (default 5)")
    quick.add_argument(
        "--methods", nargs="+", default=list(QUICKSTART_METHODS), choices=available_methods()
    )
    quick.add_argument("--out", type=Path, default=Path("report/quickstart.html"))
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"-n must be at least 1, got {args.n}")

    explainer = Explainer.demo(args.model)
    accuracy = explainer.info.get("accuracy", {})
    print(
        f"{args.model}: "
        + ", ".join(f"{split} accuracy {acc:.3f}" for split, acc in accuracy.items())
    )
    dev = load_sst2("dev")
    explanations = explainer.explain_many(dev.texts[: args.n], methods=args.methods)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        render_report(explanations, title=f"notebook_explain quickstart: {args.model}"),
        encoding="utf-8",
    )
    for e in explanations:
        top = max(zip(e.words, e.scores(args.methods[0])), key=lambda ws: ws[1])
        print(f"  {e.prediction.label:>8}  top word {top[0]!r:>14}  {e.text[:60]}")
    print(f"Report written to {args.out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
