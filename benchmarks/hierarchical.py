"""Phrase scores against the Stanford Sentiment Treebank's own phrase labels: how well each
hierarchical method's score of a word or phrase tracks the sentiment annotators gave it.

    python benchmarks/hierarchical.py [--demos gru-sst2 minilm-sst2] [--n 50] [--max-words 25]
        [--soc-samples 10] [--soc-radius 5] [--likelihood mlm]

Every node of each SST-2 test sentence's parse tree (``data.load_sst_trees``) has a 5-class
sentiment label (0 very negative … 4 very positive); centred, label − 2. For the first ``n``
sentences of at most ``max-words`` words whose words the demo model reads as the tree's, each
method scores every node for the **positive** class's logit (a fixed class, so a score's sign
means the same sentiment in every sentence), and the Pearson correlation with the centred labels
is reported over all words (one-word nodes) and over all phrases (nodes of two or more words),
pooled across sentences, as Jin et al. (2020, §4.2) evaluate SOC:

- ``contextual_decomposition`` (recurrent models only): β of the node (Murdoch et al. 2018);
- ``soc``: the node's occlusion effect over ``soc-samples`` contexts of ``soc-radius`` words
  redrawn by ``likelihood``;
- ``hedge``: the node's importance alone, p(positive | node) − p(negative | node) (Chen et al.);
- ``owen``: the sum of the node's words' Owen values over the input's span tree (the SST tree's
  phrases when the sentence is in SST, as here);
- ``leave_one_out`` over spans: S(x) − S(x with the node deleted).

Prints the machine, the sentences used and one table per demo. The papers' own correlations are
not quoted: the papers are not in this repository's reference folder, so no number is given that
could not be checked here.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from notebook_explain import Explainer
from notebook_explain.data.trees import NEUTRAL_LABEL, load_sst_trees
from notebook_explain.methods.coalitions import WordGame
from notebook_explain.methods.context import AttributionContext
from notebook_explain.methods.contextual_decomposition import decompose
from notebook_explain.methods.hedge import segment_importance
from notebook_explain.methods.soc import soc_scores
from notebook_explain.models.base import RECURRENT


def node_scores(explainer: Explainer, text: str, nodes, target: int, args) -> dict[str, list]:
    """Each method's score of every node, for the ``target`` class's logit."""
    engine = explainer.engine
    adapter = engine.adapter
    encoded = adapter.encode(text)
    with adapter.inference():
        ctx = AttributionContext(
            adapter,
            encoded,
            "logit",
            target,
            likelihoods=engine.likelihoods,
            batching=engine.batching(),
        )
        scores, seconds = {}, {}
        n = len(encoded.words)
        start = time.perf_counter()
        if RECURRENT in adapter.capabilities:
            states = adapter.recurrent_states(ctx.embeddings)
            masks = np.array([[a <= w < b for w in range(n)] for a, b in nodes])
            word_index = np.asarray(encoded.word_index)
            scores["contextual_decomposition"] = list(
                decompose(states, masks[:, word_index])[0][:, target]
            )
            seconds["contextual_decomposition"] = time.perf_counter() - start
        start = time.perf_counter()
        soc, _ = soc_scores(
            ctx, nodes, args.soc_radius, args.soc_samples, args.likelihood, "pad", 0
        )
        scores["soc"] = [soc[node] for node in nodes]
        seconds["soc"] = time.perf_counter() - start
        start = time.perf_counter()
        importance = segment_importance(WordGame(ctx, "delete", "hedge"), nodes)
        scores["hedge"] = [importance[node] for node in nodes]
        seconds["hedge"] = time.perf_counter() - start
        start = time.perf_counter()
        game = WordGame(ctx, "delete", "leave_one_out")
        everything = frozenset(range(n))
        rest = [everything - frozenset(range(a, b)) for a, b in nodes]
        game.evaluate([everything, *rest])
        scores["leave_one_out"] = [game.value(everything) - game.value(r) for r in rest]
        seconds["leave_one_out"] = time.perf_counter() - start
    start = time.perf_counter()
    owen = explainer.explain(text, methods=["owen"], target=target).scores("owen", "word")
    scores["owen"] = [float(owen[a:b].sum()) for a, b in nodes]
    seconds["owen"] = time.perf_counter() - start
    return scores, seconds


def pearson(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demos", nargs="+", default=["gru-sst2", "minilm-sst2"])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--max-words", type=int, default=25)
    parser.add_argument("--soc-samples", type=int, default=10)
    parser.add_argument("--soc-radius", type=int, default=5)
    parser.add_argument("--likelihood", default="mlm", choices=["mlm", "unigram", "uniform"])
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    trees = [t for t in load_sst_trees("test", binary=True) if len(t.words) <= args.max_words]
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}; SST-2 test "
        f"sentences of at most {args.max_words} words; SOC {args.soc_samples} contexts, radius "
        f"{args.soc_radius}, likelihood {args.likelihood}; scores for the positive class's logit"
    )
    for name in args.demos:
        explainer = Explainer.demo(name, device=args.device, progress=False)
        target = explainer.class_names.index("positive")
        labels = {"word": [], "phrase": []}
        found: dict[str, dict[str, list]] = {}
        timing: dict[str, list] = {}
        used = 0
        for tree in trees:
            if used == args.n:
                break
            text = tree.text
            if explainer.adapter.encode(text).words != tree.words:
                continue  # the model reads other words than the tree's
            used += 1
            nodes = [(a, b) for a, b, _ in tree.spans()]
            scores, seconds = node_scores(explainer, text, nodes, target, args)
            for method, values in scores.items():
                for (a, b), value in zip(nodes, values):
                    kind = "word" if b - a == 1 else "phrase"
                    found.setdefault(method, {"word": [], "phrase": []})[kind].append(value)
                timing.setdefault(method, []).append(seconds[method])
            for a, b, label in tree.spans():
                labels["word" if b - a == 1 else "phrase"].append(label - NEUTRAL_LABEL)
        print(
            f"\n### {name}: {used} sentences, {len(labels['word'])} words and "
            f"{len(labels['phrase'])} phrases\n"
        )
        print("| method | Pearson r, words | Pearson r, phrases | median s/sentence |")
        print("|---|---:|---:|---:|")
        for method, values in found.items():
            print(
                f"| {method} | {pearson(values['word'], labels['word']):.3f} | "
                f"{pearson(values['phrase'], labels['phrase']):.3f} | "
                f"{statistics.median(timing[method]):.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
