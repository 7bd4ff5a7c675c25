"""Shapley estimators on one game at equal budgets: ours (``shapley``, ``owen``) against shap's
Partition and Permutation explainers and Captum's ShapleyValueSampling and KernelShap.

    python benchmarks/shapley_vs_shap.py [--demos gru-sst2 minilm-sst2] [--n 20]
        [--budgets 64 256] [--max-words 11] [--removal delete] [--long 3] [--long-budget 2000]
        [--long-demos gru-sst2] [--reference 32]

**One game for every estimator.** The players are a sentence's words. A coalition's value is the
demo model's logit for the class it predicts on the whole sentence, with the words outside the
coalition removed by ``--removal`` (``delete``: their tokens leave the input; ``mask``: they
become [MASK]), computed by the engine's own batched removal (``AttributionContext``), the path
``shapley`` uses. shap and Captum see that game as a function of a 0/1 presence vector (x = all
ones, background = all zeros), so none of them re-tokenises text or collapses masked runs
(shap's Text masker would). That our own estimators play the same game is checked on every
sentence: their v(all) and v(∅) must equal the game's.

**Equal budgets.** A budget is a number of coalitions evaluated (model rows). Each estimator is
given the parameter that comes closest to it without exceeding it by much, and the rows it
actually used are counted (by the game for the peers, from the sampler's formula for ours) and
printed beside its agreement:

- ``shapley``: ``samples`` orders, each costing n − 1 rows (plus v(∅) once);
- ``owen``: its defaults whatever the budget (exact over the span tree, nodes wider than 6
  sampled): its rows are what the tree asks for, printed as used;
- shap Permutation: ``max_evals`` = budget (it rounds to whole antithetic orders);
- shap Partition: ``max_evals`` = budget, over a balanced binary tree of adjacent words;
- Captum ShapleyValueSampling: ``n_samples`` = budget / (n + 1) permutations;
- Captum KernelShap: ``n_samples`` = budget coalitions.

**Agreement** is with exact Shapley values, computed by enumerating all 2^n coalitions of the
same game, on SST-2 dev sentences of 6 to ``--max-words`` words: the median Spearman ρ and the
median relative L2 error ‖φ̂ − φ‖ / ‖φ‖. Owen values and Partition's are a different quantity
from Shapley values when words interact, so their agreement is capped below 1 by design.

**Long reviews**: rows and seconds per review on ``--long`` IMDB reviews of about 400 words, each
estimator at ``--long-budget`` rows (no exact reference exists there), for the demos in
``--long-demos`` (the GRU by default: MiniLM's 500-token rows make this part take hours on a
2-core CPU). Then, on the same reviews,
how fast ``owen`` and ``shapley`` approach their own high-budget values (``--reference`` orders
for ``shapley``, ``samples`` = ``--reference`` for ``owen``'s wide nodes): rows against the
median Spearman ρ with each reference.

**Owen's trees**: over the first 100 SST-2 dev sentences, the rows ``owen`` runs with its
defaults and the share computed exactly (no node sampled), against ``shapley``'s 64 orders.

Prints the machine, versions and one table per demo. Needs shap and captum (benchmark-only).
"""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import statistics
import time

import captum
import numpy as np
import shap
import torch
from captum.attr import KernelShap, ShapleyValueSampling

from notebook_explain import Explainer
from notebook_explain.data import load_imdb, load_sst2
from notebook_explain.methods.context import AttributionContext
from notebook_explain.metrics.statistics import spearman


class Game:
    """v(S) for the words of one text: the explained logit with the words outside S removed, by
    the engine's own batched removal; ``rows`` counts the coalitions evaluated."""

    def __init__(self, explainer: Explainer, text: str, removal: str):
        engine = explainer.engine
        adapter = engine.adapter
        self.encoded = adapter.encode(text)
        with adapter.inference():  # target None: the class predicted on the whole text
            self.ctx = AttributionContext(
                adapter, self.encoded, "logit", None, batching=engine.batching()
            )
        self.removal, self.adapter = removal, adapter
        self.word_index = np.asarray(self.encoded.word_index)
        self.special = np.asarray(self.encoded.special_mask)
        self.n = int(self.word_index.max()) + 1
        self.rows = 0

    def __call__(self, presence) -> np.ndarray:
        presence = np.asarray(presence, dtype=bool).reshape(-1, self.n)
        self.rows += len(presence)
        words = np.maximum(self.word_index, 0)
        keep = self.special[None, :] | presence[:, words] & (self.word_index >= 0)
        keep = torch.as_tensor(keep, device=self.ctx.embeddings.device)
        with self.adapter.inference():
            values = self.ctx.outputs(self.ctx.removed_rows(keep, self.removal, "benchmark"))
        return values.double().cpu().numpy()


