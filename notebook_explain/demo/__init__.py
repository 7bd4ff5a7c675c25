"""The embedded demo models: trained on SST-2 on first use, then loaded from the disk cache.

``load_demo(name)`` returns a :class:`DemoModel` whose ``adapter`` plugs into ``Explainer``.
The cache folder is keyed by the model's configuration, the training-data hash and this
package's training-code version, so a second call loads in seconds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..data import load_sst2
from ..device import resolve_device
from ..errors import ExplainError
from .cache import cache_root, fingerprint, writing
from .encoder import minilm_source

#: bump when a change to the training code changes the trained models
TRAINING_VERSION = 1

_WORD_DEFAULTS = {
    "kind": "word",
    "embeddings": "minilm",
    "embed_dim": 384,
    "min_freq": 1,
    "epochs": 6,
    "batch_size": 32,
    "learning_rate": 1e-3,
    "checkpoints": 4,
    "seed": 0,
}

DEMO_MODELS: dict[str, dict] = {
    "minilm-sst2": {
        "kind": "transformer",
        "epochs": 1,
        "batch_size": 32,
        "learning_rate": 1e-4,
        "max_length": 66,
        "checkpoints": 4,
        "seed": 0,
    },
    "gru-sst2": {
        **_WORD_DEFAULTS,
        "arch": "gru",
        "arch_options": {"hidden_dim": 128, "dropout": 0.3},
    },
    "lstm-sst2": {
        **_WORD_DEFAULTS,
        "arch": "lstm",
        "arch_options": {"hidden_dim": 128, "dropout": 0.3},
    },
    "bigru-sst2": {
        **_WORD_DEFAULTS,
        "arch": "bigru",
        "arch_options": {"hidden_dim": 128, "dropout": 0.3},
    },
    "cnn-sst2": {
        **_WORD_DEFAULTS,
        "arch": "cnn",
        "arch_options": {"num_filters": 100, "dropout": 0.5},
    },
    "bilstm-attention-sst2": {
        **_WORD_DEFAULTS,
        "arch": "bilstm_attention",
        "arch_options": {"hidden_dim": 128, "dropout": 0.3, "attention": "softmax"},
    },
    # the sparse-attention experiments (Meister et al. 2021): the same BiLSTM, sparse normalizers
    "bilstm-sparsemax-sst2": {
        **_WORD_DEFAULTS,
        "arch": "bilstm_attention",
        "arch_options": {"hidden_dim": 128, "dropout": 0.3, "attention": "sparsemax"},
    },
    "bilstm-sparsegen-sst2": {
        **_WORD_DEFAULTS,
        "arch": "bilstm_attention",
        "arch_options": {
            "hidden_dim": 128,
            "dropout": 0.3,
            "attention": "sparsegen",
            "sparsegen_lambda": 0.5,
        },
    },
    "bag-sst2": {**_WORD_DEFAULTS, "arch": "bag", "epochs": 10, "arch_options": {"dropout": 0.0}},
}


@dataclass
class DemoModel:
    """A trained demo model: its adapter for ``Explainer``, its cache folder and training record."""

    name: str
    adapter: object
    path: Path
    info: dict = field(default_factory=dict)


def demo_config(name: str, **overrides) -> dict:
    if name not in DEMO_MODELS:
        raise ExplainError(f"Unknown demo model {name!r}. Choose one of: {', '.join(DEMO_MODELS)}.")
    cfg = {**DEMO_MODELS[name], **overrides, "name": name, "encoder": minilm_source()}
    unknown = sorted(set(overrides) - set(DEMO_MODELS[name]))
    if unknown:
        raise ExplainError(
            f"{name} has no setting {', '.join(unknown)}; its settings: {', '.join(DEMO_MODELS[name])}."
        )
    return cfg


def load_demo(
    name: str = "minilm-sst2",
    *,
    cache_dir=None,
    data_dir=None,
    device=None,
    progress: bool = True,
    max_train: int | None = None,
    **overrides,
) -> DemoModel:
    """Load a demo model from the cache, training and caching it first if needed.

    ``max_train`` trains on the first N training sentences only (for quick experiments; it is part
    of the cache key). Other keyword arguments override the model's training settings.
    """
    cfg = demo_config(name, **overrides)
    device = resolve_device(device)
    splits = {split: load_sst2(split, data_dir=data_dir) for split in ("train", "dev", "test")}
    if max_train is not None:
        train = splits["train"]
        splits["train"] = replace(
            train, texts=train.texts[:max_train], labels=train.labels[:max_train]
        )
    # the encoder's location is not part of the key: the same weights may live in several places
    key_cfg = {k: v for k, v in cfg.items() if k != "encoder"}
    data_key = hashlib.sha256(
        json.dumps([splits["train"].texts, splits["train"].labels.tolist()]).encode()
    ).hexdigest()
    path = (
        cache_root(cache_dir)
        / "demo"
        / f"{name}-{fingerprint(key_cfg, data_key, TRAINING_VERSION)}"
    )
    if not (path / "info.json").exists():
        _train(cfg, path, splits, device, progress, max_train)
    info = json.loads((path / "info.json").read_text())
    return DemoModel(name, _load_adapter(cfg, path, info, device), path, info)


def _train(cfg, path, splits, device, progress, max_train):
    from .train import train_transformer, train_word_model

    trainer = train_transformer if cfg["kind"] == "transformer" else train_word_model
    with writing(path) as tmp:
        info = trainer(cfg, splits, device, tmp, progress)
        info.update(config={k: v for k, v in cfg.items() if k != "encoder"}, max_train=max_train)
        (tmp / "info.json").write_text(json.dumps(info, indent=1))


def _load_adapter(cfg, path, info, device):
    names = info["class_names"]
    if cfg["kind"] == "transformer":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from ..models.hf import HFAdapter

        model = AutoModelForSequenceClassification.from_pretrained(path)
        adapter = HFAdapter(
            model, AutoTokenizer.from_pretrained(path), device=device, class_names=names
        )
    else:
        from safetensors.torch import load_file

        from ..models.classifiers import WordClassifier
        from ..models.vocab import WordVocab
        from ..models.word import WordModelAdapter

        model = WordClassifier(**json.loads((path / "model_config.json").read_text()))
        model.load_state_dict(load_file(str(path / "model.safetensors")))
        vocab = WordVocab.from_json(json.loads((path / "vocab.json").read_text()))
        adapter = WordModelAdapter(model, vocab, device=device, class_names=names)
    adapter.name = cfg["name"]
    return adapter
