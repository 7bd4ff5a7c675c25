"""Input marginalization (Kim et al. 2020, "Interpretation of NLP models through input
marginalization"): how would the prediction change if other plausible tokens stood in x_i's place?

The score of token i is the weight of evidence (Eq. 1), in bits as in the paper:

    WoE_i = log₂ odds(y | x) − log₂ odds(y | x₋ᵢ),   odds(p) = p / (1 − p),

with p(y | x₋ᵢ) marginalised over candidate tokens x̃ (Eq. 2), adaptively truncated (Eq. 4):

    p(y | x₋ᵢ) ≈ Σ_{x̃ ∈ Ṽ} p(y | x with x_i = x̃) · p(x̃ | x₋ᵢ) / Σ_{x̃ ∈ Ṽ} p(x̃ | x₋ᵢ),
    Ṽ = {x̃ : p(x̃ | x₋ᵢ) ≥ σ}   (σ = 0: full marginalisation over the vocabulary).

p(x̃ | x₋ᵢ) comes from a likelihood model (``notebook_explain.likelihood``): a masked LM, the
unigram prior or the uniform distribution. The score is always this log₂-odds difference of the
target class's *probability*, whatever ``output`` the explanation uses: marginalising is defined
for probabilities, and WoE is the paper's measure (multiply by ln 2 to compare with other methods'
``output="log_odds"`` scores, which are in nats).

``unit="word"`` marginalises each whole word at once (§3.3, multi-token marginalisation): its k
tokens are filled left to right by the chain rule, p(x̃₁ … x̃ₖ | x₋w) = Π_j p(x̃_j | x̃_<j, x₋w),
each factor read with the word's not-yet-filled tokens masked; a partial filling is dropped as
soon as its joint likelihood falls below σ (which keeps exactly the joint candidates ≥ σ). The
word's score is shared equally by its tokens, so word-level sums give the word's WoE.

A unit none of whose candidates reach σ keeps its single most likely one, and ``max_candidates``
keeps at most that many, the most likely, per unit (for a word, at every step of its chain). Its
default, 200, bounds the cost to a few batched passes per token: it binds only where the likelihood
is flat (the uniform or unigram prior, a weak masked LM), and ``info["units_capped"]`` says how
often it did; ``max_candidates=0`` is the paper's pure σ truncation. Special tokens score 0. Every likelihood query and every candidate input goes through the
models in batched passes of ``ctx.rows_per_pass`` rows, candidates of all units packed together.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS, VOCABULARY
from ..outputs import target_log_probs
from .base import Attribution, Method, Param, register
from .likelihood import LIKELIHOODS, Likelihood

UNITS = ("token", "word")


class _Units:
    """The marginalised units, each a run of token positions, as a padded (U, K) table."""

    def __init__(self, groups: list[list[int]]):
        self.sizes = torch.tensor([len(g) for g in groups])
        self.positions = torch.zeros(len(groups), int(self.sizes.max()), dtype=torch.long)
        for u, group in enumerate(groups):
            self.positions[u, : len(group)] = torch.tensor(group)

    @classmethod
    def of(cls, ctx, unit: str) -> _Units:
        positions = np.flatnonzero(~ctx.encoded.special_mask)
        if unit == "token":
            return cls([[int(p)] for p in positions])
        words = ctx.encoded.word_index[positions]
        return cls([[int(p) for p in positions[words == w]] for w in dict.fromkeys(words)])

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def width(self) -> int:
        return self.positions.shape[1]


class _Fillings:
    """Candidate fillings of units: each row's unit, its (K,) tokens and joint log-likelihood."""

    def __init__(self, unit_of: torch.Tensor, tokens: torch.Tensor, log_q: torch.Tensor):
        self.unit_of, self.tokens, self.log_q = unit_of, tokens, log_q

    def __len__(self) -> int:
        return len(self.unit_of)

    def __getitem__(self, index) -> _Fillings:
        return _Fillings(self.unit_of[index], self.tokens[index], self.log_q[index])

    def chunks(self, size: int):
        for start in range(0, len(self), size):
            yield self[start : start + size]

    def with_token(self, rows, step: int, tokens, log_q) -> _Fillings:
        """Row ``rows[j]`` extended with ``tokens[j]`` at ``step``, of joint ``log_q[j]``."""
        filled = self.tokens[rows].clone()
        filled[:, step] = tokens
        return _Fillings(self.unit_of[rows], filled, log_q)

    def most_likely(self, n: int) -> _Fillings:
        """The ``n`` most likely fillings of each unit, grouped by unit."""
        order = torch.argsort(self.log_q, descending=True, stable=True)
        order = order[torch.argsort(self.unit_of[order], stable=True)]
        units = self.unit_of[order]
        rank = torch.arange(len(order)) - torch.searchsorted(units, units)
        return self[order[rank < n]]

    @staticmethod
    def cat(parts: list[_Fillings]) -> _Fillings:
        return _Fillings(
            *(torch.cat([getattr(p, k) for p in parts]) for k in ("unit_of", "tokens", "log_q"))
        )


