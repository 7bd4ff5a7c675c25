"""The scalar S_y(x) that every method explains (survey §4.1.1: the score of class y).

``logit``       the pre-softmax score of the target class (the default);
``probability`` p(y | x);
``log_odds``    log p(y|x) - log(1 - p(y|x)), the weight of evidence used by input marginalization.
"""

import torch

from .errors import ExplainError

OUTPUTS = ("logit", "probability", "log_odds")


def check_output(output: str) -> str:
    if output not in OUTPUTS:
        raise ExplainError(f"Unknown output {output!r}. Choose one of: {', '.join(OUTPUTS)}.")
    return output


def explained_output(logits: torch.Tensor, target: int, output: str) -> torch.Tensor:
    """Reduce a (batch, classes) logit tensor to the explained scalar per row."""
    if output == "logit":
        return logits[:, target]
    log_probs = torch.log_softmax(logits, dim=-1)
    if output == "probability":
        return log_probs[:, target].exp()
    others = torch.cat([log_probs[:, :target], log_probs[:, target + 1 :]], dim=-1)
    return log_probs[:, target] - torch.logsumexp(others, dim=-1)
