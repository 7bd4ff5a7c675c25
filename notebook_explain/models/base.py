"""The ModelAdapter contract: the only way methods talk to a model.

A method never touches the raw model. It asks the adapter to ``encode`` text, to ``embed`` token
ids into input embeddings, and to map (perturbed) embeddings to ``logits``. A new architecture
therefore needs one new adapter, not edits in every method.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..errors import ExplainError
from ..outputs import HEADS

#: capability flags an adapter may declare; methods list the ones they need in ``requires``
EMBEDDINGS = "embeddings"  # differentiable input embeddings (every gradient method)
MASK_TOKEN = "mask_token"  # a [MASK] token exists (MASK baselines, masked-LM methods)
PROPAGATION = "propagation"  # propagation_logits(..., rule): a forward pass whose backward follows
#                              an LRP or DeepLIFT rule (lrp, deeplift)
ATTENTION = "attention"  # attentions(...): the model's attention distributions (attention)
RECURRENT = "recurrent"  # recurrent_states(...): a plain GRU/LSTM encoder's gates and states (reat)
VOCABULARY = "vocabulary"  # vocabulary(): the token strings by id (marginalization's likelihoods)
LAYERS = "layers"  # layer_output(name, replacement): an inner layer's output, read or replaced
#                    (layer attribution: grad_input, signed_grad_input, integrated_gradients)

#: the hook each capability flag promises, checked when an Explainer takes the adapter
HOOKS = {
    ATTENTION: "attentions",
    RECURRENT: "recurrent_states",
    PROPAGATION: "propagation_logits",
    VOCABULARY: "vocabulary",
    LAYERS: "layer_output",
}


def check_hooks(adapter) -> None:
    """An ``ExplainError`` naming each hook that a declared capability promises and the adapter
    lacks (a delegating adapter must pass the hook on, or leave the flag out)."""
    missing = [
        f"{flag} (needs {hook}())"
        for flag, hook in HOOKS.items()
        if flag in adapter.capabilities and not callable(getattr(adapter, hook, None))
    ]
    if missing:
        raise ExplainError(
            f"{type(adapter).__name__} declares the capabilities {', '.join(missing)} without "
            "their hooks: add the hooks (delegating to the wrapped adapter) or remove the flags "
            "from its capabilities; the methods that need them are then not offered."
        )


@dataclass(frozen=True)
class Vocabulary:
    """What ``vocabulary()`` returns: the classifier's token strings by id, which ids may fill a
    position (never padding, unknown, [CLS], [SEP], [MASK], ...), and whether each token is a
    whole word (a word-vocabulary model) or a piece of the tokenizer's (a sub-word model)."""

    tokens: tuple[str, ...]
    candidates: torch.Tensor  # (V,) bool
    whole_words: bool

    @property
    def size(self) -> int:
        return len(self.tokens)

    @classmethod
    def of(cls, tokens, excluded_ids, whole_words: bool) -> Vocabulary:
        tokens = tuple(tokens)
        candidates = torch.ones(len(tokens), dtype=torch.bool)
        candidates[sorted(i for i in set(excluded_ids) if i is not None and i < len(tokens))] = (
            False
        )
        return cls(tokens, candidates, whole_words)


@dataclass(frozen=True)
class Encoded:
    """One tokenized input: token ids and how tokens group into words.

    ``word_index[i]`` is the word that token ``i`` belongs to, or -1 for a special token.
    ``token_type_ids`` is ``None`` for models that do not use segments.
    """

    input_ids: torch.Tensor  # (1, L) long, on the adapter's device
    attention_mask: torch.Tensor  # (1, L) long
    token_type_ids: torch.Tensor | None
    tokens: list[str]
    words: list[str]
    word_index: np.ndarray
    special_mask: np.ndarray
    truncated_tokens: int = 0

    @property
    def length(self) -> int:
        return int(self.input_ids.shape[1])


