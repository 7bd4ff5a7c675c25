"""REAT, the recurrent attribution method, and its naive baseline (Du et al., WWW 2019, "On
Attribution of Recurrent Neural Network Predictions via Additive Decomposition").

A recurrent state follows h_t = α_t ⊙ h_{t−1} + h̃_t (eq. 10), so the target logit minus the
output bias, z_c − b_c = W_c h_T, splits into one term per word (eq. 13):

    S(x_t) = W_c [(h_t − α_t ⊙ h_{t−1}) ⊙ ∏_{k=t+1}^{T} α_k]

and a phrase A = {q, …, r} gets its own score (eq. 14):

    S(x_A) = W_c [(h_r − ∏_{j=q}^{r} α_j ⊙ h_{q−1}) ⊙ ∏_{k=r+1}^{T} α_k]

with h_0 = 0. α_t is the GRU's update gate u_t (eq. 16; PyTorch's z) and, for an LSTM, the
paper's approximation f_t ⊙ o_t / o_{t−1} (eq. 20), which treats c_t ≈ h_t / o_t (eq. 17); its
o_0 never matters, because α_1 only ever multiplies h_0 = 0. A bidirectional model adds the
backward direction's decomposition, read from x_T down to x_1 (eqs. 21-22), with its own block of
W_c. ``naive_reat`` is the paper's NaiveREAT baseline (eq. 9), S(x_t) = W_c (h_t − h_{t−1}): the
same formulas with every α = 1, so no evidence is ever forgotten.

Because the true states h_t enter every term, the word scores telescope to W_c h_T exactly, for the
LSTM's approximate α as for the GRU's exact one; ``info["decomposition_gap"]`` (logit − bias − Σ
scores) only shows rounding. What the LSTM approximation costs is the meaning of each term;
``info["cell_approximation_error"]`` reports how far c_t is from h_t / o_t. A phrase score equals
the sum of its word scores; each span of ``ctx.span_levels`` is scored by eq. 14 itself.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS, RECURRENT, RecurrentDirection, RecurrentStates
from .base import Attribution, Method, register


def forgetting_rates(states: RecurrentStates, direction: RecurrentDirection, naive: bool):
    """α_t of every step (T, H), in float64: 1 (naive), the GRU update gate, or f_t o_t / o_{t−1}."""
    if naive:
        return torch.ones_like(direction.hidden, dtype=torch.float64)
    gates = {name: gate.double() for name, gate in direction.gates.items()}
    if states.cell_type == "gru":
        return gates["update"]
    output = gates["output"]
    previous_output = torch.cat([torch.ones_like(output[:1]), output[:-1]])
    return gates["forget"] * output / previous_output


def span_evidence(hidden: torch.Tensor, alpha: torch.Tensor, spans) -> torch.Tensor:
    """The bracket of eq. 14, (S, H), for every span ``(start, end)`` of steps in reading order:
    the evidence gathered over the span, times the share of it that survives to the last step."""
    states = torch.cat([torch.zeros_like(hidden[:1]), hidden])  # row t: h_t, with h_0 = 0
    survival = torch.cat([alpha.flip(0).cumprod(0).flip(0), torch.ones_like(alpha[:1])])
    # survival[e] = ∏_{k=e+1}^{T} α_k (1-based k), so a span ending at step r = e keeps that share
    return torch.stack(
        [(states[e] - alpha[s:e].prod(0) * states[s]) * survival[e] for s, e in spans]
    )


def span_scores(states: RecurrentStates, spans, target: int, naive: bool) -> list[float]:
    """S(x_A) for every word range ``(start, end)`` of ``spans``, summed over the directions."""
    hidden_size = states.directions[0].hidden.shape[1]
    length = states.directions[0].hidden.shape[0]
    weight = states.output_weight[target].double().cpu()
    totals = torch.zeros(len(spans), dtype=torch.float64)
    for d, direction in enumerate(states.directions):
        hidden = direction.hidden.double().cpu()
        alpha = forgetting_rates(states, direction, naive).cpu()
        # the backward direction reads x_T first: word range [s, e) is its steps [T − e, T − s)
        reading = spans if d == 0 else [(length - end, length - start) for start, end in spans]
        totals += (
            span_evidence(hidden, alpha, reading) @ weight[d * hidden_size : (d + 1) * hidden_size]
        )
    return totals.tolist()


def cell_approximation_error(states: RecurrentStates) -> float:
    """‖c − h / o‖ / ‖c‖ over every LSTM step and direction: how far eq. 17 is from the truth."""
    cells = torch.cat([d.cell for d in states.directions]).double()
    approx = torch.cat([d.hidden / d.gates["output"] for d in states.directions]).double()
    return float(torch.linalg.norm(cells - approx) / torch.linalg.norm(cells).clamp_min(1e-12))


class RecurrentDecomposition(Method):
    """REAT (``naive=False``) or NaiveREAT (``naive=True``) on a plain GRU/LSTM word classifier."""

    family = "decomposition"
    contrastive = False
    signed = True
    requires = frozenset({EMBEDDINGS, RECURRENT})

    def __init__(self, name: str, naive: bool, description: str):
        self.name, self.naive, self.description = name, naive, description

    def attribute(self, ctx) -> Attribution:
        if ctx.output != "logit":
            raise ExplainError(
                f"{self.name} decomposes the target class's logit (minus the output bias); "
                f"explain with output='logit', not output={ctx.output!r}."
            )
        states = ctx.adapter.recurrent_states(ctx.embeddings)
        words = [(t, t + 1) for t in range(ctx.length)]
        word_scores = span_scores(states, words, ctx.target, self.naive)
        bias, logit = float(states.output_bias[ctx.target]), ctx.input_output
        info = {
            "logit": logit,
            "output_bias": bias,
            "decomposition_gap": logit - bias - sum(word_scores),
        }
        if states.cell_type == "lstm" and not self.naive:
            info["cell_approximation_error"] = cell_approximation_error(states)
        spans = {
            level: span_scores(states, list(ranges), ctx.target, self.naive)
            for level, ranges in ctx.span_levels.items()
        }
        return Attribution(np.array(word_scores), info, span_scores=spans)


register(
    RecurrentDecomposition(
        "reat",
        naive=False,
        description=(
            "Additive decomposition of a GRU/LSTM's target logit into word and phrase "
            "contributions, each discounted by the forgetting of later steps (Du et al. 2019)."
        ),
    )
)
register(
    RecurrentDecomposition(
        "naive_reat",
        naive=True,
        description=(
            "NaiveREAT (Du et al. 2019, eq. 9): each word's change of the hidden state, "
            "W_c (h_t − h_{t−1}), with no forgetting."
        ),
    )
)
