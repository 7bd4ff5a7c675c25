"""Nearest training examples in head-feature space, for ``knn`` and ``fast_influence``'s
candidates (Guo et al. 2021, FastIF: kNN first, influence on the neighbours only).

With FAISS installed (``pip install 'notebook_explain[faiss]'``) the search goes through a FAISS
index over float32 features: exact ``IndexFlatL2`` by default, or ``kind="ivf"`` (inverted
lists, probing ``nprobe`` of ``sqrt(n)`` cells) and ``kind="hnsw"`` (a navigable graph) for very
large sets, which are approximate. Without FAISS the exact search runs in torch on the
float64 features. The exact kinds rank by the same Euclidean distance; they differ only where
float32 rounding reorders near-ties.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..errors import ExplainError

KINDS = ("exact", "ivf", "hnsw")


def faiss_or_none():
    try:
        import faiss
    except ImportError:
        return None
    return faiss


class NeighbourSearch:
    """The k nearest rows of ``features`` (n, H) to a query, by Euclidean distance."""

    def __init__(self, features: torch.Tensor, kind: str = "exact", nprobe: int = 16):
        if kind not in KINDS:
            raise ExplainError(f"Unknown neighbour search {kind!r}; choose one of {list(KINDS)}.")
        self.features, self.kind = features, kind
        faiss = faiss_or_none()
        if faiss is None and kind != "exact":
            raise ExplainError(
                f"The {kind!r} neighbour search needs FAISS: pip install 'notebook_explain[faiss]'."
            )
        self.backend = "torch" if faiss is None else "faiss"
        self._index = None if faiss is None else _faiss_index(faiss, features, kind, nprobe)

    def search(self, query: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(rows, distances) of the ``k`` nearest rows, nearest first."""
        k = min(k, len(self.features))
        if self._index is None:
            distances = (self.features - query).norm(dim=1)
            rows = torch.topk(distances, k, largest=False).indices
            order = torch.argsort(distances[rows], stable=True)
            rows = rows[order]
            return rows, distances[rows]
        x = np.ascontiguousarray(query.detach().cpu().numpy().reshape(1, -1), dtype=np.float32)
        squared, rows = self._index.search(x, k)
        rows = torch.as_tensor(rows[0], dtype=torch.long)
        rows = rows[rows >= 0]  # an approximate index may find fewer than k
        # the distances in float64 from the features themselves, not FAISS's float32 ones
        return rows, (self.features[rows] - query).norm(dim=1)


def _faiss_index(faiss, features: torch.Tensor, kind: str, nprobe: int):
    data = np.ascontiguousarray(features.detach().cpu().numpy(), dtype=np.float32)
    n, width = data.shape
    if kind == "exact":
        index = faiss.IndexFlatL2(width)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(width, 32)
    else:
        cells = max(1, int(math.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(width), width, cells)
        index.train(data)
        index.nprobe = min(nprobe, cells)
    index.add(data)
    return index
