"""Demo models: training on SST-2, the configuration-keyed cache, loading from it."""

import hashlib
import json
import time
import warnings
from dataclasses import replace

import numpy as np
import pytest

from notebook_explain import DataNotFoundError, Explainer, ExplainError
from notebook_explain.demo import (
    DEMO_MODELS,
    data_fingerprint,
    demo_config,
    demo_splits,
    flip_labels,
    load_demo,
)

SMALL = {"max_train": 400, "epochs": 2, "checkpoints": 2}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_word_demo_trains_caches_and_reloads(cache, data_dir, minilm_path):
    first = load_demo("gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL)
    info = first.info
    assert info["config"]["arch"] == "gru" and info["max_train"] == 400
    assert set(info["accuracy"]) == {"dev", "test"} and len(info["dev_accuracy_by_epoch"]) == 2
    assert info["accuracy"]["dev"] == max(info["dev_accuracy_by_epoch"])  # best epoch kept
    assert (
        json.loads((first.path / "checkpoints" / "index.json").read_text())[-1]["step"] == 26
    )  # 2 × ⌈400/32⌉
    stamp = (first.path / "info.json").stat().st_mtime

    start = time.perf_counter()
    again = Explainer.demo("gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL)
    assert time.perf_counter() - start < 10
    assert (first.path / "info.json").stat().st_mtime == stamp  # loaded, not retrained
    assert again.info == info and again.class_names == ["negative", "positive"]
    text = "a gorgeous , witty , seductive movie ."
    np.testing.assert_allclose(
        again.predict(text), Explainer(first.adapter).predict(text), atol=1e-6
    )


def test_a_cached_demo_loads_with_no_data_and_retrains_when_the_given_data_differs(
    cache, data_dir, minilm_path, monkeypatch, tmp_path
):
    first = load_demo("gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL)
    stamp = (first.path / "info.json").stat().st_mtime
    monkeypatch.delenv("NOTEBOOK_EXPLAIN_DATA", raising=False)
    monkeypatch.setenv("NOTEBOOK_EXPLAIN_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataNotFoundError):  # no data anywhere: nothing else could load it
        demo_splits("sst2")
    again = Explainer.demo("gru-sst2", cache_dir=cache, progress=False, **SMALL)
    assert (first.path / "info.json").stat().st_mtime == stamp
    text = "a gorgeous , witty , seductive movie ."
    np.testing.assert_allclose(again.predict(text), Explainer(first.adapter).predict(text))
    # data given that is not what the model was trained on: trained again, on the given data
    info = json.loads((first.path / "info.json").read_text())
    train = demo_splits("sst2", data_dir)["train"]
    first_400 = replace(train, texts=train.texts[:400], labels=train.labels[:400])
    assert info["data_fingerprint"] == data_fingerprint(first_400)
    (first.path / "info.json").write_text(json.dumps({**info, "data_fingerprint": "other"}))
    manifest = json.loads((first.path / "MANIFEST.json").read_text())  # an intact entry, on
    manifest["info.json"] = hashlib.sha256((first.path / "info.json").read_bytes()).hexdigest()
    (first.path / "MANIFEST.json").write_text(json.dumps(manifest))  # other data: not damaged
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # retrained for other data, without a damage warning
        retrained = load_demo(
            "gru-sst2", cache_dir=cache, data_dir=data_dir, progress=False, **SMALL
        )
    assert retrained.info["data_fingerprint"] == info["data_fingerprint"]
    assert (first.path / "info.json").stat().st_mtime != stamp


def test_minilm_word_embeddings_start_from_word_pieces(cache, data_dir, minilm_path):
    """Word embeddings start as the mean of MiniLM's word-piece embeddings."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from notebook_explain.demo.train import minilm_word_embeddings
    from notebook_explain.models.vocab import WordVocab

    vocab = WordVocab.build(["unbelievably good"])
    table = minilm_word_embeddings(vocab, minilm_path)
    tok = AutoTokenizer.from_pretrained(minilm_path)
    pieces = tok("unbelievably", add_special_tokens=False)["input_ids"]
    weights = AutoModel.from_pretrained(minilm_path).get_input_embeddings().weight
    row = vocab.encode("unbelievably")[0]
    assert len(pieces) > 1
    torch.testing.assert_close(table[row], weights[pieces].mean(0).detach())
    assert table[vocab.pad_id].abs().sum() == 0


def test_cache_key_depends_on_configuration(cache, data_dir):
    a = load_demo(
        "bag-sst2",
        cache_dir=cache,
        data_dir=data_dir,
        progress=False,
        embeddings="random",
        max_train=200,
        epochs=1,
    )
    b = load_demo(
        "bag-sst2",
        cache_dir=cache,
        data_dir=data_dir,
        progress=False,
        embeddings="random",
        max_train=200,
        epochs=2,
    )
    assert a.path != b.path and len(b.info["dev_accuracy_by_epoch"]) == 2


def test_arch_options_override_only_the_options_named(cache, data_dir):
    name = "transformer-sparsegen-sst2"
    default = demo_config(name)
    assert demo_config(name, arch_options={"sparsegen_lambda": 0.5}) == default
    variant = {"sparsegen_lambda": -1.0, "hidden_dim": 8, "heads": 2, "ffn_dim": 8}
    assert demo_config(name, arch_options=variant)["arch_options"] == {
        **DEMO_MODELS[name]["arch_options"],
        **variant,
    }
    small = {"embeddings": "random", "max_train": 64, "epochs": 1}
    demo = load_demo(
        name, cache_dir=cache, data_dir=data_dir, progress=False, arch_options=variant, **small
    )
    config = demo.adapter.model.config
    assert (config["arch"], config["attention"], config["hidden_dim"]) == (
        "transformer_attention",
        "sparsegen",
        8,
    )
    assert demo.adapter.attention_normalizer == {
        "normalizer": "sparsegen",
        "sparsegen_lambda": -1.0,
    }


def test_unknown_demo_and_setting():
    with pytest.raises(ExplainError, match=", ".join(DEMO_MODELS)):
        load_demo("gpt-sst2")
    with pytest.raises(ExplainError, match="no setting hidden"):
        load_demo("gru-sst2", hidden=3)


def test_label_noise_trains_on_flipped_labels_and_keeps_the_clean_key(cache, data_dir):
    clean = load_demo("bag-sst2", cache_dir=cache, data_dir=data_dir, progress=False,
                      embeddings="random", max_train=200, epochs=1)  # fmt: skip
    same = load_demo("bag-sst2", cache_dir=cache, data_dir=data_dir, progress=False,
                     embeddings="random", max_train=200, epochs=1, label_noise=0.0)  # fmt: skip
    assert same.path == clean.path and clean.info["flipped_rows"] == []
    noisy = load_demo("bag-sst2", cache_dir=cache, data_dir=data_dir, progress=False,
                      embeddings="random", max_train=200, epochs=1, label_noise=0.1,
                      noise_seed=3)  # fmt: skip
    assert noisy.path != clean.path
    rows = noisy.info["flipped_rows"]
    assert len(rows) == 20 and rows == sorted(set(rows))
    train = demo_splits("sst2", data_dir=data_dir)["train"]
    train = replace(train, texts=train.texts[:200], labels=train.labels[:200])
    flipped, again = flip_labels(train, 0.1, 3)
    assert again == rows
    changed = np.flatnonzero(flipped.labels != train.labels).tolist()
    assert changed == rows  # exactly those rows, each to the other class
    agnews = demo_splits("agnews", data_dir=data_dir)["train"]
    moved, rows = flip_labels(agnews, 0.05, 0)
    assert np.all(moved.labels[rows] != agnews.labels[rows])
    assert len(set(moved.labels[rows].tolist())) == 4  # any other class, not one fixed shift
    with pytest.raises(ExplainError, match="label_noise is the share of labels flipped"):
        demo_config("bag-sst2", label_noise=1.5)
    with pytest.raises(ExplainError, match="noise_seed must be a non-negative integer"):
        demo_config("bag-sst2", label_noise=0.1, noise_seed=-1)


def test_dataset_setting_picks_the_splits(data_dir):
    assert demo_config("cnn-sst2")["dataset"] == "sst2"
    assert demo_config("cnn-agnews")["dataset"] == "agnews"
    with pytest.raises(ExplainError, match="Unknown dataset 'yelp'.*sst2, agnews, imdb"):
        demo_config("bag-agnews", dataset="yelp")
    with pytest.raises(ExplainError, match="no setting dataset"):
        demo_config("bag-sst2", dataset="agnews")
    news = demo_splits("agnews", data_dir=data_dir)
    assert {k: len(v) for k, v in news.items()} == {"train": 9001, "dev": 1000, "test": 7600}
    assert news["dev"].class_names == ["World", "Sports", "Business", "Sci/Tech"]
    cfg = demo_config("bilstm-imdb")
    reviews = demo_splits(cfg["dataset"], data_dir=data_dir, max_words=cfg["max_words"])
    assert {k: len(v) for k, v in reviews.items()} == {"train": 1400, "dev": 200, "test": 400}
    lengths = [len(t.split()) for t in reviews["test"].texts]
    assert max(lengths) == 400 and min(lengths) < 400


def test_the_mlm_head_trains_when_first_needed_inside_no_grad(minilm_path):
    """The demo MLM head is trained lazily, on its first use, which may come inside a metric's
    no_grad (auc_rep's probe): it must train there all the same."""
    import torch

    from notebook_explain.demo.encoder import load_minilm_tokenizer
    from notebook_explain.demo.mlm import MLM_CONFIG, train_mlm_head

    cfg = {**MLM_CONFIG, "layers": 1, "epochs": 1, "batch_size": 4}
    texts = ["a gorgeous , witty movie .", "the plot is a dull mess .", "it is fine ."] * 4
    with torch.no_grad():
        model, info = train_mlm_head(
            cfg, load_minilm_tokenizer(), texts, texts[:3], torch.device("cpu"), False
        )
    assert all(p.grad is None for p in model.parameters())  # trained, then the grads cleared
    assert not model.training
