"""Truthiness: the one rule deciding whether a value counts as true.

Used by the ``not`` pipe and by ``when`` clauses, so both always agree.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

__all__ = ["FALSE_WORDS", "FALSY_STRINGS", "TRUE_WORDS", "is_truthy"]

FALSY_STRINGS: frozenset[str] = frozenset({"", "false", "0", "no", "off", "null", "none"})
"""Strings that are false, compared after trimming spaces and ignoring case."""

FALSE_WORDS: frozenset[str] = FALSY_STRINGS - {""}
"""The words that say false: what a ``bool`` pipe argument reads as False."""

TRUE_WORDS: frozenset[str] = frozenset({"true", "yes", "on", "1"})
"""The words that say true: what a ``bool`` pipe argument reads as True.

A clause takes any other text as true too; an argument does not, so a
misspelt flag is a save-time error rather than a silent yes.
"""


def is_truthy(value: object) -> bool:
    """Return whether ``value`` counts as true in a ``when`` clause or for ``not``.

    False are: ``None``; ``False``; zero (``0``, ``0.0``, ``Decimal(0)``); a string that is
    empty, blank, or (ignoring case and surrounding spaces) one of ``"false"``,
    ``"0"``, ``"no"``, ``"off"``, ``"null"``, ``"none"``; an empty list, tuple,
    dict or other collection. Everything else is true, including the strings
    ``"true"``, ``"yes"`` and ``"[]"``, and non-zero numbers.
    """
    cls = value.__class__
    if cls is bool:
        return value  # type: ignore[return-value]
    if cls is str:
        return value.strip().lower() not in FALSY_STRINGS  # type: ignore[attr-defined]
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() not in FALSY_STRINGS
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, Collection):
        return len(value) > 0
    return True
