"""The widget's contract is one file (notebook_explain/widget_contract.json) that both sides
read: the Python traits and requests must be the contract's, and so must js/README.md's table;
js/test/contract.test.js holds the JavaScript side to it (every message a JS test sends is
checked against it)."""

import re
from pathlib import Path

from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer
from notebook_explain.session import CONTRACT, REQUESTS
from notebook_explain.widget import STATE_TRAITS, ExplainWidget

JS_README = Path(__file__).parents[1] / "js" / "README.md"


def test_the_widgets_synced_traits_are_the_contracts():
    own = {
        name
        for name, trait in ExplainWidget.class_own_traits().items()
        if trait.metadata.get("sync") and not name.startswith("_")
    }
    assert own == set(CONTRACT["traits"])
    assert set(STATE_TRAITS) <= own


def test_the_session_serves_every_request_of_the_contract_but_the_widgets_ping():
    assert set(REQUESTS) == set(CONTRACT["requests"]) - {"ping"}
    assert set(CONTRACT["answers"]) == {"pong"}


def test_a_request_with_a_field_outside_the_contract_is_refused_by_name(vocab):
    ex = Explainer(make_word_model("gru", vocab), vocab, device="cpu")
    w = ex.show(SENTENCES[0], methods=["signed_grad_input"])
    w._handle_custom_msg({"type": "explain", "text": SENTENCES[1], "colour": "red"}, [])
    w.session.wait(30)
    assert "colour" in w.error and "widget_contract.json" in w.error
    assert w.value.text == SENTENCES[0]  # nothing ran


def test_js_readme_documents_exactly_the_contract():
    text = JS_README.read_text(encoding="utf-8")
    table = text.split("## The model contract")[1].split("###")[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert documented == set(CONTRACT["traits"])
    for kind in CONTRACT["requests"]:
        assert f'{{type: "{kind}"' in text, kind
