"""Hugging Face BERT-family sequence classifiers under a propagation rule (``rules.py``).

``rule_logits`` runs the model's own forward with its nonlinear ops handed to the rule, the
conservative propagation of Ali et al. (ICML 2022, "XAI for Transformers") for LRP:

* self-attention: a registered attention function (transformers' ``AttentionInterface``) computes
  ``softmax(QKᵀ·scale + mask) V`` with the rule's products and softmax; LRP holds the attention
  weights constant (no relevance reaches Q and K);
* every ``nn.LayerNorm``: a forward hook returns the rule's LayerNorm (LRP: 1/std constant);
* the activations (GELU in the intermediate layers, tanh in the pooler): forward hooks return
  ``rule.unary``.

The rest of BERT (embedding sums, Linear layers, residual adds, the pooler's first-token slice,
the classifier) is linear and runs unchanged. The model must be in eval mode (no dropout).
Every change is undone when the pass ends.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn
from transformers.masking_utils import AttentionMaskInterface, eager_mask
from transformers.modeling_utils import AttentionInterface
from transformers.models.bert.modeling_bert import BertIntermediate, BertPooler

from ..errors import ExplainError
from .rules import Rule

#: ``config.model_type`` values whose layers ``rule_logits`` knows how to rewrite
PROPAGATION_MODEL_TYPES = ("bert",)

#: the attention implementation selected (in ``config._attn_implementation``) during a rule pass
ATTENTION_IMPLEMENTATION = "notebook_explain_propagation"
_RULE_KEYWORD = "propagation_rule"  # passed through the model's forward to the attention function


def _rule_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """``softmax(QKᵀ·scaling + mask) V`` over (B, heads, L, head_dim) tensors, by the rule."""
    rule: Rule = kwargs[_RULE_KEYWORD]
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    scores = rule.product(query, key.transpose(2, 3), constant="a", op=torch.matmul) * scaling
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


def _activations(model: nn.Module) -> list[nn.Module]:
    """The elementwise activation modules: each intermediate layer's and the pooler's."""
    found = []
    for module in model.modules():
        if isinstance(module, BertIntermediate):
            found.append(module.intermediate_act_fn)
        elif isinstance(module, BertPooler):
            found.append(module.activation)
    if not all(isinstance(activation, nn.Module) for activation in found):
        raise ExplainError(
            "lrp and deeplift need the model's activations to be modules; this config sets "
            "hidden_act to a plain function. Use a string such as hidden_act='gelu'."
        )
    return found


@contextmanager
def _rule_pass(model: nn.Module, rule: Rule):
    """Hooks on LayerNorms and activations plus the rule's attention, all removed on exit."""
    handles = []
    saved = model.config._attn_implementation
    try:
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                handles.append(
                    module.register_forward_hook(
                        lambda m, inputs, output: rule.layer_norm(
                            inputs[0], m.weight, m.bias, m.eps
                        )
                    )
                )
        for activation in _activations(model):
            handles.append(
                activation.register_forward_hook(
                    lambda m, inputs, output: rule.unary(m.forward, inputs[0])
                )
            )
        model.config._attn_implementation = ATTENTION_IMPLEMENTATION
        yield
    finally:
        model.config._attn_implementation = saved
        for handle in handles:
            handle.remove()


def rule_logits(
    model: nn.Module,
    embeddings: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor | None,
    rule: Rule,
) -> torch.Tensor:
    """(B, C) logits of a BERT-family sequence classifier from (B, L, D) word embeddings."""
    model_type = getattr(model.config, "model_type", None)
    if model_type not in PROPAGATION_MODEL_TYPES:
        raise ExplainError(
            f"lrp and deeplift support the model types {list(PROPAGATION_MODEL_TYPES)}, not "
            f"{model_type!r}; use integrated_gradients or signed_grad_input instead."
        )
    if model.training:
        raise ExplainError("lrp and deeplift need the model in eval mode: call model.eval().")
    kwargs = {"inputs_embeds": embeddings, "attention_mask": attention_mask, _RULE_KEYWORD: rule}
    if token_type_ids is not None:
        kwargs["token_type_ids"] = token_type_ids
    with _rule_pass(model, rule):
        return model(**kwargs).logits
