"""Exact numeric comparison for filter values.

Edge filters compare whatever metadata holds, so nothing here goes through
``float`` on the way: CPython compares ``int`` with ``float`` exactly, and
:class:`decimal.Decimal` compares exactly with both, which keeps
``2**53 + 1 > 2**53`` true and ``0.1 == Decimal("0.1")`` false.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = ["Number", "as_number", "compare_numbers"]

Number = int | float | Decimal
"""A value that takes part in numeric comparison (never a ``bool``)."""

# Unambiguous alternatives keep the match linear: no digit run can be split
# two ways, so a long non-number fails without backtracking. ASCII digits
# only, because Decimal would otherwise accept other scripts' digits.
_DECIMAL_LITERAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")

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


def compare_numbers(left: Number, right: Number) -> int | None:
    """Return -1, 0 or 1 as ``left`` is below, equal to or above ``right``.

    Returns None when either side is NaN: NaN is never equal to, greater
    than or less than anything, itself included.
    """
    if _is_nan(left) or _is_nan(right):
        return None
    if left < right:
        return -1
    return 1 if left > right else 0


def _is_nan(value: Number) -> bool:
    if isinstance(value, Decimal):
        return value.is_nan()
    return isinstance(value, float) and math.isnan(value)


def _parse_decimal(text: str) -> Decimal | None:
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
