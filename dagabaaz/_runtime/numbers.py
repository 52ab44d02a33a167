"""Exact numeric comparison for filter values.

Edge filters compare whatever metadata holds, so nothing here goes through
``float`` on the way: CPython compares ``int`` with ``float`` exactly, and
:class:`decimal.Decimal` compares exactly with ``int``, which keeps
``2**53 + 1 > 2**53`` true. A ``float`` meeting a ``Decimal`` (usually a
numeric string) is read as the decimal its shortest ``repr`` spells, so the
JSON number ``29.97`` equals the string ``"29.97"``; the float's binary
expansion (``29.969999...``) is an artefact of storage nobody wrote.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = ["NUMBER_START", "SMALL_INT_BOUND", "Number", "as_number", "compare_numbers", "small_int"]

Number = int | float | Decimal
"""A value that takes part in numeric comparison (never a ``bool``)."""

# Unambiguous alternatives keep the match linear: no digit run can be split
# two ways, so a long non-number fails without backtracking. ASCII digits
# only, because Decimal would otherwise accept other scripts' digits.
_DECIMAL_LITERAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")

NUMBER_START: Final = frozenset("+-.0123456789")
"""The characters a numeric string can start with: one starting otherwise is text."""
_LOG10_2: Final = math.log10(2)
_SMALL_INT_BITS: Final = 16_384
"""Ints up to this size (about 4,900 digits) convert to Decimal cheaply."""
_DIGITS_PER_INT_CALL: Final = 3_000
"""Longest digit string handed to int() at once (below its 4,300-digit limit)."""

_MAX_EXPONENT_DIGITS: Final = 9
"""Longest exponent a numeric string may carry.

Decimal refuses exponents past about 10**18 on 64-bit builds; nine digits
stays well inside that, and an exponent that large already names a number
no metadata means literally.
"""


def as_number(value: object) -> Number | None:
    """Return ``value`` as a number, or None when it does not count as one.

    ``int``, ``float`` and ``Decimal`` count (NaN and the infinities
    included); ``bool`` never does. A string counts when it is a plain
    decimal literal: optional sign, ASCII digits with an optional fraction,
    an optional exponent of at most nine digits, and nothing else (no
    spaces, underscores, ``inf`` or ``nan``). Such a string is read exactly,
    as a ``Decimal``, in time linear in its length.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, str):
        return _parse_decimal(value)
    return None


_SMALL_INT_DIGITS: Final = 18
"""Digit strings up to this long read as ints well inside a 64-bit word."""
SMALL_INT_BOUND: Final = 2**63
"""Ints strictly within this bound in absolute value compare with a Decimal cheaply."""


def small_int(value: object) -> int | None:
    """Return ``value`` as an int when it is a plain int or a short ASCII digit string.

    A fast path for the common case, exact where it answers: such an int
    compares with any ``int``, ``float`` or ``Decimal`` exactly and cheaply,
    and a digit string (no sign, no spaces) reads as the number
    :func:`as_number` would give. Anything else gives None: ask
    :func:`as_number` then.
    """
    if type(value) is str:
        if len(value) <= _SMALL_INT_DIGITS and value.isdigit() and value.isascii():
            return int(value)
        return None
    if type(value) is int and -SMALL_INT_BOUND < value < SMALL_INT_BOUND:
        return value
    return None


def compare_numbers(left: Number, right: Number) -> int | None:
    """Return -1, 0 or 1 as ``left`` is below, equal to or above ``right``.

    Ints, floats and decimals compare exactly, except that a finite float
    compared with a ``Decimal`` stands for ``Decimal(repr(value))``, the
    shortest decimal that reads back as that float (``0.1`` equals
    ``Decimal("0.1")``). Returns None when either side is NaN: NaN is never
    equal to, greater than or less than anything, itself included.
    """
    if _is_nan(left) or _is_nan(right):
        return None
    if isinstance(right, Decimal):
        if isinstance(left, int):
            return _compare_int_decimal(left, right)
        if isinstance(left, float):
            left = _as_written(left)
    elif isinstance(left, Decimal):
        if isinstance(right, int):
            return -_compare_int_decimal(right, left)
        if isinstance(right, float):
            right = _as_written(right)
    return _sign_of_difference(left, right)


def _as_written(value: float) -> Number:
    # repr is the shortest text that reads back as the same float; the
    # infinities compare correctly with decimals as they are.
    return Decimal(repr(value)) if math.isfinite(value) else value


def _sign_of_difference(left: Number, right: Number) -> int:
    if left < right:
        return -1
    return 1 if left > right else 0


def _compare_int_decimal(whole: int, decimal: Decimal) -> int:
    """Compare exactly, never converting a huge int with Decimal(whole).

    That conversion is quadratic in the int's digits, so magnitudes far
    apart are decided from the int's bit length and the decimal's exponent
    alone, and a huge int close in magnitude is compared as ints instead.
    """
    if decimal.is_infinite():
        return -1 if decimal > 0 else 1
    bits = abs(whole).bit_length()
    if bits <= _SMALL_INT_BITS or decimal.is_zero():
        return _sign_of_difference(whole, decimal)
    sign = 1 if whole > 0 else -1
    if (whole < 0) != decimal.is_signed():
        return sign
    # 10**low <= |whole| < 10**(high + 1); the float products are off by far
    # less than one, and a margin of one more absorbs that.
    low, high = math.floor((bits - 1) * _LOG10_2), math.floor(bits * _LOG10_2)
    exponent = decimal.adjusted()
    if exponent >= high + 2:
        return -sign
    if exponent <= low - 2:
        return sign
    sign_bit, digits, power = decimal.as_tuple()
    assert isinstance(power, int)  # a finite decimal has an int exponent
    magnitude = _int_from_digits("".join(map(str, digits)))
    coefficient = -magnitude if sign_bit else magnitude
    if power >= 0:
        return _sign_of_difference(whole, coefficient * 10**power)
    return _sign_of_difference(whole * 10**-power, coefficient)


def _int_from_digits(text: str) -> int:
    """Read a digit string by halves, subquadratic where int() and Decimal are not."""
    if len(text) <= _DIGITS_PER_INT_CALL:
        return int(text)
    half = len(text) // 2
    shift: int = 10 ** (len(text) - half)
    return _int_from_digits(text[:half]) * shift + _int_from_digits(text[half:])


def _is_nan(value: Number) -> bool:
    if isinstance(value, Decimal):
        return value.is_nan()
    return isinstance(value, float) and math.isnan(value)


def _parse_decimal(text: str) -> Decimal | None:
    if not text or text[0] not in NUMBER_START:
        return None  # most strings are words: skip the regex for them
    match = _DECIMAL_LITERAL.fullmatch(text)
    if match is None:
        return None
    exponent = match.group(1)
    if exponent is not None and len(exponent.lstrip("+-")) > _MAX_EXPONENT_DIGITS:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # only reachable on builds with a smaller exponent range
        return None
