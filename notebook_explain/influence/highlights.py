"""Which of a training example's own tokens carry its influence: leave-token-out (survey eq. 31).

For a training example z and a scorer s(·) (the influence of a training example on the test
prediction, or on a test token's saliency), token t of z gets s(z) − s(z without t): positive
when the token pushes z's score up. All variants of all requested examples run as one batched
pass through the model.
"""

from __future__ import annotations

import torch

from .index import head_features


def token_highlights(adapter, index, rows: list[int], scorer, batch_size, max_batch_tokens):
    """For each training row: (its non-special tokens, their leave-token-out scores)."""
    if not rows:
        return []
    variants, labels, spans = [], [], []
    for row in rows:
        encoded = adapter.encode(index.texts[row])
        ids = encoded.input_ids[0].tolist()
        types = None if encoded.token_type_ids is None else encoded.token_type_ids[0].tolist()
        positions = [i for i, special in enumerate(encoded.special_mask) if not special]
        start = len(variants)
        variants.append((ids, types))
        for p in positions:
            variants.append(
                (ids[:p] + ids[p + 1 :], None if types is None else types[:p] + types[p + 1 :])
            )
        labels += [int(index.labels[row])] * (len(positions) + 1)
        spans.append((start, [encoded.tokens[p] for p in positions]))
    features = head_features(adapter, variants, batch_size, max_batch_tokens)
    scores = scorer(features, torch.as_tensor(labels))
    out = []
    for start, tokens in spans:
        full = scores[start]
        dropped = scores[start + 1 : start + 1 + len(tokens)]
        out.append((tokens, [float(x) for x in (full - dropped)]))
    return out
