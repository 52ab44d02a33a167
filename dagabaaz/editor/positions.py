"""Offsets in code points and in UTF-16 code units, and the conversions between them.

Python indexes a ``str`` by code point; editors speaking the Language Server
Protocol count UTF-16 code units by default, so a character outside the
Basic Multilingual Plane (most emoji, ``"😀"``) is one code point but two
units. Every function of :mod:`dagabaaz.editor` takes ``offsets=`` to say
which one its cursor is in and its results are to be in.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["OffsetEncoding", "from_code_points", "to_code_points"]

OffsetEncoding: TypeAlias = Literal["code-points", "utf-16"]
"""How an offset counts: ``"code-points"`` (Python's ``str`` indices) or ``"utf-16"``."""

_ENCODINGS = ("code-points", "utf-16")


def _check(offsets: str) -> None:
    if offsets not in _ENCODINGS:
        raise ValueError(f"offsets must be 'code-points' or 'utf-16', got {offsets!r}")


def _is_narrow(text: str) -> bool:
    """Whether every character of ``text`` is one UTF-16 unit (the usual case)."""
    return text.isascii() or max(text) < "\U00010000"


def to_code_points(text: str, offset: int, offsets: OffsetEncoding = "code-points") -> int:
    """Return the code-point offset of ``offset`` counted in ``offsets`` units.

    An offset inside a surrogate pair (between the two units of one code
    point) moves to the end of that code point; offsets are clamped to
    ``[0, len(text)]``.

    Raises:
        ValueError: ``offsets`` is neither ``"code-points"`` nor ``"utf-16"``.
    """
    _check(offsets)
    if offsets == "code-points" or _is_narrow(text):
        return max(0, min(offset, len(text)))
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if char >= "\U00010000" else 1
    return len(text)


def from_code_points(text: str, offset: int, offsets: OffsetEncoding = "code-points") -> int:
    """Return code-point ``offset`` of ``text`` counted in ``offsets`` units.

    Raises:
        ValueError: ``offsets`` is neither ``"code-points"`` nor ``"utf-16"``.
    """
    _check(offsets)
    offset = max(0, min(offset, len(text)))
    if offsets == "code-points" or _is_narrow(text):
        return offset
    head = text[:offset]
    return offset + sum(1 for char in head if char >= "\U00010000")
