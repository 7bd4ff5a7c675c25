"""Explainer: the facade users touch — a model adapter, a device, a batch size, and ``explain``."""

from __future__ import annotations

import importlib.util
import os
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .engine import DEFAULT_METHODS, Engine
from .errors import ExplainError, check_callbacks
from .explanation import Explanation, Explanations
from .models.base import ModelAdapter, check_hooks

__all__ = ["DEFAULT_METHODS", "Explainer"]

#: the tabs ``show()`` can open first (the dataset tab is ``browse``'s)
SHOW_VIEWS = ("heatmap", "compare", "reduction", "hierarchy", "influence")
#: a new text or target asked for in the widget shows the method on screen first, and the rest
#: behind it, when they should take longer than this (``show()``'s own first paint is
#: ``first_paint.plan``'s)
FIRST_PAINT_SECONDS = 3.0


def _unpipe(model, tokenizer):
    """A transformers text-classification pipeline's model and tokenizer; anything else as is."""
    task = getattr(model, "task", None)
    if not (isinstance(task, str) and hasattr(model, "model") and hasattr(model, "tokenizer")):
        return model, tokenizer
    if task not in ("text-classification", "sentiment-analysis"):
        raise ExplainError(
            f"This is a {task!r} pipeline; notebook_explain explains text classifiers. Pass a "
            "pipeline('text-classification', ...) or the classifier and its tokenizer."
        )
    return model.model, tokenizer if tokenizer is not None else model.tokenizer


def _adapter_for(model, tokenizer, device, class_names) -> ModelAdapter:
    if isinstance(model, ModelAdapter):
        return model
    model, tokenizer = _unpipe(model, tokenizer)
    from .models.classifiers import WordClassifier

    if isinstance(model, WordClassifier):
        from .models.word import WordModelAdapter

        return WordModelAdapter(model, tokenizer, device=device, class_names=class_names)
    if not isinstance(model, torch.nn.Module):
        raise ExplainError(
            f"Expected a transformers sequence classifier, a notebook_explain WordClassifier or a "
            f"ModelAdapter, got {type(model).__name__}."
        )
    from .models.hf import HFAdapter

    return HFAdapter(model, tokenizer, device=device, class_names=class_names)


