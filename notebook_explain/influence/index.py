"""TrainingIndex: the per-example training quantities influence queries need, computed once.

One batched pass over the training set records each example's classifier-head input features
(the representation kNN searches, survey §3.2). Everything else follows from them in closed
form (see ``gradients``): the per-example loss gradients of the head, the exact head Hessian,
and the gradients at the training checkpoints for TracIn. The features are cached on disk under
``<cache>/influence/``, keyed by a fingerprint of every model weight, a hash of the texts and
labels, and the configuration, so a changed model or dataset is never served a stale index
(the head's own weights are left out of the key: the features do not depend on them, and the
gradients and Hessian are recomputed from the current head on every load).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from ..cache import cache_root, discard, fingerprint, store, valid
from ..errors import ExplainError
from ..methods.context import Batching
from ..models.base import head_of, parameters_fingerprint
from ..perturb import pad_ids
from . import gradients
from .hessian import InverseHessian
from .neighbours import NeighbourSearch

#: bump when a change to this module changes what the cache holds
INDEX_VERSION = 3  # 3: the features in a .npy file mapped into memory
#: the cached features: (n, H) float64, one row per training text
FEATURES = "features.npy"
#: the parameter subsets an index can be built for
PARAMS = ("classifier",)
#: ``hessian="auto"`` inverts the Hessian exactly up to this many parameters, else by CG
EXACT_LIMIT = 20_000


@dataclass(frozen=True)
class Checkpoint:
    """The classifier head at one saved training step, with the learning rate then in force."""

    step: int
    learning_rate: float
    weight: torch.Tensor
    bias: torch.Tensor


@dataclass(eq=False)
class TrainingIndex:
    """Fit once, query many: the training set as the influence methods see it.

    ``features`` (n, H) are the classifier-head inputs; ``weight``/``bias`` the head;
    ``inverse_hessian`` applies (H + λI)⁻¹ for the mean training loss over the head parameters.
    ``checkpoints`` are the head's saved training states for TracIn (empty: the final weights
    stand in as the one checkpoint). ``from_cache`` says whether the features came from disk.
    """

    texts: list[str]
    labels: torch.Tensor
    class_names: list[str]
    features: torch.Tensor
    weight: torch.Tensor
    bias: torch.Tensor
    inverse_hessian: InverseHessian
    checkpoints: list[Checkpoint]
    config: dict
    path: Path
    from_cache: bool
    seconds: float
    #: ``weights_fingerprint`` of the model the index was built from
    weights: str = ""
    #: the search behind ``nearest`` (``neighbours.NeighbourSearch``; exact, made on first use)
    neighbours: NeighbourSearch | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    def nearest(self, query_features: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` training rows nearest to ``query_features`` in head-feature space.

        Args:
            query_features: The query's (H,) head features.
            k: How many rows.

        Returns:
            (rows, Euclidean distances), nearest first.
        """
        if self.neighbours is None:
            self.neighbours = NeighbourSearch(self.features)
        return self.neighbours.search(query_features, k)

    def __repr__(self) -> str:
        n, width = self.features.shape
        return (
            f"TrainingIndex({n} examples, {len(self.class_names)} classes, features {n}×{width}, "
            f"damping {self.config.get('damping')}, {len(self.checkpoints)} checkpoints, "
            f"{'loaded from' if self.from_cache else 'cached at'} {str(self.path)!r})"
        )

    def check_model(self, adapter) -> None:
        """Check that a model's weights are those the index was built from (one hash over every
        parameter: encoder and head, weights and biases).

        Args:
            adapter: The model's adapter.

        Raises:
            ExplainError: When the weights changed, saying to rebuild the index.
        """
        if weights_fingerprint(adapter) != self.weights:
            raise ExplainError(
                "The model's weights changed since the training index was built, so its "
                "features and head no longer describe this model; rebuild it with "
                "ex.index(train_texts, train_labels)."
            )

    def residuals(self, features=None, labels=None, weight=None, bias=None) -> torch.Tensor:
        """Softmax residuals (probabilities minus one-hot labels) of rows under a head.

        Args:
            features: The rows' head features (default: the training set's).
            labels: Their labels (default: the training labels).
            weight: The head's weight (default: the final one).
            bias: The head's bias (default: the final one).

        Returns:
            The (rows, classes) residuals.
        """
        return gradients.residuals(
            self.features if features is None else features,
            self.labels if labels is None else labels,
            self.weight if weight is None else weight,
            self.bias if bias is None else bias,
        )


