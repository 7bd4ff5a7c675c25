"""The Engine beneath the ``Explainer`` facade: it owns a model's requests, inference and reuse.

One Engine per explained model holds the adapter, the batch limits, the likelihood models and the
training index, and does the work every caller shares: checking texts and targets, building
requests (``request``), encoding, explaining one text or many in shared passes, reusing the
results an earlier Explanation already has (decided here, once), pricing a request
(``estimate``), the weights' fingerprint (``fingerprint``, the one function dataset runs, the
widget's session and the training index compare), cancellation (every batched pass calls the
request's ``check``, for attribution and influence alike) and the model's inference mode, which
``adapter.inference()`` shares safely between threads (``models.base.inference_mode``).

The lower layers take the Engine, never the facade: dataset runs (``dataset.py``), the metrics'
probe (``metrics/probe.py``), the sanity check (``metrics/sanity.py``), label-noise suspects
(``influence/suspects.py``) and the first-paint policy (``first_paint.py``). ``Explainer`` is
the public facade over it, with the documented API.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .errors import ExplainError, check_callbacks, excerpt
from .explanation import Explanation, Explanations, MethodResult
from .methods import available_methods, get_method
from .methods.base import input_size, resolve_methods
from .methods.context import AttributionContext, Batching
from .methods.input_pass import InputPass
from .methods.likelihood import Likelihoods
from .metrics.trust import REFERENCE as LOO_CHECK
from .metrics.trust import agreement_checks
from .models.base import ModelAdapter, head_of, parameters_fingerprint
from .outputs import check_output, class_probabilities
from .spans import span_levels

#: what ``explain`` computes when no methods are named: integrated gradients first (its
#: completeness is checked on every call, and ``steps="auto"`` refines it until it holds)
DEFAULT_METHODS = ("integrated_gradients", "signed_grad_input", "leave_one_out")


def _with_trust(explanation: Explanation) -> Explanation:
    """``explanation`` with each result's agreement with leave-one-out added to its ``checks``
    (``metrics.trust``), when leave-one-out is among its results."""
    results = explanation.results
    agreement = agreement_checks(
        {name: explanation.scores(name) for name in results},
        {name: result.signed for name, result in results.items()},
    )
    if not agreement:
        return explanation
    return dataclasses.replace(
        explanation,
        results={
            name: dataclasses.replace(result, checks={**result.checks, LOO_CHECK: agreement[name]})
            if name in agreement
            else result
            for name, result in results.items()
        },
    )


def _reusable(reuse, ctx, text, text_pair, levels, resolved) -> dict[str, MethodResult]:
    """The results of ``reuse`` that stand for this request unchanged: same input, tokens,
    target, output, spans and prediction, and for each method the same parameters."""
    if reuse is None:
        return {}
    same_levels = {k: [tuple(r) for r in v] for k, v in reuse.span_levels.items()} == {
        k: [tuple(r) for r in v] for k, v in levels.items()
    }
    same_input = (
        (reuse.text, reuse.text_pair, reuse.output, reuse.target, reuse.contrast)
        == (text, text_pair, ctx.output, ctx.target, ctx.contrast)
        and tuple(reuse.tokens) == tuple(ctx.encoded.tokens)
        and same_levels
        and np.allclose(reuse.probabilities, ctx.probabilities, atol=1e-6)
    )
    if not same_input:
        return {}
    return {
        name: reuse.results[name]
        for name, (_, params) in resolved.items()
        if name in reuse.results and dict(reuse.results[name].params) == params
    }


class Engine:
    """A model's explaining machinery (see the module docstring).

    Args:
        adapter: The model's adapter.
        batch_size: The most rows one batched pass holds.
        max_batch_tokens: The most tokens one batched pass holds.
    """

    def __init__(self, adapter: ModelAdapter, batch_size: int, max_batch_tokens: int):
        for key, value in (("batch_size", batch_size), ("max_batch_tokens", max_batch_tokens)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ExplainError(f"{key} must be a positive integer, got {value!r}.")
        self.adapter = adapter
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        #: the likelihood models of ``marginalization``
        self.likelihoods = Likelihoods(adapter)
        #: the training index that influence queries use (``Explainer.index`` builds it)
        self.training_index = None
        #: seconds per token-row of a forward pass, by length bucket (``_seconds_per_row``)
        self._rates: dict[int, float] = {}

    @property
    def class_names(self) -> list[str]:
        """The model's class names, in the order of its logits."""
        return list(self.adapter.class_names)

    def supported_methods(self) -> list[str]:
        """The registered methods whose requirements the model's adapter meets."""
        return [
            n for n in available_methods() if get_method(n).requires <= self.adapter.capabilities
        ]

    def fingerprint(self) -> str | None:
        """The fingerprint of the model's weights (``models.base.parameters_fingerprint``), or
        None for an adapter that does not list its parameters."""
        named = getattr(self.adapter, "named_parameters", None)
        return parameters_fingerprint(named()) if callable(named) else None

    def check_text(self, text, what="text") -> str:
        if not isinstance(text, str):
            raise ExplainError(f"{what} must be a string, got {type(text).__name__}.")
        if not text.strip():
            raise ExplainError(f"{what} is empty or only whitespace; pass a sentence to explain.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ExplainError(
                f"{what} is not valid Unicode: a lone surrogate {text[err.start]!r} at character "
                f"{err.start} (text read with the wrong codec, or half of an emoji). Repair it, "
                "e.g. text.encode('utf-8', 'replace').decode('utf-8')."
            ) from None
        return text

    def target_index(self, target) -> int | None:
        """The class index ``target`` names (``None`` stays ``None``: the predicted class)."""
        names = self.class_names
        if target is None:
            return None
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            if 0 <= target < len(names):
                return int(target)
        elif isinstance(target, str):
            lowered = [n.lower() for n in names]
            if target.lower() in lowered:
                return lowered.index(target.lower())
        raise ExplainError(
            f"Unknown target class {target!r}. Use None (the predicted class), an index 0..{len(names) - 1}, "
            f"or a name: {', '.join(names)}."
        )

    def batching(self, check: Callable[[], None] | None = None) -> Batching:
        """This explainer's batch limits for one request; ``check`` runs before every pass."""
        return Batching(self.batch_size, self.max_batch_tokens, check)

    # -------------------------------------------------------------- explaining
    def probabilities(self, encoded) -> np.ndarray:
        with torch.no_grad(), self.adapter.inference():
            logits = self.adapter.logits(
                self.adapter.embed(encoded.input_ids),
                encoded.attention_mask,
                encoded.token_type_ids,
            )
        return class_probabilities(logits.double(), head_of(self.adapter))[0].cpu().numpy()

    def explain(
        self,
        text: str,
        methods: Sequence[str] | Mapping[str, dict] | str | None = None,
        target: int | str | None = None,
        output: str = "logit",
        text_pair: str | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
        spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        check: Callable[[], None] | None = None,
        reuse: Explanation | None = None,
        contrast: int | str | None = None,
    ) -> Explanation:
        """``Explainer.explain``: the checked request, computed (see there for the arguments)."""
        self.check_text(text)
        if text_pair is not None:
            self.check_text(text_pair, "text_pair")
        check_callbacks(on_progress=on_progress, check=check)
        if reuse is not None and not isinstance(reuse, Explanation):
            raise ExplainError(f"reuse takes an Explanation, got {type(reuse).__name__}.")
        resolved, target_index, contrast_index = self.request(methods, target, output, contrast)
        encoded, levels, span_source = self.encode(text, text_pair, spans)
        with self.adapter.inference():
            input_pass = InputPass(self.adapter, [encoded], output, target_index, contrast_index)
            return self._explain_encoded(
                text=text,
                text_pair=text_pair,
                encoded=encoded,
                levels=levels,
                span_source=span_source,
                input_pass=(input_pass, 0),
                resolved=resolved,
                output=output,
                check=check,
                on_progress=on_progress,
                reuse=reuse,
            )

    def request(self, methods, target, output, contrast):
        """The resolved methods, target index and contrast index of a request, checked against
        this model: an ExplainError names what cannot be computed and what to change."""
        check_output(output)
        resolved = resolve_methods(methods, DEFAULT_METHODS)
        for name, (method, _) in resolved.items():
            missing = method.requires - self.adapter.capabilities
            if missing:
                raise ExplainError(
                    f"{name} needs {', '.join(sorted(missing))}, which this model does not "
                    "provide; ex.supported_methods() lists the methods it can run."
                )
        target_index = self.target_index(target)
        contrast_index = None if contrast is None else self.target_index(contrast)
        if contrast_index is not None:
            tied = [name for name, (method, _) in resolved.items() if not method.contrastive]
            if tied:
                raise ExplainError(
                    f"{', '.join(tied)} cannot explain one class against another (they explain "
                    "one class's logit or prediction); drop contrast= or these methods."
                )
            if contrast_index == target_index:
                raise ExplainError(
                    f"contrast is the target class ({self.class_names[target_index]!r}); explain "
                    "the target against another class, or drop contrast=."
                )
        return resolved, target_index, contrast_index

    def encode(self, text, text_pair, spans):
        """(the encoded input, its span levels, where they came from)."""
        encoded = self.adapter.encode(text, text_pair)
        if not (~encoded.special_mask).any():
            raise ExplainError(
                f"{excerpt(text)} produced no tokens to explain besides special tokens."
            )
        levels, span_source = span_levels(encoded.words, spans)
        return encoded, levels, span_source

    def _explain_encoded(
        self,
        *,
        text,
        text_pair,
        encoded,
        levels,
        span_source,
        input_pass,
        resolved,
        output,
        check,
        on_progress=None,
        reuse=None,
    ) -> Explanation:
        """The Explanation of one encoded input whose forward pass ``input_pass`` (an
        ``InputPass`` and the input's row in it) has run; call inside ``adapter.inference()``."""
        pass_, row = input_pass
        ctx = AttributionContext(
            self.adapter,
            encoded,
            output,
            contrast=pass_.contrast,
            span_levels=levels,
            likelihoods=self.likelihoods,
            batching=self.batching(check),
            input_pass=input_pass,
        )
        if pass_.contrast == ctx.target:
            raise ExplainError(
                f"contrast is the target class ({self.class_names[ctx.target]!r}) of "
                f"{excerpt(text)}; explain the target against another class, or drop contrast=."
            )
        results = _reusable(reuse, ctx, text, text_pair, levels, resolved)
        todo = [(name, entry) for name, entry in resolved.items() if name not in results]
        for i, (name, (method, params)) in enumerate(todo):
            if on_progress is not None:
                on_progress(name, i, len(todo))
            start = time.perf_counter()
            attribution = method.attribute(ctx, **params)
            if ctx.embeddings.is_cuda:
                torch.cuda.synchronize()
            results[name] = MethodResult(
                name=name,
                family=method.family,
                signed=method.signed,
                scores=attribution.scores,
                params=params,
                seconds=time.perf_counter() - start,
                info=attribution.info,
                span_scores=attribution.span_scores,
                reduction_steps=attribution.reduction_steps,
                checks=attribution.checks,
            )
        return _with_trust(
            Explanation(
                text=text,
                text_pair=text_pair,
                results={name: results[name] for name in resolved},
                tokens=encoded.tokens,
                words=encoded.words,
                word_index=encoded.word_index,
                special_mask=encoded.special_mask,
                probabilities=ctx.probabilities,
                class_names=self.class_names,
                target=ctx.target,
                contrast=pass_.contrast,
                output=output,
                model_name=self.adapter.name,
                head=ctx.head,
                truncated_tokens=encoded.truncated_tokens,
                span_levels=levels,
                span_source=span_source,
            )
        )

    def explain_many(
        self,
        texts: Sequence[str],
        methods: Sequence[str] | Mapping[str, dict] | str | None = None,
        target: int | str | None = None,
        output: str = "logit",
        text_pairs: Sequence[str] | None = None,
        contrast: int | str | None = None,
        check: Callable[[], None] | None = None,
        progress: bool = True,
        on_text: Callable[[], None] | None = None,
    ) -> Explanations:
        """``Explainer.explain_many``: texts of similar length share their input pass and its
        backward; every text is checked before any is computed (see there for the arguments)."""
        from tqdm.auto import tqdm

        if isinstance(texts, str):
            raise ExplainError(
                "explain_many takes a list of texts; use explain() for a single text."
            )
        texts = list(texts)
        pairs = [None] * len(texts) if text_pairs is None else list(text_pairs)
        if isinstance(text_pairs, str) or len(pairs) != len(texts):
            raise ExplainError(
                f"text_pairs needs one text per text ({len(texts)}); got "
                f"{1 if isinstance(text_pairs, str) else len(pairs)}."
            )
        check_callbacks(check=check)
        resolved, target_index, contrast_index = self.request(methods, target, output, contrast)
        encoded = []
        for i, (text, pair) in enumerate(zip(texts, pairs)):
            try:
                self.check_text(text)
                if pair is not None:
                    self.check_text(pair, "text_pair")
                encoded.append(self.encode(text, pair, None))
            except ExplainError as error:
                raise ExplainError(f"text {i}: {error}") from None
        explanations: list[Explanation | None] = [None] * len(texts)
        with (
            self.adapter.inference(),
            tqdm(total=len(texts), desc="explaining", disable=not progress) as bar,
        ):
            for group in self.batches([e[0].length for e in encoded]):
                input_pass = InputPass(
                    self.adapter,
                    [encoded[i][0] for i in group],
                    output,
                    target_index,
                    contrast_index,
                )
                for row, i in enumerate(group):
                    one, levels, span_source = encoded[i]
                    explanations[i] = self._explain_encoded(
                        text=texts[i],
                        text_pair=pairs[i],
                        encoded=one,
                        levels=levels,
                        span_source=span_source,
                        input_pass=(input_pass, row),
                        resolved=resolved,
                        output=output,
                        check=check,
                    )
                    bar.update()
                    if on_text is not None:
                        on_text()
        return Explanations(explanations)

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """The indices of inputs of these token ``lengths`` grouped for shared passes: by
        length, each group within the batch limits, or one input per group where the model
        cannot pad."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        if getattr(self.adapter, "padding_side", "right") is None:
            return [[i] for i in order]
        groups, group = [], []
        for i in order:  # ascending length: the group's last input is its longest
            if group and (
                len(group) >= self.batch_size
                or (len(group) + 1) * lengths[i] > self.max_batch_tokens
            ):
                groups.append(group)
                group = []
            group.append(i)
        return groups + [group] if group else groups

    def estimate(self, text: str, methods=None, text_pair: str | None = None) -> dict[str, dict]:
        """``Explainer.estimate`` (see there for the arguments and the answer)."""
        self.check_text(text)
        if text_pair is not None:
            self.check_text(text_pair, "text_pair")
        resolved = resolve_methods(methods, DEFAULT_METHODS)
        encoded = self.adapter.encode(text, text_pair)
        size = input_size(encoded)
        per_row = self._seconds_per_row(encoded)
        estimates = {}
        for name, (method, params) in resolved.items():
            rows = int(method.rows(size, **params))
            # a method that runs no rows of its own still waits for the input's pass
            estimates[name] = {
                "rows": rows,
                "seconds": max(rows, 1) * per_row * (3 if method.backward else 1),
            }
        return estimates

    def _seconds_per_row(self, encoded) -> float:
        """Seconds per row of a forward pass of ``encoded``: from this model's timing for its
        length bucket (lengths up to the same power of two), which is timed once, on the first
        input of that bucket, and scaled by length; so an estimate after the first costs no
        pass at all."""
        bucket = 1 << max(0, encoded.length - 1).bit_length()
        rate = self._rates.get(bucket)
        if rate is None:
            rate = self._rates[bucket] = self._timed_row(encoded) / encoded.length
        return rate * encoded.length

    def _timed_row(self, encoded) -> float:
        """Seconds per row of a forward pass of ``encoded`` in a batch as large as the methods'
        (the faster of two)."""
        rows = max(1, min(self.batch_size, self.max_batch_tokens // encoded.length))
        with torch.no_grad(), self.adapter.inference():
            batch = self.adapter.embed(encoded.input_ids).expand(rows, -1, -1)
            mask = encoded.attention_mask.expand(rows, -1)
            types = encoded.token_type_ids
            types = None if types is None else types.expand(rows, -1)
            times = []
            for _ in range(2):
                start = time.perf_counter()
                self.adapter.logits(batch, mask, types)
                times.append(time.perf_counter() - start)
        return min(times) / rows

    def _influence_query(self, text, target):
        from .influence.scorers import make_query

        index = self.training_index
        if index is None:
            raise ExplainError(
                "No training index yet: build one first with ex.index(train_texts, train_labels)."
            )
        index.check_model(self.adapter)
        query = make_query(self.adapter, self.check_text(text), self.target_index(target))
        return index, query

    def influence(
        self,
        text: str,
        k: int = 10,
        method: str = "influence_function",
        target: int | str | None = None,
        highlights: int = 3,
        candidates: int = 200,
        check: Callable[[], None] | None = None,
    ):
        """``Explainer.influence`` (see there for the arguments); ``check`` runs before every
        batched pass, as for ``explain``, so a query can be cancelled."""
        from .influence.scorers import run

        with self.adapter.inference():
            index, query = self._influence_query(text, target)
            batching = self.batching(check)
            return run(self.adapter, index, query, method, k, highlights, batching, candidates)

    def token_influence(
        self,
        text: str,
        token_index: int,
        k: int = 10,
        target: int | str | None = None,
        highlights: int = 3,
        check: Callable[[], None] | None = None,
    ):
        """``Explainer.token_influence`` (see there for the arguments; ``check`` as for
        ``influence``)."""
        from .influence.hybrid import token_influence

        with self.adapter.inference():
            index, query = self._influence_query(text, target)
            batching = self.batching(check)
            return token_influence(self.adapter, index, query, token_index, k, highlights, batching)
