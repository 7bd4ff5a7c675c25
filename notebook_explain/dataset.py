"""Dataset mode: explain (and optionally evaluate) every text of a dataset, in chunks written to
Parquet, so that an interrupted run resumes where it stopped and nothing computed is lost.

A run is a folder that pandas, pyarrow, polars and DuckDB read as one Parquet dataset:

- ``_manifest.json``: what is computed (the model's weight fingerprint, the methods and their
  parameters, the metrics, and hashes of the texts and labels);
- ``parts/part-<number>.parquet``: one file per chunk of rows, written to a hidden temporary
  file, flushed to disk and renamed into place when complete;
- ``_parts.jsonl``: one line per finished part, appended after its rename: its rows and the
  SHA-256 of its file.

(Names starting with ``_`` or ``.`` are skipped by Parquet readers.) Chunks take the texts in
length order (so their batches pad little); each row keeps its position in the dataset in the
``row`` column, and ``DatasetResult`` sorts by it. A later call with the same folder and the same
request checks each part against its checksum and computes only the parts that are missing or
fail it (with a warning naming them): a damaged part is never read as data. A different request
is refused rather than mixed in. Parts are written and forgotten, so memory stays that of one
chunk however many rows the run has; the result reads the folder when asked.

Per text the result holds the prediction, its confidence, the loss when labels are given, each
method's word scores and, when metrics are asked for, each metric per method (the metrics of
``notebook_explain.metrics``, as ``Explainer.evaluate`` computes them).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .cache import fsync_folder, write_atomic
from .errors import ExplainError

#: the methods explain_dataset runs by default: the gradient family, which one backward pass
#: per batch of texts serves
GRADIENT_PANEL = ("signed_grad_input", "grad_input", "saliency_l2")
#: rows per Parquet part: what an interruption can lose at most
CHUNK_ROWS = 256
MANIFEST = "_manifest.json"
#: the journal of finished parts: one JSON line per part, {"part", "rows", "sha256"}
JOURNAL = "_parts.jsonl"
PARTS = "parts"
#: what older versions called the manifest (format 2: parts beside it)
OLD_MANIFEST = "manifest.json"
FORMAT_VERSION = 3  # 2: chunks in length order, parts numbered; 3: parts/ and checksums


def require_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ExplainError(
            "Dataset mode writes Parquet through pyarrow, which notebook_explain does not "
            "install: pip install 'notebook_explain[dataset]' (or pip install pyarrow)."
        ) from None
    return pyarrow


def score_column(method: str) -> str:
    return f"scores/{method}"


def metric_column(metric: str, method: str) -> str:
    return f"{metric}/{method}"


def run_folder(out) -> Path:
    """The local folder ``out`` names: a path, or a ``file://`` URI. A remote URI (``s3://``,
    ``gs://``, …) is refused before anything is written: a path with a scheme would otherwise
    become a local folder named ``s3:``."""
    if not isinstance(out, (str, os.PathLike)):
        raise ExplainError(f"out must be a folder path or None, got {type(out).__name__}.")
    text = os.fspath(out)
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text)
    if scheme.lower() == "file":
        from urllib.parse import unquote, urlparse

        parsed = urlparse(text)
        if parsed.netloc not in ("", "localhost"):
            raise ExplainError(f"out={text!r} names another host; give a local folder.")
        return Path(unquote(parsed.path))
    raise ExplainError(
        f"out={text!r} is a remote location ({scheme}://), which dataset mode does not write to "
        "yet: write the run to a local folder (or a mounted one), then copy the folder; nothing "
        "was written."
    )


def _digest(values) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:16]


def _labels(engine, labels, n: int) -> list[int] | None:
    """Label indices (class names or indices in, indices out), checked."""
    if labels is None:
        return None
    labels = list(labels)
    if len(labels) != n:
        raise ExplainError(f"labels needs one label per text ({n}); got {len(labels)}.")
    out = []
    for i, label in enumerate(labels):
        if label is None:
            raise ExplainError(f"label {i} is missing (None): give every text a label, or none.")
        try:
            out.append(engine.target_index(label))
        except ExplainError as error:
            raise ExplainError(f"label {i}: {error}") from None
    return out


class DatasetRun:
    """What one ``explain_dataset`` call computes, and where it writes it."""

    def __init__(self, engine, texts, *, labels, methods, metrics, out, chunk_rows):
        from .metrics.base import resolve_metrics

        if isinstance(texts, str):
            raise ExplainError("explain_dataset takes a list of texts; use explain() for one.")
        self.engine = engine
        self.texts = list(texts)
        if not self.texts:
            raise ExplainError("explain_dataset needs at least one text; got none.")
        for i, text in enumerate(self.texts):
            try:
                engine.check_text(text)
            except ExplainError as error:
                raise ExplainError(f"text {i}: {error}") from None
        self.labels = _labels(engine, labels, len(self.texts))
        resolved, _, _ = engine.request(
            methods if methods is not None else list(GRADIENT_PANEL), None, "logit", None
        )
        self.methods = {name: params for name, (_, params) in resolved.items()}
        self.metrics = (
            {name: params for name, (_, params) in resolve_metrics(metrics, ()).items()}
            if metrics
            else {}
        )
        if not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ExplainError(f"chunk_rows must be a positive integer, got {chunk_rows!r}.")
        self.chunk_rows = chunk_rows
        self.out = None if out is None else run_folder(out)
        self.manifest = {
            "format": FORMAT_VERSION,
            "model": engine.fingerprint(),
            "methods": self.methods,
            "metrics": self.metrics,
            "texts": _digest(self.texts),
            "labels": None if self.labels is None else _digest(self.labels),
            "rows": len(self.texts),
            "chunk_rows": chunk_rows,
            "class_names": engine.class_names,
        }

    # ------------------------------------------------------------------ the folder
    def chunks(self) -> list[tuple[int, ...]]:
        """The rows of each chunk: consecutive in length order (by characters), so that a
        chunk's batches pad little; the plan depends on the texts only, so a resumed run
        finds the same chunks."""
        order = sorted(range(len(self.texts)), key=lambda i: (len(self.texts[i]), i))
        step = self.chunk_rows
        return [tuple(order[s : s + step]) for s in range(0, len(order), step)]

    def part(self, number: int) -> Path:
        return self.out / PARTS / f"part-{number:06d}.parquet"

    def open_folder(self) -> None:
        """Create ``out`` with its manifest, or check that the manifest there is this run's."""
        if self.out.exists() and not self.out.is_dir():
            raise ExplainError(f"out={str(self.out)!r} is a file; pass a folder for the run.")
        if (self.out / OLD_MANIFEST).exists() and not (self.out / MANIFEST).exists():
            raise ExplainError(
                f"{self.out} holds a run written by an older notebook_explain (parts beside "
                f"{OLD_MANIFEST}): pass another out=, or delete that folder to start over."
            )
        manifest = self.out / MANIFEST
        if manifest.exists() and self.manifest["model"] is None:
            raise ExplainError(
                f"{self.out} holds a run, and this model lists no parameters to check that it is "
                "the same model: pass another out= to start a new run."
            )
        if manifest.exists():
            try:
                found = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ExplainError(
                    f"{manifest} cannot be read ({error}); delete the folder or pass another out=."
                ) from None
            if found != json.loads(json.dumps(self.manifest)):
                differs = sorted(k for k in self.manifest if found.get(k) != self.manifest.get(k))
                raise ExplainError(
                    f"{self.out} holds another run (its {', '.join(differs)} differ from this "
                    "call's): pass another out=, or delete that folder to start over."
                )
            return
        if self.out.exists() and any(self.out.iterdir()):
            raise ExplainError(
                f"{self.out} is not empty and holds no {MANIFEST}: pass a new or empty folder."
            )
        (self.out / PARTS).mkdir(parents=True, exist_ok=True)
        write_atomic(manifest, json.dumps(self.manifest, indent=1).encode("utf-8"))

    def journal(self) -> dict[int, dict]:
        """The finished parts the journal lists, by number (a later line for a part wins; a
        line that does not parse, as a write cut short leaves, lists nothing)."""
        entries: dict[int, dict] = {}
        try:
            lines = (self.out / JOURNAL).read_bytes().splitlines()
        except FileNotFoundError:
            return entries
        for line in lines:
            try:
                entry = json.loads(line)
                entries[int(entry["part"])] = entry
            except (ValueError, KeyError, TypeError):
                continue
        return entries

    def verified(self, chunks) -> set[int]:
        """The chunks whose part is on disk and matches the journal's rows and checksum; a part
        that is there but fails is named in a warning, and computed again."""
        journal, good, bad = self.journal(), set(), []
        for number, rows in enumerate(chunks):
            path, entry = self.part(number), journal.get(number)
            if not path.exists():
                continue
            if entry is None:  # renamed into place, but killed before its journal line
                continue
            if entry.get("rows") == len(rows) and entry.get("sha256") == _file_sha256(path):
                good.add(number)
            else:
                bad.append(path.name)
        if bad:
            warnings.warn(
                f"{len(bad)} part(s) of the run in {self.out} fail their checksum and are computed "
                f"again: {', '.join(bad[:5])}{' …' if len(bad) > 5 else ''}.",
                stacklevel=4,
            )
        return good

    def write_part(self, number: int, table) -> None:
        """Write a part whole (temporary file, fsync, rename), then journal its checksum."""
        import pyarrow.parquet as pq

        path = self.part(number)
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        digest = _file_sha256(tmp)
        os.replace(tmp, path)  # a part is there whole, or not at all
        fsync_folder(path.parent)
        line = json.dumps({"part": number, "rows": table.num_rows, "sha256": digest})
        with open(self.out / JOURNAL, "ab") as journal:
            journal.write(line.encode() + b"\n")
            journal.flush()
            os.fsync(journal.fileno())

    # ------------------------------------------------------------------ computing
    def compute(self, rows: tuple[int, ...], check=None, on_text=None):
        """The pyarrow Table of these rows; ``on_text()`` is called as each text is done."""
        import pyarrow as pa

        from .metrics import evaluate

        texts = [self.texts[i] for i in rows]
        labels = None if self.labels is None else [self.labels[i] for i in rows]
        explanations = self.engine.explain_many(
            texts, methods=self.methods, check=check, progress=False, on_text=on_text
        )
        columns: dict[str, list] = {
            "row": list(rows),
            "text": texts,
            "words": [list(e.words) for e in explanations],
            "label": labels,
            "prediction": [int(np.argmax(e.probabilities)) for e in explanations],
            "confidence": [float(np.max(e.probabilities)) for e in explanations],
            "probabilities": [e.probabilities.astype(np.float32) for e in explanations],
        }
        if self.labels is not None:
            columns["loss"] = [_loss(e.probabilities, y) for e, y in zip(explanations, labels)]
        else:
            del columns["label"]
        for method in self.methods:
            columns[score_column(method)] = [
                e.scores(method).astype(np.float32) for e in explanations
            ]
        if self.metrics:
            evaluations = [
                evaluate(self.engine, e, self.metrics, check=check) for e in explanations
            ]
            for metric in self.metrics:
                for method in self.methods:
                    columns[metric_column(metric, method)] = [
                        float(ev.value(method, metric)) for ev in evaluations
                    ]
        table = pa.table(columns)
        names = pa.array(self.engine.class_names, pa.string())
        table = table.append_column(
            "predicted_class",
            pa.DictionaryArray.from_arrays(pa.array(columns["prediction"], pa.int32()), names),
        )
        if labels is not None:
            table = table.append_column(
                "label_class", pa.DictionaryArray.from_arrays(pa.array(labels, pa.int32()), names)
            )
        return table

    def run(self, *, progress: bool, check, backend: str, workers):
        """Every chunk, computed (here, or on Ray's workers) or read from ``out``."""
        import pyarrow as pa
        from tqdm.auto import tqdm

        chunks = self.chunks()
        tables: dict[int, object] = {}  # kept only without a folder to write to
        done: set[int] = set()
        if self.out is not None:
            self.open_folder()
            done = self.verified(chunks)
        resumed = sum(len(chunks[number]) for number in done)
        missing = [(n, rows) for n, rows in enumerate(chunks) if n not in done]
        with tqdm(
            total=len(self.texts),
            initial=resumed,
            desc="explaining the dataset",
            disable=not progress,
        ) as bar:
            # the bar moves per text here, per chunk as Ray's workers finish theirs
            advance = (lambda: bar.update(1)) if backend == "local" else None
            computed = (
                ray_chunks(self, missing, workers, check)
                if backend == "ray"
                else (
                    (n, self.compute(rows, check, advance))
                    for n, rows in missing
                    if _checked(check)
                )
            )
            for number, table in computed:
                if self.out is not None:
                    self.write_part(number, table)
                else:
                    tables[number] = table
                if advance is None:
                    bar.update(table.num_rows)
        if self.out is None:
            table = pa.concat_tables([tables[n] for n in range(len(chunks))]).sort_by("row")
            return DatasetResult(table, self.manifest, None, resumed)
        files = [self.part(n) for n in range(len(chunks))]
        return DatasetResult(None, self.manifest, self.out, resumed, files=files)


