"""Hybrid influence: which training examples make a test token salient (survey §5, eq. 29).

The token's saliency is ‖w_y(x_i)‖ with w_y(x_i) = ∂S_y(x)/∂x_i, the gradient of the explained
class's logit with respect to the token's input embedding (eq. 28). Its gradient with respect to
the classifier-head parameters θ comes from a double backward, and

    I(z, w_y(x_i)) = −∇θ‖w_y(x_i)‖ᵀ (H + λI)⁻¹ ∇θL(z)          (eq. 29)

is the rate at which up-weighting z changes the saliency. Positive: removing z would lower the
token's saliency, so z supports it.
"""

from __future__ import annotations

import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from ..errors import ExplainError
from . import gradients
from .scorers import Query, build_result, ranked

SIGN_NOTE = (
    "score = I(z, w_y(x_i)) = −∇θ‖∂S_y/∂x_i‖ᵀ H⁻¹ ∇θL(z) (survey eq. 29): how up-weighting z "
    "changes the saliency of the chosen test token. Positive: removing z would lower that "
    "token's saliency, so z supports it (proponent); negative: z suppresses it (opponent)."
)


def saliency_gradient(adapter, query: Query, token_index: int) -> torch.Tensor:
    """∇θ ‖∂S_y/∂x_i‖ over the head parameters θ = [vec(W), b], by double backward."""
    encoded = query.encoded
    _, head = adapter.classifier_head()
    # the math kernel of scaled-dot-product attention is the one with a double backward
    with adapter.inference(), sdpa_kernel(SDPBackend.MATH):
        head.weight.requires_grad_(True)
        head.bias.requires_grad_(True)
        embeddings = adapter.embed(encoded.input_ids).detach().requires_grad_(True)
        logits = adapter.logits(embeddings, encoded.attention_mask, encoded.token_type_ids)
        (saliency_map,) = torch.autograd.grad(
            logits[0, query.target], embeddings, create_graph=True
        )
        saliency = saliency_map[0, token_index].norm()
        grad_weight, grad_bias = torch.autograd.grad(
            saliency, [head.weight, head.bias], allow_unused=True, materialize_grads=True
        )
    return torch.cat([grad_weight.reshape(-1), grad_bias]).detach().double().cpu()


def check_token(encoded, token_index) -> int:
    n = encoded.length
    if not isinstance(token_index, int) or isinstance(token_index, bool):
        raise ExplainError(f"token_index must be an integer, got {token_index!r}.")
    if not 0 <= token_index < n:
        raise ExplainError(
            f"token_index {token_index} is outside the text's {n} tokens (0..{n - 1})."
        )
    if encoded.special_mask[token_index]:
        raise ExplainError(
            f"Token {token_index} ({encoded.tokens[token_index]!r}) is a special token; pick a word token."
        )
    return token_index


def token_influence(adapter, index, query: Query, token_index: int, k: int, highlights, batching):
    """The training examples that most raise (proponents) or lower (opponents) the token's saliency."""
    check_token(query.encoded, token_index)
    start = time.perf_counter()
    direction = index.inverse_hessian(saliency_gradient(adapter, query, token_index))

    def scorer(features, labels):
        return -gradients.dot_gradients(features, index.residuals(features, labels), direction)

    scores = scorer(index.features, index.labels)
    proponents, opponents = ranked(scores, k)
    info = {"query_seconds": time.perf_counter() - start}
    return build_result(
        adapter,
        index,
        query,
        "token_influence",
        SIGN_NOTE,
        proponents,
        opponents,
        dict(enumerate(scores.tolist())),
        scorer,
        highlights,
        batching,
        info,
        test_token=token_index,
    )
