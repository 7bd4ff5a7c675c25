"""The package's own small word-level text classifiers, built to be explained.

Every architecture exposes ``forward_embeddings(embeddings, mask)``, the differentiable entry point
the explanation methods use, and ignores whatever sits at padded positions: a right-padded batch
gives each sequence the logits it gets alone.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from notebook_explain.errors import ExplainError
from notebook_explain.propagation.rules import ForwardRule, Rule

# Per architecture, the options it takes and their defaults (besides embed_dim).
_ARCH_OPTIONS: dict[str, dict] = {
    "gru": {"hidden_dim": 128, "dropout": 0.0},
    "lstm": {"hidden_dim": 128, "dropout": 0.0},
    "bigru": {"hidden_dim": 128, "dropout": 0.0},
    "bilstm": {"hidden_dim": 128, "dropout": 0.0},
    "bilstm_attention": {
        "hidden_dim": 128,
        "dropout": 0.0,
        "attention": "softmax",
        "sparsegen_lambda": 0.5,
        "attention_dim": None,
    },
    "transformer_attention": {
        "hidden_dim": 128,
        "layers": 2,
        "heads": 4,
        "ffn_dim": 256,
        "dropout": 0.0,
        "attention": "softmax",
        "sparsegen_lambda": 0.5,
    },
    "cnn": {"filter_widths": [3, 4, 5], "num_filters": 100, "dropout": 0.5},
    "bag": {"dropout": 0.0},
}
_RNN_SPECS = {  # arch -> (cell, bidirectional)
    "gru": (nn.GRU, False),
    "lstm": (nn.LSTM, False),
    "bigru": (nn.GRU, True),
    "bilstm": (nn.LSTM, True),
    "bilstm_attention": (nn.LSTM, True),
}
_ATTENTIONS = ("softmax", "sparsemax", "sparsegen")
#: the architectures whose classifier reads an attention distribution over the tokens
ATTENTION_ARCHS = ("bilstm_attention", "transformer_attention")
_PLAIN = ForwardRule()  # the ordinary forward pass of the Transformer's rule-written layers


class _AdditiveAttention(nn.Module):
    """Additive attention (Bahdanau et al., ICLR 2015): ``score_t = v^T tanh(W h_t + b)``,
    normalized over the valid positions by softmax, sparsemax (Martins & Astudillo, 2016) or
    sparsegen-lin (Laha et al., 2018)."""

    def __init__(
        self, input_dim: int, attention_dim: int, normalizer: str, sparsegen_lambda: float
    ):
        super().__init__()
        self.project = nn.Linear(input_dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1, bias=False)
        self.normalizer = normalizer
        self.sparsegen_lambda = sparsegen_lambda

    def forward(self, states: torch.Tensor, mask: torch.Tensor, rule: Rule = _PLAIN):
        """Return the (B, H) attended context and the (B, L) attention distribution; under a
        propagation ``rule`` the weights are the constant factor of the weighted sum."""
        scores = self.score(rule.unary(torch.tanh, self.project(states))).squeeze(-1)
        weights = _normalize(rule, scores, mask, self.normalizer, self.sparsegen_lambda)
        weighted_sum = lambda w, s: torch.einsum("bl,blh->bh", w, s)
        return rule.product(weights, states, constant="a", op=weighted_sum), weights


def _normalize(rule: Rule, scores, mask, normalizer: str, sparsegen_lambda: float):
    """``normalizer`` over the last dim of ``scores``, positions where ``~mask`` left out, as the
    rule's softmax or sparsemax (sparsegen-lin is sparsemax of ``scores / (1 - λ)``)."""
    if normalizer == "softmax":
        return rule.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min))
    scale = 1 - sparsegen_lambda if normalizer == "sparsegen" else 1.0
    return rule.sparsemax(scores / scale, mask)


def _positions(length: int, dim: int, like: torch.Tensor) -> torch.Tensor:
    """(L, dim) sinusoidal position encodings (Vaswani et al., NeurIPS 2017, §3.5)."""
    position = torch.arange(length, device=like.device, dtype=like.dtype).unsqueeze(1)
    rate = torch.exp(
        torch.arange(0, dim, 2, device=like.device, dtype=like.dtype) * (-math.log(1e4) / dim)
    )
    return torch.stack([torch.sin(position * rate), torch.cos(position * rate)], -1).flatten(1)


