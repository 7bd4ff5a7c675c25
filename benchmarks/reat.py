"""The REAT paper's SST-2 experiments (Du et al., WWW 2019, reat-rnn-additive-decomposition.md):
Table 4 (faithfulness, eq. 23), Table 5 (interpretability, eq. 24) and Fig. 7 (REAT scores by
part of speech), on the GRU, LSTM and BiGRU demo models (``gru-sst2``, ``lstm-sst2``,
``bigru-sst2``) and the SST-2 test set.

    python benchmarks/reat.py [--models gru lstm bigru] [--n 100] [--pos-n N]
                              [--clauses but|chunker] [--lime-samples 200] [--quick]

The paper's methods are ours as follows (its §4.3): VanillaGrad = ``saliency_l2`` (the L2 norm of
the gradient w.r.t. the word embedding, as §4.3 defines it; unsigned), InteGrad =
``integrated_gradients`` (zero baseline), GradInput = ``signed_grad_input`` (gradient · embedding),
Lime = ``lime`` (word deletion, ridge surrogate; the paper's is sparse), NaiveREAT = ``naive_reat``
(eq. 9), REAT = ``reat`` (eqs. 13-14). A clause's score is REAT's own (eq. 14) and the sum of the
word scores for the others, as in the paper. The explained output is the target's logit.

* Table 4: clause_faithfulness (eq. 23, the clause deleted) for the predicted class, on the test
  sentences made of two clauses joined by "but". ``--clauses but`` (default) takes the paper's
  description literally: exactly one "but", not the first word, with a verb (TextBlob tag) on each
  side; the clauses are the words before "but" and "but" with the rest. ``--clauses chunker`` takes
  the built-in clause splitter (``spans.clause_spans``, which also splits at commas) and keeps the
  sentences it splits into exactly two clauses, the second opening with "but".
* Table 5: interpretability (eq. 24) with target "positive", on the test sentences with a positive
  and a negative Hu & Liu lexicon word that TextBlob tags as adjectives (JJ, JJR, JJS; the paper's
  criterion). The metric compares the mean scores of all the positive and negative lexicon words
  in the sentence; the adjectives-only variant compares only the lexicon adjectives.
* Fig. 7: REAT's word scores for the predicted class on the first ``--pos-n`` test sentences
  (default all 1821), grouped by TextBlob's Penn tag (``spans.penn_tags``; the paper used NLTK's)
  with the verb forms merged into VB, as in the paper; tags with fewer than 20 words are left out.
  Also the share of each sentence's absolute REAT score on its last three words.

The result ends with a verdict: each claim the paper makes about these results, checked per model.

``--n`` caps the sentences of Tables 4 and 5 (the first n found; ``--n 230`` takes them all) and
``--lime-samples`` is LIME's sample count (the method's default is 500): the defaults, 100 and 200,
keep the run near 15 minutes on 2 CPU cores. Integrated gradients keeps its 50 steps.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict

import numpy as np
import torch
from plotting import bar_chart, markdown_table, write_result

from notebook_explain import Explainer
from notebook_explain.data import load_sst2
from notebook_explain.data.lexicon import load_lexicon
from notebook_explain.metrics.probe import Probe
from notebook_explain.spans import clause_spans, penn_tags

METHODS = {  # ours -> the paper's name
    "saliency_l2": "VanillaGrad",
    "integrated_gradients": "InteGrad",
    "signed_grad_input": "GradInput",
    "lime": "Lime",
    "naive_reat": "NaiveREAT",
    "reat": "REAT",
}
MODELS = {"gru": "GRU", "lstm": "LSTM", "bigru": "BiGRU"}
PAPER_TABLE4 = {  # faithfulness, SST2: GRU, LSTM, BiGRU
    "saliency_l2": (0.272, 0.243, 0.068),
    "integrated_gradients": (0.255, 0.253, 0.113),
    "signed_grad_input": (0.301, 0.199, 0.178),
    "lime": (0.209, 0.188, 0.092),
    "naive_reat": (0.213, 0.207, 0.114),
    "reat": (0.311, 0.318, 0.196),
}
PAPER_TABLE5 = {  # interpretability in percent, SST2: GRU, LSTM, BiGRU
    "saliency_l2": (41.0, 42.3, 26.9),
    "integrated_gradients": (44.9, 52.6, 42.3),
    "signed_grad_input": (84.6, 80.8, 85.9),
    "lime": (73.1, 80.8, 73.1),
    "naive_reat": (79.5, 87.2, 92.3),
    "reat": (85.9, 89.7, 88.5),
}
PAPER_COUNTS = {"table4": 142, "table5": 78}
ADJECTIVES = frozenset({"JJ", "JJR", "JJS"})
VERBS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
MIN_CATEGORY_WORDS = 20
RECENT = 3  # Fig. 7's recency check: the share of REAT's score on a sentence's last 3 words
FAITHFULNESS = {"clause_faithfulness": {"removal": "delete"}}


def but_clauses(words: list[str], tags: list[str]) -> list[tuple[int, int]] | None:
    """Two clauses joined by "but" (§4.4): exactly one "but", not the first word, a verb on each
    side; the clauses are the words before "but" and "but" with the rest."""
    buts = [k for k, w in enumerate(words) if w.lower() == "but"]
    if len(buts) != 1 or buts[0] == 0:
        return None
    k = buts[0]
    verbs = [t in VERBS or t == "MD" for t in tags]
    return [(0, k), (k, len(words))] if any(verbs[:k]) and any(verbs[k:]) else None


def chunker_clauses(words: list[str], tags: list[str]) -> list[tuple[int, int]] | None:
    """The built-in clause splitter's clauses, when there are two and the second opens with
    "but"."""
    clauses = clause_spans(words)
    return clauses if len(clauses) == 2 and words[clauses[1][0]].lower() == "but" else None


CLAUSE_RULES = {"but": but_clauses, "chunker": chunker_clauses}


class Sentence:
    """A test sentence with its words (whitespace-split, as the demo word models split SST's
    tokenized text), Penn tags and lexicon polarities."""

    def __init__(self, text: str, lexicon):
        self.text, self.words = text, text.split()
        self.tags = penn_tags(self.words)
        self.polarity = np.array([lexicon.polarity(w) for w in self.words])

    @property
    def adjectives(self) -> np.ndarray:
        return np.array([t in ADJECTIVES for t in self.tags or ()], dtype=bool)

    def has_opposed_adjectives(self) -> bool:
        if self.tags is None:
            return False
        polarity = self.polarity[self.adjectives]
        return bool((polarity == 1).any() and (polarity == -1).any())


def category(tag: str) -> str:
    return "VB" if tag in VERBS else tag


# --------------------------------------------------------------------------- experiments
def faithfulness(explainer, sentences, clauses, params) -> dict:
    """Table 4 for one model: per method the eq. 23 drop of each sentence, how often its clause
    is the one whose deletion drops the probability more and how often the second one; the best
    and mean clause drops."""
    drops, hits, second = defaultdict(list), defaultdict(int), defaultdict(int)
    best, mean = [], []
    for sentence, spans in zip(sentences, clauses):
        e = explainer.explain(sentence.text, methods=params, spans={"clause": spans})
        ev = explainer.evaluate(e, FAITHFULNESS)
        probe = Probe(explainer, e)
        p = probe.probabilities(
            probe.removed_rows([[], *(range(a, b) for a, b in spans)]), "delete"
        )
        clause_drops = p[0] - p[1:]
        best.append(float(clause_drops.max()))
        mean.append(float(clause_drops.mean()))
        second_clause = " ".join(e.words[spans[1][0] : spans[1][1]])
        for m in METHODS:
            result = ev.results[m]["clause_faithfulness"]
            drops[m].append(result.value)
            picks_second = result.info["clause"] == second_clause
            hits[m] += picks_second == bool(clause_drops[1] > clause_drops[0])
            second[m] += picks_second
    return {
        "drops": dict(drops),
        "hits": dict(hits),
        "second": dict(second),
        "best": best,
        "mean": mean,
    }


def interpretability(explainer, sentences, params) -> dict:
    """Table 5 for one model: per method the eq. 24 match of each sentence for "positive", over
    all lexicon words (the metric) and over the lexicon adjectives only."""
    metric, adjectives = defaultdict(list), defaultdict(list)
    for sentence in sentences:
        e = explainer.explain(sentence.text, methods=params, target="positive")
        ev = explainer.evaluate(e, ["interpretability"])
        polarity = np.where(sentence.adjectives, sentence.polarity, 0)
        for m in METHODS:
            metric[m].append(ev.value(m, "interpretability"))
            scores = e.scores(m)
            adjectives[m].append(
                float(scores[polarity == 1].mean() > scores[polarity == -1].mean())
            )
    return {"metric": dict(metric), "adjectives": dict(adjectives)}


def pos_scores(explainer, sentences) -> tuple[dict[str, list[float]], float]:
    """Fig. 7 for one model: REAT's word scores for the predicted class, by Penn category, and
    the mean share of a sentence's absolute REAT score that its last ``RECENT`` words hold."""
    by_category, recent = defaultdict(list), []
    for sentence in sentences:
        scores = explainer.explain(sentence.text, methods=["reat"]).scores("reat")
        for tag, score in zip(sentence.tags, scores):
            by_category[category(tag)].append(float(score))
        magnitude = np.abs(scores)
        if magnitude.sum() > 0:
            recent.append(magnitude[-RECENT:].sum() / magnitude.sum())
    return dict(by_category), float(np.mean(recent))