def _likelihoods(ctx, likelihood: Likelihood, units: _Units, rows: _Fillings, step: int):
    """(B, V) log p(token at each row's step-th position | its filled and unmasked tokens)."""
    n, device = len(rows), ctx.embeddings.device
    positions = units.positions[rows.unit_of]
    column = torch.arange(units.width).expand(n, -1)
    filled = column < step
    pending = (column >= step) & (column < units.sizes[rows.unit_of][:, None])
    input_ids = ctx.encoded.input_ids.expand(n, -1).clone()
    r, c = filled.nonzero(as_tuple=True)
    input_ids[r.to(device), positions[r, c].to(device)] = rows.tokens[r, c].to(device)
    masked = torch.zeros(n, ctx.length, dtype=torch.bool)
    r, c = pending.nonzero(as_tuple=True)
    masked[r, positions[r, c]] = True
    types = ctx.encoded.token_type_ids
    return likelihood.log_probs(
        input_ids,
        masked.to(device),
        positions[:, step].to(device),
        ctx.encoded.attention_mask.expand(n, -1),
        None if types is None else types.expand(n, -1),
    )


def _candidates(ctx, likelihood, units: _Units, sigma: float, cap: int, counts: dict):
    """Every unit's kept fillings (grouped by unit), expanded left to right (chain rule)."""
    log_sigma = math.log(sigma) if sigma > 0 else -math.inf
    n = len(units)
    current = _Fillings(
        torch.arange(n),
        torch.zeros(n, units.width, dtype=torch.long),
        torch.zeros(n, dtype=torch.float64),
    )
    complete, capped = [], torch.zeros(n, dtype=torch.bool)
    for step in range(units.width):
        finished = units.sizes[current.unit_of] == step
        complete.append(current[finished])
        current = current[~finished]
        kept, best = [], []
        for rows in current.chunks(ctx.rows_per_pass):
            log_q = rows.log_q[:, None] + _likelihoods(ctx, likelihood, units, rows, step).cpu()
            counts["likelihood_passes"] += int(likelihood.contextual)
            counts["likelihood_rows"] += len(rows)
            r, token = torch.nonzero((log_q >= log_sigma) & (log_q > -math.inf), as_tuple=True)
            kept.append(rows.with_token(r, step, token, log_q[r, token]))
            value, token = log_q.max(-1)
            best.append(rows.with_token(torch.arange(len(rows)), step, token, value))
        kept, best = _Fillings.cat(kept), _Fillings.cat(best).most_likely(1)
        empty = torch.ones(n, dtype=torch.bool)
        empty[kept.unit_of] = False
        rescued = best[empty[best.unit_of]]  # units none of whose fillings reach σ
        counts["units_below_sigma"] += len(rescued)
        current = _Fillings.cat([kept, rescued])
        if cap:
            capped |= torch.bincount(current.unit_of, minlength=n) > cap
            current = current.most_likely(cap)
    complete.append(current)
    counts["units_capped"] = int(capped.sum())
    result = _Fillings.cat(complete)
    return result[torch.argsort(result.unit_of, stable=True)]


def _class_log_probs(ctx, units: _Units, fillings: _Fillings, counts: dict):
    """log p(y | x̃) and log(1 − p(y | x̃)) of every filled input, in batched passes."""
    device, target = ctx.embeddings.device, ctx.target
    log_p, log_rest = [], []
    for rows in fillings.chunks(ctx.rows_per_pass):
        n = len(rows)
        positions = units.positions[rows.unit_of]
        r, c = (torch.arange(units.width) < units.sizes[rows.unit_of][:, None]).nonzero(
            as_tuple=True
        )
        embeddings = ctx.embeddings.expand(n, -1, -1).clone()
        embeddings[r.to(device), positions[r, c].to(device)] = ctx.adapter.embed(
            rows.tokens[r, c][None].to(device)
        )[0]
        log_target, log_others = target_log_probs(ctx.logits(embeddings).double(), target, ctx.head)
        log_p.append(log_target.cpu())
        log_rest.append(log_others.cpu())
        counts["classifier_passes"] += 1
        counts["classifier_rows"] += n
    return torch.cat(log_p), torch.cat(log_rest)