ENGINES = ("local", "ray")


def _checked(check) -> bool:
    """Run ``check`` (it raises to stop) between chunks too: a chunk of the gradient panel has
    no batched pass of its own to check before."""
    if check is not None:
        check()
    return True


def ray_chunks(run: DatasetRun, chunks, workers, check):
    """(chunk number, table) for each (number, rows) chunk, computed by a pool of Ray actors, each holding one replica
    of the explainer (and one GPU when the model is on one), as they finish. Ray connects to the
    cluster ``ray.init`` (or ``RAY_ADDRESS``) names, or starts a local one."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise ExplainError("engine='ray' needs Ray: pip install 'notebook_explain[ray]'.") from None
    if not chunks:
        return
    if not ray.is_initialized():  # joins the cluster RAY_ADDRESS names, else starts a local one
        ray.init(configure_logging=False, log_to_driver=False)
    gpus = 1 if str(getattr(run.engine.adapter, "device", "cpu")).startswith("cuda") else 0
    if workers is None:
        resource = "GPU" if gpus else "CPU"
        workers = max(1, int(ray.cluster_resources().get(resource, 1)))
    if not isinstance(workers, int) or workers < 1:
        raise ExplainError(f"workers must be a positive integer, got {workers!r}.")
    replica = ray.put(run)
    actor = ray.remote(num_cpus=1, num_gpus=gpus)(ChunkWorker)
    actors = [actor.remote(replica) for _ in range(min(workers, len(chunks)))]
    try:
        for chunk, table in ActorPool(actors).map_unordered(
            lambda a, c: a.compute.remote(c), chunks
        ):
            if check is not None:
                check()
            yield chunk, table
    finally:  # done, failed or stopped: the replicas go
        for a in actors:
            ray.kill(a)


class ChunkWorker:
    """One replica of a run's engine on a Ray worker (made a Ray actor by ``ray_chunks``)."""

    def __init__(self, run: DatasetRun):
        self.run = run

    def compute(self, chunk: tuple[int, tuple[int, ...]]):
        number, rows = chunk
        return number, self.run.compute(rows)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _loss(probabilities, label: int) -> float:
    return float(-math.log(max(float(probabilities[label]), 1e-45)))


