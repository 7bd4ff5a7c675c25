"""Which of a training example's own words carry its influence: leave-word-out (survey eq. 31,
with a word's tokens removed together, so the panel shows what users read).

For a training example z and a scorer s(·) (the influence of a training example on the test
prediction, or on a test token's saliency), word w of z gets s(z) − s(z without w): positive
when the word pushes z's score up. All variants of all requested examples run as one batched
pass through the model.
"""

from __future__ import annotations

import torch

from .index import head_features


def word_highlights(adapter, index, rows: list[int], scorer, batching):
    """For each training row: (its words, their leave-word-out scores), in passes within
    ``batching`` (a ``methods.context.Batching``)."""
    if not rows:
        return []
    variants, labels, spans = [], [], []
    for row in rows:
        encoded = adapter.encode(index.texts[row])
        ids = encoded.input_ids[0].tolist()
        types = None if encoded.token_type_ids is None else encoded.token_type_ids[0].tolist()
        word_index = list(encoded.word_index)
        start = len(variants)
        variants.append((ids, types))
        for w in range(len(encoded.words)):
            kept = [i for i, owner in enumerate(word_index) if owner != w]
            variants.append(
                ([ids[i] for i in kept], None if types is None else [types[i] for i in kept])
            )
        labels += [int(index.labels[row])] * (len(encoded.words) + 1)
        spans.append((start, list(encoded.words)))
    features = head_features(adapter, variants, batching)
    scores = scorer(features, torch.as_tensor(labels))
    out = []
    for start, words in spans:
        full = scores[start]
        dropped = scores[start + 1 : start + 1 + len(words)]
        out.append((words, [float(x) for x in (full - dropped)]))
    return out
