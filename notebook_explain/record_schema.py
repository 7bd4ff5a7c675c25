"""The schema of a serialised Explanation (``Explanation.to_json``), checked before loading one.

A record read back from disk or sent by a browser may have been edited or cut short. Every field
is checked for its type, every array reference for a buffer index in range, an allowed dtype and
a shape that matches the buffer's size, and the fields against each other (one word index and one
special flag per token, word indexes and spans inside the words, one probability per class, the
target a class, one score per token). The first problem found raises an ``ExplainError`` that
names the field, so nothing half-valid loads and fails later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .errors import ExplainError
from .outputs import HEADS, OUTPUTS

#: the dtypes ``to_json`` writes, by field
DTYPES = {
    "word_index": ("<i4", "<i8"),
    "special_mask": ("|u1",),
    "probabilities": ("<f4", "<f8"),
    "scores": ("<f4", "<f8"),
}


#: the deepest nesting of lists and dicts a method's params, info or checks may hold: the
#: methods write a few levels (HEDGE's hierarchy, REAT's spans), and a deeper record would only
#: fail later, in a recursive writer
MAX_NESTING = 32


def _nesting(value, field: str) -> None:
    """Refuse ``value`` if its lists and dicts nest deeper than ``MAX_NESTING`` (walked without
    recursion, so a hostile record cannot exhaust the stack here)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= MAX_NESTING:
            _fail(field, f"nests lists and dicts deeper than {MAX_NESTING} levels")
        stack.extend((child, depth + 1) for child in children)


def _fail(field: str, problem: str):
    raise ExplainError(f"Not a valid Explanation record: {field} {problem}.")


def _expect(value, kinds, field: str, what: str):
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        _fail(field, f"must be {what}, got {type(value).__name__}")
    return value


def _tuple(kinds):
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _strings(value, field: str) -> list[str]:
    _expect(value, list, field, "a list of strings")
    for i, item in enumerate(value):
        _expect(item, str, f"{field}[{i}]", "a string")
    return value


def array(ref, buffers: list, field: str, kind: str) -> np.ndarray:
    """The array ``ref`` points to, after checking the reference against ``buffers``."""
    _expect(ref, Mapping, field, "an array reference {buffer, dtype, shape}")
    index = _expect(ref.get("buffer"), int, f"{field}.buffer", "an integer")
    if not 0 <= index < len(buffers):
        _fail(f"{field}.buffer", f"is {index}, outside the {len(buffers)} buffers")
    dtype = ref.get("dtype")
    if dtype not in DTYPES[kind]:
        _fail(f"{field}.dtype", f"is {dtype!r}; expected one of {list(DTYPES[kind])}")
    shape = _expect(ref.get("shape"), list, f"{field}.shape", "a list")
    if len(shape) != 1 or not isinstance(shape[0], int) or shape[0] < 0:
        _fail(f"{field}.shape", f"is {shape!r}; expected [length]")
    raw = buffers[index]
    _expect(raw, (bytes, bytearray, memoryview), f"buffer {index}", "bytes")
    if len(raw) != shape[0] * np.dtype(dtype).itemsize:
        _fail(field, f"has {len(raw)} bytes, not the {shape[0]} × {dtype} of its shape")
    return np.frombuffer(raw, dtype=dtype)