# --------------------------------------------------------------------------- report
def paper_columns(models, ours: dict, paper: dict, fmt: str = ".3f") -> list[tuple]:
    rows = []
    for m, name in METHODS.items():
        cells = []
        for model in models:
            cells += [format(ours[model][m], fmt), format(paper[m][list(MODELS).index(model)], fmt)]
        rows.append((name, m, *cells))
    return rows


def header(models, first=("paper's method", "ours")) -> tuple[str, ...]:
    return (*first, *(f"{MODELS[m]} {who}" for m in models for who in ("ours", "paper")))


def best_methods(values: dict[str, float]) -> list[str]:
    top = max(values.values())
    return [m for m, v in values.items() if math.isclose(v, top, abs_tol=1e-12)]


TABLE4_NOTE = (
    "**Table 4, faithfulness** (eq. 23: mean drop in the predicted class's probability when the "
    "top-scored clause is deleted). With two clauses a method can only pick one of them: the last "
    "two rows are the mean drop of the better clause and of a clause picked at random."
)
HITS_NOTE = (
    "Share of sentences where the method picks the clause whose deletion drops the probability "
    'more / where it picks the second clause (the one opening with "but"):'
)
TABLE5_NOTE = (
    "**Table 5, interpretability** (eq. 24, in percent: the share of sentences where the positive "
    'lexicon words score higher for "positive" than the negative ones; ours over all lexicon '
    "words of the sentence, our metric `interpretability`)."
)
ADJECTIVES_NOTE = "The same, comparing only the lexicon adjectives (what the selection is made on):"
FIG7_NOTE = (
    "**Fig. 7, REAT word scores by part of speech** (predicted class, logit units): mean (median) "
    "per Penn category, sorted by the first model's mean; n is the number of words. The paper "
    "shows boxplots ranked by median: RBS highest on all three models, JJ high, NN near zero."
)
CLAIMS_NOTE = (
    "**Verdict: the paper's claims, checked on our runs** (POS ranks by mean, among the "
    "categories above):"
)


