"""Contextual decomposition (CD) of a recurrent classifier's logits, and its agglomerative hierarchy
(Murdoch, Liu & Yu, ICLR 2018, "Beyond word importance"; Singh, Murdoch & Yu, ICLR 2019,
"Hierarchical interpretations for neural network predictions" (ACD); the survey's §4.3.3, eq. 27).

For a phrase P (a set of words), every state of the recurrence is split into a part β that comes
from the phrase and a part γ from everything else, h_t = β_t + γ_t, so that the logits split as
z = W β_T + (W γ_T + b): the phrase's score is (W β_T)_y. A gate's pre-activation is a sum of
parts (the phrase's, the rest's and the bias), and a nonlinearity of a sum is split by the
linearisation of Murdoch et al. (eq. 11-ish there, a Shapley value over the parts with the bias
always present):

    L(a) = ½ [σ(b + a) − σ(b) + σ(b + a + c) − σ(b + c)],   L(c) likewise,   L(bias) = σ(b),

so L(a) + L(c) + L(bias) = σ(a + c + b) exactly. Products of split factors are split term by
term: a term with any γ factor goes to γ; a β·β, β·bias or bias·β term to β; the bias·bias term
to β while the recurrence reads a word of the phrase, and to γ otherwise (the papers' choice).

**LSTM** (Murdoch et al. §3.2): i, f, o, g split as above; c_t = f ⊙ c_{t−1} + i ⊙ g, with f ⊙ β_c
kept in β except its γ-part of f (f_γ ⊙ β_c goes to γ); h_t = o ⊙ tanh(c_t), tanh(c_t) linearised
over (β_c, γ_c) and the whole o multiplying each part.

**GRU** (derived here the same way; not in the papers): r, z split as gates; PyTorch's candidate
n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) has the product r ⊙ (W_hn h + b_hn) split term by
term (its bias·bias term joins n's bias), then tanh linearised over (β, γ, bias); the new state
h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} splits (1 − z) into (−z_β, −z_γ, 1 − z_bias) and treats z ⊙ h as
the LSTM treats f ⊙ c.

A bidirectional model runs both directions and concatenates their final states, as the model
does. Every call checks the decomposition's identity, β + γ = the model's own logit for the input,
for every phrase scored, and refuses beyond ``identity.TOLERANCE``. Word scores are the words'
own CD scores; each span level's spans get their CD score (``span_scores``). ``info["hierarchy"]``
is ACD's agglomeration: starting from the words, the two adjacent segments whose join interacts
most, |CD(a ∪ b) − CD(a) − CD(b)|, are joined, level by level, up to the whole input (ACD ranks
candidate joins by CD score; the interaction rule here is the bottom-up mirror of HEDGE's split).
It is computed for inputs of at most ``hierarchy_words`` words.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS, RECURRENT, RecurrentStates
from .base import Attribution, Method, Param, register
from .identity import identity_check, refuse_unless_exact


def linearise(act, a: torch.Tensor, c: torch.Tensor, bias: torch.Tensor):
    """(L(a), L(c), L(bias)) of act(a + c + bias): a and c's Shapley values with the bias
    present throughout, and act(bias); they sum to act(a + c + bias)."""
    base, with_a, with_c, whole = act(bias), act(bias + a), act(bias + c), act(bias + a + c)
    return 0.5 * (with_a - base + whole - with_c), 0.5 * (with_c - base + whole - with_a), base


def product(x, y, inside: torch.Tensor):
    """The β and γ parts of x ⊙ y, each factor given as (β, γ, bias) parts: terms with a γ factor
    go to γ; β·β, β·bias and bias·β to β; bias·bias to β where ``inside`` (rows reading a word
    of their phrase), else to γ."""
    (xb, xg, xc), (yb, yg, yc) = x, y
    beta = xb * yb + xb * yc + xc * yb
    gamma = xg * (yb + yg + yc) + (xb + xc) * yg
    both = xc * yc
    return beta + torch.where(inside, both, 0.0), gamma + torch.where(inside, 0.0, both)


def _split_input(inputs_t: torch.Tensor, inside: torch.Tensor):
    """A word's input term, (P, G·H), given to β in the rows whose phrase holds it, else to γ."""
    return torch.where(inside, inputs_t, 0.0), torch.where(inside, 0.0, inputs_t)


