"""Dataset mode (Explainer.explain_dataset): the rows are what explain / evaluate give text by
text; an interrupted run resumes from its Parquet parts and ends equal to an uninterrupted one;
a folder holding another run is refused; bad input is named."""

import json
import math
import statistics
import sys

import numpy as np
import pytest
from conftest import make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.models.vocab import WordVocab

pytest.importorskip("pyarrow")

METHODS = {"signed_grad_input": {}, "integrated_gradients": {"steps": 8}, "leave_one_out": {}}


@pytest.fixture(scope="module")
def sst(data_dir):
    from notebook_explain.data import load_sst2

    test = load_sst2("test", data_dir=data_dir)
    return test.texts[:14], test.labels[:14]


@pytest.fixture(scope="module")
def ex(sst):
    vocab = WordVocab.build(sst[0])
    return Explainer(
        make_word_model("gru", vocab, seed=3), vocab, device="cpu", class_names=["neg", "pos"]
    )


def test_every_row_is_what_explain_and_evaluate_give_for_that_text(ex, sst):
    texts, labels = sst
    result = ex.explain_dataset(
        texts, labels, methods=METHODS, metrics=["aopc", "deletion"], progress=False
    )
    assert len(result) == len(texts) and result.path is None
    for row, (text, label) in enumerate(zip(texts, labels)):
        alone = ex.explain(text, methods=METHODS)
        p = ex.predict(text)
        assert result.column("prediction")[row] == int(np.argmax(p))
        assert result.column("confidence")[row] == pytest.approx(float(p.max()), abs=1e-6)
        assert result.column("loss")[row] == pytest.approx(-math.log(p[label]), abs=1e-5)
        assert result.column("words")[row] == list(alone.words)
        for method in METHODS:
            np.testing.assert_allclose(
                result.scores(method, row), alone.scores(method), rtol=1e-4, atol=1e-6
            )
        evaluation = ex.evaluate(alone, ["aopc", "deletion"])
        for metric in ("aopc", "deletion"):
            for method in METHODS:
                assert result.column(f"{metric}/{method}")[row] == pytest.approx(
                    evaluation.value(method, metric), rel=1e-4, abs=1e-6
                )
    predictions = np.array([np.argmax(ex.predict(t)) for t in texts])
    assert result.accuracy() == pytest.approx(float(np.mean(predictions == np.array(labels))))


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_and_ends_equal_to_an_uninterrupted_one(
    ex, sst, tmp_path, monkeypatch
):
    texts, labels = sst
    whole = ex.explain_dataset(texts, labels, methods=METHODS, progress=False)
    out = tmp_path / "run"
    chunks = []
    explain_many = ex.engine.explain_many
    monkeypatch.setattr(
        ex.engine, "explain_many", lambda t, **k: chunks.append(len(t)) or explain_many(t, **k)
    )

    def stop_in_the_third_chunk():
        if len(chunks) == 3:
            raise Interrupted()

    with pytest.raises(Interrupted):
        ex.explain_dataset(
            texts, labels, methods=METHODS, out=out, chunk_rows=4, progress=False,
            check=stop_in_the_third_chunk,
        )  # fmt: skip
    parts = sorted(p.name for p in out.glob("parts/part-*.parquet"))
    assert parts == ["part-000000.parquet", "part-000001.parquet"]
    assert not list(out.glob("parts/.*.tmp"))  # the interrupted chunk left nothing half-written
    chunks.clear()
    resumed = ex.explain_dataset(
        texts, labels, methods=METHODS, out=out, chunk_rows=4, progress=False
    )
    assert resumed.resumed_rows == 8 and chunks == [4, 2]  # only the missing chunks ran
    assert resumed.table.column_names == whole.table.column_names
    for name in whole.table.column_names:
        a, b = resumed.column(name), whole.column(name)
        if name.startswith("scores/"):
            for x, y in zip(a, b):
                np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7)
        elif name in ("confidence", "loss", "probabilities"):
            np.testing.assert_allclose(np.array(a, dtype=object).tolist(), b, rtol=1e-5)
        else:
            assert a == b, name
    # and once complete, a third call computes nothing
    chunks.clear()
    again = ex.explain_dataset(
        texts, labels, methods=METHODS, out=out, chunk_rows=4, progress=False
    )
    assert chunks == [] and again.resumed_rows == len(texts)


def test_a_damaged_part_is_computed_again(ex, sst, tmp_path):
    texts, labels = sst
    out = tmp_path / "run"
    first = ex.explain_dataset(texts, labels, methods=["saliency_l2"], out=out, chunk_rows=5,
                               progress=False)  # fmt: skip
    part = sorted(out.glob("parts/part-*.parquet"))[1]
    part.write_bytes(part.read_bytes()[:100])
    with pytest.warns(UserWarning, match="part-000001.parquet"):
        again = ex.explain_dataset(texts, labels, methods=["saliency_l2"], out=out, chunk_rows=5,
                                   progress=False)  # fmt: skip
    assert again.resumed_rows == len(texts) - 5
    assert again.column("prediction") == first.column("prediction")


