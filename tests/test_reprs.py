"""What a notebook cell prints: an Explainer, a TrainingIndex and an export are one-line summaries
that name what they are, never a dump of tensors or a whole HTML page."""

from conftest import SENTENCES, make_word_model

from notebook_explain import Explainer


def test_an_explainer_and_its_index_print_as_summaries(vocab, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_EXPLAIN_CACHE", str(tmp_path))
    ex = Explainer(make_word_model("gru", vocab), vocab, class_names=["negative", "positive"])
    assert repr(ex) == (
        f"Explainer('gru word classifier', classes=['negative', 'positive'], device='cpu', "
        f"{len(ex.supported_methods())} methods, training index: none)"
    )
    index = ex.index(SENTENCES, [0, 1, 0], progress=False)
    shown = repr(index)
    assert shown.startswith("TrainingIndex(3 examples, 2 classes, features 3×")
    assert "tensor" not in shown and len(shown) < 300
    assert repr(ex).endswith("training index: 3 examples)")


def test_an_export_to_a_file_returns_the_path_not_the_page(vocab, tmp_path):
    ex = Explainer(make_word_model("gru", vocab), vocab)
    e = ex.explain(SENTENCES[0], methods=["saliency_l2"])
    path = tmp_path / "e.html"
    assert e.to_html(path) == path and path.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert e.to_html().startswith("<!DOCTYPE")