def exact_shapley(game: Game) -> np.ndarray:
    n = game.n
    coalitions = np.array(list(itertools.product([False, True], repeat=n)))
    value = dict(zip(map(bytes, coalitions), game(coalitions)))
    phi = np.zeros(n)
    for coalition in coalitions:
        size = int(coalition.sum())
        if size == n:
            continue
        weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
        for i in np.flatnonzero(~coalition):
            with_i = coalition.copy()
            with_i[i] = True
            phi[i] += weight * (value[bytes(with_i)] - value[bytes(coalition)])
    return phi


def balanced_linkage(n: int) -> np.ndarray:
    """A scipy linkage matrix for a balanced binary tree over adjacent words (shap's Partition
    needs a clustering; this one is what a sentence's left-to-right halving gives)."""
    rows, next_id = [], n

    def build(lo: int, hi: int) -> tuple[int, int, int]:
        nonlocal next_id
        if hi - lo == 1:
            return lo, 0, 1
        mid = (lo + hi) // 2
        (a, ha, ca), (b, hb, cb) = build(lo, mid), build(mid, hi)
        height = max(ha, hb) + 1
        rows.append([a, b, float(height), ca + cb])
        next_id += 1
        return next_id - 1, height, ca + cb

    build(0, n)
    return np.array(rows, dtype=float)


def ours(explainer, text, method, budget, n, removal, game, params=None):
    """Our estimator's word values and rows; ``params`` overrides the budget's."""
    if params is None:
        params = {"samples": max(2, 2 * round(max(budget - 1, 2) / (n - 1) / 2))}
        params = params if method == "shapley" else {}
    e = explainer.explain(text, methods={method: {**params, "removal": removal}})
    info = e.results[method].info
    for key, presence in (("output_input", np.ones(n)), ("output_empty", np.zeros(n))):
        expected = float(game(presence)[0])
        if not math.isclose(info[key], expected, rel_tol=1e-4, abs_tol=1e-5):
            raise RuntimeError(f"{method} plays another game: {key} {info[key]} vs {expected}")
    rows = info["orders"] * (n - 1) + 1 if method == "shapley" else info["rows"]
    return e.scores(method, "word"), rows


def peer(name: str, game: Game, budget: int) -> np.ndarray:
    n = game.n
    ones = np.ones((1, n))
    if name.startswith("shap"):
        f = game
        if name == "shap partition":
            masker = shap.maskers.Partition(np.zeros((1, n)), clustering=balanced_linkage(n))
            explainer = shap.explainers.Partition(f, masker)
        else:
            explainer = shap.explainers.Permutation(f, shap.maskers.Independent(np.zeros((1, n))))
        return explainer(ones, max_evals=max(budget, 2 * n + 1), silent=True).values[0]
    forward = lambda x: torch.as_tensor(game(x.cpu().numpy() > 0.5))  # noqa: E731
    x, base = torch.ones(1, n, dtype=torch.float64), torch.zeros(1, n, dtype=torch.float64)
    if name == "captum svs":
        samples = max(1, round(budget / (n + 1)))
        attribution = ShapleyValueSampling(forward).attribute(
            x, baselines=base, n_samples=samples, perturbations_per_eval=64
        )
    else:
        attribution = KernelShap(forward).attribute(
            x, baselines=base, n_samples=budget, perturbations_per_eval=64
        )
    return attribution[0].numpy()


METHODS = (
    "shapley",
    "owen",
    "shap permutation",
    "shap partition",
    "captum svs",
    "captum kernelshap",
)


def run_one(explainer, text, method, budget, removal):
    game = Game(explainer, text, removal)
    start = time.perf_counter()
    if method in ("shapley", "owen"):
        values, rows = ours(explainer, text, method, budget, game.n, removal, game)
    else:
        values = peer(method, game, budget)
        rows = game.rows
    return np.asarray(values, dtype=float), rows, time.perf_counter() - start


