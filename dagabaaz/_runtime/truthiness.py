"""Truthiness: the one rule deciding whether a value counts as true.

Used by the ``not`` pipe and by ``when`` clauses, so both always agree.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["FALSY_STRINGS", "is_truthy"]

FALSY_STRINGS: frozenset[str] = frozenset({"", "false", "0", "no", "off", "null", "none"})
"""Strings that are false, compared after trimming spaces and ignoring case."""


def is_truthy(value: object) -> bool:
    """Return whether ``value`` counts as true in a ``when`` clause or for ``not``.

    False are: ``None``; ``False``; zero (``0``, ``0.0``); a string that is
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
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, Collection):
        return len(value) > 0
    return True
