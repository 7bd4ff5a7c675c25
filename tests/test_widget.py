"""ExplainWidget on the kernel side: binary payload, requests from the browser, errors, static export."""

import base64
import html
import json
import re
import time

import numpy as np
import pytest
import torch
import traitlets
from conftest import SENTENCES
from IPython.core.formatters import DisplayFormatter
from ipywidgets.widgets.widget import _remove_buffers

from notebook_explain import ExplainError
from notebook_explain.engine import Engine
from notebook_explain.explanation import Explanation
from notebook_explain.metrics import DEFAULT_METRICS
from notebook_explain.session import NO_MODEL_MESSAGE
from notebook_explain.widget import ExplainWidget

XSS = '<img src=x onerror="alert(1)"> <script>alert(2)</script> & fine'


@pytest.fixture(scope="module")
def explained(hf_explainer):
    return hf_explainer.explain(SENTENCES[1], methods=["signed_grad_input", "leave_one_out"])


#: a long run, already confirmed (as after the widget's "Run anyway"), so it starts at once
LONG_LIME = {"type": "explain", "methods": {"lime": {"samples": 50_000}}, "confirmed": True}


def send(widget, request, buffers=()):
    """Send ``request`` as the browser does, then wait for the session to answer it."""
    widget._handle_custom_msg(request, list(buffers))
    assert widget.session.wait(timeout=120), "the request did not finish"


def _decode(ref, raw):
    return np.frombuffer(raw, dtype=ref["dtype"]).reshape(ref["shape"])


def test_arrays_travel_as_binary_buffers(explained):
    w = explained.widget()
    state, paths, buffers = _remove_buffers(w.get_state())
    # every score vector, the word index, the special mask and the probabilities are buffers
    assert ["explanation", "results", 0, "scores", "data"] in paths
    assert ["explanation", "probabilities", "data"] in paths
    assert len(buffers) == 3 + len(explained.methods)
    assert "data" not in state["explanation"]["results"][1]["scores"]
    for path, raw in zip(paths, buffers):
        if path[:2] == ["explanation", "results"]:
            ref = state["explanation"]["results"][path[2]]["scores"]
            name = state["explanation"]["results"][path[2]]["name"]
            np.testing.assert_array_equal(_decode(ref, raw), explained.result(name).scores)
    json.dumps(state)  # what is left is plain JSON


def test_widget_defaults_and_view_arguments(explained):
    w = explained.widget()
    assert (w.method, w.compare, w.level, w.view) == (
        "signed_grad_input",
        list(explained.methods),
        "word",
        "heatmap",
    )
    assert not w.editable and w.influence["status"] == "empty" and "index" in w.influence["message"]
    assert [m["name"] for m in w.methods] == list(explained.methods)
    w = explained.widget(view="compare", compare=["leave_one_out"])
    assert w.view == "compare" and w.compare == ["leave_one_out"]
    with pytest.raises(ExplainError, match="no scores for 'integrated_gradients'"):
        explained.widget(method="integrated_gradients")


def test_show_recomputes_on_request(hf_explainer):
    w = hf_explainer.show(SENTENCES[0], methods=["saliency_l2"])
    assert w.editable and "input_reduction" in {m["name"] for m in w.methods}
    statuses = []
    w.observe(lambda change: statuses.append(change["new"]), "status")
    request = {
        "type": "explain",
        "text": SENTENCES[2],
        "target": 2,
        "methods": {"integrated_gradients": {"steps": 8}},
    }
    send(w, request, [])
    assert (
        w.value.text == SENTENCES[2]
        and w.value.target == 2
        and w.value.methods == ("integrated_gradients",)
    )
    assert w.value.result("integrated_gradients").params["steps"] == 8
    assert w.method == "integrated_gradients" and w.compare == ["integrated_gradients"]
    assert w.explanation["text"] == SENTENCES[2] and w.error == "" and not w.busy
    assert "Running integrated_gradients (1/1)…" in statuses and statuses[-1] == ""
    expected = hf_explainer.explain(
        SENTENCES[2], methods={"integrated_gradients": {"steps": 8}}, target=2
    )
    np.testing.assert_allclose(
        w.value.scores("integrated_gradients"), expected.scores("integrated_gradients"), atol=1e-6
    )


