"""A dataset run's folder under damage: bits flipped inside finished parts, the journal and the
manifest; parts cut short or deleted. Every case is either computed again (the result then equals
a clean run, column by column) or refused with an ExplainError; a damaged byte is never read back
as data. The folder reads as one dataset in pandas, pyarrow, polars and DuckDB."""

import json
import random
import warnings

import numpy as np
import pytest
from conftest import make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.models.vocab import WordVocab

pq = pytest.importorskip("pyarrow.parquet")

METHODS = ["saliency_l2", "signed_grad_input"]
CHUNK = 4


@pytest.fixture(scope="module")
def case(data_dir):
    from notebook_explain.data import load_sst2

    test = load_sst2("test", data_dir=data_dir)
    texts, labels = test.texts[:14], test.labels[:14]
    vocab = WordVocab.build(texts)
    ex = Explainer(
        make_word_model("gru", vocab, seed=3), vocab, device="cpu", class_names=["neg", "pos"]
    )
    clean = ex.explain_dataset(texts, labels, methods=METHODS, chunk_rows=CHUNK, progress=False)
    return ex, texts, labels, clean.table


def _run(case, out):
    ex, texts, labels, _ = case
    return ex.explain_dataset(
        texts, labels, methods=METHODS, chunk_rows=CHUNK, out=out, progress=False
    )


def _same_as_clean(result, clean):
    assert result.table.column_names == clean.column_names
    for name in clean.column_names:
        assert result.table.column(name).equals(clean.column(name)), name


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 1 << (offset % 8)
    path.write_bytes(bytes(data))


