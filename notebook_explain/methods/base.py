"""The Method contract and the registry of methods by name.

A method declares its ``family`` (the survey's taxonomy: gradient, perturbation, ...), whether its
scores are ``signed``, its ``params`` (default, range or choices, help text: the widget builds its
controls from these) and the adapter capabilities it ``requires``. ``attribute`` returns one score
per token for the context's input, target class and explained output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ExplainError

if TYPE_CHECKING:
    from .context import AttributionContext


@dataclass(frozen=True)
class Param:
    """One method parameter: its default, its allowed values and a help text."""

    default: Any
    help: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None

    def check(self, method: str, name: str, value):
        if self.choices is not None:
            if value not in self.choices:
                raise ExplainError(
                    f"{method}: {name}={value!r} is not allowed; choose one of {list(self.choices)}."
                )
            return value
        kind = type(self.default)
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # JSON (and the widget) cannot tell 1 from 1.0
        if not isinstance(value, kind) or isinstance(value, bool) != isinstance(self.default, bool):
            raise ExplainError(f"{method}: {name} must be {kind.__name__}, got {value!r}.")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ExplainError(f"{method}: {name}={value!r} is outside [{self.low}, {self.high}].")
        return value

    def to_json(self) -> dict:
        return {
            "default": self.default,
            "help": self.help,
            "choices": list(self.choices) if self.choices is not None else None,
            "low": self.low,
            "high": self.high,
        }


def resolve_params(owner: str, params: Mapping[str, Param], given: Mapping | None) -> dict:
    """``params``' defaults overlaid with ``given``, each value checked against its Param
    (``owner`` is the method or metric named in the errors)."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(params))
    if unknown:
        valid = ", ".join(params) or "none"
        raise ExplainError(
            f"{owner} has no parameter {', '.join(unknown)}; its parameters: {valid}."
        )
    return {k: p.check(owner, k, given.get(k, p.default)) for k, p in params.items()}


def named_specs(value, default, what: str, listing: str) -> dict[str, dict]:
    """``{name: parameters}`` from a name, a list of names or a dict of name → parameters
    (``None``: the ``default`` names). ``what`` ("methods", "metrics") and ``listing`` (where the
    valid names are listed) word the errors."""
    if value is None:
        value = default
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        specs = {name: dict(params or {}) for name, params in value.items()}
    elif isinstance(value, Iterable):
        specs = {name: {} for name in value}
    else:
        raise ExplainError(
            f"{what} must be a name, a list of names, or a dict of name → parameters, "
            f"got {type(value).__name__}."
        )
    if not specs:
        raise ExplainError(f"{what} is empty; name at least one (see {listing}).")
    return specs


@dataclass
class Attribution:
    """What ``Method.attribute`` returns: token scores plus method-specific diagnostics."""

    scores: np.ndarray
    info: dict = field(default_factory=dict)


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

    def attribute(self, ctx: "AttributionContext", **params) -> Attribution:
        raise NotImplementedError

    def resolve_params(self, given: dict | None) -> dict:
        return resolve_params(self.name, self.params, given)

    def metadata(self) -> dict:
        return {
            "name": self.name,
            "family": self.family,
            "signed": self.signed,
            "faithful": self.faithful,
            "description": self.description,
            "params": {k: p.to_json() for k, p in self.params.items()},
            "requires": sorted(self.requires),
        }


class Registry:
    """Named entries (methods, metrics): each name registered once, looked up with a clear error."""

    def __init__(self, kind: str):
        self.kind, self._entries = kind, {}

    def add(self, entry):
        if entry.name in self._entries:
            raise ValueError(f"A {self.kind} named {entry.name!r} is already registered.")
        self._entries[entry.name] = entry
        return entry

    def names(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str):
        if name not in self._entries:
            raise ExplainError(
                f"Unknown {self.kind} {name!r}. Valid {self.kind}s: {', '.join(self._entries)}."
            )
        return self._entries[name]


_REGISTRY = Registry("method")


def register(method: Method) -> Method:
    return _REGISTRY.add(method)


def available_methods() -> list[str]:
    return _REGISTRY.names()


def get_method(name: str) -> Method:
    return _REGISTRY.get(name)
