"""The Method contract and the registry of methods by name.

A method declares its ``family`` (the survey's taxonomy: gradient, perturbation, ...), whether its
scores are ``signed``, its ``params`` (default, range or choices, help text: the widget builds its
controls from these) and the adapter capabilities it ``requires``. ``attribute`` returns one score
per token for the context's input, target class and explained output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..registry import Param, Registry

if TYPE_CHECKING:
    from .context import AttributionContext


@dataclass(frozen=True)
class InputSize:
    """What a method's cost depends on: the input's ``tokens`` (special ones included), the
    ``perturbable`` ones (the rest), its ``words`` and its ``span_levels`` (level → spans, as
    ``spans.span_levels`` gives them; None when not known)."""

    tokens: int
    perturbable: int
    words: int
    span_levels: Mapping[str, list[tuple[int, int]]] | None = None


def input_size(encoded) -> InputSize:
    """The size of an encoded input, with the span levels ``explain`` would give it."""
    from ..spans import span_levels

    levels, _ = span_levels(encoded.words, None)
    return InputSize(encoded.length, int((~encoded.special_mask).sum()), len(encoded.words), levels)


@dataclass
class Attribution:
    """What ``Method.attribute`` returns: token scores plus method-specific diagnostics (``info``,
    shown, never read by the views), and the typed outputs some methods have: ``span_scores``
    (level → one score per span, for a method that scores spans itself, REAT) and
    ``reduction_steps`` (input reduction's path, see ``reduction.py``)."""

    scores: np.ndarray
    info: dict = field(default_factory=dict)
    span_scores: dict[str, list[float]] = field(default_factory=dict)
    reduction_steps: list[dict] = field(default_factory=list)
    #: the identities checked on this call (``identity.identity_check``), by name
    checks: dict[str, dict] = field(default_factory=dict)


#: the ``layer`` parameter of the methods that attribute at an inner layer's output too
LAYER = Param(
    "word_embeddings",
    "Where the attribution is taken: the word embeddings, the embedding block's output "
    "(positions and normalisation added), or an encoder block's output by number.",
)


class Method:
    """Base class. Subclasses set the class metadata below and implement ``attribute``."""

    name: str = ""
    family: str = ""
    signed: bool = True
    params: dict[str, Param] = {}
    requires: frozenset[str] = frozenset()
    description: str = ""
    #: False for scores that are not faithful attributions (the widget shows a caveat)
    faithful: bool = True
    #: whether the rows of ``rows`` also run a backward pass (about twice a forward pass)
    backward: bool = False
    #: whether the method explains any scalar output, so also the contrast S_target − S_foil
    #: (``explain(contrast=...)``); False for methods tied to one class's logit or prediction
    contrastive: bool = True

    def attribute(self, ctx: "AttributionContext", **params) -> Attribution:
        raise NotImplementedError

    def rows(self, size: InputSize, **params) -> int:
        """How many input rows the method runs through the model besides the input's own pass,
        for an input of ``size`` (its cost, estimated before it runs: ``Explainer.estimate``)."""
        return 0

    def metadata(self) -> dict:
        return {
            "name": self.name,
            "family": self.family,
            "signed": self.signed,
            "faithful": self.faithful,
            "contrastive": self.contrastive,
            "description": self.description,
            "params": {k: p.to_json() for k, p in self.params.items()},
            "requires": sorted(self.requires),
        }


_REGISTRY = Registry("method", "notebook_explain.available_methods()")


def register(method: Method) -> Method:
    return _REGISTRY.add(method)


def available_methods() -> list[str]:
    """The names of every registered method (``Explainer.supported_methods()`` narrows them to
    what one model can run)."""
    return _REGISTRY.names()


def get_method(name: str) -> Method:
    return _REGISTRY.get(name)


def resolve_methods(value, default) -> dict[str, tuple[Method, dict]]:
    """``{name: (method, checked parameters)}`` from a name, a list or a dict of name → params."""
    return _REGISTRY.resolve(value, default)