def decompose_direction(cell_type: str, weights: dict, inputs: torch.Tensor, phrases: torch.Tensor):
    """(β_T, γ_T), each (P, H): the final state of one direction split for each of P phrases,
    ``phrases`` (P, T) bool in this direction's reading order."""
    w = {k: v.double() for k, v in weights.items()}
    x = inputs.double() @ w["weight_ih"].T  # (T, G·H)
    hidden = w["weight_hh"].shape[1]
    count = len(phrases)
    beta = inputs.new_zeros(count, hidden, dtype=torch.float64)
    gamma = torch.zeros_like(beta)
    cell_beta, cell_gamma = torch.zeros_like(beta), torch.zeros_like(beta)
    bias = w["bias_ih"] + w["bias_hh"]
    for t in range(len(x)):
        inside = phrases[:, t, None]
        xb, xg = _split_input(x[t].expand(count, -1), inside)
        if cell_type == "lstm":
            pre_b, pre_g = xb + beta @ w["weight_hh"].T, xg + gamma @ w["weight_hh"].T
            parts = [
                linearise(act, a, c, b)
                for act, a, c, b in zip(
                    (torch.sigmoid, torch.sigmoid, torch.tanh, torch.sigmoid),
                    pre_b.chunk(4, -1),
                    pre_g.chunk(4, -1),
                    bias.chunk(4, -1),
                )
            ]
            i, f, g, o = parts
            new_b, new_g = product(i, g, inside)
            fb, fg, fc = f
            cell_beta, cell_gamma = (
                new_b + (fb + fc) * cell_beta,
                new_g + (fb + fg + fc) * cell_gamma + fg * cell_beta,
            )
            tb, tg, _ = linearise(torch.tanh, cell_beta, cell_gamma, torch.zeros_like(cell_beta))
            gate = sum(o)
            beta, gamma = gate * tb, gate * tg
            continue
        x_r, x_z, x_n = xb.chunk(3, -1)
        g_r, g_z, g_n = xg.chunk(3, -1)
        h_b, h_g = beta @ w["weight_hh"].T, gamma @ w["weight_hh"].T
        hb_r, hb_z, hb_n = h_b.chunk(3, -1)
        hg_r, hg_z, hg_n = h_g.chunk(3, -1)
        bi_r, bi_z, bi_n = w["bias_ih"].chunk(3, -1)
        bh_r, bh_z, bh_n = w["bias_hh"].chunk(3, -1)
        r = linearise(torch.sigmoid, x_r + hb_r, g_r + hg_r, bi_r + bh_r)
        z = linearise(torch.sigmoid, x_z + hb_z, g_z + hg_z, bi_z + bh_z)
        rb, rg, rc = r
        # r ⊙ (W_hn h + b_hn): its bias·bias term stays with n's bias
        reset_b = rb * hb_n + rb * bh_n + rc * hb_n
        reset_g = rg * (hb_n + hg_n + bh_n) + (rb + rc) * hg_n
        n = linearise(torch.tanh, x_n + reset_b, g_n + reset_g, bi_n + rc * bh_n)
        zb, zg, zc = z
        keep_b, keep_g = product((-zb, -zg, 1 - zc), n, inside)
        beta, gamma = keep_b + (zb + zc) * beta, keep_g + (zb + zg + zc) * gamma + zg * beta
    return beta, gamma


