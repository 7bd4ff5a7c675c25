"""Named, parameterised entries (attribution methods, metrics, influence scorers) and the one
parser of the specs users pass for them.

An entry declares ``name`` and ``params`` (name → :class:`Param`: default, allowed values, help
text). The widget builds its controls from the ``Param`` metadata, so a new entry needs no
JavaScript. ``Registry.resolve`` turns what a user passes (a name, a list of names, or a dict of
name → parameters) into checked entries and parameters, with errors that list the valid names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ExplainError


@dataclass(frozen=True)
class Param:
    """One parameter: its default, its allowed values and a help text."""

    default: Any
    help: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    #: named values accepted beside the numbers in [low, high] (``"auto"``); the numbers are
    #: integers when the default is one of these words
    words: tuple = ()

    def check(self, owner: str, name: str, value):
        if isinstance(value, str) and value in self.words:
            return value
        if self.choices is not None:
            if value not in self.choices:
                raise ExplainError(
                    f"{owner}: {name}={value!r} is not allowed; choose one of {list(self.choices)}."
                )
            return value
        kind = int if self.default in self.words else type(self.default)
        if isinstance(value, float) and not math.isfinite(value):
            raise ExplainError(f"{owner}: {name} must be a finite number, got {value!r}.")
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # JSON (and the widget) cannot tell 1 from 1.0
        if not isinstance(value, kind) or isinstance(value, bool) != isinstance(self.default, bool):
            either = "".join(f" or {w!r}" for w in self.words)
            raise ExplainError(f"{owner}: {name} must be {kind.__name__}{either}, got {value!r}.")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ExplainError(f"{owner}: {name}={value!r} is outside [{self.low}, {self.high}].")
        return value

    def to_json(self) -> dict:
        return {
            "default": self.default,
            "help": self.help,
            "choices": list(self.choices) if self.choices is not None else None,
            "low": self.low,
            "high": self.high,
            "words": list(self.words),
        }


def resolve_params(owner: str, params: Mapping[str, Param], given: Mapping | None) -> dict:
    """``params``' defaults overlaid with ``given``, each value checked against its Param
    (``owner`` is the entry named in the errors)."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(params))
    if unknown:
        valid = ", ".join(params) or "none"
        raise ExplainError(
            f"{owner} has no parameter {', '.join(unknown)}; its parameters: {valid}."
        )
    return {k: p.check(owner, k, given.get(k, p.default)) for k, p in params.items()}


class Registry:
    """Named entries of one kind: each name registered once, looked up with a clear error.

    ``listing`` is where a user finds the valid names (worded into the errors).
    """

    def __init__(self, kind: str, listing: str):
        self.kind, self.listing, self._entries = kind, listing, {}

    def add(self, entry):
        if entry.name in self._entries:
            raise ValueError(f"A {self.kind} named {entry.name!r} is already registered.")
        self._entries[entry.name] = entry
        return entry

    def names(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str):
        if not isinstance(name, str) or name not in self._entries:
            raise ExplainError(
                f"Unknown {self.kind} {name!r}. Valid {self.kind}s: {', '.join(self._entries)}."
            )
        return self._entries[name]

    def resolve(self, value, default) -> dict[str, tuple[Any, dict]]:
        """``{name: (entry, checked parameters)}`` from a name, a list of names or a dict of
        name → parameters (``None``: the ``default`` names)."""
        if value is None:
            value = default
        if isinstance(value, str):
            value = [value]
        if isinstance(value, Mapping):
            specs = dict(value)
        elif isinstance(value, Iterable):
            specs = {}
            for name in value:
                if not isinstance(name, str):
                    raise ExplainError(
                        f"{self.kind}s: {name!r} is not a {self.kind} name; pass names, e.g. "
                        f"[{', '.join(map(repr, self.names()[:2]))}], or a dict of name → "
                        "parameters."
                    )
                specs[name] = {}
        else:
            raise ExplainError(
                f"{self.kind}s must be a name, a list of names, or a dict of name → parameters, "
                f"got {type(value).__name__}."
            )
        if not specs:
            raise ExplainError(f"{self.kind}s is empty; name at least one (see {self.listing}).")
        resolved = {}
        for name, params in specs.items():
            if not isinstance(name, str):
                raise ExplainError(f"{self.kind}s: {name!r} is not a {self.kind} name.")
            if params is not None and not isinstance(params, Mapping):
                raise ExplainError(
                    f"{self.kind}s: the parameters of {name} must be a dict of name → value "
                    f"(e.g. {{{name!r}: {{}}}}), got {params!r}."
                )
            entry = self.get(name)
            resolved[name] = (entry, resolve_params(name, entry.params, params or {}))
        return resolved
