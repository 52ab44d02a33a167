"""Data pipes: reading JSON and converting between numbers and text.

What counts as a number is :mod:`dagabaaz._runtime.numbers`' rule, the one every
comparison uses: ints and floats, and strings spelling a plain decimal
literal (ASCII digits, no spaces).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.numbers import as_number
from dagabaaz._runtime.values import load_json
from dagabaaz.errors import PipeError

__all__ = ["MAX_INT_DIGITS"]

MAX_INT_DIGITS: Final = 4_300
"""Most digits ``int`` builds: Python's own limit for writing an int as text.

Converting a decimal string to an int takes time quadratic in its digits,
so ``"1e999999"`` is refused rather than built.
"""


def json_get(value: object, key: str, *, budget: Budget) -> Any:
    """Return the value under ``key`` of a dict, or of a string holding a JSON object.

    On a list (or a JSON array), ``key`` is an index. None when absent.
    """
    data = load_json(value, budget) if isinstance(value, str) else value
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, list | tuple):
        index = as_number(key)
        if index is not None and _is_whole(index) and -len(data) <= index < len(data):
            return data[int(index)]
    return None


def int_(value: object) -> int:
    """Return the value as an integer (decimals are cut off); 0 when it is not a number.

    True and False give 1 and 0, and NaN gives 0. An int comes back exact,
    whatever its size; an infinity, or a number with more digits before its
    decimal point than int builds, fails the evaluation.
    """
    if type(value) is str and value.isdigit() and value.isascii() and len(value) <= MAX_INT_DIGITS:
        return int(value)  # the common case: ASCII digits, read exactly
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    number = as_number(value)
    if number is None:
        return 0
    if isinstance(number, int):
        return int(number)  # exact: an int is never read through float
    if number != number:  # NaN, float or Decimal
        return 0
    if isinstance(number, float):
        if math.isinf(number):
            raise PipeError(_INFINITE)
        return int(number)
    if number.is_infinite():
        raise PipeError(_INFINITE)
    if number.adjusted() >= MAX_INT_DIGITS:
        raise PipeError(
            f"the number has {number.adjusted() + 1} digits before its decimal point, "
            f"more than int converts ({MAX_INT_DIGITS})"
        )
    return int(number)


_INFINITE: Final = "an infinite number has no integer value"


def _is_whole(number: object) -> bool:
    """Whether ``number`` is a finite number without a fractional part (never built as an int)."""
    if isinstance(number, int):
        return True
    if isinstance(number, float):
        return number.is_integer()
    if isinstance(number, Decimal):
        return number.is_finite() and number == number.to_integral_value()
    return False


def string(text: str) -> str:
    """Return the value as text: a list joined with ", ", a dict as JSON, None as ""."""
    return text
