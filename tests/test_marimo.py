"""In marimo: mo.ui.anywidget forwards the attribute writes of its own state to the wrapped
widget (marimo sets ``_value`` on every frontend update), so the widget must keep working after
one: its explanation, its traits and its requests."""

import pytest
from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer, Explanation

mo = pytest.importorskip("marimo")


def test_the_widget_keeps_working_inside_marimo(vocab):
    explainer = Explainer(make_word_model("gru", vocab), vocab)
    w = explainer.show(SENTENCES[0], methods=["signed_grad_input", "leave_one_out"])
    wrapped = mo.ui.anywidget(w)
    wrapped._update({"method": "leave_one_out"})  # what a frontend update does
    assert w.method == "leave_one_out" and isinstance(w.value, Explanation)
    w._handle_custom_msg({"type": "explain", "text": SENTENCES[1]}, [])
    assert w.session.wait(timeout=60) and w.error == ""
    assert w.value.text == SENTENCES[1]