class _SelfAttentionLayer(nn.Module):
    """A pre-LayerNorm Transformer layer (Vaswani et al., 2017; pre-LN as in Xiong et al., ICML
    2020): ``h + W_o MultiHead(LN(h))``, then ``h + W_2 ReLU(W_1 LN(h))``. Each head's weights
    over the valid keys are ``normalizer(Q Kᵀ / √d_head)`` (Meister et al., 2021, §2)."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, normalizer: str, sparsegen_lambda):
        super().__init__()
        self.heads, self.normalizer, self.sparsegen_lambda = heads, normalizer, sparsegen_lambda
        self.attention_norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.mix = nn.Linear(dim, dim)
        self.ffn_norm = nn.LayerNorm(dim)
        self.ffn_in = nn.Linear(dim, ffn_dim)
        self.ffn_out = nn.Linear(ffn_dim, dim)

    def forward(self, h: torch.Tensor, mask: torch.Tensor, rule: Rule):
        """(B, L, dim) outputs and (B, heads, L, L) attention weights (rows: queries)."""
        batch, length, dim = h.shape
        norm = self.attention_norm
        x = rule.layer_norm(h, norm.weight, norm.bias, norm.eps)
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        scores = rule.product(q, k.transpose(-1, -2), constant="a", op=torch.matmul)
        scores = scores / math.sqrt(q.shape[-1])
        keys = mask[:, None, None, :]
        weights = _normalize(rule, scores, keys, self.normalizer, self.sparsegen_lambda)
        mixed = rule.product(weights, v, constant="a", op=torch.matmul)
        h = h + self.mix(mixed.transpose(1, 2).reshape(batch, length, dim))
        norm = self.ffn_norm
        x = rule.layer_norm(h, norm.weight, norm.bias, norm.eps)
        return h + self.ffn_out(rule.unary(torch.relu, self.ffn_in(x))), weights


class _TransformerEncoder(nn.Module):
    """Word embeddings projected to ``dim`` plus sinusoidal positions, ``layers`` self-attention
    layers, then attention pooling with one learned query ``q``: ``α = normalizer(H q / √dim)``
    over the last layer's outputs ``H`` (Meister et al., 2021, §2: the scaled dot product), and
    the context ``Σ α_i h_i``.

    Every nonlinear op is a primitive of ``rule`` (``propagation.rules``): the plain forward uses
    ``ForwardRule``, ``lrp`` and ``deeplift`` their own rule, through this one code path.
    """

    def __init__(self, embed_dim, dim, layers, heads, ffn_dim, normalizer, sparsegen_lambda):
        super().__init__()
        self.project = nn.Linear(embed_dim, dim)
        self.layers = nn.ModuleList(
            _SelfAttentionLayer(dim, heads, ffn_dim, normalizer, sparsegen_lambda)
            for _ in range(layers)
        )
        self.query = nn.Parameter(torch.randn(dim) / math.sqrt(dim))
        self.normalizer, self.sparsegen_lambda = normalizer, sparsegen_lambda
        self.output_dim = dim

    def hidden_states(self, embeddings, mask, rule: Rule = _PLAIN):
        """(B, L, dim) outputs of the last layer and each layer's (B, heads, L, L) weights."""
        h = self.project(embeddings)
        h = h + _positions(h.shape[1], h.shape[2], h)
        self_attention = []
        for layer in self.layers:
            h, weights = layer(h, mask, rule)
            self_attention.append(weights)
        return h, self_attention

    def forward(self, embeddings, mask, lengths=None, rule: Rule = _PLAIN):
        """The (B, dim) context and the (B, L) pooling distribution, zero on padding."""
        states, _ = self.hidden_states(embeddings, mask, rule)
        scores = states @ self.query / math.sqrt(states.shape[-1])
        weights = _normalize(rule, scores, mask, self.normalizer, self.sparsegen_lambda)
        weighted_sum = lambda w, s: torch.einsum("bl,blh->bh", w, s)
        return rule.product(weights, states, constant="a", op=weighted_sum), weights