def check_training_data(texts, labels, class_names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Validate texts and labels (class indices or names) → (texts, int labels)."""
    if isinstance(texts, str):
        raise ExplainError("train_texts must be a list of texts, not a single string.")
    texts = list(texts)
    labels = list(labels.tolist() if isinstance(labels, np.ndarray) else labels)
    if not texts:
        raise ExplainError(
            "The training set is empty; pass the texts and labels the model was trained on."
        )
    if len(texts) != len(labels):
        raise ExplainError(
            f"Got {len(texts)} training texts but {len(labels)} labels; give one label per text."
        )
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise ExplainError(f"Every training text must be a string, got {type(bad).__name__}.")
    names = [n.lower() for n in class_names]
    resolved = []
    for i, label in enumerate(labels):
        if isinstance(label, str) and label.lower() in names:
            resolved.append(names.index(label.lower()))
        elif isinstance(label, (int, np.integer)) and not isinstance(label, bool):
            if not 0 <= label < len(names):
                raise ExplainError(_label_error(i, label, class_names))
            resolved.append(int(label))
        else:
            raise ExplainError(_label_error(i, label, class_names))
    return texts, np.asarray(resolved, dtype=np.int64)


def _label_error(i, label, class_names) -> str:
    return (
        f"Training label {i} is {label!r}, which is not one of the model's classes; use an "
        f"index 0..{len(class_names) - 1} or a name: {', '.join(class_names)}."
    )


def model_fingerprint(adapter, head: bool = False) -> str:
    """A hash of every named parameter's name, shape, dtype and bytes, the classifier head's
    only with ``head``: the cached features are the head's input, and everything that depends
    on the head is recomputed from the current weights when an index is loaded."""
    head_name, _ = adapter.classifier_head()
    return parameters_fingerprint(adapter.named_parameters(), None if head else f"{head_name}.")


def weights_fingerprint(adapter) -> str:
    """``model_fingerprint`` over every parameter, the head's included (0.07 s for MiniLM's
    22M parameters on a CPU): what an index checks before each query."""
    return model_fingerprint(adapter, head=True)


def data_hash(texts: list[str], labels: np.ndarray) -> str:
    return hashlib.sha256(json.dumps([texts, labels.tolist()]).encode()).hexdigest()[:16]


def encoded_rows(adapter, texts: Sequence[str]) -> list[tuple[list[int], list[int] | None]]:
    """Each text's token ids and token types, as the adapter encodes them."""
    rows = []
    for text in texts:
        encoded = adapter.encode(text)
        types = encoded.token_type_ids
        rows.append((encoded.input_ids[0].tolist(), None if types is None else types[0].tolist()))
    return rows


