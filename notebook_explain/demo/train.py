"""Training loops for the demo models: seeded, batched, with progress bars.

* MiniLM: the pretrained encoder fine-tuned end to end with AdamW and linear warm-up/decay.
* Word models: Adam on cross-entropy; the dev accuracy picks the best epoch (reported with the
  test accuracy, which plays no part in selection).

Both save the classification head at evenly spaced points during training (``checkpoints/``),
with the learning rate in force, for TracIn-style training-data attribution.
"""

from __future__ import annotations

import json
import random
import time

import numpy as np
import torch
from safetensors.torch import save_file
from tqdm.auto import tqdm

from ..models.classifiers import WordClassifier
from ..models.vocab import WordVocab
from ..perturb import pad_ids


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _batches(n: int, batch_size: int, generator: torch.Generator | None):
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


class _CheckpointSchedule:
    """Saves named parameters at ``count`` evenly spaced optimisation steps."""

    def __init__(self, folder, total_steps: int, count: int, select):
        self.folder, self.select = folder / "checkpoints", select
        self.at = {int(round(total_steps * (i + 1) / count)) for i in range(count)}
        self.saved: list[dict] = []

    def step(self, step: int, model, lr: float):
        if step not in self.at:
            return
        self.folder.mkdir(exist_ok=True)
        name = f"step_{step:06d}.safetensors"
        tensors = {
            k: v.detach().cpu().contiguous() for k, v in model.named_parameters() if self.select(k)
        }
        save_file(tensors, str(self.folder / name))
        self.saved.append({"file": name, "step": step, "learning_rate": lr})

    def write_index(self):
        (self.folder / "index.json").write_text(json.dumps(self.saved, indent=1))


def _accuracy(logits_fn, n: int, labels: np.ndarray, batch_size: int) -> float:
    predictions = []
    with torch.no_grad():
        for rows in _batches(n, batch_size, None):
            predictions.append(logits_fn(rows).argmax(-1).cpu().numpy())
    return float((np.concatenate(predictions) == labels).mean())


