"""List pipes: picking items, joining, flattening and compacting.

A value that is not a list (or tuple) counts as a list of one item for
``first``, ``last``, ``nth`` and ``join``, and is returned unchanged by
``flatten`` and ``compact``.
"""

from __future__ import annotations

from typing import Any

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import join_text, to_text


def first(value: object) -> Any:
    """Return the first item of a list; None when it is empty."""
    if value.__class__ is list or isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def last(value: object) -> Any:
    """Return the last item of a list; None when it is empty."""
    if value.__class__ is list or isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def nth(value: object, index: int = 0) -> Any:
    """Return the item at ``index`` (0 is the first, -1 the last); None when out of range."""
    items = value if isinstance(value, list | tuple) else (value,)
    return items[index] if -len(items) <= index < len(items) else None


def join(value: object, sep: str = ", ", *, budget: Budget) -> str:
    """Join the items as text with ``sep``; missing items (None or "") are skipped."""
    if value.__class__ is list or isinstance(value, list | tuple):
        return join_text(value, sep, budget)
    return to_text(value, budget)


def flatten(value: object, *, budget: Budget) -> Any:
    """Replace each item that is a list by its items (one level)."""
    if not isinstance(value, list | tuple):
        return value
    size = sum(len(item) if isinstance(item, list | tuple) else 1 for item in value)
    budget.items(size, "the result of flatten")
    flat: list[Any] = []
    for item in value:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def compact(value: object) -> Any:
    """Drop the None items of a list (and only those)."""
    if not isinstance(value, list | tuple):
        return value
    return [item for item in value if item is not None]
