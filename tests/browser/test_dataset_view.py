"""Explainer.browse's table, exported and opened in chromium: sorting, paging and search show
the rows Python's own ordering gives."""

import numpy as np
import pytest
from harness import run_script

from notebook_explain import Explainer

pytest.importorskip("pyarrow")


def test_the_dataset_table_sorts_and_searches_like_python(data_dir, tmp_path):
    from notebook_explain.data import load_sst2

    ex = Explainer.demo("gru-sst2", progress=False)
    test = load_sst2("test", data_dir=data_dir)
    texts, labels = test.texts[:120], test.labels[:120]
    result = ex.explain_dataset(texts, labels, metrics=["aopc"], progress=False)
    page = tmp_path / "browse.html"
    ex.browse(result).to_html(page)
    r = run_script("dataset", PAGE=page, SORT="confidence", QUERY="Film", SHOT="dataset.png")
    assert r["pageErrors"] == []
    assert r["first"] == list(range(50))  # the first page, in the dataset's order
    confidence = np.asarray(result.column("confidence"), dtype=np.float32)  # as sent
    rows = np.arange(len(texts))
    largest = sorted(rows, key=lambda i: (-confidence[i], i))
    smallest = sorted(rows, key=lambda i: (confidence[i], i))
    assert r["descending"] == largest[:50] and r["ascending"] == smallest[:50]
    assert r["count"].strip() == f"rows 1–50 of {len(texts)}"
    # the search keeps the texts that contain it, in any case, still sorted
    kept = [i for i in smallest if "film" in texts[i].lower()]
    assert 0 < len(kept) < len(texts) and r["searched"] == kept[:50]
    assert r["opens"] == 0  # no kernel behind a static page: rows do not open
