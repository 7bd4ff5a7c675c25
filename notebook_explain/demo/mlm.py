"""The demo masked-LM head: ``marginalization``'s likelihood model p(x̃ᵢ | x₋ᵢ) without downloads.

Kim et al. (2020, "Interpretation of NLP models through input marginalization", §4.5) found a
masked LM fine-tuned on the task's text the best likelihood model. all-MiniLM-L6-v2 ships without
an MLM head, so this module trains one on top of the *frozen* pretrained encoder, in the shape of
BERT's: dense → GELU → LayerNorm → decoder, the decoder tied to MiniLM's word embeddings plus a
trained bias. It reads the states of the encoder's first ``layers`` layers (4 of 6: on SST-2 dev
text they predict masked pieces better than the last layer's, which the sentence-embedding
training has tuned away from token identity, and they cost a third less). Training masks ``mask_rate`` of the word pieces of each training sentence (at least
one), always with [MASK] (the only way marginalization queries the model), and minimises the
cross-entropy of the masked pieces; only the head learns.

The head is cached like the demo models (``cache.py``), in ``demo/minilm-mlm-<hash>``, the hash
covering its configuration, the training and dev texts and ``MLM_VERSION``. Its record
(``info.json``) holds the training time and the masked-token accuracy and perplexity on the dev
text.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from ..cache import cache_root, fingerprint, store, valid
from ..device import resolve_device
from ..errors import ExplainError
from .encoder import load_minilm_tokenizer, minilm_source

#: bump when a change to the training code changes the trained head
MLM_VERSION = 1

MLM_CONFIG = {
    "layers": 4,
    "epochs": 5,
    "batch_size": 32,
    "learning_rate": 2e-3,
    "mask_rate": 0.15,
    "max_length": 66,
    "seed": 0,
}


class HeadLayers(torch.nn.Module):
    """BERT's MLM head: dense → GELU → LayerNorm → a decoder whose weight is given (tied)."""

    def __init__(self, width: int, vocab_size: int, eps: float):
        super().__init__()
        self.dense = torch.nn.Linear(width, width)
        self.norm = torch.nn.LayerNorm(width, eps=eps)
        self.bias = torch.nn.Parameter(torch.zeros(vocab_size))

    def forward(self, hidden: torch.Tensor, decoder: torch.Tensor) -> torch.Tensor:
        states = self.norm(torch.nn.functional.gelu(self.dense(hidden)))
        return torch.nn.functional.linear(states, decoder, self.bias)


class MaskedLMHead(torch.nn.Module):
    """A frozen BERT-style encoder under trained ``HeadLayers``.

    Called like a Hugging Face masked LM (``input_ids``, ``attention_mask``, ``token_type_ids``),
    it returns the (B, L, V) logits over the encoder's word-piece vocabulary.
    """

    def __init__(self, encoder: torch.nn.Module):
        super().__init__()
        self.encoder = encoder.eval().requires_grad_(False)
        config = encoder.config
        self.layers = HeadLayers(config.hidden_size, config.vocab_size, config.layer_norm_eps)

    def head(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., D) encoder states → (..., V) logits."""
        return self.layers(hidden, self.encoder.get_input_embeddings().weight)

    def encode(self, input_ids, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        with torch.no_grad():
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        return self.head(self.encode(input_ids, attention_mask, token_type_ids))


@dataclass
class DemoMLM:
    """A trained head with its tokenizer, cache folder and training record."""

    model: MaskedLMHead
    tokenizer: object
    path: Path
    info: dict = field(default_factory=dict)


def load_demo_mlm(
    *,
    texts: list[str] | None = None,
    dev_texts: list[str] | None = None,
    cache_dir=None,
    data_dir=None,
    device=None,
    progress: bool = True,
    **overrides,
) -> DemoMLM:
    """Load the head from the cache, training and caching it first if needed.

    ``texts`` and ``dev_texts`` default to the SST-2 training and dev sentences; keyword
    arguments override ``MLM_CONFIG``. Both are part of the cache key.
    """
    unknown = sorted(set(overrides) - set(MLM_CONFIG))
    if unknown:
        raise ExplainError(
            f"The demo MLM head has no setting {', '.join(unknown)}; its settings: "
            f"{', '.join(MLM_CONFIG)}."
        )
    cfg = {**MLM_CONFIG, **overrides}
    if texts is None or dev_texts is None:
        from ..data import load_sst2

        texts = load_sst2("train", data_dir=data_dir).texts if texts is None else texts
        dev_texts = load_sst2("dev", data_dir=data_dir).texts if dev_texts is None else dev_texts
    device = resolve_device(device)
    data_key = hashlib.sha256(json.dumps([list(texts), list(dev_texts)]).encode()).hexdigest()
    path = cache_root(cache_dir) / "demo" / f"minilm-mlm-{fingerprint(cfg, data_key, MLM_VERSION)}"
    tokenizer = load_minilm_tokenizer()
    if not valid(path):

        def fill(folder):
            model, info = train_mlm_head(cfg, tokenizer, texts, dev_texts, device, progress)
            state = {k: v.detach().cpu().contiguous() for k, v in model.layers.state_dict().items()}
            save_file(state, str(folder / "head.safetensors"))
            (folder / "info.json").write_text(json.dumps({**info, "config": cfg}, indent=1))

        path = store(path, fill)
    model = _new_head(cfg["layers"], device)
    model.layers.load_state_dict(load_file(str(path / "head.safetensors")))
    info = json.loads((path / "info.json").read_text())
    return DemoMLM(model.eval(), tokenizer, path, info)


def _new_head(layers: int, device) -> MaskedLMHead:
    """The head over MiniLM cut to its first ``layers`` transformer layers."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(minilm_source())
    if not 1 <= layers <= encoder.config.num_hidden_layers:
        raise ExplainError(
            f"layers must be between 1 and {encoder.config.num_hidden_layers}, got {layers}."
        )
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    return MaskedLMHead(encoder).to(device)


