"""The package's ``WordClassifier`` under a propagation rule (``rules.py``).

``rule_logits`` recomputes ``WordClassifier.forward_embeddings`` (eval mode, right-padded
batches) with every nonlinear op given to the rule:

* GRU/LSTM: the fused ``nn.GRU``/``nn.LSTM`` is unrolled from its weights (PyTorch's gate order:
  LSTM i, f, g, o; GRU r, z, n with ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``). Gates are
  ``unary(sigmoid)`` and enter every product as its constant factor, so LRP sends all relevance
  to the signal (Arras et al., 2017) while DeepLIFT splits each product exactly.
* additive attention: ``tanh`` is unary, the softmax is the rule's, sparsemax/sparsegen the rule's
  secant sparsemax; the attention weights are the constant factor of the weighted sum.
* TextCNN: ReLU is unary, max-over-time is the rule's max.
* Transformer (``transformer_attention``): its layers are written with the rule's primitives
  (``classifiers._TransformerEncoder``), so it runs its own forward under the rule: Q·Kᵀ and the
  weighted sums are products with the weights constant, LayerNorm is the rule's, ReLU unary.
* bag of embeddings: linear, the model's own forward.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..models.classifiers import WordClassifier
from .rules import Rule


def rule_logits(
    model: WordClassifier, embeddings: torch.Tensor, mask: torch.Tensor, rule: Rule
) -> torch.Tensor:
    """(B, C) logits from (B, L, D) embeddings and a right-padding (B, L) bool mask."""
    if model.arch == "bag":
        return model.forward_embeddings(embeddings, mask)
    mask = mask.bool()
    if model.arch == "cnn":
        features, _ = model.encoder(embeddings, mask, mask.sum(dim=1), rule)
    elif model.arch == "transformer_attention":
        features, _ = model.encoder(embeddings, mask, rule=rule)
    else:
        features = _recurrent_features(model.encoder, embeddings, mask, rule)
    return model.output(features)


def _recurrent_features(encoder, embeddings, mask, rule):
    """The final states of each direction, or the attended states with attention."""
    rnn = encoder.rnn
    runs = [unroll(rnn, "", embeddings, mask, rule)]
    if rnn.bidirectional:
        runs.append(unroll(rnn, "_reverse", embeddings, mask, rule))
    if encoder.attention is None:
        return torch.cat([final for _, final in runs], dim=-1)
    states = torch.cat([states for states, _ in runs], dim=-1)
    return encoder.attention(states, mask, rule)[0]


def unroll(rnn: nn.RNNBase, suffix: str, embeddings, mask, rule, gates: dict | None = None):
    """One direction of a single-layer GRU/LSTM: ((B, L, H) states, zero at padding; (B, H) final).

    The reverse direction starts at each sequence's last valid token: on right padding its state
    stays zero until then, as with packed sequences. When ``gates`` is a dict, it receives every
    step's gate activations by name, each (B, L, H) in token order: a GRU's ``reset``, ``update``
    and ``candidate``; an LSTM's ``input``, ``forget``, ``cell_input``, ``output`` and ``cell``.
    """
    weight = lambda name: getattr(rnn, f"{name}_l0{suffix}")
    inputs = F.linear(embeddings, weight("weight_ih"), weight("bias_ih"))  # (B, L, gates·H)
    batch, length = mask.shape
    h = embeddings.new_zeros(batch, rnn.hidden_size)
    c = torch.zeros_like(h)
    lstm = isinstance(rnn, nn.LSTM)
    states: list[torch.Tensor | None] = [None] * length
    steps: list[dict | None] = [None] * length
    for t in range(length - 1, -1, -1) if suffix else range(length):
        recurrent = F.linear(h, weight("weight_hh"), weight("bias_hh"))
        if lstm:
            h_new, c_new, steps[t] = _lstm_step(inputs[:, t], recurrent, c, rule)
        else:
            (h_new, steps[t]), c_new = _gru_step(inputs[:, t], recurrent, h, rule), c
        valid = mask[:, t, None]
        h, c = torch.where(valid, h_new, h), torch.where(valid, c_new, c)
        states[t] = torch.where(valid, h_new, 0.0)
    if gates is not None:
        gates.update({key: torch.stack([s[key] for s in steps], dim=1) for key in steps[0]})
    return torch.stack(states, dim=1), h


def _lstm_step(inputs, recurrent, c, rule):
    i, f, g, o = (inputs + recurrent).chunk(4, dim=-1)
    i, f, o = (rule.unary(torch.sigmoid, gate) for gate in (i, f, o))
    g = rule.unary(torch.tanh, g)
    c = rule.product(f, c, constant="a") + rule.product(i, g, constant="a")
    h = rule.product(o, rule.unary(torch.tanh, c), constant="a")
    return h, c, {"input": i, "forget": f, "cell_input": g, "output": o, "cell": c}


def _gru_step(inputs, recurrent, h, rule):
    x_r, x_z, x_n = inputs.chunk(3, dim=-1)
    h_r, h_z, h_n = recurrent.chunk(3, dim=-1)
    r = rule.unary(torch.sigmoid, x_r + h_r)
    z = rule.unary(torch.sigmoid, x_z + h_z)
    n = rule.unary(torch.tanh, x_n + rule.product(r, h_n, constant="a"))
    h = rule.product(1 - z, n, constant="a") + rule.product(z, h, constant="a")
    return h, {"reset": r, "update": z, "candidate": n}