def report(models, args, counts, table4, table5, fig7) -> tuple[str, dict[str, str]]:
    figure7, recency = fig7
    faith = {m: {k: float(np.mean(v)) for k, v in table4[m]["drops"].items()} for m in models}
    interp = {
        m: {k: 100 * float(np.nanmean(v)) for k, v in table5[m]["metric"].items()} for m in models
    }
    interp_adj = {
        m: {k: 100 * float(np.mean(v)) for k, v in table5[m]["adjectives"].items()} for m in models
    }
    n4, n5 = len(table4[models[0]]["best"]), len(table5[models[0]]["metric"]["reat"])
    share = lambda count: f"{100 * count / n4:.0f}%"
    setup = (
        f"SST-2 test set; LIME with {args.lime_samples} samples; explained output: the target's "
        "logit. Sentences found (of 1821): "
        f'{counts["but"]} with two clauses joined by "but" (one "but", a verb on each side), '
        f'{counts["chunker"]} that the built-in clause splitter cuts into two clauses at "but" '
        f"(paper: {PAPER_COUNTS['table4']}); {counts['adjectives']} with a positive and a negative "
        f"lexicon adjective and {counts['lexicon']} with a positive and a negative lexicon word of "
        f"any part of speech (paper: {PAPER_COUNTS['table5']}). Table 4 uses {n4} sentences "
        f"(clauses: {args.clauses}), Table 5 {n5}, Fig. 7 {counts['pos']}."
    )
    rows4 = paper_columns(models, faith, PAPER_TABLE4)
    for label, key in (("best clause (upper bound)", "best"), ("either clause (chance)", "mean")):
        cells = []
        for model in models:
            cells += [float(np.mean(table4[model][key])), None]
        rows4.append((label, "", *cells))
    hits = [
        (
            name,
            m,
            *(
                f"{share(table4[model]['hits'][m])} / {share(table4[model]['second'][m])}"
                for model in models
            ),
        )
        for m, name in METHODS.items()
    ]
    rows5_adj = [
        (name, m, *(f"{interp_adj[model][m]:.1f}" for model in models))
        for m, name in METHODS.items()
    ]
    per_model = ("paper's method", "ours", *(MODELS[m] for m in models))
    categories, chart = fig7_table(models, figure7)
    markdown = "\n\n".join(
        [
            setup,
            TABLE4_NOTE,
            markdown_table(header(models), rows4),
            HITS_NOTE,
            markdown_table(per_model, hits),
            TABLE5_NOTE,
            markdown_table(header(models), paper_columns(models, interp, PAPER_TABLE5, ".1f")),
            ADJECTIVES_NOTE,
            markdown_table(per_model, rows5_adj),
            FIG7_NOTE,
            categories,
            "Share of a sentence's absolute REAT score on its last "
            f"{RECENT} words (mean over sentences; those words are "
            f"{100 * counts['recent_words']:.0f}% of the words on average): "
            + ", ".join(f"{MODELS[m]} {100 * recency[m]:.0f}%" for m in models)
            + ".",
            CLAIMS_NOTE,
            claims_table(models, faith, interp, figure7),
        ]
    )
    return markdown, {"reat_pos.svg": chart}


