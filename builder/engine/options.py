"""One typed, bounded option: a layer's parameter, a training option, a dataset's or an upload's option.

Every form the browser draws is made of these, and every value a user sends is checked by
:meth:`Option.check`, so a rule has one JSON shape (:meth:`Option.as_json`), one validator and one
wording of its errors, wherever it appears::

    >>> epochs = Option("epochs", "int", "Passes over the training data", default=10, min=1, max=1000,
    ...                 setting="NETBUILDER_MAX_EPOCHS")
    >>> epochs.check(12)
    12
    >>> epochs.check(10.0)
    Traceback (most recent call last):
    ...
    builder.engine.options.OptionError: epochs must be an integer, got 10.0
    >>> epochs.as_json()["max"], epochs.as_json()["setting"]
    (1000, 'NETBUILDER_MAX_EPOCHS')

Aliases (``aliases``: a mapping, or a function returning the canonical value) are accepted on input
only: what is checked, stored and published is the canonical value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["int", "float", "bool", "choice", "string", "strings", "ints", "int_or_ints", "shape", "floats",
               "object"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
MAX_SIZE = 1 << 20  # the largest size a `shape` may name


class OptionError(ValueError):
    """A value an option refuses: `name` is the option, `message` says what is wrong in the user's words."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Option:
    """A named, typed value with its default, bounds and doc.

    ``min``/``max`` bound numbers (and each entry of a list of numbers); ``min_exclusive``/``max_exclusive``
    make them strict. ``setting`` names the setting a bound comes from (``NETBUILDER_MAX_EPOCHS``), so a
    refusal names it. ``choices`` are the canonical values of a ``choice``, and the names another kind also
    takes (a convolution's ``padding``: a size, sizes, or ``"same"``/``"valid"``); ``pattern`` also admits strings
    that fully match it (``cuda:1``). ``length`` fixes the number of entries of a list. ``nullable``: None
    is a value (its meaning in ``doc``); ``required``: a value must be given; ``inferred``: left out, the
    compiler works it out.
    """

    name: str
    kind: Kind
    doc: str
    default: Any = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    length: int | None = None
    nullable: bool = False
    required: bool = False
    inferred: bool = False
    setting: str | None = None
    aliases: Mapping[str, str] | Callable[[Any], Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The option as ``GET /api/layers``, ``/api/training/options`` and ``/api/datasets`` publish it."""
        out: dict[str, Any] = {
            "name": self.name, "kind": self.kind, "default": _jsonable(self.default), "doc": self.doc,
            "required": self.required, "nullable": self.nullable, "inferred": self.inferred,
        }
        for key in ("min", "max"):
            bound = getattr(self, key)
            if bound is not None:
                out[key] = bound
                if getattr(self, f"{key}_exclusive"):
                    out[f"{key}_exclusive"] = True
        if self.kind == "choice" or self.choices:
            out["choices"] = list(self.choices)
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.kind in ("ints", "int_or_ints", "floats", "strings"):
            out["length"] = self.length
        if self.setting is not None:
            out["setting"] = self.setting
        return out

    def check(self, value: Any) -> Any:
        """The value in canonical form (lists become tuples), or :class:`OptionError`."""
        if value is None and (self.nullable or self.inferred):
            return None
        if value is None and self.required:
            raise OptionError(self.name, f"{self.name} is required")
        if self.aliases is not None:
            value = self._canonical(value)
        kind = self.kind
        if kind != "choice" and self.choices and isinstance(value, str):
            if value in self.choices:
                return value
            raise self.error(f"must be {_KIND_WORDS.get(kind, kind)} or one of "
                             f"{', '.join(repr(c) for c in self.choices)}, got {shown(value)}")
        if kind == "int":
            return self._bounded(self._int(value))
        if kind == "float":
            return self._bounded(self._float(value))
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.error(f"must be true or false, got {shown(value)}")
            return value
        if kind == "choice":
            if value in self.choices or (self.pattern and isinstance(value, str) and re.fullmatch(self.pattern, value)):
                return value
            alternatives = f" (or match {self.pattern})" if self.pattern else ""
            raise self.error(f"must be one of {', '.join(repr(c) for c in self.choices)}{alternatives}, "
                             f"got {shown(value)}")
        if kind == "string":
            if not isinstance(value, str):
                raise self.error(f"must be text, got {shown(value)}")
            return value
        if kind == "object":
            return value
        if kind == "int_or_ints" and not isinstance(value, list | tuple):
            return self._bounded(self._int(value))
        if not isinstance(value, list | tuple):
            raise self.error(f"must be a list, got {shown(value)}")
        if self.length is not None and len(value) != self.length:
            raise self.error(f"must have {self.length} entries, got {len(value)}")
        if kind == "strings":
            if not all(isinstance(v, str) for v in value):
                raise self.error(f"must be a list of text, got {shown(value)}")
            return tuple(value)
        if kind == "floats":
            if not value:
                raise self.error("must have at least one entry")
            return tuple(self._bounded(self._float(v)) for v in value)
        items = tuple(self._int(v) for v in value)
        if kind == "shape":
            if not items:
                raise self.error("must have at least one dimension")
            if any(v < 1 and v != -1 for v in items) or items.count(-1) > 1:
                raise self.error(f"sizes must be at least 1 (one of them may be -1), got {list(items)}")
            if any(v > MAX_SIZE for v in items):
                raise self.error(f"sizes must be at most {MAX_SIZE}, got {list(items)}")
            return items
        return tuple(self._bounded(v) for v in items)

    def error(self, text: str) -> OptionError:
        """A refusal of this option in the one wording: ``<name> <what is wrong>``."""
        return OptionError(self.name, f"{self.name} {text}")

    def _canonical(self, value: Any) -> Any:
        if callable(self.aliases):
            return self.aliases(value)
        if isinstance(value, str):
            key = value.strip().lower()
            return self.aliases.get(key, key) if self.aliases is not None else value
        return value

    def _int(self, value: Any) -> int:
        # 10.0 and true are not integers: a float could carry a number past a limit unnoticed
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be an integer, got {shown(value)}")
        return value

    def _float(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.error(f"must be a number, got {shown(value)}")
        return float(value)

    def _bounded(self, value: Any) -> Any:
        where = f" ({self.setting})" if self.setting else ""
        if self.min is not None:
            if self.min_exclusive and not value > self.min:
                raise self.error(f"must be greater than {_num(self.min)}, got {_num(value)}")
            if not value >= self.min:
                raise self.error(f"must be at least {_num(self.min)}, got {_num(value)}")
        if self.max is not None:
            if self.max_exclusive and not value < self.max:
                raise self.error(f"must be less than {_num(self.max)}{where}, got {_num(value)}")
            if not value <= self.max:
                raise self.error(f"must be at most {_num(self.max)}{where}, got {_num(value)}")
        return value


_KIND_WORDS = {"int": "an integer", "float": "a number", "int_or_ints": "an integer or a list of integers",
               "ints": "a list of integers"}


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _num(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else f"{value:g}"


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