class DatasetResult:
    """The result of ``Explainer.explain_dataset``: one row per text, in the dataset's order,
    as a pyarrow ``table`` (and ``to_arrow()``, ``to_pandas()``), with the Parquet folder it was
    written to (``path``, or None). With a folder, nothing is read until asked: ``dataset()``
    gives a ``pyarrow.dataset`` over the parts, for filters and column selections pushed down
    to the files, and ``table`` reads the whole run once.

    ``prediction`` and ``label`` are class indices; ``predicted_class`` and ``label_class`` are
    the same as dictionary-encoded class names (categoricals in pandas)."""

    def __init__(
        self,
        table,
        manifest: dict,
        path: Path | None,
        resumed_rows: int = 0,
        files: Sequence[Path] = (),
    ):
        self._table = table
        self.manifest = manifest
        self.path = path
        self.files = list(files)
        #: how many rows were read from an earlier run instead of computed
        self.resumed_rows = resumed_rows

    @property
    def table(self):
        """The whole run as one pyarrow Table, sorted by ``row`` (read from the folder once)."""
        if self._table is None:
            self._table = self.dataset().to_table().sort_by("row")
        return self._table

    def dataset(self):
        """The run's parts as a ``pyarrow.dataset.Dataset`` (rows in chunk order, not sorted):
        ``result.dataset().to_table(filter=pc.field("loss") > 2, columns=[...])`` reads only
        what the filter keeps."""
        import pyarrow.dataset as ds

        if self.path is None:
            return ds.dataset(self.table)
        return ds.dataset([str(f) for f in self.files], format="parquet")

    def to_arrow(self):
        """The run as one pyarrow Table (``table``)."""
        return self.table

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods whose word scores the rows hold (``scores/<method>``)."""
        return tuple(self.manifest["methods"])

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics computed per method (``<metric>/<method>``), if any."""
        return tuple(self.manifest["metrics"])

    @property
    def class_names(self) -> tuple[str, ...]:
        """The model's class names: ``prediction`` and ``label`` index them."""
        return tuple(self.manifest["class_names"])

    def __len__(self) -> int:
        return self.manifest["rows"]

    def column(self, name: str) -> list:
        """One column as a Python list.

        Args:
            name: ``row``, ``text``, ``words``, ``label``, ``prediction``, ``confidence``,
                ``probabilities``, ``loss``, ``scores/<method>`` or ``<metric>/<method>``.

        Returns:
            The column's values, one per row.
        """
        if name not in self.table.column_names:
            raise ExplainError(f"No column {name!r}; the columns are {self.table.column_names}.")
        return self.table.column(name).to_pylist()

    def scores(self, method: str, row: int) -> np.ndarray:
        """The word scores of one method for one row.

        Args:
            method: A computed method.
            row: The row (the text's position in the dataset).

        Returns:
            One float32 score per word of that row's ``words``.
        """
        if method not in self.methods:
            raise ExplainError(
                f"{method!r} was not computed; the methods are {list(self.methods)}."
            )
        return np.asarray(self.table.column(score_column(method))[row].as_py(), dtype=np.float32)

    def accuracy(self) -> float:
        """The share of rows predicted as labelled (labels are needed)."""
        if "label" not in self.table.column_names:
            raise ExplainError("accuracy needs labels: pass labels= to explain_dataset.")
        labels = np.asarray(self.column("label"))
        return float(np.mean(np.asarray(self.column("prediction")) == labels))

    def to_pandas(self):
        """A DataFrame with one row per text (needs pandas), by pyarrow's own conversion."""
        from .tabular import require_pandas

        require_pandas()
        return self.table.to_pandas()

    def aggregate(self, confidence: float = 0.95):
        """Each metric's mean per method over the rows where it applies, with a confidence
        interval (normal approximation: mean ± z·s/√n; too narrow below about 30 rows).

        Args:
            confidence: The interval's coverage, in (0, 1).

        Returns:
            A DataFrame indexed by (method, metric): ``mean``, ``low``, ``high`` and ``n``.
        """
        from .tabular import dataframe

        if not 0 < confidence < 1:
            raise ExplainError(f"confidence must be in (0, 1), got {confidence!r}.")
        if not self.metrics:
            raise ExplainError("aggregate needs metrics: pass metrics= to explain_dataset.")
        z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
        rows = {"method": [], "metric": [], "mean": [], "low": [], "high": [], "n": []}
        for method in self.methods:
            for metric in self.metrics:
                values = np.asarray(self.column(metric_column(metric, method)), dtype=float)
                values = values[np.isfinite(values)]
                n = len(values)
                mean = float(values.mean()) if n else math.nan
                half = z * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
                for key, value in zip(
                    rows, (method, metric, mean, mean - half, mean + half, n), strict=True
                ):
                    rows[key].append(value)
        frame = dataframe(rows)
        return frame.set_index(["method", "metric"])

    def __repr__(self) -> str:
        where = f", at {str(self.path)!r}" if self.path is not None else ""
        return f"DatasetResult({len(self)} rows, methods={list(self.methods)}{where})"