def pos_ranking(by_category: dict[str, list[float]]) -> list[str]:
    """The word categories (tags of letters, 20+ words) by mean score, highest first."""
    kept = [c for c, v in by_category.items() if len(v) >= MIN_CATEGORY_WORDS and c[0].isalpha()]
    return sorted(kept, key=lambda c: np.mean(by_category[c]), reverse=True)


def fig7_table(models, figure7) -> tuple[str, str]:
    kept = pos_ranking(figure7[models[0]])
    rows = []
    for c in kept:
        cells = []
        for model in models:
            values = figure7[model].get(c, [])
            cells.append(f"{np.mean(values):.3f} ({np.median(values):.3f})" if values else "–")
        rows.append((c, len(figure7[models[0]][c]), *cells))
    table = markdown_table(("POS", "n", *(f"{MODELS[m]} mean (median)" for m in models)), rows)
    chart = bar_chart(
        {
            MODELS[m]: {c: float(np.mean(figure7[m].get(c, [math.nan]))) for c in kept}
            for m in models
        },
        "REAT mean word score by part of speech, SST-2 test",
        "mean REAT score (logit units), predicted class",
    )
    return table, chart


def rank(order: list[str], c: str) -> str:
    return f"{order.index(c) + 1} of {len(order)}" if c in order else "–"