def head_features(
    adapter,
    rows,
    batching: Batching,
    progress=False,
    desc="indexing",
    allocate=None,
) -> torch.Tensor:
    """(n, H) float64 classifier-head features of encoded rows, in length-sorted batches within
    ``batching``'s limits (its ``check`` runs before each, so a query can be cancelled), each
    batch written into ``allocate(n, H)``'s array as it comes (default: one in memory; the
    index passes a file mapped into memory, so a million rows need not fit in RAM)."""
    from tqdm.auto import tqdm

    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    batches, current = [], []
    for i in order:
        width = max(len(rows[i][0]), 1)
        if current and (
            len(current) >= batching.batch_size
            or (len(current) + 1) * width > batching.max_batch_tokens
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    out = None
    with torch.no_grad(), tqdm(total=len(rows), desc=desc, disable=not progress) as bar:
        for batch in batches:
            if batching.check is not None:
                batching.check()
            ids, mask, types = (
                None if t is None else t.to(adapter.device)
                for t in pad_ids(
                    [rows[i][0] for i in batch],
                    adapter.pad_id,
                    None if rows[batch[0]][1] is None else [rows[i][1] for i in batch],
                )
            )
            features = adapter.head_features(adapter.embed(ids), mask, types).double().cpu()
            if out is None:
                out = (allocate or _in_memory)(len(rows), features.shape[1])
            out[batch] = features.numpy()
            bar.update(len(batch))
    if hasattr(out, "flush"):
        out.flush()
    return torch.from_numpy(out)


def _in_memory(n: int, width: int) -> np.ndarray:
    return np.empty((n, width), dtype=np.float64)


def _mapped_features(path: Path) -> torch.Tensor:
    """The features file mapped into memory, copy-on-write: pages are read when used."""
    return torch.from_numpy(np.load(path, mmap_mode="c"))


def load_checkpoints(folder, head_name: str) -> list[Checkpoint]:
    """The head's states from a demo training run's ``checkpoints/`` folder (``index.json``)."""
    folder = Path(folder)
    listing = folder / "index.json"
    if not listing.exists():
        raise ExplainError(
            f"No checkpoint index at {listing}; pass the checkpoints/ folder a demo training run "
            "wrote, or checkpoints=None to use the final weights only."
        )
    checkpoints = []
    for entry in json.loads(listing.read_text()):
        tensors = load_file(str(folder / entry["file"]))
        keys = (f"{head_name}.weight", f"{head_name}.bias")
        if not all(k in tensors for k in keys):
            raise ExplainError(
                f"Checkpoint {entry['file']} holds no {keys[0]}/{keys[1]}; it was saved for another model."
            )
        weight, bias = (tensors[k].double() for k in keys)
        checkpoints.append(Checkpoint(entry["step"], float(entry["learning_rate"]), weight, bias))
    return checkpoints


def build_index(
    adapter,
    texts,
    labels,
    *,
    params: str = "classifier",
    damping: float = 0.01,
    hessian: str = "auto",
    checkpoints=None,
    batch_size: int = 64,
    max_batch_tokens: int = 4096,
    cache_dir=None,
    progress: bool = True,
) -> TrainingIndex:
    """Index ``texts``/``labels`` for influence queries on ``adapter``'s model (see ``TrainingIndex``).

    ``params`` is the parameter subset whose gradients define influence (``"classifier"``: the
    final Linear layer). ``damping`` is the λ added to the Hessian; ``hessian`` the solver
    (``"exact"``, ``"cg"``, ``"lissa"``; ``"auto"``: exact up to ``EXACT_LIMIT`` parameters). ``checkpoints`` is a folder of saved head states for
    TracIn (``None``: the final weights are the one checkpoint). The features are cached under ``cache_dir`` (default: ``NOTEBOOK_EXPLAIN_CACHE``).
    """
    if params not in PARAMS:
        raise ExplainError(f"params must be one of {PARAMS}, got {params!r}.")
    if head_of(adapter) != "softmax":
        raise ExplainError(
            "Training-data influence takes the cross-entropy of one label per training text; "
            "this multi-label model has a sigmoid per class and no such loss yet."
        )
    start = time.perf_counter()
    texts, labels = check_training_data(texts, labels, adapter.class_names)
    head_name, head = adapter.classifier_head()
    config = {"params": params, "head": head_name, "version": INDEX_VERSION}
    key = fingerprint(model_fingerprint(adapter), data_hash(texts, labels), config)
    path = cache_root(cache_dir) / "influence" / f"{_slug(adapter.name)}-{key}"
    features = _cached_features(path, len(texts))
    from_cache = features is not None
    if not from_cache:
        rows = encoded_rows(adapter, texts)

        def fill(folder):
            def on_disk(n, width):
                return np.lib.format.open_memmap(
                    folder / FEATURES, mode="w+", dtype=np.float64, shape=(n, width)
                )

            limits = Batching(batch_size, max_batch_tokens)
            head_features(adapter, rows, limits, progress, allocate=on_disk)
            (folder / "config.json").write_text(json.dumps({**config, "n": len(texts)}))

        path = store(path, fill)
        features = _mapped_features(path / FEATURES)
    weight, bias = head.weight.detach().double().cpu(), head.bias.detach().double().cpu()
    size = weight.numel() + bias.numel()
    if hessian == "auto":
        hessian = "exact" if size <= EXACT_LIMIT else "cg"
    inverse = InverseHessian(
        hessian,
        damping,
        gradients.hessian_vector_product(features, weight, bias),
        size,
        gradients.hessian(features, weight, bias) if hessian == "exact" else None,
    )
    return TrainingIndex(
        texts=texts,
        labels=torch.as_tensor(labels),
        class_names=list(adapter.class_names),
        features=features,
        weight=weight,
        bias=bias,
        inverse_hessian=inverse,
        checkpoints=load_checkpoints(checkpoints, head_name) if checkpoints else [],
        config={**config, "damping": float(damping), "hessian": hessian, "parameters": size},
        path=path,
        from_cache=from_cache,
        seconds=time.perf_counter() - start,
        weights=weights_fingerprint(adapter),
    )


def _cached_features(path: Path, n: int) -> torch.Tensor | None:
    """The cached (n, H) features at ``path``, or None (none, or damaged: then discarded)."""
    if not valid(path):
        return None
    try:
        features = _mapped_features(path / FEATURES)
    except (OSError, ValueError):
        features = None
    if features is None or features.ndim != 2 or len(features) != n:
        discard(path, f"its features are not one row per training text ({n})")
        return None
    if not torch.isfinite(features).all():
        discard(path, "its features hold NaN or infinite values")
        return None
    return features


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[-40:] or "model"
