"""Evaluate a pipe chain on one value, through the public API."""

from __future__ import annotations

from typing import Any

from dagabaaz.expressions import compile_expression
from dagabaaz.pipes import PipeRegistry


def apply(chain: str, value: Any, *, pipes: PipeRegistry | None = None) -> Any:
    """Return ``{v.x | <chain>}`` evaluated with ``v.x`` set to ``value``."""
    return compile_expression("{v.x | " + chain + "}", pipes=pipes).evaluate({"v": {"x": value}})
