"""A corpus of malformed messages and view states from the browser: each ends in a clear error
shown in the widget (never a raw Python exception text), and the kernel's state stays what it
was, in step with what the view is told."""

import math

import pytest
from conftest import SENTENCES

MESSAGES = [
    None,
    "explain",
    42,
    [],
    {},
    {"type": None},
    {"type": 3},
    {"type": ["explain"]},
    {"type": "EXPLAIN"},
    {"type": "explain", "text": 5},
    {"type": "explain", "text": None},
    {"type": "explain", "text": ""},
    {"type": "explain", "text": "a \ud800 film"},
    {"type": "explain", "text": "x" * 200_000 + "\ud800"},
    {"type": "explain", "methods": "lime"},
    {"type": "explain", "methods": 7},
    {"type": "explain", "methods": {"lime": "many"}},
    {"type": "explain", "methods": {"nope": {}}},
    {"type": "explain", "methods": [["lime"]]},
    {"type": "explain", "methods": {"integrated_gradients": {"steps": math.nan}}},
    {"type": "explain", "methods": {"integrated_gradients": {"steps": "8"}}},
    {"type": "explain", "methods": {"lime": {"alpha": -1}}},
    {"type": "explain", "target": "happy"},
    {"type": "explain", "target": 9},
    {"type": "explain", "target": [1]},
    {"type": "explain", "target": 0.5},
    {"type": "token_influence"},
    {"type": "token_influence", "index": "three"},
    {"type": "token_influence", "index": 2.5},
    {"type": "token_influence", "index": None},
    {"type": "token_influence", "index": True},
    {"type": "token_influence", "index": 1, "level": "phrase"},
    {"type": "token_influence", "index": 10_000, "level": "word"},
    {"type": "influence", "method": "shapley"},
    {"type": "influence", "method": ["knn"]},
    {"type": "influence", "method": 4},
    {"type": "cancel", "now": "please"},  # a field widget_contract.json does not list
]


@pytest.fixture()
def widget(vocab, tmp_path):
    from conftest import make_word_model

    from notebook_explain import Explainer

    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    ex.index(SENTENCES * 4, [1, 0, 0] * 4, cache_dir=tmp_path, progress=False)
    return ex.show(SENTENCES[0], methods=["saliency_l2", "input_reduction"])


def _send(widget, message):
    widget._handle_custom_msg(message, [])
    assert widget.session.wait(timeout=120)


RAW = ("TypeError", "ValueError", "KeyError", "AttributeError", "IndexError", "Traceback")


@pytest.mark.parametrize("message", MESSAGES, ids=[repr(m)[:40] for m in MESSAGES])
def test_a_malformed_message_gets_a_clear_error_and_changes_nothing(widget, message):
    before, influence = widget.value, widget.influence
    _send(widget, message)
    if message == {"type": "cancel"}:
        assert widget.error == ""  # nothing runs: nothing to cancel
    else:
        assert widget.error, message
        assert not widget.error.startswith(RAW), widget.error
        assert len(widget.error) < 800
    assert widget.value is before and not widget.busy and widget.status == ""
    assert widget.influence["status"] == influence["status"]
    _send(widget, {"type": "explain", "text": SENTENCES[1], "methods": ["saliency_l2"]})
    assert widget.error == "" and widget.value.text == SENTENCES[1]  # still works


VIEW_STATES = [
    {"method": "integrated_gradients"},
    {"compare": ["saliency_l2", "lime"]},
    {"selected_token": 999},
    {"selected_token": -2},
    {"reduction_step": 99},
    {"view": "nope"},
    {"level": "sentence"},
    {"threshold": 7.0},
    {"top_k": 0.0},
    {"explanation": {"text": "edited in the browser"}},
    {"explanation": None},
    {"method": "saliency_l2", "selected_token": 999},
]


@pytest.mark.parametrize("state", VIEW_STATES, ids=[repr(s)[:40] for s in VIEW_STATES])
def test_a_view_state_the_kernel_cannot_show_is_undone(widget, state):
    before = {name: getattr(widget, name) for name in state}
    widget.method = "input_reduction"
    before["method"] = "input_reduction"
    widget.set_state(state)
    assert "undone" in widget.error
    for name in state:
        assert getattr(widget, name) == before.get(name, getattr(widget, name)), name
    widget.error = ""
    widget.set_state({"method": "saliency_l2", "selected_token": 1, "reduction_step": 1})
    assert widget.error == "" and (widget.method, widget.selected_token) == ("saliency_l2", 1)
