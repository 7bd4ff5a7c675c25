"""An explained input under word removal: the target probability of the input with any set of
words removed, by one of four removal operations, in batched forward passes.

``REMOVALS``:

* ``"zero"``: the words' token embeddings are set to zero (the zero padding of the signed-GI
  paper's AOPC, eq. 8, and the input-marginalization paper's "Zero" baseline);
* ``"delete"``: the words' tokens are taken out of the sequence (ERASER's rationale removal);
* ``"unk"``: every token of the words is replaced by the unknown token ("Unk" in Table 2 of the
  input-marginalization paper);
* ``"mlm"``: every token of the words is replaced by a token sampled from the masked language
  model (``Explainer.use_mlm``; the demo models have their own), as the input-marginalization
  paper's AUC_rep does (§3.5). Each position's sample is drawn once, seeded, from the likelihood
  given the rest of the original input with that position masked, so the k-th input of a curve
  extends the (k−1)-th.

Special tokens are never removed. Requests are cached per (removal, removed words), so metrics
sharing an input (the unperturbed one, say) pay for it once.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import ExplainError
from ..methods.context import AttributionContext
from ..outputs import explained_output

REMOVALS = ("zero", "delete", "unk", "mlm")
MLM_SEED = 0


def rationale_mask(rationale, words) -> np.ndarray:
    """A (W,) bool mask from a rationale given as word indices or as a 0/1 (or bool) mask over
    the explanation's ``words``."""
    values = np.asarray(list(rationale))
    n = len(words)
    if values.dtype == bool or (len(values) == n and set(values.tolist()) <= {0, 1} and n > 0):
        if len(values) != n:
            raise ExplainError(
                f"rationale is a mask of {len(values)} entries for {n} words; give one per word "
                "(explanation.words) or a list of word indices."
            )
        return values.astype(bool)
    if not np.issubdtype(values.dtype, np.integer) or (
        len(values) and not ((values >= 0) & (values < n)).all()
    ):
        raise ExplainError(
            f"rationale must be word indices 0..{n - 1} or a mask over the {n} words "
            f"(explanation.words), got {list(rationale)[:10]!r}."
        )
    mask = np.zeros(n, dtype=bool)
    mask[values.astype(int)] = True
    return mask


