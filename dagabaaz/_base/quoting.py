"""Quote any value in a few characters, for a reason or a message, whatever its size.

A reason quotes the values a filter compared or a ``when`` clause produced,
and those can be anything metadata holds: a 10,000-digit integer, a list of
a million items, NaN. :func:`quote_value` writes JSON-like text and stops as
soon as ``limit`` characters are reached, so the cost is bounded by the
limit, not by the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Final

from dagabaaz.constants import REASON_VALUE_LENGTH

__all__ = ["NAME_WIDTH", "one_line", "quote_value", "shown_name"]

_ELLIPSIS: Final = "..."

NAME_WIDTH = 80
"""Characters of one file name shown; a longer name is cut, so a label stays one short line."""

# Control characters (C0, DEL, C1) and the Unicode line and paragraph
# separators: each would break a line or drive a terminal. Lone surrogates (a
# file name of bytes that are not UTF-8): no strict UTF-8 writer writes them.
_CONTROL_ESCAPES: Final = (
    {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
    | {code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)}
    | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}
)
_SMALL_INT_BITS: Final = 256
"""Ints up to this size are written out; a longer one by its digit count (Python
refuses to write ints of more than 4,300 digits at all)."""


def shown_name(name: str) -> str:
    """Return a file name as a message shows it: control characters escaped, cut when long."""
    if not name.isprintable():
        name = name.encode("unicode_escape").decode("ascii")
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 3] + _ELLIPSIS
    return name


def one_line(text: str) -> str:
    """Return ``text`` with its control characters and line breaks escaped (a backslash and n).

    Other characters, accented letters included, are kept as they are.
    """
    return text if text.isprintable() else text.translate(_CONTROL_ESCAPES)


def quote_value(value: object, limit: int = REASON_VALUE_LENGTH) -> str:
    """Return ``value`` written as JSON-like text of at most ``limit`` characters.

    Strings are quoted, ``None`` is ``null``, booleans ``true``/``false``, an
    enum member its value; NaN and the infinities are written as Python
    writes them. Lists and objects are written item by item until the
    limit; a cut ends with ``...``. Anything else is written as its type
    name in angle brackets (``<bytes>``), and so is a value that cannot be
    written at all (its ``__str__`` or ``items`` raises): quoting never raises.
    """
    parts: list[str] = []
    try:
        _write(value, parts, limit + 1)
    except Exception:  # metadata is anything a plugin made; a quote must not fail
        parts = [_type_text(value)]
    text = "".join(parts)
    if len(text) > limit:
        return text[: max(limit - len(_ELLIPSIS), 0)] + _ELLIPSIS
    return text


def _write(value: object, parts: list[str], room: int) -> int:
    """Append ``value``'s text to ``parts``, at most about ``room`` characters; return room left."""
    if room <= 0:
        return room
    text: str | None = None
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value[:room], ensure_ascii=False)
    elif isinstance(value, int):
        bits = value.bit_length()
        text = (
            str(value) if bits <= _SMALL_INT_BITS else f"<integer of about {_digits(bits)} digits>"
        )
    elif isinstance(value, float):
        text = repr(value)  # nan, inf and -inf too: JSON has no spelling for them
    elif isinstance(value, Decimal):
        text = _decimal(value, room)
    elif isinstance(value, list | tuple):
        return _write_items(value, "[", "]", parts, room)
    elif isinstance(value, Mapping):
        return _write_mapping(value, parts, room)
    else:
        text = _type_text(value)
    parts.append(text)
    return room - len(text)


def _write_items(
    items: list[object] | tuple[object, ...],
    opening: str,
    closing: str,
    parts: list[str],
    room: int,
) -> int:
    parts.append(opening)
    room -= 1
    for position, item in enumerate(items):
        if room <= 0:
            return room
        if position:
            parts.append(", ")
            room -= 2
        room = _write(item, parts, room)
    parts.append(closing)
    return room - 1


def _write_mapping(mapping: Mapping[object, object], parts: list[str], room: int) -> int:
    parts.append("{")
    room -= 1
    for position, (key, item) in enumerate(mapping.items()):
        if room <= 0:
            return room
        if position:
            parts.append(", ")
            room -= 2
        room = _write(key if isinstance(key, str) else _key_text(key, room), parts, room)
        parts.append(": ")
        room = _write(item, parts, room - 2)
    parts.append("}")
    return room - 1


def _key_text(key: object, room: int) -> str:
    """Write a mapping key that is not a string as text: JSON keys are strings."""
    if isinstance(key, int) and not isinstance(key, bool):
        parts: list[str] = []
        _write(key, parts, room)  # a huge int by its digit count: str() would refuse it
        return "".join(parts)
    try:
        return str(key)[:room]
    except Exception:
        return _type_text(key)


def _type_text(value: object) -> str:
    return f"<{type(value).__name__}>"


def _decimal(value: Decimal, room: int) -> str:
    _sign, digits, exponent = value.as_tuple()
    if len(digits) > room or (isinstance(exponent, int) and abs(exponent) > room):
        return f"<number of {len(digits)} digits, exponent {exponent}>"
    return str(value)


def _digits(bits: int) -> int:
    return (bits - 1) * 30103 // 100000 + 1