def decompose(states: RecurrentStates, phrases: np.ndarray):
    """(β, γ) logits, each (P, C), for P phrases given as a (P, T) bool word mask in token
    order: β + γ is the model's logit vector for every row."""
    mask = torch.as_tensor(phrases, dtype=torch.bool)
    finals_b, finals_g = [], []
    for k, direction in enumerate(states.directions):
        reading = mask if k == 0 else mask.flip(1)
        beta, gamma = decompose_direction(
            states.cell_type,
            direction.weights,
            direction.inputs,
            reading.to(direction.inputs.device),
        )
        finals_b.append(beta)
        finals_g.append(gamma)
    weight, bias = states.output_weight.double(), states.output_bias.double()
    beta = torch.cat(finals_b, -1) @ weight.T
    gamma = torch.cat(finals_g, -1) @ weight.T + bias
    return beta.cpu().numpy(), gamma.cpu().numpy()


def _masks(segments, n: int) -> np.ndarray:
    out = np.zeros((len(segments), n), dtype=bool)
    for row, (a, b) in enumerate(segments):
        out[row, a:b] = True
    return out


class ContextualDecomposition(Method):
    name = "contextual_decomposition"
    family = "decomposition"
    signed = True
    requires = frozenset({EMBEDDINGS, RECURRENT})
    contrastive = False
    description = (
        "Contextual decomposition: the recurrence re-run with each state split into the part "
        "from a word or phrase and the rest (β + γ = the logit); ACD's hierarchy joins the "
        "segments that interact most."
    )
    params: ClassVar[dict[str, Param]] = {
        "hierarchy_words": Param(
            60, "The longest input, in words, whose ACD hierarchy is built.", low=0, high=400
        ),
    }

    def attribute(self, ctx, hierarchy_words: int) -> Attribution:
        if ctx.output != "logit":
            raise ExplainError(
                "contextual_decomposition splits the logits: explain with output='logit'."
            )
        word_index = np.asarray(ctx.encoded.word_index)
        if (word_index < 0).any():
            raise ExplainError(
                "contextual_decomposition needs one word per token, as the word models give."
            )
        n = int(word_index.max()) + 1
        states = ctx.adapter.recurrent_states(ctx.embeddings)
        target = ctx.target

        def scores_of(segments):  # a word mask becomes a token mask through word_index
            return decompose(states, _masks(segments, n)[:, word_index])

        words = [(i, i + 1) for i in range(n)]
        beta, gamma = scores_of(words)
        full = ctx.input_output
        worst = int(np.argmax(np.abs(beta[:, target] + gamma[:, target] - full)))
        check = identity_check(
            "decomposition",
            beta[worst, target] + gamma[worst, target],
            full,
            full,
        )
        refuse_unless_exact(
            self.name,
            check,
            "the recurrence re-run here does not reproduce the model's logit (report this "
            "model); use reat or leave_one_out",
        )
        word_scores = beta[:, target]
        span_scores = {
            level: [float(v) for v in scores_of(spans)[0][:, target]]
            for level, spans in ctx.span_levels.items()
            if spans
        }
        info = {"decomposition_gap": check["gap"]}
        if n <= hierarchy_words:
            info["hierarchy"] = self._hierarchy(scores_of, word_scores, n, target)
        return Attribution(
            word_scores[word_index].astype(float),
            info,
            span_scores=span_scores,
            checks={"identity": check},
        )

    @staticmethod
    def _hierarchy(scores_of, word_scores, n: int, target: int) -> list:
        """ACD's levels, from the words up: each joins the adjacent pair that interacts most."""
        segments = [(i, i + 1) for i in range(n)]
        score = {s: float(v) for s, v in zip(segments, word_scores)}
        levels = [[[a, b, score[(a, b)]] for a, b in segments]]
        while len(segments) > 1:
            joins = [(segments[k][0], segments[k + 1][1]) for k in range(len(segments) - 1)]
            fresh = [j for j in joins if j not in score]
            if fresh:
                score.update(zip(fresh, (float(v) for v in scores_of(fresh)[0][:, target])))
            k = max(
                range(len(joins)),
                key=lambda k: abs(score[joins[k]] - score[segments[k]] - score[segments[k + 1]]),
            )
            segments = segments[:k] + [joins[k]] + segments[k + 2 :]
            levels.append([[a, b, score[(a, b)]] for a, b in segments])
        return levels[::-1]


register(ContextualDecomposition())
