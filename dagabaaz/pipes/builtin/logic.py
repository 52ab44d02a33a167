"""Logic pipes: fallbacks, requirements, negation and comparisons.

Comparisons follow one rule (:func:`equals`): two numbers (or strings spelling
numbers) compare as numbers, anything else compares as rendered text. ``gt``
and ``lt`` are numeric and false for anything that is not a number. What a
number is, and how two compare, is :mod:`dagabaaz._runtime.numbers`: the rule edge
filters use, exact for big ints and decimals alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.numbers import (
    NUMBER_START,
    SMALL_INT_BOUND,
    as_number,
    compare_numbers,
    small_int,
)
from dagabaaz._runtime.truthiness import FALSY_STRINGS, is_truthy
from dagabaaz._runtime.values import is_missing, to_text
from dagabaaz.errors import PipeError

__all__ = ["equals"]


def default(value: object, fallback: str = "") -> Any:
    """Return the value, or ``fallback`` when it is missing (None or "")."""
    if value.__class__ is str:
        return value or fallback
    return fallback if is_missing(value) else value


def required(value: object) -> Any:
    """Return the value; fail the evaluation when it is missing (None or "")."""
    if is_missing(value):
        raise PipeError("a required value is missing", code="required-missing")
    return value


def not_(value: object) -> bool:
    """Return True when the value is falsy (see ``dagabaaz.expressions.is_truthy``)."""
    if value.__class__ is str:  # the usual value, decided as is_truthy decides it
        return value.strip().lower() in FALSY_STRINGS
    return not is_truthy(value)


def all_(value: object) -> bool:
    """Return True when every item of a list is truthy (as ``not`` and ``when`` judge).

    Made to combine conditions: ``{list(input.a, input.b) | all}`` is true
    when both are. A value that is not a list counts as a list of one item;
    an empty list gives True (no item is falsy).
    """
    items = value if isinstance(value, list | tuple) else (value,)
    return all(map(is_truthy, items))


def any_(value: object) -> bool:
    """Return True when at least one item of a list is truthy (as ``not`` and ``when`` judge).

    Made to combine conditions: ``{list(input.a, input.b) | any}`` is true
    when either is. A value that is not a list counts as a list of one item;
    an empty list gives False.
    """
    items = value if isinstance(value, list | tuple) else (value,)
    return any(map(is_truthy, items))


def eq(value: object, x: str, *, budget: Budget) -> bool:
    """Return True when the value equals ``x`` (as numbers when both are numbers)."""
    if value.__class__ is str and not (value and value[0] in NUMBER_START):
        return value == x  # text that is no number: compared as text
    return equals(value, x, budget)


def neq(value: object, x: str, *, budget: Budget) -> bool:
    """Return True when the value does not equal ``x``."""
    if value.__class__ is str and not (value and value[0] in NUMBER_START):
        return value != x
    return not equals(value, x, budget)


def gt(value: object, x: Decimal) -> bool:
    """Return True when the value is a number greater than ``x``."""
    if type(value) is int and -SMALL_INT_BOUND < value < SMALL_INT_BOUND:
        return value > x  # exact, and cheap for an int of this size
    whole = small_int(value)
    if whole is not None:
        return whole > x
    number = as_number(value)
    return number is not None and compare_numbers(number, x) == 1


def lt(value: object, x: Decimal) -> bool:
    """Return True when the value is a number less than ``x``."""
    if type(value) is int and -SMALL_INT_BOUND < value < SMALL_INT_BOUND:
        return value < x  # exact, and cheap for an int of this size
    whole = small_int(value)
    if whole is not None:
        return whole < x
    number = as_number(value)
    return number is not None and compare_numbers(number, x) == -1


def in_(value: object, *options: str, budget: Budget) -> bool:
    """Return True when the value equals one of the options."""
    if value.__class__ is str and not (value and value[0] in NUMBER_START):
        return value in options
    return any(equals(value, option, budget) for option in options)


def equals(value: object, text: str, budget: Budget) -> bool:
    """Compare like ``eq``, ``neq`` and ``in``.

    Numbers compare numerically when ``text`` spells a number; a bool equals
    "true" or "false" (ignoring case); anything else compares its rendered
    text with ``text``.
    """
    if isinstance(value, bool):
        return text.lower() == ("true" if value else "false")
    number = as_number(value)
    if number is not None:
        other = as_number(text)
        if other is not None:
            return compare_numbers(number, other) == 0
    return to_text(value, budget) == text