def check_record(state, buffers) -> None:
    """An ``ExplainError`` naming the first field of ``state`` (with ``buffers``) that is wrong."""
    _expect(state, Mapping, "the record", "a dict")
    _expect(buffers, (list, tuple), "buffers", "a list of bytes")
    for key in ("text", "tokens", "words", "word_index", "special_mask", "probabilities"):
        if key not in state:
            _fail(key, "is missing")
    for key in ("class_names", "target", "output", "results", "model_name", "truncated_tokens"):
        if key not in state:
            _fail(key, "is missing")
    _expect(state["text"], str, "text", "a string")
    if state.get("text_pair") is not None:
        _expect(state["text_pair"], str, "text_pair", "a string or null")
    tokens = _strings(state["tokens"], "tokens")
    words = _strings(state["words"], "words")
    names = _strings(state["class_names"], "class_names")
    if not names:
        _fail("class_names", "is empty")
    _expect(state["model_name"], str, "model_name", "a string")
    truncated = _expect(state["truncated_tokens"], int, "truncated_tokens", "an integer")
    if truncated < 0:
        _fail("truncated_tokens", "is negative")
    if state.get("head", "softmax") not in HEADS:
        _fail("head", f"is {state['head']!r}; expected one of {list(HEADS)}")
    if state["output"] not in OUTPUTS:
        _fail("output", f"is {state['output']!r}; expected one of {list(OUTPUTS)}")
    target = _expect(state["target"], int, "target", "an integer")
    if not 0 <= target < len(names):
        _fail("target", f"is {target}, not a class index 0..{len(names) - 1}")
    if state.get("contrast") is not None:
        contrast = _expect(state["contrast"], int, "contrast", "an integer or null")
        if not 0 <= contrast < len(names) or contrast == target:
            _fail(
                "contrast",
                f"is {contrast}, not a class index 0..{len(names) - 1} other than target",
            )

    n = len(tokens)
    word_index = array(state["word_index"], buffers, "word_index", "word_index")
    if len(word_index) != n:
        _fail("word_index", f"has {len(word_index)} entries for {n} tokens")
    if n and not ((word_index >= -1) & (word_index < len(words))).all():
        _fail("word_index", f"points outside the {len(words)} words")
    special = array(state["special_mask"], buffers, "special_mask", "special_mask")
    if len(special) != n:
        _fail("special_mask", f"has {len(special)} entries for {n} tokens")
    probabilities = array(state["probabilities"], buffers, "probabilities", "probabilities")
    if len(probabilities) != len(names):
        _fail("probabilities", f"has {len(probabilities)} entries for {len(names)} classes")
    if not (np.isfinite(probabilities) & (probabilities >= 0) & (probabilities <= 1)).all():
        _fail("probabilities", "holds values outside [0, 1]")

    levels = state.get("span_levels", {})
    _expect(levels, Mapping, "span_levels", "a dict of level → [[start, end], ...]")
    for level, spans in levels.items():
        _expect(spans, list, f"span_levels.{level}", "a list of [start, end]")
        for span in spans:
            ok = isinstance(span, list) and len(span) == 2 and all(type(v) is int for v in span)
            if not ok or not 0 <= span[0] < span[1] <= len(words):
                _fail(
                    f"span_levels.{level}", f"holds {span!r}, not a word range in 0..{len(words)}"
                )
    _expect(state.get("span_source", ""), str, "span_source", "a string")

    results = _expect(state["results"], list, "results", "a list")
    seen = set()
    for i, result in enumerate(results):
        field = f"results[{i}]"
        _expect(result, Mapping, field, "a dict")
        name = _expect(result.get("name"), str, f"{field}.name", "a string")
        if name in seen:
            _fail(f"{field}.name", f"repeats {name!r}")
        seen.add(name)
        _expect(result.get("family"), str, f"{field}.family", "a string")
        _expect(result.get("signed"), bool, f"{field}.signed", "true or false")
        scores = array(result.get("scores"), buffers, f"{field}.scores", "scores")
        if len(scores) != n:
            _fail(f"{field}.scores", f"has {len(scores)} entries for {n} tokens")
        if not np.isfinite(scores).all():
            _fail(f"{field}.scores", "holds NaN or infinite values")
        _nesting(
            _expect(result.get("params", {}), Mapping, f"{field}.params", "a dict"),
            f"{field}.params",
        )
        seconds = _expect(result.get("seconds", 0.0), (int, float), f"{field}.seconds", "a number")
        if not math.isfinite(seconds):
            _fail(f"{field}.seconds", "is not finite")
        _nesting(
            _expect(result.get("info", {}), Mapping, f"{field}.info", "a dict"), f"{field}.info"
        )
        checks = _expect(result.get("checks", {}), Mapping, f"{field}.checks", "a dict")
        _nesting(checks, f"{field}.checks")
        for name, check in checks.items():
            _expect(check, Mapping, f"{field}.checks.{name}", "a dict")
            _expect(check.get("ok"), bool, f"{field}.checks.{name}.ok", "true or false")
        own = _expect(result.get("span_scores", {}), Mapping, f"{field}.span_scores", "a dict")
        for level, values in own.items():
            spans = levels.get(level)
            if spans is None or not isinstance(values, list) or len(values) != len(spans):
                _fail(f"{field}.span_scores.{level}", "does not match the record's spans")
        steps = _expect(
            result.get("reduction_steps", []), list, f"{field}.reduction_steps", "a list"
        )
        for k, step in enumerate(steps):
            remaining = step.get("remaining") if isinstance(step, Mapping) else None
            if not isinstance(remaining, list) or not all(
                type(t) is int and 0 <= t < n for t in remaining
            ):
                _fail(f"{field}.reduction_steps[{k}].remaining", f"is not token indexes 0..{n - 1}")
