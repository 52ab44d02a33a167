"""How values become text and JSON: one rule for every pipe and template.

* ``None`` is the missing value; it renders as ``""``.
* A bool renders as ``true`` or ``false``; a number as Python writes it.
* Everyday values render as the text that names them: a ``date``,
  ``datetime`` or ``time`` in ISO 8601 (``isoformat()``), a ``Decimal`` with
  exactly its digits (``str()``), a ``UUID`` in its canonical form and a
  path (``PurePath``) as its text. In JSON a ``Decimal`` is a number with
  those digits and the others are strings.
* A list (or tuple) renders its items that are not missing (neither ``None``
  nor ``""``) joined with ``", "``; an item that is itself a list or dict
  renders as JSON.
* A dict renders as JSON, never as a Python repr.
* JSON is strict: a NaN or an infinity anywhere in a list or dict written as
  JSON raises :class:`UnrenderableValue` (JSON has no such numbers, and
  ``NaN`` in the output would break every strict reader). A float written as
  text on its own (a lone value, an item of a list joined as text) is written
  as Python writes it: ``nan``, ``inf``, ``-inf``.
* Nothing else renders: a value of any other type (bytes, a set, an
  arbitrary object), a ``Decimal`` NaN or infinity inside JSON, or a dict
  with a key that is not a string, raises :class:`UnrenderableValue`
  instead of showing its Python repr.

Every function here takes the :class:`Budget` and asks it before building
anything whose size depends on the data.
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, NoReturn

from dagabaaz._runtime.limits import Budget
from dagabaaz.errors import LimitExceeded, UnrenderableValue

__all__ = [
    "EVERYDAY_TYPES",
    "encode_utf8",
    "everyday_text",
    "is_missing",
    "join_text",
    "load_json",
    "lone_surrogate",
    "pipe_input",
    "to_json",
    "to_text",
]

# A whole JSON string, or a quote that starts none (the text is not JSON then).
# Possessive, and only ever tried where the previous match ended: linear.
_STRING_OR_QUOTE = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"|"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_NESTED = (list, tuple, dict, Mapping)  # the slower ABC check last


def encode_utf8(text: str) -> bytes:
    """Return ``text`` as UTF-8; a lone surrogate raises :class:`UnrenderableValue`."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise lone_surrogate(error) from None


def lone_surrogate(error: UnicodeEncodeError) -> UnrenderableValue:
    """Explain a text UTF-8 cannot encode: it holds half of a surrogate pair."""
    char = error.object[error.start]
    return UnrenderableValue(
        f"value contains a lone surrogate (U+{ord(char):04X} at character {error.start}), "
        "which UTF-8 cannot encode"
    )


_RENDERABLE = (
    "only strings, numbers, booleans, None, dates and times, Decimals, UUIDs, paths, "
    "lists and dicts with string keys can"
)

EVERYDAY_TYPES: tuple[type, ...] = (
    datetime.date,  # datetime.datetime too
    datetime.time,
    Decimal,
    uuid.UUID,
    PurePath,
)
"""Values that are not JSON's own but render as the text naming them (see the module)."""


