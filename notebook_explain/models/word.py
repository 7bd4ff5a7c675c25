"""Adapter for the project's own word-vocabulary classifiers (``classifiers.WordClassifier``)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..device import resolve_device
from ..errors import ExplainError
from ..propagation.rules import ForwardRule
from ..propagation.word import rule_logits as propagation_rule_logits
from ..propagation.word import unroll
from .base import (
    ATTENTION,
    EMBEDDINGS,
    PROPAGATION,
    RECURRENT,
    VOCABULARY,
    Encoded,
    RecurrentDirection,
    RecurrentStates,
    Vocabulary,
    inference_mode,
)
from .base import head_input as _head_input
from .classifiers import ATTENTION_ARCHS, WordClassifier
from .vocab import WordVocab

#: the architectures whose encoder is one plain GRU/LSTM (REAT decomposes them)
RECURRENT_ARCHS = ("gru", "lstm", "bigru", "bilstm")


class WordModelAdapter:
    """Wraps a ``WordClassifier`` and its ``WordVocab``: one token per word, no special tokens.

    An input whose every token is removed (leave-one-out on a one-word text) is scored as a single
    ``<pad>`` token, the model's representation of "no evidence".
    """

    def __init__(
        self,
        model: WordClassifier,
        vocab: WordVocab,
        device=None,
        class_names=None,
        name="",
        max_length=512,
    ):
        if not isinstance(vocab, WordVocab):
            raise ExplainError(
                "A WordClassifier needs its WordVocab as the tokenizer: Explainer(model, vocab)."
            )
        self.device = resolve_device(device)
        self.model = model.to(self.device)  # eval mode only inside inference(): see base.py
        self.vocab = vocab
        num_classes = model.config["num_classes"]
        self.class_names = (
            list(class_names)
            if class_names is not None
            else [f"class_{i}" for i in range(num_classes)]
        )
        if len(self.class_names) != num_classes:
            raise ExplainError(
                f"class_names has {len(self.class_names)} names but the model has {num_classes} classes."
            )
        self.name = name or f"{model.config['arch']} word classifier"
        self.pad_id, self.unk_id, self.mask_id = vocab.pad_id, vocab.unk_id, None
        arch = model.config["arch"]
        self.capabilities = frozenset(
            {EMBEDDINGS, PROPAGATION, VOCABULARY}
            | ({ATTENTION} if arch in ATTENTION_ARCHS else set())
            | ({RECURRENT} if arch in RECURRENT_ARCHS else set())
        )
        self.max_length = max_length
        if arch in ATTENTION_ARCHS:
            config = model.config
            self.attention_normalizer = {"normalizer": config["attention"]}
            if config["attention"] == "sparsegen":
                self.attention_normalizer["sparsegen_lambda"] = float(config["sparsegen_lambda"])

    def encode(self, text: str, text_pair: str | None = None) -> Encoded:
        if text_pair is not None:
            raise ExplainError(
                "This word-vocabulary model classifies single texts; it takes no text_pair."
            )
        words, ids = self.vocab.tokenize(text), self.vocab.encode(text)
        dropped = max(len(words) - self.max_length, 0)
        if dropped:
            warnings.warn(
                f"The input is longer than the maximum of {self.max_length} words: {dropped} words were "
                "dropped from the end and are not explained.",
                stacklevel=3,
            )
            words, ids = words[: self.max_length], ids[: self.max_length]
        ids = torch.tensor([ids], device=self.device)
        return Encoded(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            token_type_ids=None,
            tokens=words,
            words=words,
            word_index=np.arange(len(words)),
            special_mask=np.zeros(len(words), dtype=bool),
            truncated_tokens=dropped,
        )

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model.embedding(input_ids)

    def logits(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        mask = attention_mask.bool()
        if embeddings.shape[1] == 0 or not mask.any(-1).all():
            embeddings, mask = self._pad_empty_rows(embeddings, mask)
        return self.model.forward_embeddings(embeddings, mask)

    def _pad_empty_rows(self, embeddings, mask):
        if embeddings.shape[1] == 0:
            embeddings = embeddings.new_zeros(embeddings.shape[0], 1, embeddings.shape[2])
            mask = mask.new_zeros(mask.shape[0], 1)
        empty = ~mask.any(-1)
        pad = self.model.embedding.weight[self.pad_id]
        embeddings = embeddings.clone()
        embeddings[empty, 0] = pad
        mask = mask.clone()
        mask[empty, 0] = True
        return embeddings, mask

    def inference(self):
        return inference_mode(self.model)

    def vocabulary(self) -> Vocabulary:
        """The classifier's words by id; padding and the unknown word never fill a position."""
        return Vocabulary.of(self.vocab.words, (self.pad_id, self.unk_id), whole_words=True)

    def propagation_logits(self, embeddings, attention_mask, token_type_ids, rule) -> torch.Tensor:
        """``logits`` with every nonlinear op handed to ``rule`` (``propagation.rules``)."""
        mask = attention_mask.bool()
        if embeddings.shape[1] == 0 or not mask.any(-1).all():
            embeddings, mask = self._pad_empty_rows(embeddings, mask)
        return propagation_rule_logits(self.model, embeddings, mask, rule)

    def classifier_head(self) -> tuple[str, torch.nn.Linear]:
        """The name and module of the final Linear layer that maps the head features to the logits."""
        return "output", self.model.output

    def head_features(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        """(B, H) features entering ``classifier_head()`` (differentiable, like ``logits``)."""
        return _head_input(
            self.model.output, self.logits, embeddings, attention_mask, token_type_ids
        )

    def named_parameters(self):
        """The model's named parameters (for fingerprints and parameter-subset gradients)."""
        return self.model.named_parameters()

    def attentions(self, embeddings, attention_mask, token_type_ids=None) -> torch.Tensor:
        """(B, 1, 1, 1, L): the classifier's attention distribution, its one query over the
        intermediate representations (one "layer", one "head"), without autograd: the additive
        attention of ``bilstm_attention``, the pooling attention of ``transformer_attention`` (its
        self-attention layers have no classification query to read)."""
        with torch.no_grad():
            _, weights = self.model.forward_embeddings(
                embeddings, attention_mask.bool(), return_attention=True
            )
        return weights[:, None, None, None, :]

    def recurrent_states(self, embeddings: torch.Tensor) -> RecurrentStates:
        """The model's GRU/LSTM unrolled step by step over the (1, L, D) embeddings of one
        unpadded sequence, from its ``nn.GRU``/``nn.LSTM`` weights, without autograd (the same
        unrolling the propagation rules use, under the plain ``ForwardRule``)."""
        arch = self.model.config["arch"]
        if arch not in RECURRENT_ARCHS:
            raise ExplainError(
                f"recurrent_states needs a plain recurrent model ({', '.join(RECURRENT_ARCHS)}); "
                f"this one is {arch!r}."
            )
        if embeddings.dim() != 3 or embeddings.shape[0] != 1:
            raise ExplainError(
                f"recurrent_states takes the (1, L, D) embeddings of one sequence, got shape "
                f"{tuple(embeddings.shape)}."
            )
        rnn = self.model.encoder.rnn
        mask = torch.ones(embeddings.shape[:2], dtype=torch.bool, device=embeddings.device)
        directions = []
        for suffix in ("", "_reverse") if rnn.bidirectional else ("",):
            gates: dict[str, torch.Tensor] = {}
            with torch.no_grad():
                hidden, _ = unroll(rnn, suffix, embeddings, mask, ForwardRule(), gates)
            # (1, T, H) in token order → (T, H) in the order this direction reads the words
            in_reading_order = (lambda t: t[0].flip(0)) if suffix else (lambda t: t[0])
            cell = gates.pop("cell", None)
            directions.append(
                RecurrentDirection(
                    hidden=in_reading_order(hidden),
                    gates={key: in_reading_order(value) for key, value in gates.items()},
                    cell=None if cell is None else in_reading_order(cell),
                    weights={
                        name: getattr(rnn, f"{name}_l0{suffix}").detach()
                        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                    },
                    inputs=in_reading_order(embeddings.detach()),
                )
            )
        return RecurrentStates(
            cell_type="lstm" if isinstance(rnn, torch.nn.LSTM) else "gru",
            directions=tuple(directions),
            output_weight=self.model.output.weight.detach(),
            output_bias=self.model.output.bias.detach(),
        )