@dataclass(frozen=True)
class RecurrentDirection:
    """One direction of a GRU/LSTM unrolled over one sequence, in the order it reads the words.

    Row ``k`` is the step after reading ``k + 1`` words: the forward direction reads x_1 … x_T,
    the backward one x_T … x_1. ``gates`` holds PyTorch's gate activations by name, each (T, H):
    a GRU's ``reset``, ``update`` (z, weighting the previous state) and ``candidate`` (n); an
    LSTM's ``input``, ``forget``, ``cell_input`` (g) and ``output``. ``cell`` is an LSTM's cell
    states, ``None`` for a GRU. ``weights`` are the direction's parameters in PyTorch's layout
    (``weight_ih`` (G·H, D), ``weight_hh`` (G·H, H), ``bias_ih``, ``bias_hh``; gates in PyTorch's
    order: r, z, n for a GRU, i, f, g, o for an LSTM) and ``inputs`` the (T, D) embeddings in
    this direction's reading order: what a decomposition that re-runs the recurrence reads.
    """

    hidden: torch.Tensor  # (T, H) h_1 … h_T
    gates: dict[str, torch.Tensor]
    cell: torch.Tensor | None = None  # (T, H) c_1 … c_T
    weights: dict[str, torch.Tensor] | None = None
    inputs: torch.Tensor | None = None


@dataclass(frozen=True)
class RecurrentStates:
    """What ``recurrent_states`` returns: logits = ``output_weight`` @ [final states] + bias.

    The final-state vector concatenates the directions in order: the forward state after x_T,
    then (bidirectional) the backward state after x_1.
    """

    cell_type: str  # "gru" | "lstm"
    directions: tuple[RecurrentDirection, ...]  # forward, then backward if bidirectional
    output_weight: torch.Tensor  # (C, H × directions)
    output_bias: torch.Tensor  # (C,)


@runtime_checkable
class ModelAdapter(Protocol):
    """What every model wrapper provides (see ``hf.HFAdapter`` and ``word.WordModelAdapter``).

    Optional hooks, present when the matching capability flag is declared:

    - ``ATTENTION``: ``attentions(embeddings, attention_mask, token_type_ids=None)`` → the
      attention probabilities, shape (B, layers, heads, queries, L), without autograd (a
      Transformer: every layer's self-attention, queries = L; an attention classifier: its one
      query); and ``attention_normalizer``, a dict naming the function that normalized them
      (``{"normalizer": "softmax" | "sparsemax" | "sparsegen", "sparsegen_lambda": λ}``).
    - ``RECURRENT``: ``recurrent_states(embeddings)`` → ``RecurrentStates``: the (1, L, D)
      embeddings of one unpadded sequence run through the model's single GRU/LSTM layer step by
      step, each direction's hidden states and gates, and the output Linear that maps the
      concatenated final states to the logits (no autograd).
    - ``VOCABULARY``: ``vocabulary()`` → ``Vocabulary``, the token strings by id, for the
      likelihood models of ``marginalization`` (``likelihood.py``).
    - ``LAYERS``: ``layers``, the names of the inner layers whose (B, L, H) output can be
      attributed ("embeddings": after positions and normalisation; "0", "1", ...: each encoder
      block), and ``layer_output(name, replacement=None)``, a context manager within which that
      layer's output is appended to the list it yields, or replaced by ``replacement``.
    - ``PROPAGATION``: ``propagation_logits(embeddings, attention_mask, token_type_ids, rule)`` →
      the (B, C) logits of ``logits``, from a forward pass whose nonlinear ops follow ``rule``
      (``notebook_explain.propagation.rules``: LRP-ε or DeepLIFT rescale), so that the gradient
      w.r.t. the embeddings is the rule's multiplier; DeepLIFT's batch is inputs then references.

    Hooks for training-data influence (``notebook_explain.influence``), on every adapter:
    ``classifier_head()`` → ``(name, Linear)``, the final Linear layer that maps the head features
    to the logits (``name`` as in ``named_parameters``); ``head_features(embeddings,
    attention_mask, token_type_ids=None)`` → the (B, H) features entering it, differentiable; and
    ``named_parameters()``, the model's parameters by name.
    """

    name: str
    class_names: list[str]
    device: torch.device
    capabilities: frozenset[str]
    pad_id: int
    unk_id: int
    mask_id: int | None

    def encode(self, text: str, text_pair: str | None = None) -> Encoded: ...

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(B, L) ids → (B, L, D) input embeddings (the layer attributions are taken at)."""

    def logits(
        self,
        embeddings: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, L, D) embeddings → (B, C) class logits."""

    def inference(self):
        """A context manager in which the model is in eval mode and its parameters need no
        gradient; the model's own modes and flags are restored after."""


