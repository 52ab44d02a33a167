"""Reading references from the scope an expression is evaluated in.

A scope is either a mapping ``namespace -> mapping key -> value`` or a
callable ``(namespace, key) -> value``. A key is looked up as one key, dots
included; anything absent reads as None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

__all__ = ["LOOKUP_ERRORS", "Scope", "lookup"]

Scope: TypeAlias = Mapping[str, Mapping[str, Any]] | Callable[[str, str], Any]
"""What an expression is evaluated against."""

LOOKUP_ERRORS = (KeyError, TypeError, IndexError)
"""What ``scope[namespace][key]`` raises when the fast path does not apply."""


def lookup(scope: Scope, namespace: str, key: str) -> Any:
    """Return the value of ``namespace.key`` in ``scope``, or None when absent.

    Raises:
        TypeError: ``scope`` is neither a mapping nor a callable.
    """
    if isinstance(scope, Mapping):
        inner = scope.get(namespace)
        return inner.get(key) if isinstance(inner, Mapping) else None
    if callable(scope):
        return scope(namespace, key)
    raise TypeError(
        "a scope must be a mapping of namespaces to mappings, or a callable "
        f"(namespace, key) -> value, not {type(scope).__name__}"
    )