def agreement_table(explainer, name, args) -> None:
    texts = [t for t in load_sst2("dev").texts if 6 <= len(t.split()) <= args.max_words][: args.n]
    print(
        f"\n### {name}: agreement with exact Shapley ({len(texts)} SST-2 dev sentences of 6–{args.max_words} words)\n"
    )
    print(
        "| estimator | budget | median rows used | median Spearman ρ | median rel. L2 error | median s/sentence |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    exact = {}
    for text in texts:
        game = Game(explainer, text, args.removal)
        exact[text] = exact_shapley(game)
    for budget in args.budgets:
        for method in METHODS:
            rhos, errors, rows, seconds = [], [], [], []
            for text in texts:
                values, used, took = run_one(explainer, text, method, budget, args.removal)
                reference = exact[text]
                rhos.append(spearman(values, reference))
                errors.append(float(np.linalg.norm(values - reference) / np.linalg.norm(reference)))
                rows.append(used)
                seconds.append(took)
            print(
                f"| {method} | {budget} | {statistics.median(rows):.0f} | {statistics.median(rhos):.3f} | "
                f"{statistics.median(errors):.3f} | {statistics.median(seconds):.3f} |"
            )


def long_table(explainer, name, args) -> None:
    reviews = sorted(load_imdb().texts, key=lambda t: abs(len(t.split()) - 400))[: args.long]
    words = [len(r.split()) for r in reviews]
    print(
        f"\n### {name}: {len(reviews)} IMDB reviews of {min(words)}–{max(words)} words, budget {args.long_budget} rows\n"
    )
    print("| estimator | median rows used | median s/review | median ms/row |")
    print("|---|---:|---:|---:|")
    for method in METHODS:
        rows, seconds = [], []
        for text in reviews:
            _, used, took = run_one(explainer, text, method, args.long_budget, args.removal)
            rows.append(used)
            seconds.append(took)
        per_row = statistics.median(s / r * 1000 for s, r in zip(seconds, rows))
        print(
            f"| {method} | {statistics.median(rows):.0f} | {statistics.median(seconds):.2f} | {per_row:.2f} |"
        )
    convergence_table(explainer, name, reviews, args)


def convergence_table(explainer, name, reviews, args) -> None:
    """Rows against agreement with each estimator's own high-budget values, on long reviews."""
    runs = {
        "shapley": [{"samples": k} for k in (2, 4, 8, 16)],
        "owen": [{"samples": k} for k in (2, 8)],
    }
    reference = {"shapley": {"samples": args.reference}, "owen": {"samples": args.reference}}
    print(
        f"\n### {name}: rows against agreement with a high-budget reference ({len(reviews)} reviews)\n"
    )
    print(
        "| estimator | parameters | median rows | median ρ with its own reference | median ρ with shapley's |"
    )
    print("|---|---|---:|---:|---:|")
    found = {text: {} for text in reviews}
    for text in reviews:
        game = Game(explainer, text, args.removal)
        for method, params in reference.items():
            found[text][method] = ours(
                explainer, text, method, 0, game.n, args.removal, game, params
            )
    for method, settings in runs.items():
        for params in settings:
            rows, own, flat = [], [], []
            for text in reviews:
                game = Game(explainer, text, args.removal)
                values, used = ours(explainer, text, method, 0, game.n, args.removal, game, params)
                rows.append(used)
                own.append(spearman(values, found[text][method][0]))
                flat.append(spearman(values, found[text]["shapley"][0]))
            print(
                f"| {method} | samples={params['samples']} | {statistics.median(rows):.0f} | "
                f"{statistics.median(own):.3f} | {statistics.median(flat):.3f} |"
            )
    for method in reference:
        rows = statistics.median(found[text][method][1] for text in reviews)
        print(f"| {method} (reference) | samples={args.reference} | {rows:.0f} | 1 | – |")


def tree_table() -> None:
    from notebook_explain.methods.owen import owen_terms, span_tree
    from notebook_explain.spans import span_levels

    texts = load_sst2("dev").texts[:100]
    rows, exact, words = [], [], []
    for text in texts:
        n = len(text.split())
        tree = span_tree(span_levels(text.split(), None)[0], n)
        terms, sampled = owen_terms(tree, 6, 8, np.random.default_rng(0))
        rows.append(len({c for i, context, _ in terms for c in (context, context | {i})}))
        exact.append(sampled == 0)
        words.append(n)
    print(f"\n### owen's trees on the first {len(texts)} SST-2 dev sentences (defaults)\n")
    print(
        f"median {statistics.median(words):.0f} words; owen runs a median of {statistics.median(rows):.0f} "
        f"rows (max {max(rows)}), exact on {np.mean(exact):.0%} of them; shapley's 64 orders run "
        f"{statistics.median(64 * (n - 1) + 1 for n in words):.0f}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demos", nargs="+", default=["gru-sst2", "minilm-sst2"])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--budgets", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--max-words", type=int, default=11)
    parser.add_argument("--removal", default="delete", choices=["delete", "mask", "unk"])
    parser.add_argument("--long", type=int, default=3)
    parser.add_argument("--long-demos", nargs="*", default=["gru-sst2"])
    parser.add_argument("--long-budget", type=int, default=2000)
    parser.add_argument("--reference", type=int, default=32)
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    np.random.seed(0)  # shap's and Captum's samplers draw from the global generators
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"shap {shap.__version__}, captum {captum.__version__}; removal={args.removal}, "
        f"output: the predicted class's logit"
    )
    tree_table()
    for name in args.demos:
        explainer = Explainer.demo(name, device=args.device, progress=False)
        agreement_table(explainer, name, args)
        if args.long and name in args.long_demos:
            long_table(explainer, name, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
