"""The one copier of JSON-shaped values (run inputs, artifact metadata)."""

from __future__ import annotations

import copy
from typing import Any, Final

__all__ = ["copy_value"]

_IMMUTABLE: Final = frozenset({str, int, float, bool, type(None), bytes})


def copy_value(value: Any) -> Any:
    """Return a copy a caller may mutate freely (JSON shapes fast, the rest deep-copied)."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict:
        return {key: copy_value(item) for key, item in value.items()}
    if kind is list:
        return [copy_value(item) for item in value]
    return copy.deepcopy(value)
