"""Explanation.to_html opened from disk in chromium with the network cut off."""

import numpy as np
import pytest
from harness import run_script

from notebook_explain import Explainer

XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> a fine film'


@pytest.fixture(scope="module")
def explainer():
    return Explainer.demo("gru-sst2", progress=False)


def test_static_export_renders_offline_and_text_stays_text(explainer, tmp_path):
    e = explainer.explain(XSS, methods=["signed_grad_input", "saliency_l2", "leave_one_out"])
    page = tmp_path / "export.html"
    e.to_html(page)
    r = run_script("static", PAGE=page)
    assert r["requests"] == [] and r["pageErrors"] == []
    assert [t["text"] for t in r["tokens"]] == list(e.words)
    np.testing.assert_allclose(
        [t["score"] for t in r["tokens"]], e.scores("signed_grad_input"), rtol=1e-6, atol=1e-7
    )
    assert r["methods"] == list(e.methods)
    np.testing.assert_allclose(
        [t["score"] for t in r["afterToggle"]], e.scores("saliency_l2"), rtol=1e-6, atol=1e-7
    )
    assert [t["background"] for t in r["afterToggle"]] != [t["background"] for t in r["tokens"]]
    # the page's own two scripts (the inert bundle text and its loader), nothing injected
    assert r["xss"] == {"flag": None, "images": 0, "scripts": 2}


