"""Perturbed and padded batches: the one place that removes tokens from an input and pads rows.

Every perturbation method (occlusion, leave-one-out, LIME, input reduction) and every removal
metric (deletion curves, comprehensiveness, sufficiency) builds its batch here, so padding works
the same way everywhere:

* ``delete_tokens``: each row keeps some tokens of one input, in order, moved to the front; the
  rows are right-padded to the longest with attention mask 0 and zero embeddings;
* ``replace_tokens``: each row replaces some tokens' embeddings (zero, UNK, [MASK], a sample);
* ``pad_ids``: token-id lists of different texts right-padded into one batch;
* ``pad_inputs``: the embedded inputs of different texts padded into one batch.

Nothing here knows which model reads the batch: the rows are tensors and masks only.
"""

from __future__ import annotations

import torch


def delete_tokens(
    embeddings: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor | None,
    keep: torch.Tensor,
    side: str = "right",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The (1, L, D) input with tokens deleted: one row per row of the (B, L) bool ``keep``.

    Returns the (B, K, D) embeddings, (B, K) attention mask and token types (``None`` when the
    input has none), K the most tokens any row keeps (at least 1). The kept tokens keep their
    order; shorter rows are padded on the right, or with ``side="left"`` on the left (for a
    decoder, which reads its last position).
    """
    keep = torch.as_tensor(keep, dtype=torch.bool, device=embeddings.device)
    if keep.ndim != 2 or keep.shape[1] != embeddings.shape[1]:
        raise ValueError(
            f"keep must have shape (B, {embeddings.shape[1]}), got {tuple(keep.shape)}."
        )
    lengths = keep.sum(1)
    width = max(int(lengths.max()) if len(keep) else 0, 1)
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)[:, :width]
    valid = torch.arange(width, device=keep.device)[None] < lengths[:, None]
    if side == "left":  # the kept tokens end each row: shift every row right by its padding
        shift = (width - lengths)[:, None]
        position = torch.arange(width, device=keep.device)[None]
        order = order.gather(1, (position - shift).clamp(min=0))
        valid = position >= shift
    rows = embeddings[0][order] * valid[..., None]
    mask = attention_mask[0][order] * valid
    types = None if token_type_ids is None else token_type_ids[0][order] * valid
    return rows, mask, types


def replace_tokens(
    embeddings: torch.Tensor, replaced: torch.Tensor, replacement: torch.Tensor
) -> torch.Tensor:
    """(B, L, D) rows of the (1, L, D) input, the tokens where the (B, L) bool ``replaced`` is
    True taking ``replacement``: a (D,) vector, or (1 or B, L, D) embeddings position by position."""
    replaced = torch.as_tensor(replaced, dtype=torch.bool, device=embeddings.device)
    return torch.where(replaced[..., None], replacement, embeddings)


def pad_ids(
    sequences: list[list[int]], pad_id: int, types: list[list[int]] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Right-pad id lists (and their token types) into (ids, long attention mask, types).
    An empty sequence becomes one pad token."""
    sequences = [s or [pad_id] for s in sequences]
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    padded_types = None if types is None else torch.zeros_like(ids)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
        if types is not None:
            padded_types[row, : len(types[row])] = torch.tensor(types[row], dtype=torch.long)
    return ids, mask, padded_types


def pad_inputs(
    embeddings: list[torch.Tensor],
    attention_masks: list[torch.Tensor],
    token_type_ids: list[torch.Tensor] | None,
    side: str = "right",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, list[slice]]:
    """Inputs of different lengths, each (1, L_i, D) with its (1, L_i) mask and types, padded
    into one (B, L, D) batch with attention mask 0 and zero embeddings, on the right or (for a
    decoder) on the left. Returns the batch, its mask, its types (``None`` when the inputs have
    none) and each input's positions in its row."""
    width = max(e.shape[1] for e in embeddings)
    rows = embeddings[0].new_zeros((len(embeddings), width, embeddings[0].shape[2]))
    mask = attention_masks[0].new_zeros((len(embeddings), width))
    types = None if token_type_ids is None else mask.clone()
    places = []
    for row, emb in enumerate(embeddings):
        start = width - emb.shape[1] if side == "left" else 0
        place = slice(start, start + emb.shape[1])
        rows[row, place] = emb[0]
        mask[row, place] = attention_masks[row][0]
        if types is not None:
            types[row, place] = token_type_ids[row][0]
        places.append(place)
    return rows, mask, types, places
