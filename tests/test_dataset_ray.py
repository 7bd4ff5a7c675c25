"""explain_dataset(engine="ray") on a local Ray cluster of this machine's CPUs: the same rows as
the local engine, the same Parquet layout, and it resumes a local engine's partial run."""

import numpy as np
import pytest
from conftest import make_word_model

from notebook_explain import Explainer, ExplainError
from notebook_explain.models.vocab import WordVocab

ray = pytest.importorskip("ray")
pytest.importorskip("pyarrow")

METHODS = {"signed_grad_input": {}, "integrated_gradients": {"steps": 8}}


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def case(data_dir):
    from notebook_explain.data import load_sst2

    test = load_sst2("test", data_dir=data_dir)
    texts, labels = test.texts[:22], list(test.labels[:22])
    vocab = WordVocab.build(texts)
    ex = Explainer(make_word_model("gru", vocab, seed=4), vocab, device="cpu")
    return ex, texts, labels


def same_rows(a, b):
    assert a.table.column_names == b.table.column_names
    for name in a.table.column_names:
        x, y = a.column(name), b.column(name)
        if name.startswith("scores/") or name == "probabilities":
            for u, v in zip(x, y):
                np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-7, err_msg=name)
        elif isinstance(x[0], float):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7, err_msg=name)
        else:
            assert x == y, name


def test_without_ray_init_it_starts_a_local_cluster(case, tmp_path):
    """The README's promise: engine="ray" needs no ray.init() first (it raised Ray's own
    RaySystemError before). Runs before the module's cluster fixture starts one."""
    ex, texts, labels = case
    assert not ray.is_initialized()
    try:
        result = ex.explain_dataset(
            texts[:6], labels[:6], methods=["saliency_l2"], chunk_rows=3, out=tmp_path / "run",
            engine="ray", workers=1, progress=False,
        )  # fmt: skip
        assert ray.is_initialized() and result.resumed_rows == 0
        same_rows(
            result,
            ex.explain_dataset(texts[:6], labels[:6], methods=["saliency_l2"], progress=False),
        )
    finally:
        ray.shutdown()


def test_ray_gives_the_local_engines_rows(cluster, case, tmp_path):
    ex, texts, labels = case
    local = ex.explain_dataset(texts, labels, methods=METHODS, metrics=["aopc"], chunk_rows=5,
                               progress=False)  # fmt: skip
    on_ray = ex.explain_dataset(texts, labels, methods=METHODS, metrics=["aopc"], chunk_rows=5,
                                out=tmp_path / "run", engine="ray", workers=2,
                                progress=False)  # fmt: skip
    same_rows(on_ray, local)
    parts = sorted(p.name for p in (tmp_path / "run").glob("parts/part-*.parquet"))
    assert parts == [f"part-{n:06d}.parquet" for n in range(5)]


def test_ray_resumes_a_partial_local_run(cluster, case, tmp_path):
    ex, texts, labels = case
    out = tmp_path / "run"

    class Stop(Exception):
        pass

    calls = []

    def stop_after_two_chunks():
        calls.append(1)
        if len(calls) > 2:
            raise Stop()

    with pytest.raises(Stop):
        ex.explain_dataset(texts, labels, methods=["saliency_l2"], chunk_rows=6, out=out,
                           progress=False, check=stop_after_two_chunks)  # fmt: skip
    done = len(list(out.glob("parts/part-*.parquet")))
    assert 0 < done < 4
    resumed = ex.explain_dataset(texts, labels, methods=["saliency_l2"], chunk_rows=6, out=out,
                                 engine="ray", progress=False)  # fmt: skip
    assert resumed.resumed_rows == 6 * done
    same_rows(resumed, ex.explain_dataset(texts, labels, methods=["saliency_l2"], progress=False))


def test_bad_engine_and_workers_are_named(case):
    ex, texts, _ = case
    with pytest.raises(ExplainError, match="Unknown engine 'spark'"):
        ex.explain_dataset(texts, engine="spark", progress=False)
    with pytest.raises(ExplainError, match="workers must be a positive integer"):
        ex.explain_dataset(texts, engine="ray", workers=0, progress=False)
