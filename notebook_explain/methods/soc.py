"""SOC, Sampling and Occlusion (Jin, Wei, Du, Ren & Xiang, ICLR 2020, "Towards hierarchical
importance attribution"; the survey's §4.3.3): phrase importance that is context-independent and
non-additive.

The importance of a phrase p of input x is its occlusion effect averaged over the contexts the
phrase could appear in, the words around it being resampled (the paper's eq. 5–6):

    φ(p, x) = 1/|S| Σ_{x̂_δ ∈ S} [ s(x₋δ; x̂_δ) − s(x₋δ; x̂_δ; 0_p) ],

where δ is the phrase's neighbourhood, the ``radius`` words on each side of it, x̂_δ a sample of
those words from a language model given the rest of the input (drawn token by token, left to
right, each conditioned on the input outside δ and the tokens drawn so far, the ones still to
draw masked), 0_p the phrase occluded (by the padding token as in the paper, or the unknown or
[MASK] token: ``occlusion``), and s the explained output. ``samples`` contexts are drawn per
phrase. With ``radius=0`` nothing is sampled and φ is plain occlusion of the phrase.

The language model is a likelihood model of ``likelihood.py``, as input marginalization uses: the
demo MLM head (or a masked LM attached with ``use_mlm``), the unigram prior or the uniform
distribution (these two ignore the context). Every word is scored (the token scores, a word's
score shared by its tokens), and every span of the input's span levels, the nodes of the span
tree (``span_scores``). All draws and all occluded inputs go through the models in batched passes.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from ..errors import ExplainError
from ..models.base import EMBEDDINGS, VOCABULARY
from .base import Attribution, Method, Param, register
from .context import Rows
from .likelihood import LIKELIHOODS

OCCLUSIONS = ("pad", "unk", "mask")


def soc_scores(ctx, nodes, radius, samples, likelihood, occlusion, seed):
    """({(first word, last word + 1): φ} for every node (a word range), info): the SOC score of
    each node of ``ctx``'s input, with the method's parameters."""
    encoded = ctx.encoded
    word_index = np.asarray(encoded.word_index)
    replacement = {
        "pad": ctx.adapter.pad_id,
        "unk": ctx.adapter.unk_id,
        "mask": ctx.adapter.mask_id,
    }[occlusion]
    if replacement is None:
        raise ExplainError("soc: this model's tokenizer has no [MASK] token; use occlusion='pad'.")
    if radius and ctx.likelihoods is None:
        raise ExplainError("soc needs likelihood models; run it through Explainer.explain.")
    model = ctx.likelihoods.get(likelihood) if radius else None
    per_node = samples if radius else 1
    inside = np.array([(word_index >= a) & (word_index < b) for a, b in nodes])  # (N, L)
    around = (
        np.array(
            [
                (word_index >= a - radius) & (word_index < b + radius) & (word_index >= 0)
                for a, b in nodes
            ]
        )
        & ~inside
    )
    ids = encoded.input_ids.expand(len(nodes) * per_node, -1).clone()
    phrase = torch.as_tensor(np.repeat(inside, per_node, axis=0), device=ids.device)
    draws = 0
    if radius and around.any():
        resampled = np.repeat(around, per_node, axis=0)
        draws = _draw(ctx, model, ids, resampled, torch.Generator().manual_seed(seed))
    occluded = torch.where(phrase, replacement, ids)
    kept, removed = (_outputs(ctx, rows) for rows in (ids, occluded))
    effect = (kept - removed).reshape(len(nodes), per_node).mean(1)
    info = {"contexts": int(per_node), "likelihood_rows": draws, "rows": 2 * len(ids)}
    return dict(zip(nodes, effect)), info


def _outputs(ctx, ids: torch.Tensor) -> np.ndarray:
    """S of every row of token ids, embedded a chunk at a time."""
    with torch.no_grad():
        rows = Rows(len(ids), lambda a, b: (ctx.adapter.embed(ids[a:b]), None, None))
        return ctx.outputs(rows).double().cpu().numpy()


def _draw(ctx, model, ids: torch.Tensor, resampled: np.ndarray, generator) -> int:
    """Redraw, in place, the tokens of ``ids`` where ``resampled`` (R, L) is True, from
    ``model``: left to right, each given the row's other tokens and those drawn so far (the
    rest masked), every row's k-th draw in one batched query per chunk of rows. Returns how
    many rows a contextual model read."""
    device, types = ids.device, ctx.encoded.token_type_ids
    masked = torch.as_tensor(resampled, device=device)
    order = [np.flatnonzero(row) for row in resampled]
    read = 0
    for k in range(max(len(o) for o in order)):
        rows = np.array([r for r, o in enumerate(order) if len(o) > k])
        for start in range(0, len(rows), ctx.rows_per_pass):
            chunk = rows[start : start + ctx.rows_per_pass]
            where = torch.as_tensor([order[r][k] for r in chunk], device=device)
            chunk_t = torch.as_tensor(chunk, device=device)
            log_p = model.log_probs(
                ids[chunk_t],
                masked[chunk_t],
                where,
                ctx.encoded.attention_mask.expand(len(chunk), -1),
                None if types is None else types.expand(len(chunk), -1),
            )
            drawn = torch.multinomial(log_p.exp().float().cpu(), 1, generator=generator)[:, 0]
            ids[chunk_t, where] = drawn.to(device)
            masked[chunk_t, where] = False
            read += len(chunk) if model.contextual else 0
    return read


class SamplingAndOcclusion(Method):
    name = "soc"
    family = "perturbation"
    signed = True
    requires = frozenset({EMBEDDINGS, VOCABULARY})
    description = (
        "SOC: a word's or phrase's occlusion effect averaged over contexts resampled around it "
        "by a language model (context-independent, non-additive phrase importance)."
    )
    params: ClassVar[dict[str, Param]] = {
        "radius": Param(
            10, "Words on each side of the phrase whose context is resampled (0: none).", low=0
        ),
        "samples": Param(20, "Contexts sampled per word or phrase.", low=1, high=1000),
        "likelihood": Param(
            "mlm",
            "The language model the contexts are drawn from: a masked LM (the demo MLM head for "
            "the demo models), the unigram prior or the uniform distribution.",
            choices=LIKELIHOODS,
        ),
        "occlusion": Param(
            "pad", "The token that stands in for the occluded phrase.", choices=OCCLUSIONS
        ),
        "seed": Param(
            0, "Seed of the context sampler: the same seed gives the same scores.", low=0
        ),
    }

    def rows(self, size, radius: int, samples: int, likelihood: str, **_) -> int:
        nodes = size.words + sum(len(v) for v in (size.span_levels or {}).values())
        draws = 2 * radius * max(size.perturbable // max(size.words, 1), 1) if radius else 0
        contextual = likelihood == "mlm"
        return nodes * (samples if radius else 1) * (2 + (draws if contextual else 0))

    def attribute(self, ctx, radius, samples, likelihood, occlusion, seed) -> Attribution:
        encoded = ctx.encoded
        word_index = np.asarray(encoded.word_index)
        n = int(word_index.max()) + 1 if (word_index >= 0).any() else 0
        if n == 0:
            raise ExplainError("soc: the input has no words to explain.")
        words = [(i, i + 1) for i in range(n)]
        nodes = list(dict.fromkeys(words + [tuple(s) for v in ctx.span_levels.values() for s in v]))
        score, info = soc_scores(ctx, nodes, radius, samples, likelihood, occlusion, seed)
        phi = np.array([score[w] for w in words])
        tokens = np.bincount(word_index[word_index >= 0], minlength=n)
        index = np.maximum(word_index, 0)
        scores = np.where(word_index >= 0, phi[index] / tokens[index], 0.0)
        span_scores = {
            level: [float(score[tuple(s)]) for s in spans]
            for level, spans in ctx.span_levels.items()
        }
        return Attribution(scores, info, span_scores=span_scores)


register(SamplingAndOcclusion())