def train_transformer(cfg: dict, splits: dict, device, out_dir, progress: bool) -> dict:
    """Fine-tune a pretrained encoder with a fresh classification head; save with save_pretrained."""
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )
    from transformers.utils import logging as hf_logging

    set_seed(cfg["seed"])
    train = splits["train"]
    names = list(train.class_names)
    tokenizer = AutoTokenizer.from_pretrained(cfg["encoder"])
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the new head is meant to be missing from the checkpoint
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            cfg["encoder"],
            num_labels=len(names),
            id2label=dict(enumerate(names)),
            label2id={n: i for i, n in enumerate(names)},
        ).to(device)
    finally:
        hf_logging.set_verbosity(verbosity)

    def encode(texts):
        batch = tokenizer(
            texts, padding=True, truncation=True, max_length=cfg["max_length"], return_tensors="pt"
        )
        return {k: v.to(device) for k, v in batch.items()}

    steps_per_epoch = -(-len(train.texts) // cfg["batch_size"])
    total = steps_per_epoch * cfg["epochs"]
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"], weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * total), total)
    checkpoints = _CheckpointSchedule(
        out_dir, total, cfg["checkpoints"], lambda k: k.startswith("classifier.")
    )
    labels = torch.as_tensor(train.labels, device=device)
    generator = torch.Generator().manual_seed(cfg["seed"])
    start, step = time.perf_counter(), 0
    model.train()
    bar = tqdm(total=total, desc=f"fine-tuning {cfg['name']}", disable=not progress)
    for _ in range(cfg["epochs"]):
        for rows in _batches(len(train.texts), cfg["batch_size"], generator):
            loss = model(**encode([train.texts[i] for i in rows]), labels=labels[rows]).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            checkpoints.step(step, model, scheduler.get_last_lr()[0])
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    model.eval()
    seconds = time.perf_counter() - start
    accuracy = {
        split: _accuracy(
            lambda rows, d=data: model(**encode([d.texts[i] for i in rows])).logits,
            len(data.texts),
            data.labels,
            64,
        )
        for split, data in splits.items()
        if split != "train"
    }
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    checkpoints.write_index()
    return {"train_seconds": seconds, "accuracy": accuracy, "class_names": names}


def minilm_word_embeddings(vocab: WordVocab, encoder: str) -> torch.Tensor:
    """Each word's embedding = the mean of MiniLM's word-piece embeddings of its pieces."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(encoder)
    table = AutoModel.from_pretrained(encoder).get_input_embeddings().weight.detach()
    out = torch.zeros(len(vocab), table.shape[1])
    pieces = tokenizer(vocab.words[2:], add_special_tokens=False)["input_ids"]
    for row, ids in enumerate(pieces, start=2):
        if ids:
            out[row] = table[ids].mean(0)
    return out


def train_word_model(cfg: dict, splits: dict, device, out_dir, progress: bool) -> dict:
    """Train a WordClassifier; keep the epoch with the best dev accuracy."""
    set_seed(cfg["seed"])
    train = splits["train"]
    vocab = WordVocab.build(train.texts, min_freq=cfg["min_freq"])
    names = list(train.class_names)
    embed_dim = 384 if cfg["embeddings"] == "minilm" else cfg["embed_dim"]
    model = WordClassifier(
        cfg["arch"], len(vocab), len(names), embed_dim=embed_dim, **cfg["arch_options"]
    )
    if cfg["embeddings"] == "minilm":
        with torch.no_grad():
            model.embedding.weight.copy_(minilm_word_embeddings(vocab, cfg["encoder"]))
    model.to(device)
    encoded = {split: [vocab.encode(t) for t in data.texts] for split, data in splits.items()}

    def logits_for(split):
        def logits(rows):
            ids, mask, _ = pad_ids([encoded[split][i] for i in rows], vocab.pad_id)
            return model(ids.to(device), mask.to(device))

        return logits

    steps_per_epoch = -(-len(train.texts) // cfg["batch_size"])
    total = steps_per_epoch * cfg["epochs"]
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"])
    checkpoints = _CheckpointSchedule(
        out_dir, total, cfg["checkpoints"], lambda k: not k.startswith("embedding.")
    )
    labels = torch.as_tensor(train.labels, device=device)
    generator = torch.Generator().manual_seed(cfg["seed"])
    best, best_state, history, step = -1.0, None, [], 0
    start = time.perf_counter()
    bar = tqdm(total=total, desc=f"training {cfg['name']}", disable=not progress)
    for epoch in range(cfg["epochs"]):
        model.train()
        for rows in _batches(len(train.texts), cfg["batch_size"], generator):
            loss = torch.nn.functional.cross_entropy(logits_for("train")(rows), labels[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            checkpoints.step(step, model, cfg["learning_rate"])
            bar.update()
        model.eval()
        dev = _accuracy(logits_for("dev"), len(splits["dev"].texts), splits["dev"].labels, 256)
        history.append(dev)
        bar.set_postfix(dev_acc=f"{dev:.3f}")
        if dev > best:
            best, best_state = dev, {k: v.detach().clone() for k, v in model.state_dict().items()}
    bar.close()
    model.load_state_dict(best_state)
    model.eval()
    accuracy = {
        split: _accuracy(logits_for(split), len(data.texts), data.labels, 256)
        for split, data in splits.items()
        if split != "train"
    }
    save_file(
        {k: v.cpu().contiguous() for k, v in model.state_dict().items()},
        str(out_dir / "model.safetensors"),
    )
    (out_dir / "vocab.json").write_text(json.dumps(vocab.to_json()))
    (out_dir / "model_config.json").write_text(json.dumps(model.config))
    checkpoints.write_index()
    return {
        "train_seconds": time.perf_counter() - start,
        "accuracy": accuracy,
        "dev_accuracy_by_epoch": history,
        "best_epoch": int(np.argmax(history)) + 1,
        "class_names": names,
    }