def _offsets(path, count, seed):
    """Byte offsets all through the file: its header, the column chunks and the footer."""
    size = path.stat().st_size
    rng = random.Random(seed)
    return sorted(
        {0, 4, size // 2, size - 9, size - 1, *(rng.randrange(size) for _ in range(count))}
    )


def _column_offset(path, column):
    """Where one column's data starts in the part (the `row` and the scores columns)."""
    meta = pq.read_metadata(path).row_group(0)
    for i in range(meta.num_columns):
        if meta.column(i).path_in_schema.startswith(column):
            return meta.column(i).data_page_offset + 8
    raise AssertionError(column)


@pytest.mark.parametrize("seed", range(3))
def test_a_bit_flipped_anywhere_in_a_part_is_recomputed_never_read(case, tmp_path, seed):
    out = tmp_path / "run"
    _same_as_clean(_run(case, out), case[3])
    part = out / "parts" / "part-000001.parquet"
    clean_bytes = part.read_bytes()
    offsets = _offsets(part, 12, seed) + [
        _column_offset(part, "row"),
        _column_offset(part, "scores/saliency_l2"),
    ]
    for offset in offsets:
        part.write_bytes(clean_bytes)
        _flip(part, offset)
        with pytest.warns(UserWarning, match="part-000001.parquet"):
            result = _run(case, out)
        assert result.resumed_rows == 14 - CHUNK, offset
        _same_as_clean(result, case[3])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # rewritten: the next call trusts every part
            again = _run(case, out)
        assert again.resumed_rows == 14
        _same_as_clean(again, case[3])


@pytest.mark.parametrize("damage", ["truncated", "emptied", "deleted", "replaced by another part"])
def test_a_cut_deleted_or_swapped_part_is_recomputed(case, tmp_path, damage):
    out = tmp_path / "run"
    _run(case, out)
    part, other = out / "parts" / "part-000002.parquet", out / "parts" / "part-000000.parquet"
    if damage == "truncated":
        part.write_bytes(part.read_bytes()[:-50])
    elif damage == "emptied":
        part.write_bytes(b"")
    elif damage == "deleted":
        part.unlink()
    else:
        part.write_bytes(other.read_bytes())
    result = _run(case, out) if damage == "deleted" else None
    if result is None:
        with pytest.warns(UserWarning, match="part-000002.parquet"):
            result = _run(case, out)
    assert result.resumed_rows == 14 - CHUNK
    _same_as_clean(result, case[3])


def test_flips_in_the_journal_recompute_and_never_trust_a_part(case, tmp_path):
    out = tmp_path / "run"
    _run(case, out)
    journal = out / "_parts.jsonl"
    clean = journal.read_bytes()
    for offset in range(0, len(clean), 7):
        journal.write_bytes(clean)
        _flip(journal, offset)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a part it no longer trusts is named: fine here
            result = _run(case, out)  # a flip can only make a part untrusted, never its data
        _same_as_clean(result, case[3])
    journal.write_bytes(clean[: len(clean) // 2])  # a line cut short by a crash
    _same_as_clean(_run(case, out), case[3])


def test_flips_in_the_manifest_are_refused_or_change_nothing(case, tmp_path):
    out = tmp_path / "run"
    _run(case, out)
    manifest = out / "_manifest.json"
    clean = manifest.read_bytes()
    refused = 0
    for offset in range(0, len(clean), 3):
        manifest.write_bytes(clean)
        _flip(manifest, offset)
        try:
            result = _run(case, out)
        except ExplainError as error:
            assert "cannot be read" in str(error) or "holds another run" in str(error)
            refused += 1
            continue
        # a flip JSON reads as the same manifest (whitespace to whitespace): the run is the same
        assert json.loads(manifest.read_bytes()) == json.loads(clean)
        _same_as_clean(result, case[3])
    assert refused > len(clean) // 6


def test_an_older_runs_folder_is_refused_by_name(case, tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "part-000000.parquet").write_bytes(b"PAR1")
    with pytest.raises(ExplainError, match="older notebook_explain"):
        _run(case, out)


def test_the_folder_reads_as_one_dataset_in_pandas_pyarrow_polars_and_duckdb(case, tmp_path):
    out = tmp_path / "run"
    result = _run(case, out)
    expected = sorted(result.column("row"))
    frame = __import__("pandas").read_parquet(out)
    assert sorted(frame["row"]) == expected
    assert sorted(pq.read_table(out).column("row").to_pylist()) == expected
    polars = pytest.importorskip("polars")
    assert sorted(polars.read_parquet(out / "parts").get_column("row").to_list()) == expected
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(f"select row from read_parquet('{out}/parts/*.parquet')").fetchall()
    assert sorted(r[0] for r in rows) == expected
    # the class names travel as a dictionary-encoded column, a categorical in pandas
    assert list(frame["predicted_class"].cat.categories) == ["neg", "pos"]
    predicted = result.to_pandas()
    assert list(predicted["row"]) == list(range(len(expected)))  # sorted by the dataset's order
    assert predicted["predicted_class"].tolist() == [
        ["neg", "pos"][p] for p in predicted["prediction"]
    ]
    assert predicted["label_class"].tolist() == [["neg", "pos"][y] for y in case[2]]


def test_a_filter_is_pushed_down_to_the_parts(case, tmp_path):
    import pyarrow.compute as pc

    result = _run(case, tmp_path / "run")
    fresh = type(result)(None, result.manifest, result.path, files=result.files)
    kept = fresh.dataset().to_table(filter=pc.field("loss") > 0.7, columns=["row", "loss"])
    assert fresh._table is None  # the whole run was not read
    losses = np.asarray(result.column("loss"))
    assert sorted(kept.column("row").to_pylist()) == [i for i, v in enumerate(losses) if v > 0.7]


@pytest.mark.parametrize("uri", ["s3://bucket/run", "gs://bucket/run", "hdfs://host/run"])
def test_a_remote_uri_is_refused_before_anything_is_written(case, tmp_path, uri, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExplainError, match="remote location .*nothing was written"):
        _run(case, uri)
    assert list(tmp_path.iterdir()) == []  # no folder named "s3:" or anything else


def test_a_file_uri_is_the_local_folder(case, tmp_path):
    result = _run(case, (tmp_path / "run").as_uri())
    assert result.path == tmp_path / "run" and (tmp_path / "run" / "_manifest.json").exists()
    _same_as_clean(result, case[3])
