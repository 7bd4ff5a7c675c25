"""The signed-GI paper's experiments (Du & Xu, signed-gradient-x-input.md §IV, Figs. 1–2).

    python benchmarks/signed_gi.py [--datasets sst2 agnews imdb] [--models bag cnn bilstm] [--n N]
    python benchmarks/signed_gi.py --speed [--n 872]

For every dataset × model (FastText = ``bag``, TextCNN = ``cnn``, BiLSTM = ``bilstm``; the demo
models ``<model>-<dataset>``, trained first if not cached) and every method, it explains each
document for its gold ("legitimate") label and reports

* the AOPC curve, eq. 8: AOPC(K) = 1/(K+1) Σ_{k=0..K} ⟨p_y(x) − p_y(x⁽ᵏ⁾)⟩, the top-k words' token
  embeddings set to zero, for K = 0 … the longest document (a shorter document has had all its
  words removed from K = its length on);
* the per-document Pearson correlation of the method's word scores with leave-one-out's
  (Fig. 2), its mean and the share of documents with p ≤ 0.05.

Documents (``--n``): the 872 SST-2 dev sentences, a seeded sample of 500 AG News test articles
and of 100 IMDB test reviews (``demo_splits``: the last 400 of the 2,000, cut to 400 words). A
review of ~200 words costs ~8 × 200 forward rows of 200 words (seconds on the BiLSTM), hence the
small IMDB default: the whole default run takes about 8 minutes on 2 idle CPU cores. The explained
output is the target's log-odds: a monotone function of p_y, as the paper's loss −log p_y is, so
the gradient scores are proportional to the paper's and every word ranking is the same.
``leave_one_out`` deletes the word; the paper's LOO (eq. 7) zeroes its embedding instead.

``--speed`` times issue 6's performance goal instead: AOPC on the SST-2 dev sentences × the seven
methods on the GRU demo (``gru-sst2``), explanation included, with its forward rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from plotting import histogram, line_chart, markdown_table, write_result
from tqdm.auto import tqdm

from notebook_explain import Explainer
from notebook_explain.demo import demo_config, demo_splits

METHODS = (
    "saliency_l1",
    "saliency_l2",
    "saliency_linf",
    "saliency_sum",
    "signed_grad_input",
    "leave_one_out",
    "random",
)
NORMS = ("saliency_l1", "saliency_l2", "saliency_linf")
MODELS = {"bag": "FastText", "cnn": "TextCNN", "bilstm": "BiLSTM"}
#: dataset -> (split explained, default number of documents)
DATASETS = {"sst2": ("dev", 872), "agnews": ("test", 500), "imdb": ("test", 100)}
OUTPUT = "log_odds"
METRICS = {"aopc": {"removal": "zero"}, "loo_pearson": {}}
TABLE_K = 10
SETUP_NOTE = (
    "Documents explained for their gold label, output log-odds, removal by zero embedding "
    "(eq. 8); leave-one-out deletes the word (the paper's LOO, eq. 7, zeroes it). Accuracy is the "
    "model's on these documents; rows are all forward rows (gradient passes, leave-one-out, AOPC "
    "inputs)."
)
TABLE_NOTE = (
    f"AOPC at K = {TABLE_K} and at the largest K (the longest document), mean Pearson r with "
    "leave-one-out and the share of documents with p ≤ 0.05 (among those where r is defined: 3+ "
    "words and scores not all equal). Leave-one-out's r is 1 by definition."
)
CLAIMS_NOTE = (
    "The paper's claims (§IV-B, IV-C): SignedGI (signed_grad_input) and LOO have the largest "
    "AOPC; SignedGI is at least as good as the gradient norms |SA|₁, |SA|₂, |SA|∞ (saliency_l1, "
    "_l2, _linf); SignedGI correlates with LOO more strongly than |SA|₁. Ours, per dataset × "
    f"model (the top two by AOPC at the largest K; the norms must be beaten at K = {TABLE_K} and "
    "at the largest K):"
)
PAPER = {  # the paper's remarks on particular models and datasets (§IV-B, §IV-C)
    "cnn": "SignedGI beats LOO on TextCNN",
    ("imdb", "bilstm"): "LOO beats SignedGI by a large margin; weaker r with LOO",
}


@dataclass
class Run:
    """One dataset × model: per method, each document's probability curve p_y(x⁽ᵏ⁾), k = 0…n,
    and its (r, p-value) with leave-one-out."""

    dataset: str
    model: str
    curves: dict[str, list[np.ndarray]] = field(default_factory=dict)
    pearson: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    correct: int = 0
    words: int = 0
    rows: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def documents(self) -> int:
        return len(next(iter(self.curves.values())))

    @property
    def k_max(self) -> int:
        return max(len(p) - 1 for p in next(iter(self.curves.values())))


class RowCounter:
    """Counts the rows through the model's output layer: every forward row, gradients included."""

    def __init__(self, module: torch.nn.Module):
        self.rows = 0
        self.handle = module.register_forward_hook(self._count)

    def _count(self, module, inputs, output):
        self.rows += output.shape[0]