class _RNNEncoder(nn.Module):
    """A single-layer, uni- or bi-directional GRU/LSTM run on the packed valid positions only.

    Without attention the features are the final hidden state: the forward state at the last
    valid token, concatenated with the backward state at the first token when bidirectional.
    With attention they are the attended average of the hidden states.
    """

    def __init__(
        self,
        cell: type[nn.RNNBase],
        embed_dim: int,
        hidden_dim: int,
        bidirectional: bool,
        attention: _AdditiveAttention | None = None,
    ):
        super().__init__()
        self.rnn = cell(embed_dim, hidden_dim, batch_first=True, bidirectional=bidirectional)
        self.output_dim = hidden_dim * (2 if bidirectional else 1)
        self.attention = attention

    def _run(self, embeddings: torch.Tensor, lengths: torch.Tensor):
        packed = pack_padded_sequence(
            embeddings, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        return self.rnn(packed)

    def hidden_states(self, embeddings: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, L, H) hidden states, both directions concatenated, zero at padding."""
        packed_states, _ = self._run(embeddings, lengths)
        states, _ = pad_packed_sequence(
            packed_states, batch_first=True, total_length=embeddings.shape[1]
        )
        return states

    def forward(self, embeddings: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor):
        if self.attention is not None:
            return self.attention(self.hidden_states(embeddings, lengths), mask)
        _, final = self._run(embeddings, lengths)
        h_n = final[0] if isinstance(final, tuple) else final  # an LSTM also returns c_n
        return torch.cat(list(h_n), dim=-1), None


class _TextCNN(nn.Module):
    """TextCNN (Kim, EMNLP 2014): parallel convolutions of several widths, ReLU, and max-over-time
    pooling over the windows that start inside the sequence. A sequence shorter than the widest
    filter is zero-padded up to that width, so every filter sees at least one window."""

    def __init__(self, embed_dim: int, filter_widths: list[int], num_filters: int):
        super().__init__()
        self.filter_widths = list(filter_widths)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, num_filters, w) for w in self.filter_widths)
        self.output_dim = num_filters * len(self.filter_widths)

    def forward(
        self,
        embeddings: torch.Tensor,
        mask: torch.Tensor,
        lengths: torch.Tensor,
        rule: Rule = _PLAIN,
    ):
        widest = max(self.filter_widths)
        x = (embeddings * mask.unsqueeze(-1)).transpose(1, 2)  # (B, D, L), padding zeroed
        x = nn.functional.pad(x, (0, max(widest - x.shape[-1], 0)))
        padded_lengths = lengths.clamp(min=widest)
        pooled = []
        for width, conv in zip(self.filter_widths, self.convs):
            maps = rule.unary(torch.relu, conv(x))  # (B, F, T)
            starts = torch.arange(maps.shape[-1], device=maps.device)
            valid = starts.unsqueeze(0) <= (padded_lengths - width).unsqueeze(1)  # (B, T)
            pooled.append(rule.max(maps, valid.unsqueeze(1)))
        return torch.cat(pooled, dim=-1), None


class _MeanOfEmbeddings(nn.Module):
    """The fastText sentence representation (Joulin et al., EACL 2017): the mean of the word
    embeddings over the valid positions."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.output_dim = embed_dim

    def forward(self, embeddings: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor):
        summed = (embeddings * mask.unsqueeze(-1)).sum(dim=1)
        return summed / lengths.unsqueeze(1).to(embeddings.dtype), None


def _checked_mask(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The bool mask and its (B,) lengths; an ExplainError unless it is right-padding."""
    mask = mask.bool()
    lengths = mask.sum(dim=1)
    positions = torch.arange(mask.shape[1], device=mask.device)
    if bool((lengths == 0).any()) or not torch.equal(mask, positions < lengths.unsqueeze(1)):
        raise ExplainError(
            "mask must be right-padding: True on each sequence's first tokens, then False, "
            "with at least one True per row."
        )
    return mask, lengths


class WordClassifier(nn.Module):
    """A word-embedding text classifier; ``arch`` picks the encoder.

    - ``"gru"``, ``"lstm"``, ``"bigru"``, ``"bilstm"``: a single-layer RNN; the logits are a Linear
      of the final hidden state at each sequence's true length (both directions concatenated for
      ``bigru`` and ``bilstm``).
      Options: ``hidden_dim``, ``dropout``.
    - ``"bilstm_attention"``: a BiLSTM with additive attention (Bahdanau et al., 2015) over its
      hidden states, normalized by ``attention="softmax"|"sparsemax"|"sparsegen"`` (sparsemax:
      Martins & Astudillo, 2016; sparsegen-lin: Laha et al., 2018, with ``sparsegen_lambda``).
      Options: ``hidden_dim``, ``dropout``, ``attention``, ``sparsegen_lambda``,
      ``attention_dim`` (defaults to ``hidden_dim``).
    - ``"transformer_attention"``: ``layers`` pre-LN self-attention layers of ``heads`` heads over
      the projected word embeddings plus sinusoidal positions, then dot-product attention pooling
      with a learned query (the Transformer of Meister et al., 2021); the self-attention and the
      pooling are both normalized by ``attention``. Options: ``hidden_dim`` (the model width:
      even, a multiple of ``heads``), ``layers``, ``heads``, ``ffn_dim``, ``dropout``,
      ``attention``, ``sparsegen_lambda``.
    - ``"cnn"``: TextCNN (Kim, 2014). Options: ``filter_widths``, ``num_filters``, ``dropout``.
    - ``"bag"``: fastText-style (Joulin et al., EACL 2017): one Linear on the mean of the word
      embeddings, so the logits are linear in the embeddings. Option: ``dropout``.

    Dropout is applied to the features fed to the output Linear, in train mode only. Inputs are
    right-padded: ``mask`` is True on each sequence's first ``length`` positions, ``length >= 1``.
    """

    def __init__(
        self,
        arch: str,
        vocab_size: int,
        num_classes: int,
        embed_dim: int = 384,
        hidden_dim: int | None = None,
        **options,
    ):
        super().__init__()
        if arch not in _ARCH_OPTIONS:
            raise ExplainError(f"Unknown arch {arch!r}; choose one of {sorted(_ARCH_OPTIONS)}.")
        if hidden_dim is not None:
            options["hidden_dim"] = hidden_dim
        allowed = _ARCH_OPTIONS[arch]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise ExplainError(
                f"arch={arch!r} does not take {unknown}; its options are {sorted(allowed)}."
            )
        opts = {**allowed, **options}
        if arch in ATTENTION_ARCHS:
            if opts["attention"] not in _ATTENTIONS:
                raise ExplainError(
                    f"attention must be one of {_ATTENTIONS}, got {opts['attention']!r}."
                )
            if opts["attention"] == "sparsegen" and not opts["sparsegen_lambda"] < 1:
                raise ExplainError(f"sparsegen_lambda must be < 1, got {opts['sparsegen_lambda']}.")
        if arch == "bilstm_attention" and opts["attention_dim"] is None:
            opts["attention_dim"] = opts["hidden_dim"]
        if arch == "transformer_attention":
            width, heads = opts["hidden_dim"], opts["heads"]
            if width % heads or width % 2:
                raise ExplainError(
                    "transformer_attention needs an even hidden_dim that is a multiple of heads, "
                    f"got hidden_dim={width} and heads={heads}."
                )
        if arch == "cnn":
            opts["filter_widths"] = [int(w) for w in opts["filter_widths"]]
        self.arch = arch
        self._config = {
            "arch": arch,
            "vocab_size": vocab_size,
            "num_classes": num_classes,
            "embed_dim": embed_dim,
            **opts,
        }

        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        if arch in _RNN_SPECS:
            cell, bidirectional = _RNN_SPECS[arch]
            attention = None
            if arch == "bilstm_attention":
                attention = _AdditiveAttention(
                    2 * opts["hidden_dim"],
                    opts["attention_dim"],
                    opts["attention"],
                    opts["sparsegen_lambda"],
                )
            self.encoder = _RNNEncoder(
                cell, embed_dim, opts["hidden_dim"], bidirectional, attention
            )
        elif arch == "transformer_attention":
            self.encoder = _TransformerEncoder(
                embed_dim,
                opts["hidden_dim"],
                opts["layers"],
                opts["heads"],
                opts["ffn_dim"],
                opts["attention"],
                opts["sparsegen_lambda"],
            )
        elif arch == "cnn":
            self.encoder = _TextCNN(embed_dim, opts["filter_widths"], opts["num_filters"])
        else:
            self.encoder = _MeanOfEmbeddings(embed_dim)
        self.dropout = nn.Dropout(opts["dropout"])
        self.output = nn.Linear(self.encoder.output_dim, num_classes)

    @property
    def config(self) -> dict:
        """The constructor's keyword arguments, defaults resolved: ``WordClassifier(**config)``
        rebuilds the architecture."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self._config.items()}

    def forward_embeddings(
        self, embeddings: torch.Tensor, mask: torch.Tensor, return_attention: bool = False
    ):
        """Logits (B, C) from word embeddings (B, L, D) and a right-padding mask (B, L) of bools.

        Differentiable w.r.t. ``embeddings``; values at padded positions never affect the result.
        With ``return_attention=True`` (``bilstm_attention``, ``transformer_attention``) also
        return the classifier's (B, L) attention distribution, zero on padding.
        """
        if return_attention:
            self._needs_attention("return_attention=True")
        mask, lengths = _checked_mask(mask)
        features, weights = self.encoder(embeddings, mask, lengths)
        logits = self.output(self.dropout(features))
        return (logits, weights) if return_attention else logits

    def attended_states(self, embeddings: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, L, H) intermediate representations h_1 … h_L that the classifier's attention
        weighs (the h_p of Meister et al., 2021, eq. 5): the BiLSTM's hidden states, or the last
        Transformer layer's outputs. Differentiable w.r.t. ``embeddings``; rows at padded
        positions are not representations of any token."""
        self._needs_attention("attended_states")
        mask, lengths = _checked_mask(mask)
        if self.arch == "bilstm_attention":
            return self.encoder.hidden_states(embeddings, lengths)
        return self.encoder.hidden_states(embeddings, mask)[0]

    def _needs_attention(self, what: str) -> None:
        if self.arch not in ATTENTION_ARCHS:
            raise ExplainError(
                f"{what} needs an attention model (arch={' or '.join(map(repr, ATTENTION_ARCHS))}"
                f"); this model is {self.arch!r}."
            )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, return_attention: bool = False):
        """Logits (B, C) for right-padded word ids (B, L); see ``forward_embeddings``."""
        return self.forward_embeddings(self.embedding(ids), mask, return_attention)