def browse_payload(result: DatasetResult) -> dict:
    """The run as the widget's ``dataset`` trait: every column a binary array (the texts one
    UTF-8 buffer with offsets), never one JSON object per row."""

    def array(values, dtype) -> dict:
        data = np.ascontiguousarray(np.asarray(values, dtype=dtype))
        return {"dtype": data.dtype.str, "shape": [len(data)], "data": data.tobytes()}

    texts = [t.encode("utf-8") for t in result.column("text")]
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in texts])])
    if offsets[-1] >= 2**31:
        raise ExplainError("The texts are over 2 GiB together: browse a part of the run.")
    columns = {
        "prediction": array(result.column("prediction"), np.int32),
        "confidence": array(result.column("confidence"), np.float32),
        "words": array([len(w) for w in result.column("words")], np.int32),
    }
    if "label" in result.table.column_names:
        columns["label"] = array(result.column("label"), np.int32)
        columns["loss"] = array(result.column("loss"), np.float32)
    for metric in result.metrics:
        for method in result.methods:
            name = metric_column(metric, method)
            columns[name] = array(result.column(name), np.float32)
    return {
        "rows": len(result),
        "class_names": list(result.class_names),
        "methods": result.manifest["methods"],
        "columns": columns,
        "text": {"dtype": "|u1", "shape": [int(offsets[-1])], "data": b"".join(texts)},
        "text_offsets": array(offsets, np.int32),
    }


def explain_dataset(
    engine,
    texts: Sequence[str],
    *,
    labels=None,
    methods=None,
    metrics=None,
    out=None,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool = True,
    check=None,
    backend: str = "local",
    workers: int | None = None,
) -> DatasetResult:
    """See ``Explainer.explain_dataset`` (``backend`` is its ``engine=``: where the chunks
    run); ``engine`` is the model's ``engine.Engine``."""
    if backend not in ENGINES:
        raise ExplainError(f"Unknown engine {backend!r}; choose one of {list(ENGINES)}.")
    require_pyarrow()
    run = DatasetRun(
        engine,
        texts,
        labels=labels,
        methods=methods,
        metrics=metrics,
        out=out,
        chunk_rows=chunk_rows,
    )
    return run.run(progress=progress, check=check, backend=backend, workers=workers)
