"""Sub-word → word grouping and score aggregation; phrase and clause spans over the words.

A token-level score vector is mapped to words through ``word_index`` (one entry per token, the
index of the word it belongs to, -1 for special tokens such as [CLS] and [SEP]).

Above the words an input has two span levels, as in the hierarchical attribution of Du et al.
(WWW 2019, "On Attribution of Recurrent Neural Network Predictions via Additive Decomposition",
§3.3): phrases and clauses. Each level is a list of half-open word ranges ``(start, end)`` that
partition the words in order, and every phrase lies inside one clause. ``span_levels`` takes them
from the first of these that applies:

- ``"user"``: the ranges the caller gives (a missing clause level is one clause over all words; a
  missing phrase level is the clauses).
- ``"sst"``: the sentence's Stanford Sentiment Treebank parse tree, when the words are an SST
  sentence (found by its lower-cased text with whitespace and PTB escapes such as ``-lrb-``
  ignored). The SST trees label every node with a sentiment but with no constituent category, so
  no clause can be read off them: the clauses follow the chunker's rule below, and the phrases are
  the largest tree nodes of at most ``PHRASE_MAX_WORDS`` words that lie inside one clause.
- ``"chunker"``: clauses end after punctuation (, ; : . ! ? -- …) and start again at a
  coordinating conjunction (``CLAUSE_CONJUNCTIONS``). Phrases are the noun and verb chunks of the
  paper's Table 1, matched on universal part-of-speech tags, each word outside a chunk a phrase of
  its own. The tags come from TextBlob's pattern tagger, whose lexicon ships inside the PyPI
  package (``pip install textblob``; optional). Without it, a phrase starts at every function
  word (determiner, pronoun, preposition, auxiliary or modal) that follows a content word, and
  punctuation stands alone: "the plot | is unbelievably disappointing".
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import DataNotFoundError, ExplainError

AGGREGATIONS = ("sum", "mean", "max_abs")


def aggregate(
    scores: np.ndarray, word_index: np.ndarray, n_words: int, how: str = "sum"
) -> np.ndarray:
    """Aggregate token scores into one score per word; special tokens (index -1) are dropped.

    ``sum`` keeps additive attributions additive (IG completeness, grad×input); ``mean`` and
    ``max_abs`` suit the unsigned norms.
    """
    if how not in AGGREGATIONS:
        raise ExplainError(
            f"Unknown aggregation {how!r}. Choose one of: {', '.join(AGGREGATIONS)}."
        )
    keep = word_index >= 0
    idx, vals = word_index[keep], np.asarray(scores, dtype=np.float64)[keep]
    if how == "max_abs":
        out = np.zeros(n_words)
        best = np.full(n_words, -1.0)
        for i, v in zip(idx, vals):
            if abs(v) > best[i]:
                best[i], out[i] = abs(v), v
        return out
    out = np.zeros(n_words)
    np.add.at(out, idx, vals)
    if how == "mean":
        counts = np.bincount(idx, minlength=n_words)
        out = out / np.maximum(counts, 1)
    return out


SPAN_LEVELS = ("phrase", "clause")
#: an SST phrase is a tree node of at most this many words (the paper's chunks: "does n't serve up")
PHRASE_MAX_WORDS = 4
#: the coordinating conjunctions a clause starts at ("for" and "so" are mostly not conjunctions)
CLAUSE_CONJUNCTIONS = frozenset({"but", "yet", "and", "or", "nor"})

Ranges = list[tuple[int, int]]

_CLAUSE_PUNCTUATION = re.compile(r"[,;:.!?…]+|-{2,}")
_SST_TREE_FILES = ("sst-ptb-trees/train.txt", "sst-ptb-trees/dev.txt", "sst-ptb-trees/test.txt")
_SST_LEAF = re.compile(r"\([0-4] ([^()]+)\)")
_PTB_ESCAPES = (
    ("-lrb-", "("),
    ("-rrb-", ")"),
    ("-lsb-", "["),
    ("-rsb-", "]"),
    ("-lcb-", "{"),
    ("-rcb-", "}"),
    ("\\/", "/"),
    ("\\*", "*"),
    ("``", '"'),
    ("''", '"'),
)
#: Penn Treebank tags (TextBlob's) → one letter per universal tag of the paper's Table 1:
#: N noun, V verb, R adverb, P particle, D determiner, A adposition, C conjunction
_PENN_LETTERS = {
    **dict.fromkeys(("NN", "NNS", "NNP", "NNPS"), "N"),
    **dict.fromkeys(("VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"), "V"),
    **dict.fromkeys(("RB", "RBR", "RBS", "WRB"), "R"),
    **dict.fromkeys(("RP", "TO", "POS"), "P"),
    **dict.fromkeys(("DT", "PDT", "WDT"), "D"),
    "IN": "A",
    "CC": "C",
}
#: Table 1 in those letters: verb chunks <VERB>*<ADV>*<PART>*<VERB>+<PART>*,
#: noun chunks <DET>?(<NOUN>+<ADP|CONJ>)*<NOUN>+
_CHUNK = re.compile(r"V*R*P*V+P*|D?(?:N+[AC])*N+")
#: the function words that open a phrase when no tagger is installed
_DETERMINERS = (
    "a an the this that these those my your his her its our their some any no every each all "
    "both another such"
)
_PRONOUNS = "i you he she it we they me him us them"
_PREPOSITIONS = (
    "of in on at by for with from to into onto about over under after before through during "
    "without within among between against than as like up down out off"
)
_AUXILIARIES = (
    "is are was were be been being am 's 're 'm has have had 've 'd do does did will would 'll "
    "can could may might must shall should wo ca"
)
_PHRASE_OPENERS = frozenset(
    word
    for group in (_DETERMINERS, _PRONOUNS, _PREPOSITIONS, _AUXILIARIES)
    for word in group.split()
)


def span_levels(
    words: Sequence[str], spans: Mapping | None = None, data_dir=None
) -> tuple[dict[str, Ranges], str]:
    """``({"phrase": [...], "clause": [...]}, source)`` for ``words`` (an input's ``Encoded.words``).

    ``spans`` (``{"phrase": [(start, end), ...], "clause": [...]}``, either level may be left out)
    gives the levels; otherwise they come from the SST tree of the sentence, found under
    ``data_dir`` (default: ``$NOTEBOOK_EXPLAIN_DATA`` or the cache; never downloaded), else from
    the chunker. ``source`` is ``"user"``, ``"sst"`` or ``"chunker"``; see the module docstring.
    """
    words = list(words)
    if spans is not None:
        return user_levels(words, spans), "user"
    clauses = clause_spans(words)
    tree = sst_tree(words, data_dir)
    if tree is not None:
        return {"phrase": tree_phrases(words, tree, clauses), "clause": clauses}, "sst"
    tags = universal_tag_letters(words)
    phrases = (
        function_word_phrases(words, clauses) if tags is None else chunk_phrases(tags, clauses)
    )
    return {"phrase": phrases, "clause": clauses}, "chunker"


def _ranges(starts: list[int], n: int) -> Ranges:
    return [(a, b) for a, b in zip(starts, [*starts[1:], n])]


def _is_punctuation(word: str) -> bool:
    return not any(c.isalnum() for c in word)


def clause_spans(words: Sequence[str]) -> Ranges:
    """Clauses: a new one starts after clause punctuation and at a coordinating conjunction."""
    ends_clause = [bool(_CLAUSE_PUNCTUATION.fullmatch(w)) for w in words]
    starts = [
        k
        for k in range(len(words))
        if k == 0
        or (ends_clause[k - 1] and not ends_clause[k])
        or words[k].lower() in CLAUSE_CONJUNCTIONS
    ]
    return _ranges(starts, len(words))


def penn_tags(words: Sequence[str]) -> list[str] | None:
    """The Penn Treebank tag of each word from TextBlob's bundled tagger; ``None`` when TextBlob
    is not installed or its tokens do not line up with the words."""
    try:
        from textblob.en import tag
    except ImportError:
        return None
    tokens = ["_".join(w.split()) for w in words]
    tagged = tag(" ".join(tokens), tokenize=False)
    if [token for token, _ in tagged] != tokens:  # the tagger split or merged a word
        return None
    return [penn for _, penn in tagged]


def universal_tag_letters(words: Sequence[str]) -> str | None:
    """One universal-tag letter per word (see ``_PENN_LETTERS``; ``x`` for other tags) from
    ``penn_tags``; ``None`` when there are no tags."""
    tags = penn_tags(words)
    return None if tags is None else "".join(_PENN_LETTERS.get(penn, "x") for penn in tags)


def chunk_phrases(tag_letters: str, clauses: Ranges) -> Ranges:
    """The paper's noun and verb chunks inside each clause; every other word a phrase alone."""
    phrases = []
    for start, end in clauses:
        position = start
        for match in _CHUNK.finditer(tag_letters, start, end):
            phrases.extend((k, k + 1) for k in range(position, match.start()))
            phrases.append(match.span())
            position = match.end()
        phrases.extend((k, k + 1) for k in range(position, end))
    return phrases


def function_word_phrases(words: Sequence[str], clauses: Ranges) -> Ranges:
    """The chunker's phrases without a tagger: a phrase starts at a function word that follows a
    content word; punctuation stands alone."""
    opener = [w.lower() in _PHRASE_OPENERS for w in words]
    punctuation = [_is_punctuation(w) for w in words]
    phrases = []
    for start, end in clauses:
        starts = [
            k
            for k in range(start, end)
            if k == start
            or punctuation[k]
            or punctuation[k - 1]
            or (opener[k] and not opener[k - 1])
        ]
        phrases.extend(_ranges(starts, end))
    return phrases


# --------------------------------------------------------------------------- SST parse trees
def _normalised(word: str) -> str:
    word = "".join(word.lower().split())
    for escaped, plain in _PTB_ESCAPES:
        word = word.replace(escaped, plain)
    return word


def _key(words: Sequence[str]) -> str:
    return "".join(_normalised(w) for w in words)


@lru_cache(maxsize=4)
def _sst_index(folder: Path) -> dict[str, str]:
    """Normalised sentence text → its PTB tree line, over the train, dev and test trees."""
    index: dict[str, str] = {}
    for name in _SST_TREE_FILES:
        with open(folder / name, encoding="utf-8") as lines:
            for line in lines:
                leaves = _SST_LEAF.findall(line)
                if leaves:
                    index.setdefault(_key(leaves), line)
    return index


def sst_tree(words: Sequence[str], data_dir=None):
    """The SST parse tree (``data.trees.PhraseTree``) of the sentence ``words``, or ``None`` when
    it is not an SST sentence or the trees are not on disk."""
    from .data.sources import resolve_data_dir
    from .data.trees import PhraseTree

    try:
        folder = resolve_data_dir(data_dir)
    except DataNotFoundError:
        return None
    if not words or not all((folder / name).is_file() for name in _SST_TREE_FILES):
        return None
    line = _sst_index(folder.resolve()).get(_key(words))
    return None if line is None else PhraseTree.from_ptb(line)


def leaves_of_words(words: Sequence[str], tree) -> list[int]:
    """The index of the tree leaf each word belongs to: the leaf its first character falls in,
    matching normalised text (a leaf such as "'s" may hold two tokenizer words)."""
    leaf_starts = np.cumsum([0] + [len(_normalised(w)) for w in tree.words[:-1]]).tolist()
    word_starts = np.cumsum([0] + [len(_normalised(w)) for w in words[:-1]]).tolist()
    return [bisect_right(leaf_starts, s) - 1 for s in word_starts]


def tree_phrases(words: Sequence[str], tree, clauses: Ranges) -> Ranges:
    """The largest tree nodes of at most ``PHRASE_MAX_WORDS`` words inside one clause.

    Words and tree leaves are matched by ``leaves_of_words``. A word that no such node covers (a
    leaf longer than the limit) is a phrase alone.
    """
    leaf_of_word = leaves_of_words(words, tree)
    clause_of_word = [i for i, (a, b) in enumerate(clauses) for _ in range(a, b)]
    phrases, covered = [], 0
    for leaf_start, leaf_end, _ in tree.spans():  # pre-order: a node before its descendants
        start, end = bisect_left(leaf_of_word, leaf_start), bisect_left(leaf_of_word, leaf_end)
        if (
            start >= covered
            and start < end <= start + PHRASE_MAX_WORDS
            and clause_of_word[start] == clause_of_word[end - 1]
        ):
            phrases.extend((k, k + 1) for k in range(covered, start))
            phrases.append((start, end))
            covered = end
    phrases.extend((k, k + 1) for k in range(covered, len(words)))
    return phrases


# --------------------------------------------------------------------------- spans given by the user
def user_levels(words: Sequence[str], spans: Mapping) -> dict[str, Ranges]:
    """Check the caller's levels and derive a missing one (clauses: all words; phrases: clauses)."""
    if not isinstance(spans, Mapping):
        raise ExplainError(
            f"spans must be a dict like {{'phrase': [(0, 2), (2, 5)], 'clause': [(0, 5)]}} of "
            f"word ranges, got {type(spans).__name__}."
        )
    unknown = sorted(map(str, set(spans) - set(SPAN_LEVELS)))
    if unknown:
        raise ExplainError(
            f"spans has unknown level(s) {', '.join(unknown)}; the levels are "
            f"{', '.join(SPAN_LEVELS)}."
        )
    n = len(words)
    whole = [(0, n)] if n else []
    clauses = _checked_level(words, "clause", spans["clause"]) if "clause" in spans else whole
    if "phrase" not in spans:
        return {"phrase": list(clauses), "clause": clauses}
    phrases = _checked_level(words, "phrase", spans["phrase"])
    clause_ends = [end for _, end in clauses]
    for start, end in phrases:
        clause_start, clause_end = clauses[bisect_right(clause_ends, start)]
        if end > clause_end:
            raise ExplainError(
                f"spans['phrase'] has {(start, end)} ({_quote(words, start, end)}), which crosses "
                f"the end of clause {(clause_start, clause_end)} ({_quote(words, clause_start, clause_end)}); "
                "every phrase must lie inside one clause."
            )
    return {"phrase": phrases, "clause": clauses}


def _quote(words: Sequence[str], start: int, end: int) -> str:
    return repr(" ".join(words[start:end]))


def _checked_level(words: Sequence[str], level: str, ranges) -> Ranges:
    """The level's ranges sorted, checked to be a partition of the words into half-open ranges."""
    n = len(words)
    example = f"[(0, {n // 2}), ({n // 2}, {n})]" if n > 1 else "[(0, 1)]"
    valid = (
        f"A {level} level is a list of half-open word ranges (start, end), 0 <= start < end <= "
        f"{n}, that covers each of the {n} words exactly once, e.g. {example}."
    )
    if isinstance(ranges, (str, bytes, Mapping)) or not isinstance(ranges, Sequence):
        raise ExplainError(f"spans[{level!r}] must be a list of (start, end) pairs. {valid}")
    checked = []
    for item in ranges:
        if (
            isinstance(item, (str, bytes))
            or not isinstance(item, Sequence)
            or len(item) != 2
            or not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in item)
        ):
            raise ExplainError(
                f"spans[{level!r}] has {item!r}, which is not an (int, int) pair. {valid}"
            )
        start, end = int(item[0]), int(item[1])
        if not 0 <= start < end <= n:
            raise ExplainError(
                f"spans[{level!r}] has {(start, end)}, which is empty or outside the {n} words. {valid}"
            )
        checked.append((start, end))
    checked.sort()
    covered = 0
    for start, end in checked:
        if start < covered:
            raise ExplainError(
                f"spans[{level!r}] has {(start, end)} ({_quote(words, start, end)}), which overlaps "
                f"the range that ends at word {covered}. {valid}"
            )
        if start > covered:
            raise ExplainError(
                f"spans[{level!r}] covers no range for words {covered} to {start - 1} "
                f"({_quote(words, covered, start)}). {valid}"
            )
        covered = end
    if covered < n:
        raise ExplainError(
            f"spans[{level!r}] covers no range for words {covered} to {n - 1} "
            f"({_quote(words, covered, n)}). {valid}"
        )
    return checked