class Marginalization(Method):
    name = "marginalization"
    family = "perturbation"
    contrastive = False
    signed = True
    requires = frozenset({EMBEDDINGS, VOCABULARY})
    description = (
        "Weight of evidence (log2 odds) of the token: the prediction against the prediction "
        "marginalised over the tokens a likelihood model expects in its place."
    )
    params: ClassVar[dict[str, Param]] = {
        "likelihood": Param(
            "mlm",
            "p(x̃ | context): a masked LM (for the demo models, the project's MLM head, trained "
            "on first use with a progress bar, about 8 minutes on 2 CPU cores, then cached), "
            "the unigram prior or the uniform distribution",
            choices=LIKELIHOODS,
        ),
        "sigma": Param(
            1e-5,
            "likelihood threshold σ of adaptive truncation (0: full marginalisation)",
            low=0.0,
            high=1.0,
        ),
        "unit": Param("token", "marginalise each token, or each whole word", choices=UNITS),
        "max_candidates": Param(
            200,
            "at most this many candidates per unit, the most likely (0: no cap, the paper's "
            "pure σ truncation)",
            low=0,
        ),
    }

    def rows(self, size, likelihood, unit, max_candidates, **_) -> int:
        """At most ``max_candidates`` filled inputs per unit, plus a masked-LM pass per unit;
        with no cap, a BERT-sized vocabulary's 30,522 candidates per unit stand in."""
        units = size.words if unit == "word" else size.perturbable
        return units * (max_candidates or 30_522) + (units if likelihood == "mlm" else 0)

    def attribute(self, ctx, likelihood, sigma, unit, max_candidates) -> Attribution:
        if ctx.likelihoods is None:
            raise ExplainError(
                "marginalization needs likelihood models; run it through Explainer.explain."
            )
        model = ctx.likelihoods.get(likelihood)
        units = _Units.of(ctx, unit)
        if sigma == 0 and not max_candidates and int(units.sizes.max()) > 1:
            raise ExplainError(
                f"Full marginalisation (sigma=0) of a {int(units.sizes.max())}-token word needs "
                f"|V|^{int(units.sizes.max())} inputs; set sigma > 0 or max_candidates, or use "
                "unit='token'."
            )
        counts = dict.fromkeys(
            (
                "likelihood_passes",
                "likelihood_rows",
                "classifier_passes",
                "classifier_rows",
                "units_below_sigma",
                "units_capped",
            ),
            0,
        )
        fillings = _candidates(ctx, model, units, sigma, max_candidates, counts)
        log_p, log_rest = _class_log_probs(ctx, units, fillings, counts)
        per_unit = torch.bincount(fillings.unit_of, minlength=len(units))
        bounds = torch.cumsum(per_unit, 0).tolist()
        probabilities = ctx.probabilities
        p = probabilities[ctx.target]
        log_odds = math.log(p) - math.log(np.delete(probabilities, ctx.target).sum())
        scores = np.zeros(ctx.length)
        for u, (start, stop) in enumerate(zip([0, *bounds[:-1]], bounds)):
            w = fillings.log_q[start:stop]
            marginal = torch.logsumexp(w + log_p[start:stop], 0) - torch.logsumexp(
                w + log_rest[start:stop], 0
            )
            woe = (log_odds - float(marginal)) / math.log(2)
            size = int(units.sizes[u])
            scores[units.positions[u, :size].numpy()] = woe / size
        n_units = len(units)
        return Attribution(
            scores,
            {
                "likelihood": likelihood,
                "likelihood_model": model.description,
                "unit": unit,
                "measure": "weight of evidence, log2 odds",
                "candidates": per_unit.tolist(),
                "average_candidates": float(per_unit.double().mean()),
                **counts,
                "passes_per_unit": (counts["likelihood_passes"] + counts["classifier_passes"])
                / n_units,
            },
        )


register(Marginalization())
