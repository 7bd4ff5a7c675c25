"""The scalar S_y(x) that every method explains (survey §4.1.1: the score of class y).

``logit``       the score of the target class before the head's normalisation (the default);
``probability`` p(y | x);
``log_odds``    log p(y|x) - log(1 - p(y|x)), the weight of evidence used by input marginalization.

How logits become probabilities is the model's head (its adapter's ``head``): ``"softmax"`` for a
single-label classifier (the classes compete), ``"sigmoid"`` for a multi-label one (each class is
its own yes/no: p(y | x) = σ(z_y), so its log-odds is the logit itself).

A contrastive explanation ("why y rather than c?", Yin & Neubig 2022, "Interpreting Language
Models with Contrastive Explanations", eq. 1) explains S_y(x) − S_c(x), the same output of the
target y minus that of the foil c.
"""

import torch

from .errors import ExplainError

OUTPUTS = ("logit", "probability", "log_odds")
HEADS = ("softmax", "sigmoid")


def check_output(output: str) -> str:
    if output not in OUTPUTS:
        raise ExplainError(f"Unknown output {output!r}. Choose one of: {', '.join(OUTPUTS)}.")
    return output


def class_probabilities(logits: torch.Tensor, head: str = "softmax") -> torch.Tensor:
    """(batch, classes) probabilities: a softmax over the classes, or each class's sigmoid."""
    return torch.sigmoid(logits) if head == "sigmoid" else torch.softmax(logits, dim=-1)


def target_log_probs(logits: torch.Tensor, target: int, head: str = "softmax"):
    """(log p(y | x), log(1 − p(y | x))) of every row, computed stably."""
    if head == "sigmoid":
        z = logits[:, target]
        return torch.nn.functional.logsigmoid(z), torch.nn.functional.logsigmoid(-z)
    log_probs = torch.log_softmax(logits, dim=-1)
    others = torch.cat([log_probs[:, :target], log_probs[:, target + 1 :]], dim=-1)
    return log_probs[:, target], torch.logsumexp(others, dim=-1)


def explained_output(
    logits: torch.Tensor,
    target: int,
    output: str,
    head: str = "softmax",
    contrast: int | None = None,
) -> torch.Tensor:
    """Reduce a (batch, classes) logit tensor to the explained scalar per row: the target's
    ``output``, minus the ``contrast`` class's when one is given."""
    if contrast is not None:
        return explained_output(logits, target, output, head) - explained_output(
            logits, contrast, output, head
        )
    if output == "logit":
        return logits[:, target]
    log_p, log_rest = target_log_probs(logits, target, head)
    return log_p.exp() if output == "probability" else log_p - log_rest
