"""Reading references from the scope an expression is evaluated in.

A scope is either a mapping ``namespace -> mapping key -> value`` or a
callable ``(namespace, key) -> value``. A key is looked up as one key, dots
included; anything absent reads as None.

A mapping scope is only ever read, never written. A ``dict`` (a subclass
such as ``defaultdict`` or ``OrderedDict`` included) is read with
``dict.get``, which never calls ``__missing__``, so a ``defaultdict`` gains
no entry for a namespace or key it lacks; any other mapping is read with its
own ``get``. The evaluators' fast path is :data:`GET` applied twice, and
:func:`lookup` is the general case it falls back to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

__all__ = ["GET", "LOOKUP_ERRORS", "Scope", "lookup"]

Scope: TypeAlias = Mapping[str, Mapping[str, Any]] | Callable[[str, str], Any]
"""What an expression is evaluated against."""

GET: Final[Callable[[Any, str], Any]] = dict.get
"""The fast path: ``GET(GET(scope, namespace), key)``, for dicts of dicts."""

LOOKUP_ERRORS = (TypeError,)
"""What the fast path raises when the scope or a namespace is not a dict."""


def lookup(scope: Scope, namespace: str, key: str) -> Any:
    """Return the value of ``namespace.key`` in ``scope``, or None when absent.

    Raises:
        TypeError: ``scope`` is neither a mapping nor a callable.
    """
    if isinstance(scope, Mapping):
        inner = _get(scope, namespace)
        return _get(inner, key) if isinstance(inner, Mapping) else None
    if callable(scope):
        return scope(namespace, key)
    raise TypeError(
        "a scope must be a mapping of namespaces to mappings, or a callable "
        f"(namespace, key) -> value, not {type(scope).__name__}"
    )


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    return GET(mapping, key) if isinstance(mapping, dict) else mapping.get(key)
