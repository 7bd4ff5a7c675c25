"""A corpus of damaged and edited records for ``Explanation.from_json``: each raises an
ExplainError that names the field (or loads, for the harmless ones), never another exception,
and never reads another array's bytes."""

import copy
import math

import numpy as np
import pytest
from conftest import SENTENCES

from notebook_explain import ExplainError, Explanation


@pytest.fixture(scope="module")
def record(hf_explainer):
    e = hf_explainer.explain(
        SENTENCES[0], methods=["saliency_l2", "input_reduction"], spans={"phrase": [(0, 3), (3, 8)]}
    )
    return e.to_json()


def _set(path):
    def edit(state, buffers, value):
        node = state
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _delete(key):
    def edit(state, buffers, value):
        del state[key]

    return edit


def _buffer(index_of, transform):
    def edit(state, buffers, value):
        i = index_of(state)
        buffers[i] = transform(buffers[i])

    return edit


SCORES = lambda s: s["results"][0]["scores"]["buffer"]  # noqa: E731
#: (label, edit, value, the field the error must name)
TAMPERINGS = [
    ("not a dict", None, None, "the record"),
    ("no text", _delete("text"), None, "text"),
    ("no results", _delete("results"), None, "results"),
    ("text a number", _set(["text"]), 5, "text"),
    ("pair a list", _set(["text_pair"]), ["x"], "text_pair"),
    ("tokens a string", _set(["tokens"]), "abc", "tokens"),
    ("a token a number", _set(["tokens", 0]), 7, "tokens[0]"),
    ("no classes", _set(["class_names"]), [], "class_names"),
    ("target too big", _set(["target"]), 9, "target"),
    ("target negative", _set(["target"]), -1, "target"),
    ("target a bool", _set(["target"]), True, "target"),
    ("target a string", _set(["target"]), "positive", "target"),
    ("output unknown", _set(["output"]), "softmax", "output"),
    ("truncated negative", _set(["truncated_tokens"]), -3, "truncated_tokens"),
    ("buffer index -1", _set(["word_index", "buffer"]), -1, "word_index.buffer"),
    ("buffer index past the end", _set(["probabilities", "buffer"]), 99, "probabilities.buffer"),
    ("buffer index a string", _set(["special_mask", "buffer"]), "0", "special_mask.buffer"),
    ("another array's buffer", _set(["probabilities", "buffer"]), 0, "probabilities"),
    ("dtype changed", _set(["word_index", "dtype"]), "<f8", "word_index.dtype"),
    ("dtype unknown", _set(["probabilities", "dtype"]), "object", "probabilities.dtype"),
    ("shape 2-d", _set(["word_index", "shape"]), [2, 6], "word_index.shape"),
    ("shape negative", _set(["word_index", "shape"]), [-1], "word_index.shape"),
    ("shape too long", _set(["special_mask", "shape"]), [400], "special_mask"),
    ("a buffer cut short", _buffer(SCORES, lambda b: b[:-4]), None, "results[0].scores"),
    ("a buffer not bytes", _buffer(SCORES, lambda b: "text"), None, "buffer"),
    ("a token too many", _set(["tokens"]), None, "word_index"),
    ("word index past the words", _buffer(lambda s: s["word_index"]["buffer"],
        lambda b: np.full(len(b) // 8, 50, np.int64).tobytes()), None, "word_index"),
    ("a probability NaN", _buffer(lambda s: s["probabilities"]["buffer"],
        lambda b: np.full(len(b) // 4, np.nan, np.float32).tobytes()), None, "probabilities"),
    ("a score infinite", _buffer(SCORES,
        lambda b: np.full(len(b) // 4, np.inf, np.float32).tobytes()), None, "results[0].scores"),
    ("results a dict", _set(["results"]), {}, "results"),
    ("a result a list", _set(["results", 0]), [], "results[0]"),
    ("a repeated method", None, "repeat", "results[1].name"),
    ("signed a string", _set(["results", 0, "signed"]), "yes", "results[0].signed"),
    ("params a list", _set(["results", 0, "params"]), [1], "results[0].params"),
    ("seconds NaN", _set(["results", 0, "seconds"]), math.nan, "results[0].seconds"),
    ("span past the words", _set(["span_levels", "phrase"]), [[0, 99]], "span_levels.phrase"),
    ("span reversed", _set(["span_levels", "phrase"]), [[2, 1]], "span_levels.phrase"),
    ("spans a string", _set(["span_levels"]), "phrase", "span_levels"),
    ("span scores not one per span", _set(["results", 0, "span_scores"]), {"clause": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]},
        "results[0].span_scores.clause"),
    ("reduction step outside", _set(["results", 1, "reduction_steps", 0, "remaining"]), [0, 999],
        "results[1].reduction_steps[0].remaining"),
]  # fmt: skip


@pytest.mark.parametrize("label, edit, value, field", TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_a_tampered_record_is_refused_naming_the_field(record, label, edit, value, field):
    state, buffers = copy.deepcopy(record[0]), list(record[1])
    if label == "not a dict":
        state = ["not", "a", "record"]
    elif label == "a token too many":
        state["tokens"] = [*state["tokens"], "extra"]
    elif label == "a repeated method":
        state["results"][1] = {**state["results"][0]}
    else:
        edit(state, buffers, value)
    with pytest.raises(ExplainError, match="Not a valid Explanation record") as info:
        Explanation.from_json(state, buffers)
    assert str(info.value).split(": ", 1)[1].startswith(field), str(info.value)


def test_the_untouched_record_loads_the_same(record):
    state, buffers = record
    e = Explanation.from_json(copy.deepcopy(state), list(buffers))
    again, again_buffers = e.to_json()
    assert again == state and again_buffers == buffers


@pytest.mark.parametrize("field", ["info", "params", "checks"])
def test_a_record_nested_beyond_the_schema_is_refused_without_recursion(record, field):
    """A 100,000-deep value used to load, then crash to_json and to_html with RecursionError."""
    state, buffers = copy.deepcopy(record[0]), list(record[1])
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    state["results"][0][field] = {"deep": deep}
    with pytest.raises(ExplainError, match=f"results\\[0\\].{field} nests .* deeper than"):
        Explanation.from_json(state, buffers)