class _ModelUse:
    """One model's inference state shared by every thread: a lock that serialises the requests
    on the model, how deep the current holder's contexts are nested, and the modes and flags
    saved when the outermost one entered."""

    def __init__(self):
        self.lock = threading.RLock()
        self.depth = 0
        self.flags: list[tuple[torch.nn.Parameter, bool]] = []
        self.modes: list[tuple[torch.nn.Module, bool]] = []


_USES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_USES_LOCK = threading.Lock()


class inference_mode:
    """Put a module in eval mode with ``requires_grad=False`` on its parameters for the
    duration, then restore each submodule's training flag and each parameter's flag.

    Explanations need the deterministic eval-mode model (dropout off), whatever mode the user's
    model is in, and must leave that mode as it was. Attribution only needs gradients with
    respect to the inputs; frozen parameters let autograd skip saving activations for weight
    gradients, which saves memory on long IG batches.

    The context is shared by every thread that uses the same module: a thread waits for the
    model while another holds it (two widgets, or ``explain`` from a thread while a widget
    computes, run their requests one after the other), and nested contexts in one thread save
    the modes once and restore them only when the outermost one leaves, so no request ever runs
    on a model another has put back in training mode.
    """

    def __init__(self, module: torch.nn.Module):
        self.module = module
        with _USES_LOCK:
            self.use = _USES.setdefault(module, _ModelUse())

    def __enter__(self):
        use = self.use
        use.lock.acquire()
        if use.depth == 0:
            use.modes = [(m, m.training) for m in self.module.modules()]
            use.flags = [(p, p.requires_grad) for p in self.module.parameters()]
            self.module.eval()
            for p, _ in use.flags:
                p.requires_grad_(False)
        use.depth += 1
        return self.module

    def __exit__(self, *exc):
        use = self.use
        use.depth -= 1
        if use.depth == 0:
            for p, flag in use.flags:
                p.requires_grad_(flag)
            for m, training in use.modes:
                m.training = training
            use.flags, use.modes = [], []
        use.lock.release()
        return False


def head_of(adapter) -> str:
    """The adapter's ``head`` (``outputs.HEADS``; "softmax" when it declares none)."""
    head = getattr(adapter, "head", "softmax")
    if head not in HEADS:
        raise ExplainError(
            f"{type(adapter).__name__}.head is {head!r}; an adapter's head is one of {list(HEADS)}."
        )
    return head


def parameters_fingerprint(named_parameters, skip_prefix: str | None = None) -> str:
    """A hash of every named parameter's name, shape, dtype and bytes (those whose name starts
    with ``skip_prefix`` left out): 0.07 s for MiniLM's 22.7M parameters on a CPU
    (``benchmarks/fingerprint_speed.py``). It sees
    every change, in place, through ``.data`` or by replacing a parameter."""
    digest = hashlib.sha256()
    for name, tensor in named_parameters:
        if skip_prefix is not None and name.startswith(skip_prefix):
            continue
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}{tuple(data.shape)}{data.dtype}".encode())
        digest.update(data.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def head_input(head: torch.nn.Module, forward, *args) -> torch.Tensor:
    """The input that ``head`` receives while ``forward(*args)`` runs (a forward pre-hook)."""
    captured = []
    handle = head.register_forward_pre_hook(lambda _, inputs: captured.append(inputs[0]))
    try:
        forward(*args)
    finally:
        handle.remove()
    return captured[-1]
