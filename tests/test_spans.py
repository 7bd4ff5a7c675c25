"""Phrase and clause spans: SST parse trees, the built-in chunker, and spans given by the user."""

from itertools import pairwise

import pytest

from notebook_explain.data.trees import PhraseTree
from notebook_explain.errors import ExplainError
from notebook_explain.spans import (
    PHRASE_MAX_WORDS,
    SPAN_LEVELS,
    chunk_phrases,
    clause_spans,
    function_word_phrases,
    penn_tags,
    span_levels,
    universal_tag_letters,
)

# dev.txt tree lines; the sentences are looked up from their words alone
ROGER_TREE = (
    "(1 (2 (1 (1 (1 (2 You) (1 (2 (2 wo) (2 n't)) (2 (2 like) (2 Roger)))) (2 ,)) (2 but)) "
    "(2 (2 you) (3 (3 (2 will) (2 quickly)) (2 (2 recognize) (2 him))))) (2 .))"
)
HIPPIES = (
    "The band 's courage in the face of official repression is inspiring , especially for aging "
    "hippies -LRB- this one included -RRB- ."
)
NOT_IN_SST = "the soup was cold , but the waiter was friendly and the bill was small ."


def assert_levels(levels, n):
    """Each level partitions range(n) in order, and every phrase lies inside one clause."""
    assert set(levels) == set(SPAN_LEVELS)
    for ranges in levels.values():
        assert ranges[0][0] == 0 and ranges[-1][1] == n
        assert all(a < b for a, b in ranges)
        assert all(prev[1] == nxt[0] for prev, nxt in pairwise(ranges))
    for start, end in levels["phrase"]:
        assert any(a <= start and end <= b for a, b in levels["clause"]), (start, end)


def tokens(text):
    return text.split()


def texts(words, ranges):
    return [" ".join(words[a:b]) for a, b in ranges]


@pytest.mark.parametrize(
    "text",
    [
        "the story may be new , but the movie does n't serve up lots of laughs .",
        HIPPIES,
        NOT_IN_SST,
        "a gorgeous , witty , seductive movie .",
        "wow",
        "but , , and or !",
    ],
)
def test_levels_are_nested_partitions(text, data_dir):
    words = text.split()
    levels, source = span_levels(words, data_dir=data_dir)
    assert source in ("sst", "chunker")
    assert_levels(levels, len(words))
    assert_levels(span_levels(words, data_dir=data_dir.parent / "no-such-folder")[0], len(words))


def test_sst_sentence_phrases_are_the_largest_tree_nodes_inside_a_clause(data_dir):
    tree = PhraseTree.from_ptb(ROGER_TREE)
    words = tree.text.split()
    levels, source = span_levels(words, data_dir=data_dir)
    assert source == "sst"
    clauses = levels["clause"]
    assert texts(words, clauses) == [
        "you wo n't like roger ,",
        "but you will quickly recognize him .",
    ]
    nodes = {(a, b) for a, b, _ in tree.spans()}

    def fits(a, b):
        return b - a <= PHRASE_MAX_WORDS and any(c <= a and b <= d for c, d in clauses)

    for a, b in levels["phrase"]:
        assert (a, b) in nodes and fits(a, b)
        # no larger node that contains it would fit as well
        assert not any(c <= a and b <= d and (c, d) != (a, b) and fits(c, d) for c, d in nodes)
    assert "wo n't like roger" in texts(words, levels["phrase"])


def test_sst_lookup_ignores_case_ptb_escapes_and_how_words_are_split(data_dir):
    words = HIPPIES.split()
    levels, source = span_levels(words, data_dir=data_dir)
    assert source == "sst"
    assert texts(words, levels["phrase"])[:2] == ["The band 's courage", "in"]
    # a subword tokenizer's words: "band's" split as band ' s, brackets as typed, original case
    typed = HIPPIES.replace("-LRB-", "(").replace("-RRB-", ")").replace("'s", "' s").split()
    levels, source = span_levels(typed, data_dir=data_dir)
    assert source == "sst"
    assert_levels(levels, len(typed))
    assert texts(typed, levels["phrase"]) == [
        "The band ' s",  # the tree node "the band 's", now four words
        "courage",
        "in",
        "the face",
        "of official repression",
        "is inspiring ,",
        "especially",
        "for",
        "aging hippies",
        "(",
        "this one included )",
        ".",
    ]


def test_a_sentence_not_in_sst_gets_the_chunker_with_a_clause_break_at_but(data_dir):
    words = NOT_IN_SST.split()
    levels, source = span_levels(words, data_dir=data_dir)
    assert source == "chunker"
    assert texts(words, levels["clause"]) == [
        "the soup was cold ,",
        "but the waiter was friendly",
        "and the bill was small .",
    ]