class Probe:
    """``probabilities(removed, removal)`` for one explanation, re-encoded with its engine.
    ``check`` runs before every batched pass (see ``context.Batching``)."""

    def __init__(self, engine, explanation, check=None, rationale=None):
        self.engine, self.explanation = engine, explanation
        #: the human rationale as a (W,) bool word mask, or None (``rationale_mask``)
        self.rationale = None if rationale is None else rationale_mask(rationale, explanation.words)
        adapter = engine.adapter
        encoded = adapter.encode(explanation.text, explanation.text_pair)
        if tuple(encoded.tokens) != tuple(explanation.tokens):
            raise ExplainError(
                "This explanation's tokens differ from what this model's tokenizer gives for "
                "its text: evaluate an explanation with the Explainer that made it."
            )
        with adapter.inference():
            self.ctx = AttributionContext(
                adapter,
                encoded,
                "probability",
                explanation.target,
                contrast=explanation.contrast,
                likelihoods=engine.likelihoods,
                batching=engine.batching(check),
            )
        self.word_index = np.asarray(explanation.word_index)
        self.n_words = len(explanation.words)
        self._cache: dict[tuple[str, bytes], float] = {}
        self._mlm_tokens: torch.Tensor | None = None
        self._reference: dict[str, np.ndarray] = {}
        self.forward_rows = 0

    # ------------------------------------------------------------------ queries
    def word_scores(self, method: str) -> np.ndarray:
        """The method's word scores in this explanation, or from the engine when the
        explanation does not hold the method (computed once, same target and output)."""
        e = self.explanation
        if method in e.results:
            return e.scores(method, "word")
        if method not in self._reference:
            other = self.engine.explain(
                e.text,
                methods=[method],
                target=e.target,
                contrast=e.contrast,
                output=e.output,
                text_pair=e.text_pair,
                spans=dict(e.span_levels) or None,
            )
            self._reference[method] = other.scores(method, "word")
        return self._reference[method]

    def word_set_matrix(self, word_sets) -> np.ndarray:
        """A (R, W) bool matrix from a list of word-index collections."""
        rows = np.zeros((len(word_sets), self.n_words), dtype=bool)
        for r, words in enumerate(word_sets):
            rows[r, list(words)] = True
        return rows

    def probabilities(self, removed: np.ndarray, removal: str) -> np.ndarray:
        """p(target | input with the words ``removed[r]`` removed) for every row r of a (R, W)
        bool matrix (minus p(contrast | ...) for a contrastive explanation)."""
        if removal not in REMOVALS:
            raise ExplainError(
                f"Unknown removal {removal!r}. Choose one of: {', '.join(REMOVALS)}."
            )
        removed = np.asarray(removed, dtype=bool).reshape(-1, self.n_words)
        keys = [(removal, row.tobytes()) for row in removed]
        missing = [r for r, key in enumerate(keys) if key not in self._cache]
        unique = list(dict.fromkeys(keys[r] for r in missing))
        if unique:
            first = {key: r for r, key in reversed(list(enumerate(keys)))}
            rows = removed[[first[key] for key in unique]]
            with torch.no_grad():
                logits = self._logits(rows, removal)
            ctx = self.ctx
            probs = explained_output(
                logits.double(), ctx.target, "probability", ctx.head, ctx.contrast
            )
            probs = probs.cpu().numpy()
            self.forward_rows += len(rows)
            self._cache.update(zip(unique, probs.tolist()))
        return np.array([self._cache[key] for key in keys])

    # ------------------------------------------------------------- internals
    def _token_mask(self, removed: np.ndarray) -> torch.Tensor:
        """(R, L) bool: the tokens of the removed words (special tokens never)."""
        tokens = np.zeros((len(removed), len(self.word_index)), dtype=bool)
        real = self.word_index >= 0
        tokens[:, real] = removed[:, self.word_index[real]]
        return torch.as_tensor(tokens, device=self.ctx.embeddings.device)

    def _logits(self, removed: np.ndarray, removal: str) -> torch.Tensor:
        ctx = self.ctx
        mask = self._token_mask(removed)
        if removal == "delete":
            return ctx.logits(ctx.deleted_rows(~mask))
        if removal == "zero":
            replacement = torch.zeros_like(ctx.embeddings[0, 0])
        elif removal == "unk":
            if ctx.adapter.unk_id is None:
                raise ExplainError(
                    "This model's tokenizer has no unknown token; use another removal."
                )
            replacement = ctx.token_embedding(ctx.adapter.unk_id)
        else:
            replacement = ctx.adapter.embed(self._mlm_samples())
        return ctx.logits(ctx.replaced_rows(mask, replacement))

    def _mlm_samples(self) -> torch.Tensor:
        """(1, L) token ids: one likelihood sample per position (the input's id at special ones)."""
        if self._mlm_tokens is None:
            ctx = self.ctx
            likelihood = self.engine.likelihoods.get("mlm")
            device = ctx.embeddings.device
            ids = ctx.encoded.input_ids
            positions = torch.as_tensor(np.flatnonzero(self.word_index >= 0), device=device)
            generator = torch.Generator().manual_seed(MLM_SEED)
            samples = ids.clone()
            for chunk in positions.split(ctx.rows_per_pass):
                n = len(chunk)
                masked = torch.zeros(n, ctx.length, dtype=torch.bool, device=device)
                masked[torch.arange(n, device=device), chunk] = True
                types = ctx.encoded.token_type_ids
                log_q = likelihood.log_probs(
                    ids.expand(n, -1),
                    masked,
                    chunk,
                    ctx.encoded.attention_mask.expand(n, -1),
                    None if types is None else types.expand(n, -1),
                )
                drawn = torch.multinomial(log_q.double().exp().cpu(), 1, generator=generator)
                samples[0, chunk] = drawn[:, 0].to(device)
            self._mlm_tokens = samples
        return self._mlm_tokens
