"""Hugging Face transformer classifiers under a propagation rule (``rules.py``).

``rule_pass`` makes the model's own forward hand its nonlinear ops to the rule, per module kind
rather than per model, the conservative propagation of Ali et al. (ICML 2022, "XAI for
Transformers") and Achtibat et al. (ICML 2024, "AttnLRP") for LRP:

* self-attention: a registered attention function (transformers' ``AttentionInterface``) computes
  ``softmax(QKᵀ·scale + mask) V`` with the rule's products and softmax (Gemma 2's soft cap
  c·tanh(s/c) with the rule's tanh; a sliding window arrives in the mask); LRP holds the
  attention weights constant (no relevance reaches Q and K);
* every ``nn.LayerNorm`` and RMSNorm (Llama, Qwen2, Mistral, T5; Gemma's 1 + w): a forward hook
  returns the rule's norm (LRP: the normaliser 1/σ constant);
* the activation modules (GELU, SiLU, tanh, ReLU, ...): forward hooks return ``rule.unary``
  (LRP: the secant f(z)/z);
* gated feed-forward blocks (``down(act(gate(x)) · up(x))``): the product of the two branches by
  the rule (LRP: half the relevance to each, AttnLRP's uniform rule; DeepLIFT: the midpoint split);
* classification heads that write their tanh inline (RoBERTa's, XLM-R's, BART's): recomputed
  with the rule's tanh.

Linear layers, embedding sums, residual adds and the heads' position slices are linear and run
unchanged. Whatever else a model computes inline (a ``torch.tanh`` in a head, its own attention
code) escapes the rules, so the adapter offers LRP and DeepLIFT only after checking, on a short
input, that DeepLIFT's summation-to-delta holds (``HFAdapter``), and DeepLIFT checks it again on
every input it explains (``methods/identity.py``): a model or an input they do not cover is
refused, never explained with rules that do not hold. Every change is undone when the pass ends.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import torch
from torch import nn
from transformers import activations
from transformers.masking_utils import AttentionMaskInterface, eager_mask
from transformers.modeling_utils import AttentionInterface

from .rules import Rule

#: the attention implementation selected (in ``config._attn_implementation``) during a rule pass
ATTENTION_IMPLEMENTATION = "notebook_explain_propagation"
RULE_KEYWORD = "propagation_rule"  # passed through the model's forward to the attention function


#: the attention modules that ran through ``_rule_attention`` in the current ``rule_pass``
_ATTENTION_CALLS: ContextVar[list] = ContextVar("attention_calls")


def _rule_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """``softmax(QKᵀ·scaling + mask) V`` over (B, heads, L, head_dim) tensors, by the rule."""
    rule: Rule = kwargs[RULE_KEYWORD]
    _ATTENTION_CALLS.get([]).append(module)
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    scores = rule.product(query, key.transpose(2, 3), constant="a", op=torch.matmul) * scaling
    softcap = kwargs.get("softcap")
    if softcap is not None:  # Gemma 2's soft-capped logits, c · tanh(s / c), tanh by the rule
        scores = softcap * rule.unary(torch.tanh, scores / softcap)
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
        else:
            scores = scores + attention_mask
    weights = rule.softmax(scores)
    output = rule.product(weights, value, constant="a", op=torch.matmul)
    return output.transpose(1, 2).contiguous(), weights


AttentionInterface.register(ATTENTION_IMPLEMENTATION, _rule_attention)
AttentionMaskInterface.register(ATTENTION_IMPLEMENTATION, eager_mask)  # additive float masks


#: the elementwise activation modules the rule's ``unary`` takes over
ACTIVATIONS = tuple(
    {nn.GELU, nn.ReLU, nn.Tanh, nn.SiLU, nn.Sigmoid, nn.Mish, nn.LeakyReLU}
    | {(c[0] if isinstance(c, tuple) else c) for c in activations.ACT2CLS.values()}
)


def _rms_norm(module: nn.Module) -> tuple[float, float] | None:
    """(eps, weight offset) of an RMSNorm module (``weight · x / rms(x)``; Gemma's is
    ``(1 + weight)``), or None for any other module."""
    name = type(module).__name__
    if not (name.endswith("RMSNorm") or name == "T5LayerNorm"):
        return None
    eps = getattr(module, "variance_epsilon", getattr(module, "eps", None))
    if eps is None or not isinstance(getattr(module, "weight", None), torch.Tensor):
        return None
    return float(eps), 1.0 if name.startswith("Gemma") else 0.0


def _is_gated_feed_forward(module: nn.Module) -> bool:
    return all(hasattr(module, key) for key in ("gate_proj", "up_proj", "down_proj", "act_fn"))


def _is_tanh_head(module: nn.Module) -> bool:
    """RoBERTa's, XLM-R's and BART's classification head: ``out_proj(tanh(dense(x)))`` with the
    tanh written inline (on the first position of (B, L, H) features, or on pooled (B, H))."""
    return (
        type(module).__name__.endswith("ClassificationHead")
        and all(isinstance(getattr(module, key, None), nn.Linear) for key in ("dense", "out_proj"))
        and not hasattr(module, "activation")
    )


def _tanh_head(rule: Rule, head: nn.Module, features: torch.Tensor) -> torch.Tensor:
    pooled = features[:, 0] if features.dim() == 3 else features
    return head.out_proj(rule.unary(torch.tanh, head.dense(pooled)))


@contextmanager
def rule_pass(model: nn.Module, rule: Rule):
    """Within the block, ``model``'s forward (given ``**{RULE_KEYWORD: rule}``) follows ``rule``:
    hooks on its norms, activations and gated blocks, and the rule's attention function. Yields
    the list of attention modules that ran through the rule (none: the model has attention code
    of its own, which the rule does not reach)."""
    handles = []
    saved = model.config._attn_implementation
    calls = _ATTENTION_CALLS.set([])
    try:
        for module in model.modules():
            rms = _rms_norm(module)
            if isinstance(module, nn.LayerNorm):
                hook = lambda m, inputs, output: rule.layer_norm(  # noqa: E731
                    inputs[0], m.weight, m.bias, m.eps
                )
            elif rms is not None:
                hook = lambda m, inputs, output, rms=rms: rule.rms_norm(  # noqa: E731
                    inputs[0], m.weight, *rms
                )
            elif isinstance(module, ACTIVATIONS):
                hook = lambda m, inputs, output: rule.unary(m.forward, inputs[0])  # noqa: E731
            elif _is_gated_feed_forward(module):
                hook = lambda m, inputs, output: m.down_proj(  # noqa: E731
                    rule.product(m.act_fn(m.gate_proj(inputs[0])), m.up_proj(inputs[0]))
                )
            elif _is_tanh_head(module):
                hook = lambda m, inputs, output: _tanh_head(rule, m, inputs[0])  # noqa: E731
            else:
                continue
            handles.append(module.register_forward_hook(hook))
        model.config._attn_implementation = ATTENTION_IMPLEMENTATION
        yield _ATTENTION_CALLS.get()
    finally:
        _ATTENTION_CALLS.reset(calls)
        model.config._attn_implementation = saved
        for handle in handles:
            handle.remove()
