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
from dagabaaz._runtime.values import load_json, to_json
from dagabaaz.diagnostics import shortened
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
    decimal point than int builds, fails the evaluation. In strict mode,
    text that is not a number (``"abc"``, ``" 12"``, ``""``) fails the
    evaluation instead of giving 0.
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


def strict_int(value: object) -> int:
    """``int`` in strict mode: a value that is not a number fails instead of giving 0."""
    if not isinstance(value, bool) and as_number(value) is None:
        raise PipeError(_not_a_number(value))
    return int_(value)


def _not_a_number(value: object) -> str:
    if not isinstance(value, str):
        return f"a {type(value).__name__} is not a number, so it has no integer value"
    if not value:
        return "the value is empty, not a number"
    shown = shortened(repr(value))
    if value.strip() != value and as_number(value.strip()) is not None:
        return f"{shown} is not a number: a number has no spaces around it (trim it first)"
    return f"{shown} is not a number (a number is written like 12, -3.5 or 1e3)"


def json_(value: object | None, *, budget: Budget) -> str:
    """Return the value as strict JSON text: a string quoted, a missing value as null.

    Lists and dicts are written whole; a date, datetime or time as its ISO
    8601 string, a Decimal as a number of its digits, a UUID or a path as a
    string. A NaN or an infinity, anywhere, fails the evaluation: strict JSON
    has no such numbers.
    """
    return to_json(value, budget)


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