def _load_causal_lm(name_or_path, tokenizer, gguf_file, model_kwargs):
    """(model, tokenizer) from a hub name or folder, optionally a GGUF file in it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    options = {"gguf_file": gguf_file} if gguf_file else {}
    if gguf_file:
        missing = [m for m in ("gguf", "accelerate") if importlib.util.find_spec(m) is None]
        if missing:
            raise ExplainError(
                f"Loading a GGUF file needs {' and '.join(missing)}: pip install gguf accelerate."
            )
    try:
        model = AutoModelForCausalLM.from_pretrained(name_or_path, **options, **model_kwargs)
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(name_or_path, **options)
    except (OSError, ValueError) as err:
        raise ExplainError(
            f"Could not load the causal LM {str(name_or_path)!r}"
            f"{f' ({gguf_file})' if gguf_file else ''} ({type(err).__name__}: "
            f"{str(err)[:300]}). Check the name, the folder and the file name."
        ) from err
    return model, tokenizer


class Explainer:
    """Explains a text classifier's predictions.

    Args:
        model: Any Hugging Face sequence classifier (or a text-classification ``pipeline``
            alone; see also ``from_pretrained``), a
            :class:`~notebook_explain.models.classifiers.WordClassifier`, or a ready
            :class:`~notebook_explain.models.base.ModelAdapter`.
        tokenizer: The classifier's tokenizer, or the ``WordVocab`` of a ``WordClassifier``.
        device: Where the model runs (default: ``cuda:0`` when CUDA is available, else the CPU).
        batch_size: The most rows one batched pass (IG steps, perturbations) holds.
        max_batch_tokens: The most tokens one batched pass holds, so long inputs get smaller
            batches.
        class_names: The classes' names (default: the model config's labels).
        name: The model's name in views and exports (default: the last part of its hub name
            or folder, never a whole path).

    Raises:
        ExplainError: For a model that cannot be explained as a classifier (no classification
            head, an unsupported architecture), saying what to load instead.
    """

    def __init__(
        self,
        model,
        tokenizer=None,
        *,
        device=None,
        batch_size: int = 64,
        max_batch_tokens: int = 4096,
        class_names=None,
        name: str | None = None,
    ):
        if name is not None and not (isinstance(name, str) and name.strip()):
            raise ExplainError(f"name must be a non-empty string, got {name!r}.")
        adapter = _adapter_for(model, tokenizer, device, class_names)
        if name is not None:
            adapter.name = name
        check_hooks(adapter)
        #: the machinery beneath this facade (``engine.Engine``): requests, inference, reuse
        self.engine = Engine(adapter, batch_size, max_batch_tokens)
        #: the training record of a demo model (accuracy, settings); empty for user models
        self.info: dict = {}
        #: a demo model's saved training checkpoints (TracIn), else None
        self.checkpoints = None

    @property
    def adapter(self) -> ModelAdapter:
        """The model's adapter (``models.base.ModelAdapter``)."""
        return self.engine.adapter

    @property
    def likelihoods(self):
        """The likelihood models of ``marginalization`` (see ``use_mlm`` and ``use_corpus``)."""
        return self.engine.likelihoods

    @property
    def batch_size(self) -> int:
        """The most rows one batched pass holds."""
        return self.engine.batch_size

    @property
    def max_batch_tokens(self) -> int:
        """The most tokens one batched pass holds."""
        return self.engine.max_batch_tokens

    @property
    def training_index(self):
        """The training index that ``influence`` queries (``index`` builds it), or None."""
        return self.engine.training_index

    def __repr__(self) -> str:
        index = "none" if self.training_index is None else f"{len(self.training_index)} examples"
        return (
            f"Explainer({self.adapter.name!r}, classes={list(self.class_names)}, "
            f"device={str(self.adapter.device)!r}, {len(self.supported_methods())} methods, "
            f"training index: {index})"
        )

    @classmethod
    def from_pretrained(cls, name_or_path: str, *, tokenizer=None, **kwargs) -> "Explainer":
        """An Explainer for a Hugging Face hub name or a local folder.

        The model loads with ``AutoModelForSequenceClassification``, the tokenizer with
        ``AutoTokenizer`` unless one is given.

        Args:
            name_or_path: A hub name, or a folder with ``config.json``, the weights and the
                tokenizer files (offline: a folder, or a name in the hub cache with
                ``HF_HUB_OFFLINE=1``).
            tokenizer: A tokenizer to use instead of the one saved with the model.
            **kwargs: Go to ``Explainer`` (``device``, ``batch_size``, ``max_batch_tokens``,
                ``class_names``, ``name``), except ``model_kwargs`` (a dict), which goes to the
                model's ``from_pretrained`` (``revision``, ``torch_dtype``, ...).

        Returns:
            The Explainer.

        Raises:
            ExplainError: When the name or folder cannot be loaded, saying what to check.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
            raise ExplainError(
                'from_pretrained takes a hub name ("distilbert-base-uncased-finetuned-sst-2-'
                f'english") or a local folder, got {name_or_path!r}.'
            )
        model_kwargs = kwargs.pop("model_kwargs", {})
        try:
            model = AutoModelForSequenceClassification.from_pretrained(name_or_path, **model_kwargs)
            if tokenizer is None:
                tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        except (OSError, ValueError) as err:
            raise ExplainError(
                f"Could not load {name_or_path!r} ({type(err).__name__}: {str(err)[:300]}). "
                "Check the name or folder; offline, pass a local folder that holds config.json, "
                "the weights and the tokenizer files, or a name already in the Hugging Face "
                "cache with HF_HUB_OFFLINE=1 set."
            ) from err
        return cls(model, tokenizer, **kwargs)

    @classmethod
    def from_causal_lm(
        cls,
        model,
        tokenizer=None,
        *,
        template: str,
        labels: Mapping,
        demonstrations=(),
        instruction: str = "",
        chat: bool | None = None,
        calibrate: bool = False,
        prefix_cache: bool = True,
        gguf_file: str | None = None,
        model_kwargs: Mapping | None = None,
        **kwargs,
    ) -> "Explainer":
        """An Explainer for a causal language model that classifies through a prompt
        (``models.prompted``): the class scores are the log-probabilities of each class's label
        words as the prompt's next tokens, and only the user's text is explained.

        Args:
            model: An ``AutoModelForCausalLM`` model, or a hub name or folder to load one from.
            tokenizer: Its (fast) tokenizer; loaded with the model when ``model`` is a name.
            template: The prompt, with ``{text}`` where the text goes (and ``{text_pair}`` for
                pairs), ending with the question the label word answers, e.g.
                ``"Review: {text}\nSentiment:"``.
            labels: Class name → label word, or a list of them, e.g. ``{"negative":
                " negative", "positive": " positive"}`` (a word's leading space matters to
                the tokenizer; several words per class add up their probabilities).
            demonstrations: Few-shot examples, ``(text, class name)`` each (``(text,
                text_pair, class name)`` for pairs), written before the query as the template
                filled and answered; ``demonstration_influence`` says what each one does.
            instruction: Text before the demonstrations and the query.
            chat: Wrap the prompt in the tokenizer's chat template (default: when it has one).
            calibrate: Contextual calibration (Zhao et al. 2021): subtract each class's score
                on the content-free input "N/A".
            prefix_cache: Run perturbations from the cached keys and values of the prompt
                before the text (checked to give the whole prompt's scores).
            gguf_file: With a folder, the GGUF file in it to load (needs ``pip install gguf
                accelerate``).
            model_kwargs: Go to ``AutoModelForCausalLM.from_pretrained`` (``dtype``,
                ``device_map``, ``revision``, ...).
            **kwargs: Go to ``Explainer`` (``device``, ``batch_size``, ``max_batch_tokens``,
                ``name``).

        Returns:
            The Explainer.

        Raises:
            ExplainError: For a bad template or labels, a label word that merges with the
                prompt, or a model or file that cannot be loaded, saying what to fix.
        """
        from .models.prompted import PromptedLMAdapter, as_prompt

        prompt = as_prompt(template, labels, demonstrations, instruction)
        if isinstance(model, (str, os.PathLike)):
            model, tokenizer = _load_causal_lm(model, tokenizer, gguf_file, model_kwargs or {})
        if not isinstance(model, torch.nn.Module):
            raise ExplainError(
                "from_causal_lm takes an AutoModelForCausalLM model or a hub name or folder, "
                f"got {type(model).__name__}."
            )
        device = kwargs.pop("device", None)
        if device is None and getattr(model, "hf_device_map", None):
            device = next(model.parameters()).device  # placed by device_map
        adapter = PromptedLMAdapter(
            model,
            tokenizer,
            prompt,
            device=device,
            chat=chat,
            calibrate=calibrate,
            prefix_cache=prefix_cache,
        )
        return cls(adapter, **kwargs)

    @classmethod
    def demo(cls, name: str = "minilm-sst2", **kwargs) -> "Explainer":
        """An Explainer for one of the project's demo models, trained on first use and cached.

        Args:
            name: A name of ``notebook_explain.demo.DEMO_MODELS``: trained on SST-2, or on
                AG News or IMDB for the ``-agnews`` and ``-imdb`` models.
            **kwargs: Go to ``notebook_explain.demo.load_demo`` (``cache_dir``, ``data_dir``,
                ``device``, ``progress``, and training settings such as ``label_noise=0.05``
                and ``noise_seed``: a variant trained with that share of its labels flipped,
                the rows in ``info["flipped_rows"]``).

        Returns:
            The Explainer, with the demo's training checkpoints and masked-LM head attached.
        """
        from .demo import load_demo
        from .demo.mlm import demo_mlm_loader

        explainer_kwargs = {
            k: kwargs.pop(k) for k in ("batch_size", "max_batch_tokens") if k in kwargs
        }
        demo = load_demo(name, **kwargs)
        explainer = cls(demo.adapter, **explainer_kwargs)
        explainer.info = demo.info
        options = {k: kwargs[k] for k in ("cache_dir", "data_dir", "progress") if k in kwargs}
        explainer.likelihoods.use_mlm_loader(
            demo_mlm_loader(device=demo.adapter.device, **options), options.get("data_dir")
        )
        explainer.checkpoints = demo.path / "checkpoints"
        return explainer

    @property
    def class_names(self) -> list[str]:
        """The model's class names, in the order of its logits."""
        return self.engine.class_names

    def supported_methods(self) -> list[str]:
        """The registered methods this model can run.

        Returns:
            The names of the methods whose requirements the model's adapter meets.
        """
        return self.engine.supported_methods()

    def use_mlm(self, model, tokenizer=None) -> None:
        """Attach the masked LM that ``marginalization``'s ``likelihood="mlm"`` uses.

        Demo models come with the project's MLM head (``notebook_explain.demo.mlm``).

        Args:
            model: A Hugging Face hub name or path (``"bert-base-uncased"``, loaded with
                ``AutoModelForMaskedLM``), or a masked LM.
            tokenizer: The masked LM's tokenizer. For a Hugging Face classifier it must be the
                classifier's (an ``ExplainError`` says if not); a word-vocabulary classifier
                reads the masked LM over its one-word-piece words.
        """
        self.likelihoods.use_mlm(model, tokenizer)

    def use_corpus(self, texts, smoothing: float = 0.1) -> None:
        """Count the token frequencies that ``likelihood="unigram"`` uses.

        Args:
            texts: The corpus (default, when ``None``: SST-2 train).
            smoothing: The additive smoothing of the counts.
        """
        self.likelihoods.use_corpus(texts, smoothing)

    # -------------------------------------------------------------- explaining
    def predict(self, text: str, text_pair: str | None = None) -> np.ndarray:
        """The model's class probabilities for one input.

        Args:
            text: The text (the premise, for a pair).
            text_pair: The second text of a pair, or ``None``.

        Returns:
            The (classes,) probabilities, in the order of ``class_names``.
        """
        engine = self.engine
        return engine.probabilities(engine.adapter.encode(engine.check_text(text), text_pair))

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
        """Attribute the model's score for ``target`` on ``text`` with each of ``methods``.

        Args:
            text: The text to explain (the premise, for a sentence pair).
            methods: Method names, or a dict of name → parameters; ``None`` takes
                ``DEFAULT_METHODS``. ``supported_methods()`` lists what this model can run.
            target: The explained class, an index or a name; ``None`` takes the predicted one.
            output: The explained scalar S: ``"logit"``, ``"probability"`` or ``"log_odds"``.
            text_pair: The second text of a pair (the hypothesis), or ``None``.
            on_progress: Called as ``on_progress(method, i, n)`` before the i-th of n methods.
            spans: The phrase and clause levels as word ranges (``{"phrase": [(0, 2), ...],
                "clause": ...}``); by default from the SST parse tree when the sentence is in
                SST, else from the built-in chunker (``spans.span_levels``).
            check: Called before every batched pass; raise from it (as the widget's Cancel does,
                with ``errors.Cancelled``) to stop early.
            reuse: An earlier Explanation made by this model *with the same weights*: each of
                its results whose parameters are the ones asked for is kept, not recomputed,
                when the input, target, output and spans are the same (the widget's recompute of
                one method computes that method only). A weight change that leaves this input's
                probabilities as they were cannot be seen, so pass it only for an unchanged
                model (the widget's session checks the weights' fingerprint).
            contrast: A class (index or name) to explain the target *against*: S becomes
                S_target − S_contrast ("why this class rather than that one?"); the methods tied
                to one class's logit or prediction refuse it.

        Returns:
            The Explanation: the tokens and words, the prediction, and one result per method.

        Raises:
            ExplainError: For bad input or a method this model cannot compute correctly; the
                message says what to change.
        """
        return self.engine.explain(
            text,
            methods,
            target=target,
            output=output,
            text_pair=text_pair,
            on_progress=on_progress,
            spans=spans,
            check=check,
            reuse=reuse,
            contrast=contrast,
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
    ) -> Explanations:
        """``explain`` for each of ``texts``, with a progress bar, sharing passes between texts.

        Texts of similar length go through their own forward pass (the prediction) and its
        backward (the whole gradient family) together, as many at once as the batch limits
        allow; the other methods batch their own rows text by text. Models that cannot pad their
        inputs (``adapter.padding_side`` is None) run one text at a time. Every text is checked
        before any is computed.

        Args:
            texts: The texts to explain (a list, not one string).
            methods: As for ``explain``, the same for every text.
            target: As for ``explain``; ``None`` explains each text's own prediction.
            output: As for ``explain``.
            text_pairs: One second text per text, or ``None``.
            contrast: As for ``explain``.
            check: As for ``explain``.
            progress: Show the progress bar.

        Returns:
            An ``Explanations`` list in the order of ``texts``; its ``to_pandas()`` is one long
            table of every text's words.

        Raises:
            ExplainError: For bad input, naming the text (``text 3: ...``) before anything runs.
        """
        return self.engine.explain_many(
            texts,
            methods,
            target=target,
            output=output,
            text_pairs=text_pairs,
            contrast=contrast,
            check=check,
            progress=progress,
        )

    def explain_dataset(
        self,
        texts: Sequence[str],
        labels=None,
        methods=None,
        metrics=None,
        out=None,
        chunk_rows: int = 256,
        progress: bool = True,
        check: Callable[[], None] | None = None,
        engine: str = "local",
        workers: int | None = None,
    ):
        """Explain (and optionally evaluate) every text of a dataset, into a columnar result
        written to Parquet in chunks, so that an interrupted run resumes where it stopped.

        Texts are batched as in ``explain_many``. With ``out``, each chunk of ``chunk_rows``
        rows is written as its own Parquet part once complete; calling again with the same
        ``out`` and the same request reads the parts there and computes only the missing ones.
        Needs pyarrow (``pip install 'notebook_explain[dataset]'``).

        Args:
            texts: The texts (a list).
            labels: Their gold labels (class indices or names), or ``None``; with labels every
                row has its loss, and ``accuracy()`` works.
            methods: As for ``explain`` (default: the gradient panel, ``signed_grad_input``,
                ``grad_input`` and ``saliency_l2``, which one backward pass serves).
            metrics: Metrics to compute per text and method (names or name → parameters, as
                for ``evaluate``), or ``None`` for none: they cost forward passes per text.
            out: A folder for the run (created), or ``None`` to keep the result in memory only.
            chunk_rows: Rows per Parquet part: what an interruption can lose at most.
            progress: Show a progress bar with an ETA.
            check: As for ``explain``: raise from it to stop; finished parts stay on disk.
            engine: ``"local"`` (this process), or ``"ray"``: the chunks are computed by Ray
                actors, each holding one replica of this explainer (one GPU each when the
                model is on a GPU), on the cluster ``ray.init`` connected to (or a local one);
                the result and the Parquet layout are the same, and so is resuming.
            workers: How many Ray actors (default: the cluster's CPUs, or GPUs).

        Returns:
            A ``DatasetResult``: its ``table`` (pyarrow) and ``to_pandas()`` hold per text the
            prediction, confidence, loss (with labels), each method's word scores
            (``scores/<method>``) and each metric per method (``<metric>/<method>``);
            ``aggregate()`` gives each metric's mean per method with a confidence interval.

        Raises:
            ExplainError: For bad input (naming the text or label), a missing pyarrow, or an
                ``out`` folder that holds a different run.
        """
        from .dataset import explain_dataset

        return explain_dataset(
            self.engine,
            texts,
            labels=labels,
            methods=methods,
            metrics=metrics,
            out=out,
            chunk_rows=chunk_rows,
            progress=progress,
            check=check,
            backend=engine,
            workers=workers,
        )

    def label_suspects(
        self,
        result=None,
        k: int = 10,
        method: str | None = None,
        progress: bool = True,
        top: int | None = None,
    ):
        """Training examples whose labels may be wrong, most suspect first.

        Without ``result``, every training example of the index is ranked by self-influence
        (how hard it pulls on its own fit; ``method``: ``"tracin"`` by default, or
        ``"influence_function"``, ``"loss"``, ``"knn"``; see ``influence.self_influence``).
        With a labelled dataset run, the training examples behind its errors are counted
        instead: for every misclassified row, the ``k`` training examples that most oppose its
        gold label (``influence(text, target=label)``'s opponents; ``method``: an influence
        method, ``"influence_function"`` by default); the examples counted most often come
        first. ``benchmarks/label_noise.py`` measures how well each ranking finds flipped labels.

        Args:
            result: ``None``, or a ``DatasetResult`` made with labels, by this model.
            k: Opponents counted per misclassified row (with ``result`` only).
            method: The ranking's method (see above).
            progress: Show a progress bar (with ``result``).
            top: Keep only the first ``top`` suspects (``None``: all ranked).

        Returns:
            A ``LabelSuspects``: training rows, scores, texts and labels (and counts, with a
            run).

        Raises:
            ExplainError: Without a training index, without labels in the run, or for a bad
                ``k``, ``top`` or method.
        """
        from .dataset import DatasetResult
        from .influence.self_influence import DEFAULT_RANKING
        from .influence.suspects import label_suspects, self_influence_suspects

        if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
            raise ExplainError(f"top must be a positive integer or None, got {top!r}.")
        if result is None:
            return self_influence_suspects(self.engine, method=method or DEFAULT_RANKING, top=top)
        if not isinstance(result, DatasetResult):
            raise ExplainError(
                f"label_suspects takes a DatasetResult (from explain_dataset) or None, got "
                f"{type(result).__name__}."
            )
        return label_suspects(
            self.engine,
            result,
            k=k,
            method=method or "influence_function",
            progress=progress,
            top=top,
        )

    def browse(self, result, suspects=None):
        """A widget over a dataset run: a table of its rows (label, prediction, confidence,
        loss, each metric per method) to sort, filter and search; a click on a row explains
        that text in the heatmap, with the run's methods.

        Args:
            result: A ``DatasetResult`` (from ``explain_dataset``).
            suspects: ``label_suspects(result)``'s answer, listed under the table, or ``None``.

        Returns:
            An ``ExplainWidget`` showing its Dataset tab.
        """
        from .dataset import DatasetResult, browse_payload
        from .explanation import live_view

        if not isinstance(result, DatasetResult):
            raise ExplainError(
                f"browse takes a DatasetResult (from explain_dataset), got {type(result).__name__}."
            )
        if tuple(result.class_names) != tuple(self.class_names):
            raise ExplainError(
                "This run was made with another model (its classes are "
                f"{list(result.class_names)}): browse it with that model's explainer."
            )
        payload = browse_payload(result)
        if suspects is not None:
            from .influence.suspects import LabelSuspects

            if not isinstance(suspects, LabelSuspects):
                raise ExplainError(
                    "suspects takes label_suspects(result)'s answer, got "
                    f"{type(suspects).__name__}."
                )
            payload["suspects"] = suspects.to_json()
        return live_view(None, explainer=self, view="dataset", dataset=payload)

    def estimate(
        self, text: str, methods=None, text_pair: str | None = None, of: str = "explain"
    ) -> dict[str, dict]:
        """What ``explain(text, methods)`` would cost, before running it.

        Args:
            text: The text.
            methods: As for ``explain``.
            text_pair: As for ``explain``.
            of: ``"explain"``, or ``"sanity_check"``: the check explains the text once per
                randomised layer and twice more (``metrics.sanity.explain_runs``), and each
                method's rows and seconds are multiplied by that count.

        Returns:
            Method → ``{"rows": ..., "seconds": ...}``: the rows it runs through the model
            (``Method.rows``: exact for the occlusions, LOO, LIME and IG with fixed steps; an
            upper bound for input reduction and marginalization; IG's ``steps="auto"`` counted
            at its first round) and the seconds they should take (at least the input's own
            pass, which a gradient method needs with its backward), from this model's timing on
            this device for inputs of this length bucket (timed once per bucket, then reused;
            a backward pass counted as two forward ones).
        """
        from .metrics.sanity import explain_runs

        if of not in ("explain", "sanity_check"):
            raise ExplainError(f"of must be 'explain' or 'sanity_check', got {of!r}.")
        estimates = self.engine.estimate(text, methods, text_pair)
        if of == "explain":
            return estimates
        runs = explain_runs(self.adapter)
        return {
            name: {"rows": e["rows"] * runs, "seconds": e["seconds"] * runs}
            for name, e in estimates.items()
        }

    def evaluate(
        self, explanation: Explanation, metrics=None, on_progress=None, check=None, rationale=None
    ):
        """Faithfulness and plausibility metrics for every method of ``explanation``.

        Args:
            explanation: An Explanation made by this explainer's model.
            metrics: Metric names, or a dict of name → parameters (default
                ``metrics.DEFAULT_METRICS``).
            on_progress: Called as ``on_progress(method, i, n)``, as for ``explain``.
            check: As for ``explain``.
            rationale: A human rationale (word indices, or a mask over
                ``explanation.words``) for ``rationale_auprc``, ``rationale_f1`` and
                ``rationale_iou``.

        Returns:
            An ``Evaluation``: a value per method and metric, the curves and the agreement
            matrix between methods.
        """
        from .metrics import evaluate

        if not isinstance(explanation, Explanation):
            raise ExplainError(
                f"evaluate takes an Explanation (from explain), got {type(explanation).__name__}."
            )
        check_callbacks(on_progress=on_progress, check=check)
        return evaluate(self.engine, explanation, metrics, on_progress, check, rationale)

    def sanity_check(
        self,
        text: str,
        methods=None,
        mode: str = "cascading",
        seed: int = 0,
        on_progress=None,
        **kwargs,
    ):
        """The model-randomisation sanity check (Adebayo et al. 2018).

        The layers' weights are randomised from the top down and each method explains
        ``text`` again; the weights are restored afterwards.

        Args:
            text: The text.
            methods: As for ``explain``.
            mode: ``"cascading"`` (cumulatively, from the top) or ``"independent"`` (one layer
                at a time).
            seed: The seed of the random weights (a non-negative integer).
            on_progress: Called as ``on_progress(layer, i, n)`` before each stage.
            **kwargs: Go to ``explain`` (``check`` among them).

        Returns:
            A ``metrics.sanity.SanityCheck``: per method, the Spearman correlation of its word
            scores with the original ones at each stage, and the methods whose maps survive
            randomisation.
        """
        from .metrics.sanity import sanity_check

        return sanity_check(self.engine, text, methods, mode, seed, on_progress, **kwargs)

    def show(
        self,
        text: str,
        methods=None,
        target=None,
        evaluate: bool = False,
        view: str = "heatmap",
        **kwargs,
    ):
        """Explain ``text`` and return the live widget (display it, or make it a cell's last line).

        The widget can edit the text, switch the target class, add methods and change their
        parameters: each recomputes here, in the kernel, off the comm thread.

        Args:
            text: The text.
            methods: As for ``explain``. By default (``first_paint.plan``): first the map that
                is faithful on this model, chosen by measurement (of the methods fast enough for
                this text, the one that agrees best with leave-one-out on a few calibration
                sentences, once per model), then the other methods of ``DEFAULT_METHODS`` and
                ``input_reduction`` whose cost, counted in rows through the model, fits
                ``first_paint.SHOW_BUDGET`` (the rest the widget computes on request);
                perturbations remove whole words (``unit="word"``) where some word spans
                several tokens. The widget says why the first map was chosen.
            target: As for ``explain``.
            evaluate: Also compute each method's faithfulness up front (what the widget's
                Faithfulness button does).
            view: The tab open first: ``"heatmap"``, ``"compare"``, ``"reduction"`` or
                ``"influence"`` (the training examples are ranked only while their tab is open).
            **kwargs: Go to ``explain``.

        When the default methods cost more than ``first_paint.FIRST_PAINT_BUDGET``, the widget
        is returned with the first map while its session computes the rest off the comm thread,
        with its progress line and Cancel button (``widget.session.wait()`` waits for it).

        Returns:
            The ``ExplainWidget``.
        """
        from .first_paint import plan

        if view not in SHOW_VIEWS:
            raise ExplainError(
                f"view={view!r} is not a tab show() opens; choose one of {list(SHOW_VIEWS)}."
            )
        later, traits = None, {"view": view}
        if methods is None:
            first = plan(self.engine, text, kwargs.get("text_pair"))
            methods = first.methods
            traits |= {
                "method": first.first,
                "painted_first": {"method": first.first, "reason": first.reason},
            }
            if not first.fits and not evaluate:
                later, methods = methods, {first.first: methods[first.first]}
        explanation = self.explain(text, methods=methods, target=target, **kwargs)
        widget = explanation.widget(explainer=self, evaluate=evaluate, **traits)
        if later:  # the widget's session computes the rest off the comm thread, keeping these
            request = {"type": "explain", "text": text, "methods": later, "confirmed": True}
            widget.session.handle(
                {**request, "target": explanation.target, "contrast": explanation.contrast}
            )
        return widget

    # ---------------------------------------------------------------- influence
    def index(
        self,
        train_texts,
        train_labels,
        params: str = "classifier",
        *,
        damping: float = 0.01,
        hessian: str = "auto",
        checkpoints=None,
        cache_dir=None,
        progress: bool = True,
        neighbours: str = "exact",
    ):
        """Index the training set for ``influence`` and ``token_influence`` queries (fit once).

        The result is cached on disk, keyed by the model's weights, the data and ``params``,
        and kept for later queries.

        Args:
            train_texts: The training texts.
            train_labels: Their labels, class indices or names.
            params: ``"classifier"``: influence through the classifier head.
            damping: The λ added to the head's loss Hessian.
            hessian: The inverse solver: ``"auto"``, ``"exact"``, ``"cg"`` or ``"lissa"``.
            checkpoints: A folder of saved head states for TracIn (default: a demo model's;
                ``False``: none, the final weights act as the one checkpoint).
            cache_dir: Where to cache (default ``~/.cache/notebook_explain/influence``).
            progress: Show a progress bar.
            neighbours: The nearest-neighbour search of ``knn`` and ``fast_influence``:
                ``"exact"`` (FAISS's flat index when FAISS is installed, else torch), or the
                approximate FAISS indexes ``"ivf"`` and ``"hnsw"`` for very large sets.

        Returns:
            The :class:`~notebook_explain.influence.TrainingIndex`.
        """
        from .influence import build_index
        from .influence.neighbours import NeighbourSearch

        if checkpoints is None and self.checkpoints is not None and self.checkpoints.exists():
            checkpoints = self.checkpoints
        checkpoints = checkpoints or None
        with self.adapter.inference():
            index = build_index(
                self.adapter,
                train_texts,
                train_labels,
                params=params,
                damping=damping,
                hessian=hessian,
                checkpoints=checkpoints,
                batch_size=self.batch_size,
                max_batch_tokens=self.max_batch_tokens,
                cache_dir=cache_dir,
                progress=progress,
            )
        # a bad search kind fails before the index replaces the previous one
        index.neighbours = NeighbourSearch(index.features, neighbours)
        self.engine.training_index = index
        return index

    def influence(
        self,
        text: str,
        k: int = 10,
        method: str = "influence_function",
        target: int | str | None = None,
        highlights: int = 3,
        candidates: int = 200,
    ):
        """The training examples that most support or oppose the prediction for ``text``.

        Args:
            text: The text.
            k: How many proponents and how many opponents.
            method: ``"influence_function"``, ``"fast_influence"`` (over the ``candidates``
                nearest training examples), ``"tracin"`` or ``"knn"``.
            target: The explained class (default: the predicted one).
            highlights: How many items per side carry leave-word-out highlights of their own
                words.
            candidates: ``fast_influence``'s number of nearest training examples.

        Returns:
            An :class:`~notebook_explain.influence.InfluenceResult`; its ``sign_note`` states
            what the scores mean.
        """
        return self.engine.influence(text, k, method, target, highlights, candidates)

    def demonstration_influence(
        self,
        text: str,
        method: str = "leave_one_out",
        target=None,
        text_pair: str | None = None,
    ):
        """How much each few-shot demonstration of a prompted classifier
        (``from_causal_lm(..., demonstrations=...)``) moves the prediction of ``text``: its
        in-context "training data" (``influence.demonstrations``).

        Args:
            text: The text.
            method: ``"leave_one_out"`` (the class's score with all demonstrations minus
                without this one) or ``"shapley"`` (exact, over all 2ⁿ subsets).
            target: The explained class (default: the predicted one).
            text_pair: The second text, for a pair template.

        Returns:
            An ``InfluenceResult`` whose items are the demonstrations (``index`` their
            position in the prompt).

        Raises:
            ExplainError: For a model that is not a prompted classifier with demonstrations,
                or more than ``MAX_EXACT`` demonstrations for Shapley values.
        """
        from .influence.demonstrations import demonstration_influence

        return demonstration_influence(
            self.engine, text, method=method, target=target, text_pair=text_pair
        )

    def token_influence(
        self,
        text: str,
        token_index: int,
        k: int = 10,
        target: int | str | None = None,
        highlights: int = 3,
    ):
        """The training examples that most raise or lower the saliency of one token.

        The hybrid query of the survey (eq. 29), by double backward.

        Args:
            text: The text.
            token_index: The token's index in the explanation's tokens.
            k: How many proponents and how many opponents.
            target: The explained class (default: the predicted one).
            highlights: As for ``influence``.

        Returns:
            An ``InfluenceResult`` with ``test_token`` set.
        """
        return self.engine.token_influence(text, token_index, k, target, highlights)
