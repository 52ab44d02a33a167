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

__all__ = ["GET", "LOOKUP_ERRORS", "Scope", "lookup", "read_strictly"]

Scope: TypeAlias = Mapping[str, Mapping[str, Any]] | Callable[[str, str], Any]
"""What an expression is evaluated against."""

GET: Final[Callable[..., Any]] = dict.get
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


def read_strictly(scope: Scope, namespace: str, key: str) -> tuple[Any, str | None]:
    """Return the value of ``namespace.key`` and, when it is missing, why.

    What strict evaluation reads: a value is missing when its namespace or
    key is absent, or when it is None (the missing value of templates; a
    callable scope says a value is missing by answering None).

    Raises:
        TypeError: ``scope`` is neither a mapping nor a callable.
    """
    if isinstance(scope, Mapping):
        inner = _get(scope, namespace, _ABSENT)
        if inner is _ABSENT:
            return None, f"the scope has no namespace '{namespace}'"
        if not isinstance(inner, Mapping):
            kind = "None" if inner is None else f"a {type(inner).__name__}, not a mapping"
            return None, f"namespace '{namespace}' is {kind}"
        value = _get(inner, key, _ABSENT)
        if value is _ABSENT:
            return None, f"namespace '{namespace}' has no key '{key}'"
        return value, None if value is not None else "its value is None"
    value = lookup(scope, namespace, key)
    return value, None if value is not None else "the scope has no value for it"


_ABSENT: Any = object()


def _get(mapping: Mapping[str, Any], key: str, default: Any = None) -> Any:
    return GET(mapping, key, default) if isinstance(mapping, dict) else mapping.get(key, default)
