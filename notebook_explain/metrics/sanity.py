"""The model-randomisation sanity check (Adebayo et al., NeurIPS 2018, "Sanity Checks for
Saliency Maps", §3.1): an explanation that still looks the same when the model's learned weights
are replaced by random ones cannot be explaining what the model learned.

The model's parameters are grouped into layers (the module path up to its layer number:
``bert.encoder.layer.5``, ``classifier``, ``bert.embeddings.word_embeddings``) and randomised from
the top down: *cascading* randomises the top layer, then the top two, and so on down to the
embeddings; *independent* randomises one layer at a time. A randomised tensor is re-drawn from a
normal distribution with its own mean and standard deviation (so a LayerNorm's constant gain
stays constant, as at initialisation). At each stage every method explains the same input and
target again, and the Spearman rank correlation of the *absolute values* of its word scores
with the original ones is reported, as Adebayo et al. do (§3, "we use the absolute value ...
since the sign of an attribution can flip"): randomising a two-class output layer alone can
mirror a map (every sign flipped, the ranking reversed), and a mirrored map still shows the same
words as important, so it has not "changed". The signed correlation is kept beside it. The first
stage, "none", randomises nothing and re-runs the methods as they are (every correlation 1 for a
deterministic method). A method whose median absolute-value correlation over the randomised
stages is at least ``SURVIVES`` is flagged. The model's weights are restored after; no other
request can use the model meanwhile (the check holds its inference context throughout).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ExplainError
from .statistics import spearman

MODES = ("cascading", "independent")
#: the median rank correlation at or above which a method's map "survives" randomisation
SURVIVES = 0.5


@dataclass(frozen=True)
class SanityCheck:
    """Per method, the Spearman correlation of its word scores' absolute values with the
    original ones' at each stage (``stages[0]`` is "none"; later stages name the layer
    randomised, cumulatively in cascading mode), and of the signed scores
    (``signed_correlations``)."""

    mode: str
    stages: tuple[str, ...]
    correlations: Mapping[str, np.ndarray]
    flagged: tuple[str, ...]
    signed_correlations: Mapping[str, np.ndarray]

    def to_json(self) -> dict:
        """Plain JSON (nan as null): the widget's ``sanity`` trait."""
        return {
            "mode": self.mode,
            "stages": list(self.stages),
            "methods": list(self.correlations),
            "correlations": _plain(self.correlations),
            "signed_correlations": _plain(self.signed_correlations),
            "flagged": list(self.flagged),
            "survives": SURVIVES,
        }

    def __repr__(self) -> str:
        width = max(len(m) for m in self.correlations)
        lines = [
            f"SanityCheck({self.mode}: {len(self.stages) - 1} layers randomised, top down; "
            "Spearman ρ of |scores| with the original)"
        ]
        for method, values in self.correlations.items():
            shown = " ".join("  nan" if math.isnan(v) else f"{v:+.2f}" for v in values)
            mark = "  ← survives randomisation" if method in self.flagged else ""
            lines.append(f"  {method:<{width}}  {shown}{mark}")
        return "\n".join(lines)


def _plain(correlations) -> dict:
    return {
        m: [None if math.isnan(v) else float(v) for v in values]
        for m, values in correlations.items()
    }


def layer_groups(named_parameters) -> list[tuple[str, list[torch.nn.Parameter]]]:
    """The parameters grouped by layer, top layer first (the reverse of definition order)."""
    groups: dict[str, list] = {}
    for name, parameter in named_parameters:
        parts = name.split(".")[:-1]
        cut = next((i + 1 for i, part in enumerate(parts) if part.isdigit()), len(parts))
        groups.setdefault(".".join(parts[:cut]) or name, []).append(parameter)
    return list(groups.items())[::-1]


def explain_runs(adapter) -> int:
    """How many times the check explains its text: the original, the "none" stage (the same
    weights again), and once per layer group."""
    return 2 + len(layer_groups(adapter.named_parameters()))


def _randomise(parameters, generator: torch.Generator) -> None:
    with torch.no_grad():
        for p in parameters:
            values = p.detach().double()
            std = float(values.std()) if values.numel() > 1 else 0.0
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float64)
            p.copy_((float(values.mean()) + std * noise).to(p.dtype))


def sanity_check(
    engine, text, methods=None, mode="cascading", seed=0, on_progress=None, **explain_kwargs
):
    """Run the check for ``methods`` on ``text`` (see the module docstring); ``on_progress(stage,
    i, n)`` is called before each stage; keyword arguments go to ``engine.explain``
    (``target``, ``text_pair``, ``output``, ``check``, ...)."""
    if mode not in MODES:
        raise ExplainError(f"Unknown mode {mode!r}. Choose one of: {', '.join(MODES)}.")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ExplainError(f"seed must be a non-negative integer, got {seed!r}.")
    with engine.adapter.inference():  # no other request runs on the randomised weights
        return _sanity_check(engine, text, methods, mode, seed, on_progress, explain_kwargs)


def _sanity_check(engine, text, methods, mode, seed, on_progress, explain_kwargs):
    original = engine.explain(text, methods=methods, **explain_kwargs)
    explain_kwargs = {**explain_kwargs, "target": original.target}
    requested = {name: dict(original.result(name).params) for name in original.methods}
    groups = layer_groups(engine.adapter.named_parameters())
    if not groups:
        raise ExplainError("This model has no parameters to randomise.")
    saved = [[p.detach().clone() for p in params] for _, params in groups]
    generator = torch.Generator().manual_seed(seed)
    stages, rows = ["none"], [_correlations(engine, text, requested, original, explain_kwargs)]
    try:
        for i, (name, params) in enumerate(groups):
            if on_progress is not None:
                on_progress(name, i, len(groups))
            if mode == "independent" and i > 0:
                _restore(groups[i - 1][1], saved[i - 1])
            _randomise(params, generator)
            stages.append(name)
            rows.append(_correlations(engine, text, requested, original, explain_kwargs))
    finally:
        for (_, params), copies in zip(groups, saved):
            _restore(params, copies)
    table = np.array(rows)  # (stages, 2: absolute and signed, methods)
    correlations = dict(zip(requested, table[:, 0].T))
    flagged = tuple(m for m, values in correlations.items() if np.nanmedian(values[1:]) >= SURVIVES)
    return SanityCheck(
        mode, tuple(stages), correlations, flagged, dict(zip(requested, table[:, 1].T))
    )


def _restore(parameters, copies) -> None:
    with torch.no_grad():
        for p, copy in zip(parameters, copies):
            p.copy_(copy)


def _correlations(engine, text, requested, original, explain_kwargs) -> list[list[float]]:
    """[the absolute values' correlations, the signed ones'], one per method."""
    again = engine.explain(text, methods=requested, **explain_kwargs)
    return [
        [spearman(np.abs(original.scores(m)), np.abs(again.scores(m))) for m in requested],
        [spearman(original.scores(m), again.scores(m)) for m in requested],
    ]
