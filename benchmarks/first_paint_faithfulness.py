"""How faithful is the map ``show()`` paints first, next to every cheap method, on the demo models.

    python benchmarks/first_paint_faithfulness.py [--data-dir ../shared/data] [--sst 100] [--imdb 20]

For the MiniLM and GRU demos (trained on SST-2), over SST-2 dev sentences and IMDB reviews: each
method's median Pearson r with word-level leave-one-out (an unsigned map against its magnitudes,
as the trust line and the calibration measure it), and its median deletion AOPC (the mean
drop of the target probability as its top 1…10 words are deleted; ``random`` is the floor), and
the method ``first_paint.plan`` paints first, with the calibration it chose by. Then, on a
400-word review, each candidate's counted cost (``first_paint.cost``) beside its measured
seconds, the figures the budgets were set from.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from notebook_explain import Explainer
from notebook_explain import first_paint as fp
from notebook_explain.data import load_imdb, load_sst2
from notebook_explain.methods.base import InputSize
from notebook_explain.metrics.trust import loo_agreement

METHODS = {
    "signed_grad_input": {},
    "grad_input": {},
    "saliency_l2": {},
    "integrated_gradients": {},
    "leave_one_out": {"unit": "word"},
    "random": {},
}
METRICS = {"aopc": {"k": 10, "removal": "delete"}}


def measure(explainer, texts) -> tuple[dict, dict, dict]:
    """(method → median Pearson with LOO, method → median AOPC, first-painted method → count)."""
    pearson = {m: [] for m in METHODS}
    aopc = {m: [] for m in METHODS}
    first: dict[str, int] = {}
    for text in texts:
        explanation = explainer.explain(text, methods=METHODS)
        values = explainer.evaluate(explanation, METRICS).values
        loo = explanation.scores("leave_one_out")
        for m in METHODS:
            # the trust line's measure: signed maps against LOO, unsigned ones against |LOO|
            check = loo_agreement(explanation.scores(m), loo, explanation.result(m).signed)
            if m != "leave_one_out" and check is not None:
                pearson[m].append(check["pearson"])
            aopc[m].append(values[m]["aopc"])
        chosen = fp.plan(explainer.engine, text).first
        first[chosen] = first.get(chosen, 0) + 1
    med = lambda v: statistics.median(v) if v else float("nan")  # noqa: E731
    return {m: med(v) for m, v in pearson.items()}, {m: med(v) for m, v in aopc.items()}, first


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--sst", type=int, default=100)
    parser.add_argument("--imdb", type=int, default=20)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    sets = {
        f"SST-2 dev ({args.sst})": load_sst2("dev", data_dir=args.data_dir).texts[: args.sst],
        f"IMDB ({args.imdb})": load_imdb(data_dir=args.data_dir).texts[: args.imdb],
    }
    review = " ".join(" ".join(load_imdb(data_dir=args.data_dir).texts[:8]).split()[:400])
    for demo in ("minilm-sst2", "gru-sst2"):
        explainer = Explainer.demo(demo, data_dir=args.data_dir, progress=False)
        start = time.perf_counter()
        calibration = fp.calibrate(explainer.engine)
        seconds = time.perf_counter() - start
        print(f"\n## {demo}\n")
        print(
            f"Calibration ({calibration.texts} sentences, {seconds:.1f} s): "
            + ", ".join(f"{m} r = {r:+.3f}" for m, r in calibration.agreement.items())
            + f"; IG auto needed at most {calibration.ig_steps} steps."
        )
        for name, texts in sets.items():
            pearson, aopc, first = measure(explainer, texts)
            print(f"\n### {name}: first painted {first}\n")
            print("| method | median Pearson r with word LOO | median deletion AOPC (top 10) |")
            print("|---|---|---|")
            for m in METHODS:
                mark = " (first paint)" if m in first else ""
                print(f"| {m}{mark} | {pearson[m]:+.3f} | {aopc[m]:.3f} |")
        encoded = explainer.adapter.encode(review)
        size = InputSize(encoded.length, int((~encoded.special_mask).sum()), len(encoded.words))
        print(f"\n### A {size.words}-word review ({size.tokens} tokens): cost and seconds\n")
        print("| method | counted cost | seconds (median of 3) |")
        print("|---|---|---|")
        for m in (*fp.CANDIDATES, "leave_one_out"):
            params = METHODS[m]
            cost = fp.cost(explainer.adapter, m, params, size, calibration.ig_steps)
            times = []
            for _ in range(3):
                start = time.perf_counter()
                explainer.explain(review, methods={m: params})
                times.append(time.perf_counter() - start)
            print(f"| {m} | {cost:.3g} | {statistics.median(times):.2f} |", flush=True)
        plan = fp.plan(explainer.engine, review)
        print(f"\nFirst paint on that review: {plan.first} ({plan.reason})")
        start = time.perf_counter()
        explainer.explain(review, methods={plan.first: plan.methods[plan.first]})
        print(f"It took {time.perf_counter() - start:.2f} s (budget 3 s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
