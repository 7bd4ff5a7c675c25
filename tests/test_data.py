"""The dataset loaders, the SST phrase trees, the lexicon and where data files are found.

Real data comes from the session fixture ``data_dir`` (conftest.py): $NOTEBOOK_EXPLAIN_DATA, else
the project's ../shared/data.
"""

import dataclasses
import json
import sys
from collections import Counter

import numpy as np
import pytest

from notebook_explain.data import (
    Lexicon,
    PhraseTree,
    TextDataset,
    load_agnews,
    load_imdb,
    load_lexicon,
    load_sst2,
    load_sst_trees,
    resolve_data_dir,
)
from notebook_explain.errors import DataNotFoundError, ExplainError

SST2_SIZES = {"train": 6920, "dev": 872, "test": 1821}
SST_TREE_SIZES = {"train": 8544, "dev": 1101, "test": 2210}
SST2_DEV_FILE = "sst2-harvardnlp/stsa.binary.dev"


@pytest.fixture
def no_data_folder(monkeypatch, tmp_path):
    """Neither argument nor $NOTEBOOK_EXPLAIN_DATA, and an empty cache; returns the cache data folder."""
    monkeypatch.delenv("NOTEBOOK_EXPLAIN_DATA", raising=False)
    monkeypatch.setenv("NOTEBOOK_EXPLAIN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "data"


def write_sst2_dev(folder, lines):
    path = folder / SST2_DEV_FILE
    path.parent.mkdir(parents=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


# --- text datasets ---------------------------------------------------------------------------


@pytest.mark.parametrize("split", SST2_SIZES)
def test_sst2_split_sizes(data_dir, split):
    dataset = load_sst2(split, data_dir=data_dir)
    assert len(dataset) == len(dataset.texts) == len(dataset.labels) == SST2_SIZES[split]
    assert dataset.labels.dtype == np.int64
    assert set(dataset.labels.tolist()) == {0, 1}
    assert (dataset.name, dataset.split, dataset.class_names) == (
        "sst2",
        split,
        ["negative", "positive"],
    )


def test_sst2_keeps_the_tokenized_lowercase_form(data_dir):
    dataset = load_sst2("dev", data_dir=data_dir)
    assert (dataset.texts[0], dataset.labels[0]) == ("one long string of cliches .", 0)
    assert all(text == text.lower() for text in dataset.texts)
    assert any("-lrb-" in text.split(" ") for text in dataset.texts)


def test_text_dataset_is_frozen_and_checks_lengths(data_dir):
    dataset = load_sst2("dev", data_dir=data_dir)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataset.texts = []
    with pytest.raises(ExplainError, match="2 texts but 1 labels"):
        TextDataset("toy", "train", ["a", "b"], np.array([0]), ["negative", "positive"])


@pytest.mark.parametrize(("split", "size"), [("train", 10001), ("test", 7600)])
def test_agnews_split_sizes_and_classes(data_dir, split, size):
    # The staged train-10k.tsv holds 10,001 rows (its README rounds to 10,000).
    dataset = load_agnews(split, data_dir=data_dir)
    assert len(dataset) == size
    assert dataset.class_names == ["World", "Sports", "Business", "Sci/Tech"]
    counts = np.bincount(dataset.labels, minlength=5)
    assert counts[4] == 0 and counts[:4].min() >= 1900


def test_agnews_labels_map_names_to_ids(data_dir):
    dataset = load_agnews("test", data_dir=data_dir)
    assert np.bincount(dataset.labels).tolist() == [1900] * 4
    assert dataset.texts[0].startswith("Unions representing workers at Turner")
    assert dataset.class_names[dataset.labels[0]] == "Business"


def test_imdb_size_labels_and_no_html_breaks(data_dir):
    dataset = load_imdb(data_dir=data_dir)
    assert len(dataset) == 2000
    assert dataset.class_names == ["negative", "positive"]
    assert np.bincount(dataset.labels).tolist() == [995, 1005]
    assert not any("<br" in text for text in dataset.texts)
    assert "hooked. They are right" in dataset.texts[0]


@pytest.mark.parametrize(
    ("loader", "split", "valid"),
    [
        (load_sst2, "validation", "'train', 'dev', 'test'"),
        (load_agnews, "dev", "'train', 'test'"),
        (load_sst_trees, "valid", "'train', 'dev', 'test'"),
    ],
)
def test_unknown_split_lists_the_valid_splits(loader, split, valid):
    with pytest.raises(ExplainError, match=f"Unknown split '{split}'.*Choose one of: {valid}"):
        loader(split)


# --- SST phrase trees ------------------------------------------------------------------------


@pytest.mark.parametrize("split", SST_TREE_SIZES)
def test_sst_tree_split_sizes(data_dir, split):
    assert len(load_sst_trees(split, data_dir=data_dir)) == SST_TREE_SIZES[split]
    assert len(load_sst_trees(split, binary=True, data_dir=data_dir)) == SST2_SIZES[split]


def test_binary_dev_trees_are_the_sst2_dev_sentences(data_dir):
    trees = load_sst_trees("dev", binary=True, data_dir=data_dir)
    sentences = load_sst2("dev", data_dir=data_dir)
    from_trees = Counter((tree.binary_label, tree.text) for tree in trees)
    from_sst2 = Counter(zip(sentences.labels.tolist(), sentences.texts))
    assert from_trees == from_sst2


def test_leaf_words_may_contain_spaces():
    tree = PhraseTree.from_ptb(r"(3 (2 (2 8 1\/2) (2 Weeks)) (4 good))")
    assert tree.words == [r"8 1\/2", "weeks", "good"]
    assert tree.text == r"8 1\/2 weeks good"
    assert tree.spans() == [(0, 3, 3), (0, 2, 2), (0, 1, 2), (1, 2, 2), (2, 3, 4)]


def test_real_leaf_with_a_no_break_space_stays_one_word(data_dir):
    trees = load_sst_trees("train", data_dir=data_dir)
    sentences = set(load_sst2("train", data_dir=data_dir).texts)
    with_space = [tree for tree in trees if "8\xa01\\/2" in tree.words]
    assert len(with_space) == 1
    assert with_space[0].text in sentences


def test_spans_cover_every_node(data_dir):
    for tree in load_sst_trees("dev", data_dir=data_dir):
        spans = tree.spans()
        n_words = len(tree.words)
        assert spans[0] == (0, n_words, tree.label)
        assert len(spans) == 2 * n_words - 1  # SST trees are binary
        assert sorted(start for start, end, _ in spans if end - start == 1) == list(range(n_words))


def test_binary_label_drops_neutral():
    labels = [PhraseTree.from_ptb(f"({label} film)").binary_label for label in range(5)]
    assert labels == [0, 0, None, 1, 1]


@pytest.mark.parametrize(
    "text", ["(3 (2 the) (3 film)", "(7 film)", "(3 (2 the) (3 film)) x", "3 film", "(3)", "(3 )"]
)
def test_malformed_tree_raises(text):
    with pytest.raises(ExplainError, match="Malformed PTB tree"):
        PhraseTree.from_ptb(text)


# --- lexicon ---------------------------------------------------------------------------------


def test_lexicon_sizes_and_polarity(data_dir):
    lexicon = load_lexicon(data_dir=data_dir)
    assert isinstance(lexicon, Lexicon)
    assert (len(lexicon.positive), len(lexicon.negative)) == (2006, 4783)
    assert lexicon.positive & lexicon.negative == {"envious", "enviously", "enviousness"}
    assert "naïve" in lexicon.negative
    polarities = [lexicon.polarity(word) for word in ("good", "Awful", "envious", "table")]
    assert polarities == [1, -1, 0, 0]


# --- where the data comes from ---------------------------------------------------------------


def test_argument_beats_environment_variable(monkeypatch, tmp_path, data_dir):
    monkeypatch.setenv("NOTEBOOK_EXPLAIN_DATA", str(tmp_path))  # an empty folder
    assert resolve_data_dir(data_dir) == data_dir
    assert len(load_sst2("dev", data_dir=data_dir)) == SST2_SIZES["dev"]


def test_environment_variable_is_used_without_argument(monkeypatch, tmp_path):
    write_sst2_dev(tmp_path, ["1 a fine film .", "0 a dull film ."])
    monkeypatch.setenv("NOTEBOOK_EXPLAIN_DATA", str(tmp_path))
    assert resolve_data_dir() == tmp_path
    dataset = load_sst2("dev")
    assert dataset.texts == ["a fine film .", "a dull film ."]
    assert dataset.labels.tolist() == [1, 0]


def test_given_folder_without_the_file_names_file_and_folder(tmp_path):
    with pytest.raises(DataNotFoundError) as error:
        load_sst2("dev", data_dir=tmp_path)
    assert SST2_DEV_FILE in str(error.value)
    assert str(tmp_path / SST2_DEV_FILE) in str(error.value)


def test_given_folder_that_does_not_exist(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        resolve_data_dir(tmp_path / "missing")


def test_nothing_found_names_all_three_ways(no_data_folder, monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # the hub is unavailable
    with pytest.raises(DataNotFoundError) as error:
        load_sst2("dev")
    message = str(error.value)
    assert isinstance(error.value, FileNotFoundError)
    for part in ("data_dir=", "NOTEBOOK_EXPLAIN_DATA", "Hugging Face hub", str(no_data_folder)):
        assert part in message
    assert "huggingface_hub is not installed" in message


def test_data_not_on_the_hub_says_so(no_data_folder):
    with pytest.raises(DataNotFoundError, match="cannot be downloaded from the Hugging Face hub"):
        load_lexicon()


def test_hub_download_is_converted_and_cached(no_data_folder, monkeypatch, tmp_path):
    huggingface_hub = pytest.importorskip("huggingface_hub")
    calls = []

    def fake_download(repo_id, filename, **options):
        calls.append((repo_id, filename))
        path = tmp_path / filename
        rows = [{"text": "a fine film .", "label": 1}, {"text": "a dull film .", "label": 0}]
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return str(path)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    first, second = load_sst2("dev"), load_sst2("dev")
    assert calls == [("SetFit/sst2", "dev.jsonl")]
    assert first.texts == second.texts == ["a fine film .", "a dull film ."]
    assert second.labels.tolist() == [1, 0]
    assert (no_data_folder / SST2_DEV_FILE).is_file()
    assert resolve_data_dir() == no_data_folder