def claims_table(models, faith, interp, figure7) -> str:
    """One row per claim of the paper: per model whether ours agrees, with the numbers."""
    yes = lambda ok, detail: f"{'yes' if ok else 'no'} ({detail})"
    rows = defaultdict(list)
    for model in models:
        f, i, by_category = faith[model], interp[model], figure7[model]
        order = pos_ranking(by_category)
        top4 = max(f, key=f.get)
        baselines = ("saliency_l2", "integrated_gradients", "signed_grad_input", "lime")
        rival = max(baselines, key=i.get)
        jj, nn = (float(np.mean(by_category.get(c, [math.nan]))) for c in ("JJ", "NN"))
        checks = {
            "T4: REAT is the most faithful": (
                f["reat"] >= f[top4],
                f"best {METHODS[top4]} {f[top4]:.3f}, REAT {f['reat']:.3f}",
            ),
            "T4: REAT beats NaiveREAT": (
                f["reat"] > f["naive_reat"],
                f"{f['reat']:.3f} vs {f['naive_reat']:.3f}",
            ),
            "T5: REAT beats the gradient methods and LIME": (
                i["reat"] > i[rival],
                f"{i['reat']:.1f} vs {METHODS[rival]} {i[rival]:.1f}",
            ),
            "T5: GradInput beats VanillaGrad": (
                i["signed_grad_input"] > i["saliency_l2"],
                f"{i['signed_grad_input']:.1f} vs {i['saliency_l2']:.1f}",
            ),
            "T5: VanillaGrad matches under half the time": (
                i["saliency_l2"] < 50,
                f"{i['saliency_l2']:.1f}",
            ),
            "Fig. 7: RBS ranks first": (
                bool(order) and order[0] == "RBS",
                f"RBS {rank(order, 'RBS')}, first {order[0] if order else '–'}",
            ),
            "Fig. 7: JJ ranks in the top quarter": (
                "JJ" in order and order.index("JJ") < len(order) / 4,
                f"{rank(order, 'JJ')}",
            ),
            "Fig. 7: adjectives (JJ) score above nouns (NN)": (jj > nn, f"{jj:.3f} vs {nn:.3f}"),
        }
        for claim, (ok, detail) in checks.items():
            rows[claim].append((ok, yes(ok, detail)))
    table = [
        (claim, *(cell for _, cell in cells), f"{sum(ok for ok, _ in cells)} of {len(cells)}")
        for claim, cells in rows.items()
    ]
    return markdown_table(("claim", *(MODELS[m] for m in models), "reproduced"), table)


def command() -> str:
    return " ".join(["python benchmarks/reat.py", *sys.argv[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--n", type=int, default=100, help="max sentences for Tables 4 and 5")
    parser.add_argument("--pos-n", type=int, default=None, help="Fig. 7 sentences (default all)")
    parser.add_argument("--clauses", default="but", choices=list(CLAUSE_RULES))
    parser.add_argument("--lime-samples", type=int, default=200)
    parser.add_argument(
        "--quick", action="store_true", help="a check that it runs: --n 6 --pos-n 30"
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.pos_n = 6, 30
    start = time.perf_counter()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    lexicon = load_lexicon()
    sentences = [Sentence(t, lexicon) for t in load_sst2("test").texts]
    tagged = [s for s in sentences if s.tags is not None]
    found = {
        rule: [(s, spans) for s in tagged if (spans := CLAUSE_RULES[rule](s.words, s.tags))]
        for rule in CLAUSE_RULES
    }
    opposed = [s for s in tagged if s.has_opposed_adjectives()]
    counts = {
        **{rule: len(pairs) for rule, pairs in found.items()},
        "adjectives": len(opposed),
        "lexicon": sum((s.polarity == 1).any() and (s.polarity == -1).any() for s in sentences),
        "pos": len(tagged[: args.pos_n]),
        "recent_words": float(
            np.mean([min(RECENT, len(s.words)) / len(s.words) for s in tagged[: args.pos_n]])
        ),
    }
    print(
        f"{len(sentences)} test sentences ({len(tagged)} tagged); two clauses at 'but': "
        f"{counts['but']} (one 'but', verbs), {counts['chunker']} (clause splitter); opposed "
        f"lexicon adjectives: {counts['adjectives']}, opposed lexicon words: {counts['lexicon']}"
    )
    pairs = found[args.clauses][: args.n]
    opposed = opposed[: args.n]
    params = {m: {} for m in METHODS}
    params["lime"] = {"samples": args.lime_samples}
    table4, table5, figure7, recency = {}, {}, {}, {}
    for model in args.models:
        explainer = Explainer.demo(f"{model}-sst2")
        t0 = time.perf_counter()
        table4[model] = faithfulness(
            explainer, [s for s, _ in pairs], [c for _, c in pairs], params
        )
        t1 = time.perf_counter()
        table5[model] = interpretability(explainer, opposed, params)
        t2 = time.perf_counter()
        figure7[model], recency[model] = pos_scores(explainer, tagged[: args.pos_n])
        t3 = time.perf_counter()
        print(
            f"{model}-sst2: Table 4 {len(pairs)} sentences {t1 - t0:.0f} s, Table 5 "
            f"{len(opposed)} sentences {t2 - t1:.0f} s, Fig. 7 {counts['pos']} sentences "
            f"{t3 - t2:.0f} s"
        )
    markdown, plots = report(args.models, args, counts, table4, table5, (figure7, recency))
    print(markdown)
    print(f"\nwall time {time.perf_counter() - start:.0f} s")
    write_result("reat", command(), markdown, plots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
