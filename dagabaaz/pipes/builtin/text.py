"""Text pipes: case, trimming, replacing, cutting, adding and padding.

Their value parameter is annotated ``str``, so the evaluator hands them the
value already rendered as text (see :mod:`dagabaaz._runtime.values`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import to_text
from dagabaaz.pipes.signature import Range

_WORD = re.compile(r"\S+")
# Each ASCII byte as its class for title: "a" a letter, " " a space, "." anything else.
# str.title() and this module's title part ways only at "." followed by "a".
_TITLE_CLASSES = bytes(
    ord("a") if chr(byte).isalpha() else ord(" ") if chr(byte).isspace() else ord(".")
    for byte in range(256)
)
_FLOAT_INT_BITS = 1024
"""Ints longer than this are beyond a float's range, where pad leaves a value alone."""
_PLAIN_DIGITS = 300
"""Digit strings up to this long are well within a float's range (about 308 digits)."""


def upper(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


def lower(text: str) -> str:
    """Lower-case the text."""
    return text.lower()


def title(text: str) -> str:
    """Capitalize each word: its first letter upper-cased, the rest lower-cased.

    Words are separated by whitespace, so "it's" becomes "It's".
    """
    if text.isascii() and b".a" not in text.encode("ascii").translate(_TITLE_CLASSES):
        # str.title() capitalizes after any character that is not a letter;
        # on ASCII text where no letter follows a character that is neither
        # a letter nor a space, that is exactly this rule, at C speed.
        return text.title()
    return _WORD.sub(_capitalize, text)


def trim(text: str) -> str:
    """Remove whitespace from both ends."""
    return text.strip()


def strip(text: str, chars: str = "") -> str:
    """Remove the given characters (whitespace by default) from both ends."""
    return text.strip(chars or None)


def lstrip(text: str, chars: str = "") -> str:
    """Remove the given characters (whitespace by default) from the start."""
    return text.lstrip(chars or None)


def rstrip(text: str, chars: str = "") -> str:
    """Remove the given characters (whitespace by default) from the end."""
    return text.rstrip(chars or None)


def replace(
    text: str, old: Annotated[str, Range(1, None)], new: str = "", *, budget: Budget
) -> str:
    """Replace every occurrence of ``old`` with ``new`` (by default, delete it)."""
    if len(new) > len(old):
        size = len(text) + text.count(old) * (len(new) - len(old))
        if size > budget.limits.max_string_length:
            budget.text(size, "the result of replace")
    return text.replace(old, new)


def truncate(text: str, length: Annotated[int, Range(0, None)] = 100) -> str:
    """Keep the first ``length`` characters; no ellipsis is added."""
    return text[:length]


def prepend(text: str, prefix: str, *, budget: Budget) -> str:
    """Put ``prefix`` before the text."""
    if len(prefix) + len(text) > budget.limits.max_string_length:
        budget.text(len(prefix) + len(text), "the result of prepend")
    return prefix + text


def append(text: str, suffix: str, *, budget: Budget) -> str:
    """Put ``suffix`` after the text."""
    if len(text) + len(suffix) > budget.limits.max_string_length:
        budget.text(len(text) + len(suffix), "the result of append")
    return text + suffix


def pad(value: object, width: Annotated[int, Range(0, None)] = 2, *, budget: Budget) -> object:
    """Zero-pad a number, as an integer, to ``width`` digits ("7" becomes "07").

    The number is truncated to an integer first: "3.7" with width 2 gives
    "03" and "1e3" with width 6 gives "001000". Anything ``float`` reads is a
    number (" 7", "+7", "1_000"); other text, and numbers beyond a float's
    range, are returned unchanged.
    """
    if type(value) is str and len(value) <= _PLAIN_DIGITS and value.isdigit() and value.isascii():
        # Plain digits: what float and Decimal would read, without them.
        digits = value.lstrip("0") or "0"  # str(int(value)), without the int
        if max(width, len(digits)) > budget.limits.max_string_length:
            budget.text(max(width, len(digits)), "the result of pad")
        return digits.zfill(width)
    if isinstance(value, int) and not isinstance(value, bool):
        # Before any conversion to text: an int too long to print passes through.
        if value.bit_length() > _FLOAT_INT_BITS or not _fits_float(value):
            return value
        text = str(value)
        integer: str | None = text
    elif isinstance(value, float):
        text = to_text(value, budget)
        integer = str(int(value)) if math.isfinite(value) else None
    else:
        text = value if isinstance(value, str) else to_text(value, budget)
        integer = _truncated(text)
    if integer is None:
        return text
    budget.text(max(width, len(integer)), "the result of pad")
    return integer.zfill(width)


def _fits_float(value: int) -> bool:
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _truncated(text: str) -> str | None:
    """Return ``text`` read as a number and truncated to an integer, or None."""
    try:
        approximate = float(text)
    except ValueError:
        return None
    if not math.isfinite(approximate):
        return None
    try:
        # Exact where float is not: "12345678901234567891" keeps every digit.
        return str(int(Decimal(text.strip())))
    except (InvalidOperation, ValueError):
        return str(int(approximate))


def _capitalize(word: re.Match[str]) -> str:
    text = word.group()
    return text[:1].upper() + text[1:].lower()