def _mask(ids: torch.Tensor, maskable: torch.Tensor, rate: float, generator) -> torch.Tensor:
    """A (B, L) bool choice of ``rate`` of each row's maskable positions, at least one per row."""
    draws = torch.rand(ids.shape, generator=generator).to(ids.device)
    draws = draws.masked_fill(~maskable, 2.0)
    chosen = (draws < rate) & maskable
    chosen[torch.arange(ids.shape[0]), draws.argmin(1)] |= maskable.any(1)
    return chosen


def _batches(tokenizer, texts, cfg, device, generator):
    """Batches of similar-length sentences (little padding) in a seeded random order."""
    ids = tokenizer(list(texts), truncation=True, max_length=cfg["max_length"])["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    size = cfg["batch_size"]
    groups = [order[s : s + size] for s in range(0, len(order), size)]
    for g in torch.randperm(len(groups), generator=generator).tolist():
        batch = tokenizer.pad({"input_ids": [ids[i] for i in groups[g]]}, return_tensors="pt")
        input_ids = batch["input_ids"].to(device)
        attention = batch["attention_mask"].to(device)
        special = torch.isin(input_ids, torch.tensor(tokenizer.all_special_ids, device=device))
        yield input_ids, attention, attention.bool() & ~special


def _masked_loss(model, input_ids, attention, maskable, rate, generator, mask_id):
    """Cross-entropy (summed) and correct top-1 count over one batch's masked pieces."""
    chosen = _mask(input_ids, maskable, rate, generator)
    hidden = model.encode(input_ids.masked_fill(chosen, mask_id), attention)
    logits = model.head(hidden[chosen])
    targets = input_ids[chosen]
    loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
    return loss, int((logits.argmax(-1) == targets).sum()), int(chosen.sum())


def train_mlm_head(cfg: dict, tokenizer, texts, dev_texts, device, progress: bool):
    """Train a fresh head with AdamW and a linear decay; return it and its training record.
    Gradients are on whatever the caller's mode: the head is trained lazily, on its first use,
    which may come inside a metric's ``no_grad`` (``auc_rep``)."""
    with torch.enable_grad():
        return _train_mlm_head(cfg, tokenizer, texts, dev_texts, device, progress)


def _train_mlm_head(cfg: dict, tokenizer, texts, dev_texts, device, progress: bool):
    torch.manual_seed(cfg["seed"])
    model = _new_head(cfg["layers"], device)
    optimizer = torch.optim.AdamW(
        model.layers.parameters(), lr=cfg["learning_rate"], weight_decay=0.01
    )
    steps = cfg["epochs"] * -(-len(texts) // cfg["batch_size"])
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1 - s / steps)
    generator = torch.Generator().manual_seed(cfg["seed"])
    mask_id = tokenizer.mask_token_id
    start = time.perf_counter()
    bar = tqdm(total=steps, desc="training the demo MLM head", disable=not progress)
    for _ in range(cfg["epochs"]):
        for batch in _batches(tokenizer, texts, cfg, device, generator):
            loss, _, count = _masked_loss(model, *batch, cfg["mask_rate"], generator, mask_id)
            (loss / count).backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.update()
            bar.set_postfix(loss=f"{loss.item() / count:.3f}")
    bar.close()
    seconds = time.perf_counter() - start
    dev = torch.Generator().manual_seed(cfg["seed"] + 1)  # dev masks apart from training masks
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for batch in _batches(tokenizer, dev_texts, cfg, device, dev):
            loss, right, n = _masked_loss(model, *batch, cfg["mask_rate"], dev, mask_id)
            total, correct, count = total + loss.item(), correct + right, count + n
    info = {
        "train_seconds": seconds,
        "train_sentences": len(texts),
        "steps": steps,
        "dev_masked_tokens": count,
        "dev_masked_accuracy": correct / count,
        "dev_perplexity": math.exp(total / count),
    }
    return model.eval(), info


def demo_mlm_loader(*, cache_dir=None, data_dir=None, device=None, progress: bool = True):
    """What ``Likelihoods.use_mlm_loader`` takes for a demo model: loads (and the first time
    trains) the head only when ``likelihood="mlm"`` is first used."""

    def load():
        head = load_demo_mlm(
            cache_dir=cache_dir, data_dir=data_dir, device=device, progress=progress
        )
        return head.model, head.tokenizer, "minilm-sst2 MLM head (demo)"

    return load