@pytest.mark.parametrize(
    "request_, message",
    [
        ({"type": "explain", "text": "fine", "methods": {"nope": {}}}, "Unknown method 'nope'"),
        (
            {"type": "explain", "text": "   ", "methods": ["saliency_l2"]},
            "empty or only whitespace",
        ),
        (
            {"type": "explain", "text": "fine", "methods": {"integrated_gradients": {"steps": 0}}},
            "steps=0",
        ),
        ({"type": "explain", "text": "fine", "target": 7}, "Unknown target class 7"),
        ({"type": "rm -rf"}, "Unknown request"),
    ],
)
def test_kernel_errors_are_shown_in_the_widget_and_keep_the_old_result(
    hf_explainer, request_, message
):
    w = hf_explainer.show(SENTENCES[0], methods=["saliency_l2"])
    before = w.explanation
    send(w, request_, [])
    assert message in w.error and not w.busy
    assert w.explanation is before and w.value.text == SENTENCES[0]


def test_display_only_widget_explains_how_to_recompute(explained):
    w = explained.widget()
    send(w, {"type": "explain", "text": "other"}, [])
    assert "Explainer.show" in w.error and w.value is explained


def test_inline_display_offers_widget_and_escaped_fallback(hf_explainer):
    e = hf_explainer.explain(XSS, methods=["saliency_l2"])
    bundle, _ = DisplayFormatter().format(e)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<img" not in bundle["text/html"] and "&lt;" in bundle["text/html"]