def documents(dataset: str, model: str, n: int | None) -> tuple[list[str], np.ndarray]:
    """The first ``n`` of the explained split (SST-2), or a sample of ``n`` seeded by 0."""
    split, default = DATASETS[dataset]
    cfg = demo_config(f"{model}-{dataset}")
    data = demo_splits(dataset, max_words=cfg.get("max_words"))[split]
    n = min(n or default, len(data))
    rows = (
        np.arange(n)
        if dataset == "sst2"
        else np.sort(np.random.default_rng(0).choice(len(data), n, replace=False))
    )
    return [data.texts[i] for i in rows], data.labels[rows]


def explain_all(dataset: str, model: str, n: int | None) -> Run:
    """Explain and evaluate every document of one dataset with one model."""
    texts, labels = documents(dataset, model, n)
    explainer = Explainer.demo(f"{model}-{dataset}")
    counter = RowCounter(explainer.adapter.model.output)
    run = Run(dataset, model, {m: [] for m in METHODS}, {m: [] for m in METHODS})
    start, cpu_start = time.perf_counter(), time.process_time()
    for i, (text, label) in enumerate(
        tqdm(list(zip(texts, labels)), desc=f"{model}-{dataset}", mininterval=10)
    ):
        methods = {m: {"seed": i} if m == "random" else {} for m in METHODS}
        e = explainer.explain(text, methods=methods, target=int(label), output=OUTPUT)
        ev = explainer.evaluate(e, METRICS)
        run.correct += int(np.argmax(e.probabilities) == label)
        run.words += len(e.words)
        for m in METHODS:
            aopc, pearson = ev.results[m]["aopc"], ev.results[m]["loo_pearson"]
            run.curves[m].append(np.asarray(aopc.info["probabilities"]))
            run.pearson[m].append((pearson.value, pearson.info.get("p_value", np.nan)))
    run.seconds = time.perf_counter() - start
    run.cpu_seconds = time.process_time() - cpu_start
    run.rows = counter.rows
    counter.handle.remove()
    return run


def aopc_curve(curves: list[np.ndarray], k_max: int) -> np.ndarray:
    """⟨AOPC(K)⟩ over the documents for K = 0 … k_max (eq. 8); past a document's length its last
    probability (every word removed) stands for the rest."""
    total = np.zeros(k_max + 1)
    for p in curves:
        drops = p[0] - p[: k_max + 1]
        drops = np.concatenate([drops, np.full(k_max + 1 - len(drops), drops[-1])])
        total += np.cumsum(drops) / np.arange(1, k_max + 2)
    return total / len(curves)


def pearson_summary(pairs: list[tuple[float, float]]) -> tuple[float, float, np.ndarray]:
    """Mean r, the share with p ≤ 0.05 (of the documents where r is defined: 3+ words, scores
    not all equal) and the defined r values."""
    r = np.array([v for v, _ in pairs], dtype=float)
    p = np.array([v for _, v in pairs], dtype=float)
    defined = ~np.isnan(r)
    if not defined.any():
        return float("nan"), float("nan"), r[defined]
    return float(r[defined].mean()), float((p[defined] <= 0.05).mean()), r[defined]


def ranked(values: dict[str, float]) -> list[str]:
    return sorted(values, key=values.get, reverse=True)


def stronger(r_signed_gi: float, r_l1: float) -> str:
    if np.isnan(r_l1):
        return "yes: saliency_l1 scores all words alike, r undefined"
    return "yes" if r_signed_gi > r_l1 else "no"