def test_without_the_trees_an_sst_sentence_gets_the_chunker(tmp_path):
    levels, source = span_levels(HIPPIES.split(), data_dir=tmp_path)
    assert source == "chunker"
    assert_levels(levels, len(HIPPIES.split()))


def test_clauses_split_after_punctuation_and_before_conjunctions():
    words = tokens("good acting ; bad plot -- and yet , somehow fun !")
    assert texts(words, clause_spans(words)) == [
        "good acting ;",
        "bad plot --",
        "and",
        "yet ,",
        "somehow fun !",
    ]


def test_tag_chunks_follow_the_papers_regular_expressions():
    # the paper's example: "{The movie} {does n't serve up} {lots of laughs} ."
    words = tokens("The movie does n't serve up lots of laughs .")
    letters = "DNVPVPNANx"  # DET NOUN VERB PART VERB PART NOUN ADP NOUN PUNCT
    assert texts(words, chunk_phrases(letters, [(0, len(words))])) == [
        "The movie",
        "does n't serve up",
        "lots of laughs",
        ".",
    ]
    # a chunk never crosses a clause boundary
    assert chunk_phrases("NNN", [(0, 2), (2, 3)]) == [(0, 2), (2, 3)]


def test_textblob_tags_give_noun_and_verb_chunks(data_dir):
    pytest.importorskip("textblob")
    words = tokens("the waiter does n't serve up soup .")
    levels, source = span_levels(words, data_dir=data_dir)
    assert source == "chunker"
    assert texts(words, levels["phrase"])[:2] == ["the waiter", "does n't serve"]


def test_penn_tags_give_one_tag_per_word_and_the_universal_letters_follow():
    pytest.importorskip("textblob")
    words = ["the", "most", "moving", "film", "in", "new york", "."]
    assert penn_tags(words) == ["DT", "RBS", "VBG", "NN", "IN", "NN", "."]
    assert universal_tag_letters(words) == "DRVNANx"


def test_phrases_without_a_tagger_start_at_function_words():
    words = tokens("the plot is unbelievably disappointing , the acting of his wife wooden .")
    assert texts(words, function_word_phrases(words, clause_spans(words))) == [
        "the plot",
        "is unbelievably disappointing",
        ",",
        "the acting",
        "of his wife wooden",
        ".",
    ]


WORDS = tokens("it is not bad , but it is not good")


def test_user_spans_are_sorted_and_missing_levels_derived():
    levels, source = span_levels(WORDS, {"clause": [(5, 10), (0, 5)]})
    assert source == "user"
    assert levels == {"clause": [(0, 5), (5, 10)], "phrase": [(0, 5), (5, 10)]}
    levels, _ = span_levels(WORDS, {"phrase": [(0, 2), (2, 4), (4, 10)]})
    assert levels["clause"] == [(0, 10)]
    assert levels["phrase"] == [(0, 2), (2, 4), (4, 10)]


@pytest.mark.parametrize(
    "spans, message",
    [
        ({"phrase": [(0, 4), (3, 10)]}, r"\(3, 10\).*overlaps"),
        ({"phrase": [(0, 4), (4, 11)]}, r"\(4, 11\).*outside the 10 words"),
        ({"clause": [(0, 4), (5, 10)]}, r"no range for words 4 to 4 \(','\)"),
        ({"clause": [(0, 4), (4, 8)]}, r"no range for words 8 to 9 \('not good'\)"),
        ({"phrase": [(2, 2), (0, 2), (2, 10)]}, r"\(2, 2\).*empty"),
        ({"phrase": [(0, "4"), (4, 10)]}, r"\(0, '4'\).*not an \(int, int\) pair"),
        ({"phrase": "0-10"}, r"list of \(start, end\) pairs"),
        (
            {"clause": [(0, 5), (5, 10)], "phrase": [(0, 6), (6, 10)]},
            r"\(0, 6\).*crosses.*\(0, 5\)",
        ),
        ({"sentence": [(0, 10)]}, r"unknown level.*sentence.*phrase, clause"),
        ([(0, 10)], r"must be a dict"),
    ],
)
def test_bad_user_spans_name_the_span_and_the_fix(spans, message):
    with pytest.raises(ExplainError, match=message):
        span_levels(WORDS, spans)


def test_a_bad_level_explains_what_a_valid_one_looks_like():
    with pytest.raises(
        ExplainError,
        match=r"half-open word ranges.*0 <= start < end <= 10.*e\.g\. \[\(0, 5\), \(5, 10\)\]",
    ):
        span_levels(WORDS, {"phrase": [(0, 4)]})