def test_exported_evaluation_shows_in_the_faithfulness_table(explainer, tmp_path):
    w = explainer.show(
        "a gorgeous , witty film", methods=["signed_grad_input", "random"], evaluate=True
    )
    w.view = "compare"
    page = tmp_path / "evaluated.html"
    w.to_html(page)
    r = run_script("faithfulness", PAGE=page, SHOT="faithfulness.png")
    assert r["pageErrors"] == []
    # no control that needs a kernel is shown (they exist: the check can see them)
    assert r["kernelOnly"]["found"] >= 4 and r["kernelOnly"]["visible"] == []
    shown = {(c["method"], c["metric"]): c for c in r["cells"]}
    evaluation = w.evaluation
    assert set(shown) == {(m, k) for m in evaluation["methods"] for k in evaluation["values"][m]}
    for (method, metric), cell in shown.items():
        assert cell["value"] == evaluation["values"][method][metric]
        assert cell["points"] == len(evaluation["curves"][method].get(metric, {"x": []})["x"])
    for meta in evaluation["metrics"]:
        best = [c["method"] for c in r["cells"] if c["metric"] == meta["name"] and c["best"]]
        values = {m: evaluation["values"][m][meta["name"]] for m in evaluation["methods"]}
        values = {m: v for m, v in values.items() if v is not None}
        pick = max if meta["direction"] == "higher" else min
        assert best == [pick(values, key=values.get)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_weak_words_fade_into_the_page_in_the_light_and_the_dark_theme(theme, tmp_path):
    """Prominence follows |score| on either theme: the chip of the weakest word stands out from
    the page less than the strongest's (a near-white chip on a dark page would draw the eye to
    the least important word), and barely at all."""
    from conftest import hand_explanation

    scores = [0.01, 2.0, -0.03, 1.1, -1.7, 0.4]
    e = hand_explanation("a gorgeous , witty , film", {"hand": (True, scores)})
    page = tmp_path / "theme.html"
    e.to_html(page)
    r = run_script("theme", PAGE=page, THEME=theme)
    assert r["pageErrors"] == []
    contrast = {c["text"]: c["contrast"] for c in r["chips"]}
    by_strength = sorted(r["chips"], key=lambda c: abs(c["score"]))
    weakest, strongest = by_strength[0], by_strength[-1]
    assert weakest["contrast"] < strongest["contrast"]
    assert weakest["contrast"] < 1.3  # the weakest word barely shows
    assert contrast["gorgeous"] > 2.0  # the strongest stands out


def test_a_narrow_output_wraps_every_view_without_sticking_out(explainer, tmp_path):
    """At 420 px (a side-by-side notebook pane), no view reaches past the widget's edge outside
    a scrolling box, and the tabs stay on one row."""
    w = explainer.show(
        "a gorgeous , witty , seductive movie that never drags",
        methods=["signed_grad_input", "integrated_gradients", "leave_one_out", "input_reduction"],
        evaluate=True,
    )
    page = tmp_path / "narrow.html"
    w.to_html(page)
    r = run_script("narrow", PAGE=page, WIDTH=420)
    assert r["pageErrors"] == []
    assert set(r["views"]) == {"Heatmap", "Compare methods", "Input reduction", "Hierarchy"}
    for view, shown in r["views"].items():
        assert shown["rootWidth"] <= 420, view
        assert shown["pageOverflow"] <= 0 and shown["sticking"] == [], (view, shown)
        assert shown["tabRows"] == 1, (view, shown)


def test_the_trust_line_warns_in_words_on_a_map_that_contradicts_leave_one_out(tmp_path):
    """On the MiniLM demo, signed gradient × input runs against leave-one-out on the README's
    sentence; its trust line says so with ⚠, integrated gradients' shows its completeness gap
    with ✓, and the first-painted map carries the reason it was chosen."""
    ex = Explainer.demo("minilm-sst2", progress=False)
    text = "the acting is superb, but the plot is a dull, predictable mess."
    w = ex.show(text)
    assert w.session.wait(timeout=300) and w.error == ""
    e = w.value
    against = [
        name
        for name, result in e.results.items()
        if result.checks.get("leave_one_out", {}).get("contradicts")
    ]
    assert against, "no map contradicts leave-one-out on this sentence: pick another"
    page = tmp_path / "trust.html"
    w.to_html(page)
    r = run_script("trust", PAGE=page, SHOT="trust-line.png")
    assert r["pageErrors"] == [] and r["methods"] == list(e.methods)
    for name in against:
        chip = next(c for c in r["lines"][name]["chips"] if c["check"] == "leave_one_out")
        assert chip["warn"] and "runs against leave-one-out" in chip["text"]
    for name, result in e.results.items():
        shown = {c["check"]: c for c in r["lines"][name]["chips"]}
        assert set(shown) == set(result.checks)
        for check, figures in result.checks.items():
            assert shown[check]["warn"] == (not figures["ok"]) and shown[check]["text"][0] in "✓⚠"
    first = w.painted_first["method"]
    assert r["lines"][first]["reason"] == w.painted_first["reason"]
    assert all(r["lines"][m]["reason"] is None for m in e.methods if m != first)


def test_a_prompted_classifier_shows_its_text_coloured_and_its_template_greyed(data_dir, tmp_path):
    """A tiny random Llama asked through a few-shot prompt: the words of the user's text only,
    the template's tokens all special and uncoloured at the token level, the demonstrations
    ranked in the influence tab."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from model_zoo import bpe_tokenizer, build_causal_lm

    from notebook_explain.data import load_sst2

    tokenizer = bpe_tokenizer(load_sst2("train", data_dir=data_dir).texts[:2000], "llama")
    demos = [("a dull film", "negative"), ("a fine film", "positive")]
    ex = Explainer.from_causal_lm(
        build_causal_lm("llama", tokenizer),
        tokenizer,
        template="Review: {text}\nSentiment:",
        labels={"negative": " bad", "positive": " good"},
        demonstrations=demos,
    )
    text = "a gorgeous , witty film"
    w = ex.show(text, methods=["leave_one_out", "signed_grad_input"], view="influence")
    assert w.session.wait(timeout=120) and w.error == ""
    page = tmp_path / "prompted.html"
    w.to_html(page)
    r = run_script("prompted", PAGE=page, SHOT="prompted.png")
    assert r["pageErrors"] == []
    assert "(prompted)" in r["model"]
    assert [t["text"] for t in r["words"]] == text.split()
    assert sorted(d["index"] for d in r["demonstrations"]) == [0, 1]
    assert all(demos[d["index"]][0] in d["text"] for d in r["demonstrations"])
    special = [t for t in r["tokens"] if t["special"]]
    assert len(special) == int(w.value.special_mask.sum()) > len(text.split())
    assert {t["background"] for t in special} == {"rgba(0, 0, 0, 0)"}
    assert any(t["background"] != "rgba(0, 0, 0, 0)" for t in r["tokens"] if not t["special"])


def test_the_hierarchy_view_draws_each_level_hovers_and_marks_a_segments_words(explainer, tmp_path):
    """hedge's own hierarchy on the GRU demo, then leave-one-out over the span levels."""
    text = "it is not a bad film , but the plot is thin ."
    e = explainer.explain(
        text,
        methods=["hedge", "leave_one_out"],
        spans={"clause": [(0, 6), (6, 13)], "phrase": [(0, 2), (2, 6), (6, 7), (7, 10), (10, 13)]},
    )
    w = e.widget()
    w.view, w.method = "hierarchy", "hedge"
    page = tmp_path / "hierarchy.html"
    w.to_html(page)
    hierarchy = e.result("hedge").info["hierarchy"]
    start, end = next(
        (a, b) for level in hierarchy for a, b, _ in level if b - a > 1 and (a, b) != (0, 13)
    )
    r = run_script("hierarchy", PAGE=page, START=start, END=end, OTHER="leave_one_out")
    assert r["requests"] == [] and r["pageErrors"] == []
    assert "hedge's own hierarchy" in r["source"]
    assert [[(s["start"], s["end"]) for s in row] for row in r["rows"]] == [
        [(a, b) for a, b, _ in level] for level in hierarchy
    ]
    np.testing.assert_allclose(
        [s["score"] for row in r["rows"] for s in row],
        [v for level in hierarchy for *_, v in level],
        rtol=1e-6,
    )
    assert r["rows"][-1][0]["text"] == "it" and len({s["background"] for s in r["rows"][-1]}) > 1
    wide, narrow = r["rows"][0][0]["width"], r["rows"][-1][0]["width"]
    assert wide > 5 * narrow  # a segment is as wide as its words
    assert " ".join(e.words[start:end]) in r["hover"]
    *levels, words = r["marked"]
    assert all(marked in ([], [[start, end]]) for marked in levels) and [[start, end]] in levels
    assert words == [[i, i + 1] for i in range(start, end)]  # its words, in the word row
    assert "over the span levels" in r["otherSource"]
    assert [[(s["start"], s["end"]) for s in row] for row in r["otherRows"][:2]] == [
        [(0, 6), (6, 13)],
        [(0, 2), (2, 6), (6, 7), (7, 10), (10, 13)],
    ]