def report(runs: list[Run]) -> tuple[str, dict[str, str]]:
    rows, claims, plots, setup = [], [], {}, []
    for run in runs:
        label = f"{run.dataset}-{run.model}"
        k_max = run.k_max
        aopc = {m: aopc_curve(run.curves[m], k_max) for m in METHODS}
        at_k = {m: float(aopc[m][min(TABLE_K, k_max)]) for m in METHODS}
        at_max = {m: float(aopc[m][-1]) for m in METHODS}
        summaries = {m: pearson_summary(run.pearson[m]) for m in METHODS}
        for m in METHODS:
            mean_r, share, _ = summaries[m]
            rows.append((run.dataset, MODELS[run.model], m, at_k[m], at_max[m], mean_r, share))
        top = ranked(at_max)
        gi = "signed_grad_input"
        norms_beaten = all(at_max[gi] >= at_max[m] and at_k[gi] >= at_k[m] for m in NORMS)
        note = PAPER.get((run.dataset, run.model)) or PAPER.get(run.model) or ""
        claims.append(
            (
                run.dataset,
                MODELS[run.model],
                ", ".join(top[:2]),
                "yes" if set(top[:2]) == {gi, "leave_one_out"} else "no",
                "yes" if norms_beaten else "no",
                stronger(summaries[gi][0], summaries["saliency_l1"][0]),
                note,
            )
        )
        setup.append(
            (
                run.dataset,
                MODELS[run.model],
                f"{run.model}-{run.dataset}",
                run.documents,
                run.words / run.documents,
                k_max,
                run.correct / run.documents,
                run.rows,
                f"{run.seconds:.0f}",
                f"{run.cpu_seconds:.0f}",
            )
        )
        ks = list(range(k_max + 1))
        plots[f"signed_gi_aopc_{label}.svg"] = line_chart(
            {m: (ks, aopc[m].tolist()) for m in METHODS},
            f"AOPC, {run.dataset} / {MODELS[run.model]} (zero embedding)",
            "cut-off K (words removed)",
            "AOPC",
        )
        plots[f"signed_gi_pearson_{label}.svg"] = histogram(
            {m: summaries[m][2].tolist() for m in METHODS if m != "leave_one_out"},
            f"Pearson r with leave-one-out, {run.dataset} / {MODELS[run.model]}",
            "r",
            x_range=(-1.0, 1.0),
        )
    markdown = "\n\n".join(
        [
            SETUP_NOTE,
            markdown_table(
                (
                    "dataset",
                    "model",
                    "demo",
                    "documents",
                    "mean words",
                    "max K",
                    "accuracy",
                    "forward rows",
                    "seconds",
                    "CPU seconds",
                ),
                setup,
            ),
            TABLE_NOTE,
            markdown_table(
                (
                    "dataset",
                    "model",
                    "method",
                    f"AOPC@{TABLE_K}",
                    "AOPC@max",
                    "mean r",
                    "share p ≤ 0.05",
                ),
                rows,
            ),
            CLAIMS_NOTE,
            markdown_table(
                (
                    "dataset",
                    "model",
                    "top two by AOPC@max",
                    "SignedGI & LOO top two",
                    "SignedGI ≥ norms",
                    "r(SignedGI) > r(saliency_l1)",
                    "paper's remark",
                ),
                claims,
            ),
        ]
    )
    return markdown, plots


def speed(n: int | None) -> None:
    """Issue 6, item 4: AOPC for the SST-2 dev sentences × 7 methods on gru-sst2."""
    texts, labels = documents("sst2", "gru", n)
    explainer = Explainer.demo("gru-sst2")
    counter = RowCounter(explainer.adapter.model.output)
    explain_seconds = aopc_seconds = 0.0
    aopc_rows = 0
    for i, (text, label) in enumerate(zip(texts, labels)):
        start = time.perf_counter()
        methods = {m: {"seed": i} if m == "random" else {} for m in METHODS}
        e = explainer.explain(text, methods=methods, target=int(label), output=OUTPUT)
        middle = time.perf_counter()
        aopc_rows += explainer.evaluate(e, {"aopc": {"removal": "zero"}}).forward_rows
        aopc_seconds += time.perf_counter() - middle
        explain_seconds += middle - start
    total = explain_seconds + aopc_seconds
    row = (
        len(texts),
        len(METHODS),
        torch.get_num_threads(),
        counter.rows - aopc_rows,
        aopc_rows,
        explain_seconds,
        aopc_seconds,
        total,
        "yes" if total <= 600 else "no",
    )
    table = markdown_table(
        (
            "sentences",
            "methods",
            "threads",
            "explain rows",
            "AOPC rows",
            "explain s",
            "AOPC s",
            "total s",
            "≤ 10 min",
        ),
        [row],
    )
    print(table)
    write_result(
        "aopc_speed",
        command(),
        "AOPC (zero removal, K = every word) on gru-sst2, SST-2 dev, methods "
        f"{', '.join(METHODS)}; rows are forward rows through the model (an input that several "
        f"methods' curves share is run once).\n\n{table}",
    )


def command() -> str:
    return " ".join(["python benchmarks/signed_gi.py", *sys.argv[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument(
        "--n", type=int, default=None, help="documents per dataset (default 872 / 500 / 100)"
    )
    parser.add_argument("--speed", action="store_true", help="time issue 6's AOPC goal instead")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.speed:
        speed(args.n)
        return 0
    start = time.perf_counter()
    runs = []
    for dataset in args.datasets:
        for model in args.models:
            run = explain_all(dataset, model, args.n)
            print(
                f"{model}-{dataset}: {run.documents} documents, {run.rows} forward rows, "
                f"{run.seconds:.0f} s"
            )
            runs.append(run)
    markdown, plots = report(runs)
    print(markdown)
    print(
        f"\n{sum(r.rows for r in runs)} forward rows; explaining {sum(r.seconds for r in runs):.0f}"
        f" s, wall time {time.perf_counter() - start:.0f} s (model loading and training included)"
    )
    write_result("signed_gi", command(), markdown, plots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