def everyday_text(value: object) -> str | None:
    """Return the text of a date, time, Decimal, UUID or path; None for anything else."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return Decimal.__str__(value)
    if isinstance(value, uuid.UUID | PurePath):
        return str(value)
    return None


def is_missing(value: object) -> bool:
    """Return True for the values a template treats as absent: ``None`` and ``""``."""
    return value is None or (isinstance(value, str) and not value)


def pipe_input(value: object, text: bool, budget: Budget) -> Any:
    """Return what a pipe receives: None as "", and text when it takes ``str``."""
    if value is None:
        return ""
    if text and value.__class__ is not str:
        return to_text(value, budget)
    return value


def to_text(value: object, budget: Budget) -> str:
    """Return the text a value renders as inside a template."""
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if cls is bool:
        return "true" if value else "false"
    if cls is int or cls is float:
        return _scalar_text(value, budget)
    if cls is list:
        return join_text(value, ", ", budget)  # type: ignore[arg-type]
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, list | tuple):
        return join_text(value, ", ", budget)
    if isinstance(value, Mapping):
        return to_json(value, budget)
    return _scalar_text(value, budget)


def join_text(items: list[Any] | tuple[Any, ...], separator: str, budget: Budget) -> str:
    """Join the rendered items that are not missing; nested containers as JSON."""
    limits = budget.limits  # read once: this runs on every join and list rendering
    if len(items) > limits.max_list_length:
        budget.items(len(items))
    limit = limits.max_string_length
    try:  # at C speed when every item is a non-empty string
        if None not in items and "" not in items:
            length = sum(map(len, items)) + len(separator) * (len(items) - 1)
            if length <= limit:  # if not, the general path says by how much
                return separator.join(items)
    except (TypeError, ValueError):  # an item that is not a string
        pass
    texts: list[str] = []
    length = -len(separator)  # the first item has no separator before it
    for item in items:
        if item is None:
            continue
        if item.__class__ is str:
            text = item
        elif isinstance(item, _NESTED):
            # Within the room left, so a list repeating one big dict stops
            # at the limit instead of rendering every copy.
            text = _json_text(item, budget, length + len(separator), "the joined text")
        else:
            text = to_text(item, budget)
        if text:
            texts.append(text)
            length += len(text) + len(separator)
            if length > limit:
                budget.text(length, "the joined text", at_least=True)
    return separator.join(texts)


def to_json(value: object, budget: Budget) -> str:
    """Return ``value`` as compact JSON text, after checking its size and depth.

    The length of the text is counted exactly, without building it, by a walk
    that stops as soon as it passes ``max_string_length``; only then is the
    text written.
    """
    return _json_text(value, budget, 0, "the JSON text")


def _json_text(value: object, budget: Budget, before: int, what: str) -> str:
    """Write ``value`` as JSON to follow ``before`` characters already counted."""
    room = budget.limits.max_string_length - before
    length = _json_length(value, budget, room)
    if length > room:
        budget.text(before + length, what, at_least=True)
    try:
        try:
            text = _dumps(value)
        except _DecimalMet:
            text = _json_with_decimals(value)
    except (TypeError, ValueError) as error:
        if isinstance(error, UnrenderableValue):
            raise
        raise UnrenderableValue(f"value cannot be written as JSON: {error}") from None
    budget.text(before + len(text), what)  # exact where huge ints were only estimated
    return text


class _DecimalMet(Exception):
    """json.dumps met a Decimal, which it cannot write as a number: write in Python."""


def _json_with_decimals(value: object) -> str:
    """Write ``value`` as :func:`_dumps` does, with each Decimal as a number of its digits.

    Only called for a value already walked by :func:`_json_length` (its depth,
    size and keys checked), so the recursion is bounded by ``max_json_depth``.
    """
    if isinstance(value, Decimal):
        return _decimal_json(value)
    if isinstance(value, Mapping):
        items = (f"{_dumps(key)}: {_json_with_decimals(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_json_with_decimals, value)) + "]"
    return _dumps(value)


def _decimal_json(value: Decimal) -> str:
    if not value.is_finite():
        raise UnrenderableValue(
            f"the number {Decimal.__str__(value)} cannot be written as JSON, "
            "which has no NaN or infinities"
        )
    return Decimal.__str__(value)  # a JSON number: 12.50, -0, 1E+3


def load_json(text: str, budget: Budget) -> Any:
    """Parse JSON text, or return None when it is not JSON.

    The nesting depth is measured first, in one linear scan (skipped when
    the text has no more opening brackets than the limit), so deeply
    nested (or unbalanced) input raises
    :class:`~dagabaaz._runtime.limits.LimitExceeded` naming
    ``max_json_depth`` instead of recursing.
    """
    budget.text(len(text), "the JSON text")
    # Nothing nests deeper than it has opening brackets: when there are few
    # enough, the scan could only agree, and json.loads refuses what it would.
    if text.count("[") + text.count("{") > budget.limits.max_json_depth:
        depth = _json_depth(text)
        if depth is None:
            return None
        budget.depth(depth, "the JSON text")
    try:
        return json.loads(text)
    except ValueError:
        return None
    except RecursionError:  # only when max_json_depth is set above what Python can recurse
        raise LimitExceeded(
            "max_json_depth",
            "the JSON text is nested too deeply for Python's parser; lower the limit "
            f"max_json_depth (now {budget.limits.max_json_depth})",
        ) from None


def _json_depth(text: str) -> int | None:
    """Return the deepest bracket nesting outside strings; None if a string is unclosed."""
    outside: list[str] = []
    last = 0
    for found in _STRING_OR_QUOTE.finditer(text):
        start, end = found.span()
        if end - start == 1:
            return None  # a quote that closes nowhere: json.loads would refuse it
        outside.append(text[last:start])
        last = end
    outside.append(text[last:])
    brackets = _NOT_BRACKET.sub("", "".join(outside))
    # Closing brackets count down whatever they close: json.loads judges the pairing.
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _scalar_text(value: object, budget: Budget) -> str:
    # int.__repr__ and float.__repr__, as JSON writes them: a subclass's own
    # __str__ (an enum's, say) could show anything.
    if isinstance(value, int):
        try:
            text = int.__repr__(value)
        except ValueError as error:  # over Python's limit on the digits of an int
            raise UnrenderableValue(f"value cannot be written as text: {error}") from None
    elif isinstance(value, float):
        text = float.__repr__(value)
    else:
        everyday = everyday_text(value)
        if everyday is None:
            _unrenderable(value)
        text = everyday
    if len(text) > budget.limits.max_string_length:
        budget.text(len(text), "a value's text")
    return text


def _unrenderable(value: object) -> NoReturn:
    raise UnrenderableValue(
        f"a value of type {type(value).__name__} cannot be written as text or JSON ({_RENDERABLE})"
    )


def _json_default(value: object) -> Any:
    """Return what json.dumps writes for a value it does not know; refuse anything else.

    A mapping is written as a dict and an everyday value as its text; a
    Decimal sends the writing to :func:`_json_with_decimals`.
    """
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Decimal):
        raise _DecimalMet
    text = everyday_text(value)
    if text is None:
        _unrenderable(value)
    return text


def _dumps(value: object) -> str:
    return json.dumps(
        value,
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
        separators=(", ", ": "),
    )


def _json_length(value: object, budget: Budget, room: int) -> int:
    """Return the length of ``value`` written as JSON, or a part over ``room`` of it.

    Walks nested lists and dicts without recursion, checking depth and the
    number of values walked; a value that is not JSON raises.
    """
    if not isinstance(value, _NESTED):
        return _scalar_json_length(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    walked = 0
    length = 0
    while stack and length <= room:
        container, depth = stack.pop()
        budget.depth(depth)
        is_dict = isinstance(container, Mapping)
        walked += len(container)
        budget.container_items(walked)
        # Brackets and ", " between items (and ": " after each key).
        size = len(container)
        length += 2 * max(size, 1) + (2 * size if is_dict else 0)
        for item in container.items() if is_dict else container:
            if is_dict:
                key, part = item
                if not isinstance(key, str):
                    raise UnrenderableValue(
                        f"a dict with a key of type {type(key).__name__} cannot be written "
                        f"as JSON ({_RENDERABLE})"
                    )
                length += _string_json_length(key)
            else:
                part = item
            if part.__class__ is str:
                length += _string_json_length(part)
            elif isinstance(part, _NESTED):
                stack.append((part, depth + 1))
            else:
                length += _scalar_json_length(part)
            if length > room:
                break
    return length


_EXACT_INT_BITS = 1024
"""Ints up to this size (309 digits) are counted exactly; printing longer ones costs more."""

_SHORT_ESCAPES = '"\\\b\f\n\r\t'
"""Characters JSON writes as a backslash and one more character."""
_LONG_ESCAPES = "".join(chr(code) for code in range(32) if chr(code) not in _SHORT_ESCAPES)
"""Control characters JSON writes as ``\\u00XX``."""


def _string_json_length(text: str) -> int:
    """Return the length of ``text`` as a JSON string: quotes and escapes included."""
    length = len(text) + 2
    if text.isprintable() and '"' not in text and "\\" not in text:
        return length  # the common case: nothing to escape
    for char in _SHORT_ESCAPES:
        length += text.count(char)
    for char in _LONG_ESCAPES:
        length += 5 * text.count(char)
    return length


def _scalar_json_length(value: object) -> int:
    """Return the length of a scalar written as JSON (a lower bound for huge ints)."""
    if isinstance(value, str):
        return _string_json_length(value)
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, int):
        bits = value.bit_length()
        if bits <= _EXACT_INT_BITS:
            return len(int.__repr__(value))
        # 2 ** (bits - 1) <= |value|: at least (bits - 1) * log10(2) + 1 digits.
        # Short by one digit at most, and such ints are long: the text built
        # from this count passes the limit by a fraction of a percent at most.
        return (bits - 1) * 30103 // 100000 + 1 + (value < 0)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnrenderableValue(
                f"the number {float.__repr__(value)} cannot be written as JSON, "
                "which has no NaN or infinities"
            )
        return len(float.__repr__(value))
    if isinstance(value, Decimal):
        return len(_decimal_json(value))
    text = everyday_text(value)
    if text is None:
        _unrenderable(value)
    return _string_json_length(text)
