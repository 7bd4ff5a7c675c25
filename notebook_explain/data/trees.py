"""Stanford Sentiment Treebank parse trees with a sentiment label on every phrase."""

import os
from dataclasses import dataclass

from ..errors import ExplainError
from .sources import locate, pick_split

NEUTRAL_LABEL = 2
_LABELS = {"0", "1", "2", "3", "4"}
_TREE_FILES = {
    "train": "sst-ptb-trees/train.txt",
    "dev": "sst-ptb-trees/dev.txt",
    "test": "sst-ptb-trees/test.txt",
}


@dataclass(frozen=True)
class PhraseTree:
    """A node of an SST parse tree (Socher et al., EMNLP 2013) and the phrase it spans.

    ``label`` is the 5-class sentiment of the phrase: 0 very negative, 1 negative, 2 neutral,
    3 positive, 4 very positive. A leaf has a ``word`` and no children; an inner node has
    children and no word. Words are lower-cased to match the SST-2 sentences (``-lrb-``,
    ``1\\/2``); a word may contain a space, as in ``8 1\\/2``.
    """

    label: int
    children: tuple["PhraseTree", ...] = ()
    word: str | None = None

    def __post_init__(self) -> None:
        if self.label not in range(5):
            raise ExplainError(f"PhraseTree label must be 0-4, got {self.label!r}.")
        if (self.word is None) == (not self.children):
            raise ExplainError(
                "A PhraseTree node needs either a word (leaf) or children, not both."
            )

    @classmethod
    def from_ptb(cls, text: str) -> "PhraseTree":
        """Parse one tree in Penn Treebank bracket form, e.g. ``(3 (2 the) (3 film))``."""
        text = text.strip()
        tree, end = _parse_node(text, 0)
        if end != len(text):
            raise _malformed(text, end, "the end of the tree")
        return tree

    @property
    def words(self) -> list[str]:
        """The leaf words, in sentence order."""
        if self.word is not None:
            return [self.word]
        return [word for child in self.children for word in child.words]

    @property
    def text(self) -> str:
        """The words joined by single spaces: the sentence in SST-2 form."""
        return " ".join(self.words)

    @property
    def binary_label(self) -> int | None:
        """0 for labels 0-1, 1 for labels 3-4, None for neutral (2)."""
        if self.label == NEUTRAL_LABEL:
            return None
        return int(self.label > NEUTRAL_LABEL)

    def spans(self) -> list[tuple[int, int, int]]:
        """(first word, end word exclusive, label) of every node, leaves and root included.

        Nodes come in pre-order: the root first, each node before its children.
        """
        return self._spans_from(0)

    def _spans_from(self, start: int) -> list[tuple[int, int, int]]:
        if self.word is not None:
            return [(start, start + 1, self.label)]
        descendants, end = [], start
        for child in self.children:
            child_spans = child._spans_from(end)
            descendants.extend(child_spans)
            end = child_spans[0][1]
        return [(start, end, self.label), *descendants]


def _malformed(text: str, position: int, expected: str) -> ExplainError:
    return ExplainError(
        f"Malformed PTB tree at character {position}: expected {expected}, found "
        f"{text[position : position + 20]!r}. A tree looks like '(3 (2 the) (3 film))'."
    )


def _parse_node(text: str, start: int) -> tuple[PhraseTree, int]:
    """Parse the node whose '(' is at ``start``; return it and the position after its ')'."""
    if not text.startswith("(", start):
        raise _malformed(text, start, "'('")
    label_end = text.find(" ", start)
    label = text[start + 1 : label_end]
    if label_end < 0 or label not in _LABELS:
        raise _malformed(text, start + 1, "a label 0-4 followed by a space")
    position = label_end + 1
    if not text.startswith("(", position):
        # A leaf: its word runs up to the closing bracket and may contain spaces.
        close = text.find(")", position)
        if close <= position:
            raise _malformed(text, position, "a word followed by ')'")
        return PhraseTree(int(label), word=text[position:close].lower()), close + 1
    children = []
    while text.startswith("(", position):
        child, position = _parse_node(text, position)
        children.append(child)
        while text.startswith(" ", position):
            position += 1
    if not text.startswith(")", position):
        raise _malformed(text, position, "'(' or ')'")
    return PhraseTree(int(label), tuple(children)), position + 1


def load_sst_trees(
    split: str = "train", binary: bool = False, data_dir: str | os.PathLike | None = None
) -> list[PhraseTree]:
    """The SST parse trees of one split (Socher et al., EMNLP 2013): 8544 / 1101 / 2210.

    With ``binary=True`` the trees with a neutral root are dropped, leaving the 6920 / 872 / 1821
    sentences of SST-2 (the same sentences and labels as :func:`load_sst2`, in another order).
    """
    path = locate(pick_split("the SST trees", split, _TREE_FILES), data_dir)
    trees = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                trees.append(PhraseTree.from_ptb(line))
            except ExplainError as exc:
                raise ExplainError(f"{path}, line {number}: {exc}") from exc
    if binary:
        trees = [tree for tree in trees if tree.binary_label is not None]
    return trees