@pytest.mark.parametrize(
    "change, named",
    [
        ({"methods": ["saliency_l2", "grad_input"]}, "methods"),
        ({"labels": "flipped"}, "labels"),
        ({"chunk_rows": 3}, "chunk_rows"),
    ],
)
def test_a_folder_holding_another_run_is_refused(ex, sst, tmp_path, change, named):
    texts, labels = sst
    out = tmp_path / "run"
    ex.explain_dataset(texts, labels, methods=["saliency_l2"], out=out, chunk_rows=5,
                       progress=False)  # fmt: skip
    request = {"methods": ["saliency_l2"], "labels": labels, "chunk_rows": 5, **change}
    if isinstance(request["labels"], str):  # "flipped"
        request["labels"] = [1 - y for y in labels]
    with pytest.raises(ExplainError, match=rf"holds another run \(its {named} differ"):
        ex.explain_dataset(texts, out=out, progress=False, **request)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["methods"] == {"saliency_l2": {}}  # untouched


def test_a_folder_with_other_files_and_a_file_are_refused(ex, sst, tmp_path):
    texts, _ = sst
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExplainError, match="is not empty and holds no _manifest.json"):
        ex.explain_dataset(texts, out=tmp_path, progress=False)
    with pytest.raises(ExplainError, match="is a file"):
        ex.explain_dataset(texts, out=tmp_path / "notes.txt", progress=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"texts": "one text"}, "takes a list of texts"),
        ({"texts": []}, "at least one text"),
        ({"texts": ["fine", ""]}, "text 1: "),
        ({"labels": [0]}, r"one label per text \(2\); got 1"),
        ({"labels": [0, "maybe"]}, "label 1: Unknown target class 'maybe'"),
        ({"labels": [0, None]}, "label 1 is missing"),
        ({"methods": ["no_such_method"]}, "no_such_method"),
        ({"chunk_rows": 0}, "chunk_rows must be a positive integer"),
        ({"chunk_rows": 2.5}, "chunk_rows must be a positive integer"),
        ({"out": 12}, "out must be a folder path or None, got int"),
        ({"labels": [0, float("nan")]}, "label 1: Unknown target class nan"),
    ],
)
def test_bad_input_is_named(ex, kwargs, message):
    request = {"texts": ["a fine film", "a dull one"], **kwargs}
    with pytest.raises(ExplainError, match=message):
        ex.explain_dataset(progress=False, **request)


def test_aggregate_is_the_mean_with_a_normal_interval(ex, sst):
    texts, labels = sst
    result = ex.explain_dataset(texts, labels, methods=["signed_grad_input", "saliency_l2"],
                                metrics=["aopc"], progress=False)  # fmt: skip
    table = result.aggregate(confidence=0.9)
    z = statistics.NormalDist().inv_cdf(0.95)
    for method in ("signed_grad_input", "saliency_l2"):
        values = np.array(result.column(f"aopc/{method}"))
        row = table.loc[(method, "aopc")]
        half = z * values.std(ddof=1) / math.sqrt(len(values))
        assert row["mean"] == pytest.approx(values.mean())
        assert row["low"] == pytest.approx(values.mean() - half)
        assert row["high"] == pytest.approx(values.mean() + half)
        assert row["n"] == len(values)
    with pytest.raises(ExplainError, match="aggregate needs metrics"):
        ex.explain_dataset(texts[:2], methods=["saliency_l2"], progress=False).aggregate()


def test_without_pyarrow_the_error_says_what_to_install(ex, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ExplainError, match=r"pip install 'notebook_explain\[dataset\]'"):
        ex.explain_dataset(["a fine film"], progress=False)