def test_static_export_is_self_contained_and_inert(hf_explainer, tmp_path):
    e = hf_explainer.explain(XSS, methods=["saliency_l2", "leave_one_out"])
    path = tmp_path / "e.html"
    assert e.to_html(path) == path  # the path, not the page: a cell does not print it
    page = path.read_text(encoding="utf-8")
    assert page == e.to_html()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), (
        "the page must not load anything"
    )
    assert "<img" not in page.split("<script>")[0]  # markup before the bundle: no injected element
    blob = re.search(r'<script type="application/json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in blob and ">" not in blob
    state = json.loads(blob)
    assert state["explanation"]["text"] == XSS and state["editable"] is False
    ref = state["explanation"]["results"][1]["scores"]
    scores = np.frombuffer(base64.b64decode(ref["b64"]), dtype=ref["dtype"])
    np.testing.assert_array_equal(scores, e.result("leave_one_out").scores)
    assert f"<title>{html.escape(XSS)}</title>" in page


def test_bad_view_arguments_name_the_allowed_values(explained):
    with pytest.raises(traitlets.TraitError, match="heatmap"):
        explained.widget(view="nope")
    with pytest.raises(traitlets.TraitError, match="word"):
        explained.widget(level="sentence")
    with pytest.raises(ExplainError, match="shows an Explanation"):
        ExplainWidget("just a string")


def test_export_to_a_missing_folder_says_so(explained, tmp_path):
    with pytest.raises(ExplainError, match="does not exist"):
        explained.to_html(tmp_path / "no-such-folder" / "e.html")
    assert not (tmp_path / "no-such-folder").exists()


def test_influence_panel_answers_the_method_switch_and_token_clicks(vocab, tmp_path):
    from conftest import make_word_model

    from notebook_explain import Explainer

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    train = SENTENCES * 4
    labels = [1, 0, 0] * 4
    w = ex.show(SENTENCES[0], methods=["signed_grad_input"])
    assert w.influence["status"] == "empty" and "ex.index(" in w.influence["message"]
    ex.index(train, labels, cache_dir=tmp_path, progress=False)
    w = ex.show(SENTENCES[0], methods=["signed_grad_input"])
    # the panel is closed: nothing is ranked, and a recompute ranks nothing either
    assert w.influence["status"] == "stale" and w.influence["method"] == "influence_function"
    queries = []
    query = ex.engine.influence
    ex.engine.influence = lambda *a, **k: queries.append(a) or query(*a, **k)
    send(w, {"type": "explain", "text": SENTENCES[2]}, [])
    assert w.error == "" and queries == [] and w.influence["status"] == "stale"
    # opening the panel asks for the ranking (js/src/influence.js)
    w.view = "influence"
    send(w, {"type": "explain", "text": SENTENCES[0]}, [])
    send(w, {"type": "influence", "method": w.influence["method"]}, [])
    assert len(queries) >= 1
    panel = w.influence
    expected = ex.influence(SENTENCES[0], k=5, target=w.value.target).to_json()
    assert panel["status"] == "ready" and panel["method"] == "influence_function"
    assert [i["index"] for i in panel["proponents"]] == [i["index"] for i in expected["proponents"]]
    assert set(panel["methods"]) >= {"influence_function", "tracin", "knn"}

    send(w, {"type": "influence", "method": "knn"}, [])
    assert w.error == "" and w.influence["method"] == "knn"

    word = 1  # "gorgeous": for a word model, word i is token i
    send(w, {"type": "token_influence", "index": word, "level": "word"}, [])
    direct = ex.token_influence(SENTENCES[0], word, k=5, target=w.value.target).to_json()
    assert w.error == "" and w.influence["test_token"] == word
    assert [i["score"] for i in w.influence["opponents"]] == pytest.approx(
        [i["score"] for i in direct["opponents"]]
    )
    # a new text gets a new ranking, with the method the panel shows
    send(w, {"type": "explain", "text": SENTENCES[1]}, [])
    assert w.influence["method"] == "influence_function" and w.influence["test_token"] is None
    again = ex.influence(SENTENCES[1], k=5, target=w.value.target).to_json()
    assert [i["score"] for i in w.influence["proponents"]] == pytest.approx(
        [i["score"] for i in again["proponents"]]
    )


def _assert_same_evaluation(shown: dict, expected: dict):
    assert shown["methods"] == expected["methods"] and shown["metrics"] == expected["metrics"]
    assert shown["reasons"] == expected["reasons"]
    for method in expected["methods"]:
        assert shown["values"][method] == pytest.approx(expected["values"][method], abs=1e-6)
        for metric, curve in expected["curves"][method].items():
            assert shown["curves"][method][metric]["y"] == pytest.approx(curve["y"], abs=1e-6)
            assert shown["curves"][method][metric]["x"] == curve["x"]
    agreement = shown["agreement"]
    assert agreement["methods"] == expected["agreement"]["methods"]
    assert agreement["rank_correlation"] == expected["agreement"]["rank_correlation"]
    assert agreement["top_k_overlap"] == expected["agreement"]["top_k_overlap"]


def test_faithfulness_button_sets_the_evaluation_and_a_recompute_clears_it(hf_explainer):
    w = hf_explainer.show(SENTENCES[1], methods=["signed_grad_input", "leave_one_out"])
    assert w.evaluation == {}
    statuses = []
    w.observe(lambda change: statuses.append(change["new"]), "status")
    send(w, {"type": "evaluate"}, [])
    assert w.error == "" and not w.busy
    assert "Evaluating the faithfulness of leave_one_out (2/2)…" in statuses and statuses[-1] == ""
    expected = hf_explainer.evaluate(w.value, list(DEFAULT_METRICS)).to_json()
    assert [m["name"] for m in w.evaluation["metrics"]] == list(DEFAULT_METRICS)
    _assert_same_evaluation(w.evaluation, expected)
    state, _, _ = _remove_buffers(w.get_state())
    json.dumps(state["evaluation"], allow_nan=False)  # nan travels as null
    # the static page carries it
    blob = re.search(r'<script type="application/json">(.*?)</script>', w.to_html(), re.S).group(1)
    assert json.loads(blob)["evaluation"]["values"] == w.evaluation["values"]
    send(w, {"type": "explain", "text": SENTENCES[0]}, [])
    assert w.error == "" and w.evaluation == {}


def test_the_sanity_button_runs_the_check_and_restores_the_model(vocab):
    from conftest import make_word_model

    from notebook_explain import Explainer
    from notebook_explain.models.base import parameters_fingerprint

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    before = parameters_fingerprint(ex.adapter.named_parameters())
    w = ex.show(SENTENCES[0], methods=["signed_grad_input", "random"])
    statuses = []
    w.observe(lambda change: statuses.append(change["new"]), "status")
    send(w, {"type": "sanity"})
    assert w.error == "" and not w.busy
    assert w.sanity["methods"] == ["signed_grad_input", "random"]
    assert "random" in w.sanity["flagged"] and w.sanity["stages"][0] == "none"
    survives = w.sanity["survives"]
    assert w.sanity["flagged"] == [
        m for m in w.sanity["methods"] if np.median(w.sanity["correlations"][m][1:]) >= survives
    ]
    assert any(s.startswith("Sanity check: randomising") for s in statuses)
    assert parameters_fingerprint(ex.adapter.named_parameters()) == before
    send(w, {"type": "explain", "text": SENTENCES[1]})
    assert w.sanity == {}


def test_an_expensive_request_waits_for_confirmation_with_its_estimate(vocab, monkeypatch):
    """Over the threshold, the kernel answers with the estimate per method to compute (those
    it would reuse left out) and runs only when the request comes back confirmed."""
    from conftest import make_word_model

    import notebook_explain.session as session_module
    from notebook_explain import Explainer

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    w = ex.show(SENTENCES[0], methods=["signed_grad_input"])
    monkeypatch.setattr(session_module, "CONFIRM_SECONDS", 0.0)
    # the calibration pass's timing, fixed: a loaded machine would make two timings differ
    monkeypatch.setattr(Engine, "_seconds_per_row", lambda self, encoded: 0.001)
    methods = {"signed_grad_input": {}, "lime": {"samples": 50}}
    send(w, {"type": "explain", "text": SENTENCES[0], "methods": methods})
    assert w.error == "" and w.value.methods == ("signed_grad_input",)  # nothing ran yet
    assert list(w.confirm["seconds"]) == ["lime"]  # signed_grad_input is reused
    estimate = ex.estimate(SENTENCES[0], {"lime": {"samples": 50}})["lime"]["seconds"]
    assert w.confirm["seconds"]["lime"] == pytest.approx(estimate)
    send(w, w.confirm["request"])
    assert w.error == "" and w.value.methods == ("signed_grad_input", "lime")
    assert w.confirm == {}


def test_a_sanity_check_over_the_threshold_waits_with_its_estimate(vocab, monkeypatch):
    """Its estimate is the explanation's methods' estimate times the check's explain runs (2 +
    one per layer group); it runs when the request comes back confirmed."""
    from conftest import make_word_model

    import notebook_explain.session as session_module
    from notebook_explain import Explainer
    from notebook_explain.metrics.sanity import layer_groups

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    w = ex.show(SENTENCES[0], methods=["signed_grad_input", "leave_one_out"])
    monkeypatch.setattr(session_module, "CONFIRM_SECONDS", 0.0)
    monkeypatch.setattr(Engine, "_seconds_per_row", lambda self, encoded: 0.001)
    send(w, {"type": "sanity"})
    assert w.sanity == {} and w.error == ""
    runs = 2 + len(layer_groups(ex.adapter.named_parameters()))
    once = ex.estimate(SENTENCES[0], ["signed_grad_input", "leave_one_out"])
    assert w.confirm["seconds"] == pytest.approx({m: e["seconds"] * runs for m, e in once.items()})
    assert w.confirm["request"] == {"type": "sanity", "confirmed": True}
    send(w, w.confirm["request"])
    assert w.error == "" and w.sanity["methods"] == ["signed_grad_input", "leave_one_out"]
    with pytest.raises(ExplainError, match="of must be 'explain' or 'sanity_check'"):
        ex.estimate(SENTENCES[0], of="dataset")


def test_show_can_evaluate_up_front(hf_explainer):
    w = hf_explainer.show(SENTENCES[1], methods=["signed_grad_input"], evaluate=True)
    _assert_same_evaluation(
        w.evaluation, hf_explainer.evaluate(w.value, list(DEFAULT_METRICS)).to_json()
    )
    assert w.status == "" and not w.busy


@pytest.mark.parametrize("loaded", [False, True])
def test_evaluating_without_the_model_is_reported_in_the_widget(explained, loaded):
    """An Explanation holds no model, so a display-only widget says how to evaluate."""
    if loaded:
        explained = Explanation.from_json(*explained.to_json())
    w = explained.widget()
    send(w, {"type": "evaluate"})
    assert w.error == NO_MODEL_MESSAGE and w.evaluation == {} and not w.busy
    with pytest.raises(ExplainError, match="explainer.evaluate"):
        explained.widget(evaluate=True)


def test_cancel_stops_a_long_lime_run_at_the_next_batch_and_keeps_the_result(vocab):
    """The request runs off the comm thread: the handler returns at once, and a cancel sent
    while LIME runs stops it before its next batched pass, with the previous result kept."""
    from conftest import make_word_model

    from notebook_explain import Explainer
    from notebook_explain.session import CANCELLED_MESSAGE

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu", batch_size=4)
    w = ex.show(SENTENCES[0], methods=["saliency_l2"])
    before, payload = w.value, w.explanation
    passes = []
    hook = ex.adapter.model.output.register_forward_hook(lambda *_: passes.append(1))
    try:
        start = time.perf_counter()
        w._handle_custom_msg(LONG_LIME, [])
        assert time.perf_counter() - start < 1.0 and w.busy  # the handler did not compute
        while len(passes) < 20:  # LIME is running, 4 rows a pass
            assert w.session.busy, f"the request ended early: {w.error!r}"
            time.sleep(0.005)
        w._handle_custom_msg({"type": "cancel"}, [])
        at_cancel = len(passes)
        assert w.session.wait(timeout=30)
    finally:
        hook.remove()
    assert len(passes) - at_cancel <= 1  # at most the pass under way when the cancel came
    assert len(passes) < 50_000 / 4 / 2
    assert w.error == CANCELLED_MESSAGE and not w.busy and w.status == ""
    assert w.value is before and w.explanation is payload
    send(w, {"type": "explain", "text": SENTENCES[1], "methods": ["saliency_l2"]})
    assert w.error == "" and w.value.text == SENTENCES[1]


def test_a_second_request_while_one_runs_is_refused_not_queued(vocab):
    from conftest import make_word_model

    from notebook_explain import Explainer
    from notebook_explain.session import BUSY_MESSAGE

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu", batch_size=4)
    w = ex.show(SENTENCES[0], methods=["saliency_l2"])
    w._handle_custom_msg(LONG_LIME, [])
    w._handle_custom_msg({"type": "explain", "text": SENTENCES[2]}, [])
    assert w.error == BUSY_MESSAGE
    w._handle_custom_msg({"type": "cancel"}, [])
    assert w.session.wait(timeout=30) and w.value.text == SENTENCES[0]


def test_a_recompute_computes_only_what_changed(vocab):
    """One changed parameter reruns that method only; a new target, text or model reruns all."""
    from conftest import make_word_model

    from notebook_explain import Explainer

    model = make_word_model("gru", vocab)
    ex = Explainer(model, vocab, device="cpu")
    methods = {"integrated_gradients": {"steps": 8}, "leave_one_out": {}, "lime": {"samples": 64}}
    w = ex.show(SENTENCES[0], methods=methods)
    first = w.value
    statuses = []
    w.observe(lambda change: statuses.append(change["new"]), "status")
    send(w, {"type": "explain", "methods": {**methods, "lime": {"samples": 32}}})
    ran = [s for s in statuses if s.startswith("Running")]
    assert ran == ["Running lime (1/1)…"], ran
    assert w.value.result("leave_one_out") is first.result("leave_one_out")
    assert w.value.result("lime").params["samples"] == 32
    fresh = ex.explain(SENTENCES[0], methods={**methods, "lime": {"samples": 32}})
    for name in methods:
        np.testing.assert_allclose(w.value.scores(name), fresh.scores(name), atol=1e-6)

    for request in (
        {"type": "explain", "methods": methods, "target": 1 - w.value.target},
        {"type": "explain", "methods": methods, "text": SENTENCES[1]},
    ):
        statuses.clear()
        send(w, request)
        assert len([s for s in statuses if s.startswith("Running")]) == 3, request
    with torch.no_grad():
        model.output.bias.add_(1e-3)  # the same input, another model: nothing is reused
    statuses.clear()
    send(w, {"type": "explain", "methods": methods})
    assert len([s for s in statuses if s.startswith("Running")]) == 3
    assert w.value.result("leave_one_out") is not first.result("leave_one_out")


def test_explain_reuses_only_matching_results(hf_explainer):
    e = hf_explainer.explain(SENTENCES[0], methods={"integrated_gradients": {"steps": 8}})
    again = hf_explainer.explain(
        SENTENCES[0], methods={"integrated_gradients": {"steps": 8}, "saliency_l2": {}}, reuse=e
    )
    assert again.result("integrated_gradients") is e.result("integrated_gradients")
    assert again.methods == ("integrated_gradients", "saliency_l2")
    other = hf_explainer.explain(
        SENTENCES[0], methods={"integrated_gradients": {"steps": 9}}, output="probability", reuse=e
    )
    assert other.result("integrated_gradients") is not e.result("integrated_gradients")
    with pytest.raises(ExplainError, match="reuse takes an Explanation"):
        hf_explainer.explain(SENTENCES[0], reuse="e")


def test_an_added_method_joins_compare(hf_explainer):
    w = hf_explainer.show(SENTENCES[0], methods=["saliency_l2", "leave_one_out"])
    w.compare = ["leave_one_out"]
    send(w, {"type": "explain", "methods": {"saliency_l2": {}, "leave_one_out": {}, "random": {}}})
    assert w.compare == ["leave_one_out", "random"]


def test_show_perturbs_whole_words_where_words_split_into_tokens(hf_explainer, vocab):
    """The widget shows words, so its default leave-one-out deletes whole words where a word
    spans several tokens: each word's score is the drop of the model's logit when the word's
    tokens are deleted together."""
    from conftest import make_word_model

    from notebook_explain import Explainer

    text = "an unbelievably disappointing film"
    w = hf_explainer.show(text)
    e = w.value
    assert e.result("leave_one_out").params == {"unit": "word"}
    assert len(e.tokens) - int(e.special_mask.sum()) > len(e.words)  # some word is split
    adapter = hf_explainer.adapter
    encoded = adapter.encode(text)

    def logit(keep):
        ids = encoded.input_ids[:, keep]
        with torch.no_grad():
            emb = adapter.embed(ids)
            return float(adapter.logits(emb, encoded.attention_mask[:, keep], None)[0, e.target])

    everything = np.ones(len(e.tokens), bool)
    for k in range(len(e.words)):
        without = everything & (e.word_index != k)
        assert e.scores("leave_one_out")[k] == pytest.approx(
            logit(everything) - logit(without), abs=1e-4
        )
    # one token per word: nothing to group, so the plain default
    plain = Explainer(make_word_model("gru", vocab), vocab).show(SENTENCES[0])
    assert plain.value.result("leave_one_out").params == {"unit": "token"}


def test_show_leaves_out_the_perturbation_methods_a_long_text_cannot_afford(vocab, monkeypatch):
    """The gradient methods always; leave-one-out and input reduction only within the budget,
    priced by ``estimate`` (here a budget of 0 s: none fits)."""
    from conftest import make_word_model

    from notebook_explain import Explainer, first_paint

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    assert set(ex.show(SENTENCES[1]).value.methods) == {
        "signed_grad_input",
        "integrated_gradients",
        "leave_one_out",
        "input_reduction",
    }
    monkeypatch.setattr(first_paint, "SHOW_BUDGET", 0.0)
    w = ex.show(SENTENCES[1])
    first = first_paint.plan(ex.engine, SENTENCES[1]).first
    assert set(w.value.methods) == {first, "signed_grad_input", "integrated_gradients"}
    assert "leave_one_out" in {m["name"] for m in w.methods}  # still one click away


def test_show_paints_a_long_text_first_and_computes_the_rest_behind_it(vocab, monkeypatch):
    """Over the first-paint budget (here 0), show() returns at once with the cheapest map, the
    gradient method that reads the input's own pass, and the widget's session computes the
    other defaults off the comm thread, keeping that one; the result is what an all-at-once
    show() gives."""
    from conftest import make_word_model

    from notebook_explain import Explainer, first_paint

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    at_once = ex.show(SENTENCES[2]).value
    monkeypatch.setattr(first_paint, "FIRST_PAINT_BUDGET", 0.0)
    calls = []
    explain = ex.explain
    monkeypatch.setattr(ex, "explain", lambda *a, **k: calls.append(k) or explain(*a, **k))
    w = ex.show(SENTENCES[2])
    assert list(calls[0]["methods"]) == ["signed_grad_input"]  # the first paint
    assert w.session.wait(timeout=120) and w.error == ""
    assert set(calls[1]["methods"]) == set(at_once.methods)
    assert calls[1]["reuse"] is not None  # the first paint's result is kept, not recomputed
    assert set(w.value.methods) == set(at_once.methods)
    for name in at_once.methods:
        np.testing.assert_allclose(w.value.scores(name), at_once.scores(name), atol=1e-6)


def test_a_new_target_shows_the_method_on_screen_first(vocab, monkeypatch):
    """Over the first-paint budget (here 0 s), a target switch computes the method on screen
    first and shows it, then the others (reusing it); a parameter change on the same input
    computes only what changed, in one go."""
    from conftest import make_word_model

    import notebook_explain.explainer as explainer_module
    from notebook_explain import Explainer

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    methods = {"signed_grad_input": {}, "integrated_gradients": {}, "leave_one_out": {}}
    w = ex.show(SENTENCES[2], methods=list(methods))
    monkeypatch.setattr(explainer_module, "FIRST_PAINT_SECONDS", 0.0)
    calls = []
    explain = ex.explain
    monkeypatch.setattr(ex, "explain", lambda *a, **k: calls.append(k) or explain(*a, **k))
    other = 1 - w.value.target
    pending = []
    w.observe(lambda change: pending.append(change["new"]), names="pending")
    request = {"type": "explain", "text": SENTENCES[2], "methods": methods, "confirmed": True}
    send(w, {**request, "target": other, "method": "leave_one_out"})
    assert w.error == ""
    assert [list(c["methods"]) for c in calls] == [["leave_one_out"], list(methods)]
    # while the others compute behind it, the select lists them as computing; then none
    assert pending == [["signed_grad_input", "integrated_gradients"], []]
    assert calls[1]["reuse"].methods == ("leave_one_out",)
    expected = explain(SENTENCES[2], methods=methods, target=other)
    assert w.value.target == other and w.value.methods == expected.methods
    for name in methods:
        np.testing.assert_allclose(w.value.scores(name), expected.scores(name), atol=1e-6)
    # the map painted first was on screen sooner than the others, which waited for the whole
    # request: longer than their own compute time
    waited = dict(w.waited)
    assert set(waited) == set(methods)
    assert waited["leave_one_out"] < waited["signed_grad_input"] == waited["integrated_gradients"]
    for name in ("signed_grad_input", "integrated_gradients"):
        assert waited[name] >= w.value.result(name).seconds
    calls.clear()
    changed = {**methods, "integrated_gradients": {"steps": 12}}
    send(w, {**request, "methods": changed, "target": other, "method": "leave_one_out"})
    assert len(calls) == 1 and calls[0]["reuse"] is not None
    # what was reused keeps its wait; what was computed waited for this request
    assert w.waited["leave_one_out"] == waited["leave_one_out"]
    assert w.waited["integrated_gradients"] != waited["integrated_gradients"]


def test_the_second_text_of_a_pair_is_edited_and_recomputed(hf_explainer):
    """The widget's second box sends ``text_pair``; the kernel explains the new pair, and an
    empty second text is refused with the reason."""
    premise = "a man plays a guitar ."
    w = hf_explainer.show(premise, methods=["signed_grad_input"], text_pair="music is made .")
    assert w.value.text_pair == "music is made ."
    send(w, {"type": "explain", "text": premise, "text_pair": "nobody plays .", "target": None})
    assert w.error == "" and w.value.text_pair == "nobody plays ."
    expected = hf_explainer.explain(
        premise, methods=["signed_grad_input"], text_pair="nobody plays ."
    )
    np.testing.assert_allclose(
        w.value.scores("signed_grad_input"), expected.scores("signed_grad_input"), atol=1e-6
    )
    send(w, {"type": "explain", "text": premise, "text_pair": "   ", "target": None})
    assert "text_pair is empty" in w.error and w.value.text_pair == "nobody plays ."


def test_an_added_method_becomes_the_shown_one(vocab):
    """ "+ add method" sends the new method as the one to show: once computed it is on screen;
    a recompute of the shown method on the same input leaves the selection where it was."""
    from conftest import make_word_model

    from notebook_explain import Explainer

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    w = ex.show(SENTENCES[0], methods=["signed_grad_input", "integrated_gradients"])
    assert w.method == "signed_grad_input"
    methods = {"signed_grad_input": {}, "integrated_gradients": {}, "leave_one_out": {}}
    request = {"type": "explain", "text": SENTENCES[0], "target": w.value.target}
    send(w, {**request, "methods": methods, "method": "leave_one_out"})
    assert w.error == "" and w.method == "leave_one_out"
    changed = {**methods, "integrated_gradients": {"steps": 20}}
    send(w, {**request, "methods": changed, "method": "integrated_gradients"})
    assert w.method == "leave_one_out"  # not added: the selection stays


def test_a_saved_page_never_shows_an_unranked_influence_panel_as_pending(vocab, tmp_path):
    from conftest import make_word_model

    from notebook_explain import Explainer
    from notebook_explain.widget import UNRANKED_MESSAGE

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    ex.index(SENTENCES * 4, [1, 0, 0] * 4, cache_dir=tmp_path, progress=False)
    w = ex.show(SENTENCES[0], methods=["signed_grad_input"])
    assert w.influence["status"] == "stale"
    page = w.to_html()
    assert UNRANKED_MESSAGE[:40] in page
    assert '"status": "stale"' not in page and '"status":"stale"' not in page