def test_browse_sends_binary_columns_and_a_row_click_explains_that_text(ex, sst):
    from notebook_explain.widget import ExplainWidget

    texts, labels = sst
    methods = {"signed_grad_input": {}, "saliency_l2": {}}
    result = ex.explain_dataset(texts, labels, methods=methods, metrics=["aopc"], progress=False)
    w = ex.browse(result)
    assert isinstance(w, ExplainWidget) and w.view == "dataset" and w.value is None
    payload = w.dataset
    assert payload["rows"] == len(texts) and payload["methods"] == result.manifest["methods"]
    assert list(payload["methods"]) == list(methods)  # with their resolved parameters

    def column(name):
        a = payload["columns"][name]
        return np.frombuffer(a["data"], dtype=np.dtype(a["dtype"])).tolist()

    assert column("prediction") == result.column("prediction")
    assert column("label") == list(labels)
    np.testing.assert_allclose(column("confidence"), result.column("confidence"), rtol=1e-6)
    np.testing.assert_allclose(
        column("aopc/signed_grad_input"), result.column("aopc/signed_grad_input"), rtol=1e-6
    )
    offsets = np.frombuffer(payload["text_offsets"]["data"], dtype=np.int32)
    blob = payload["text"]["data"]
    assert [blob[a:b].decode() for a, b in zip(offsets[:-1], offsets[1:])] == list(texts)
    # the view's click on row 3, as js/src/dataset.js sends it
    w._handle_custom_msg(
        {"type": "explain", "text": texts[3], "text_pair": None, "target": None,
         "contrast": None, "methods": methods, "method": ""},
        [],
    )  # fmt: skip
    assert w.session.wait(timeout=60) and w.error == ""
    expected = ex.explain(texts[3], methods=methods)
    assert w.value.text == texts[3] and w.value.methods == tuple(methods)
    np.testing.assert_allclose(w.value.scores("saliency_l2"), expected.scores("saliency_l2"))
    assert result.scores("saliency_l2", 3).tolist() == pytest.approx(
        expected.scores("saliency_l2").tolist(), rel=1e-4
    )


def test_browse_refuses_what_it_cannot_show(ex, sst):
    texts, _ = sst
    with pytest.raises(ExplainError, match="browse takes a DatasetResult"):
        ex.browse(texts)
    other = Explainer(ex.adapter.model, ex.adapter.vocab, class_names=["a", "b"], device="cpu")
    result = ex.explain_dataset(texts[:2], methods=["saliency_l2"], progress=False)
    with pytest.raises(ExplainError, match="made with another model"):
        other.browse(result)


def test_label_suspects_count_the_opponents_of_each_errors_gold_label(data_dir, tmp_path):
    """The counts are a recount of influence(text, target=label)'s opponents over the
    misclassified rows; with 10 % of the indexed labels flipped, the flipped examples are far
    more common among the top suspects than among the training rows."""
    from notebook_explain.data import load_sst2

    ex = Explainer.demo("gru-sst2", progress=False)
    train = load_sst2("train", data_dir=data_dir)
    texts, labels = train.texts[:300], list(train.labels[:300])
    flipped = set(range(0, 300, 10))
    noisy = [1 - y if i in flipped else y for i, y in enumerate(labels)]
    ex.index(texts, noisy, cache_dir=tmp_path, progress=False)
    dev = load_sst2("dev", data_dir=data_dir)
    run = ex.explain_dataset(dev.texts[:150], dev.labels[:150], methods=["saliency_l2"],
                             progress=False)  # fmt: skip
    suspects = ex.label_suspects(run, k=5, progress=False)
    wrong = [i for i, (p, y) in enumerate(zip(run.column("prediction"), run.column("label")))
             if p != y]  # fmt: skip
    assert suspects.examined == len(wrong) > 5
    recount: dict[int, int] = {}
    for i in wrong:
        answer = ex.influence(dev.texts[i], k=5, target=run.column("label")[i], highlights=0)
        for item in answer.opponents:
            recount[item.index] = recount.get(item.index, 0) + 1
    assert dict(zip(suspects.rows, suspects.counts)) == recount
    assert suspects.ranking == "errors" and len(suspects.scores) == len(suspects.rows)
    assert list(suspects.counts) == sorted(suspects.counts, reverse=True)
    top = suspects.rows[:15]
    assert len(flipped & set(top)) / 15 >= 3 * len(flipped) / 300  # ≥ 3× the base rate
    frame = suspects.to_pandas()
    assert list(frame.index[:3]) == list(suspects.rows[:3])
    w = ex.browse(run, suspects)
    assert [item["row"] for item in w.dataset["suspects"]["items"]] == list(suspects.rows)


def test_label_suspects_needs_labels_and_an_index(ex, sst):
    texts, _ = sst
    unlabelled = ex.explain_dataset(texts[:3], methods=["saliency_l2"], progress=False)
    with pytest.raises(ExplainError, match="needs a run with labels"):
        ex.label_suspects(unlabelled, progress=False)
    labelled = ex.explain_dataset(texts[:3], [0, 1, 0], methods=["saliency_l2"], progress=False)
    fresh = Explainer(ex.adapter.model, ex.adapter.vocab, class_names=["neg", "pos"], device="cpu")
    with pytest.raises(ExplainError, match="No training index yet"):
        fresh.label_suspects(labelled, progress=False)
    with pytest.raises(ExplainError, match="k must be a positive integer"):
        ex.label_suspects(labelled, k=0, progress=False)
    with pytest.raises(ExplainError, match="label_suspects takes a DatasetResult .* or None"):
        ex.label_suspects(texts)
