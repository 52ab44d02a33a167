"""Reading inside a value: what to suggest for a dotted key that is not there.

A reference's key is everything after the first dot, read as one key:
``{source.nested.a}`` reads the key ``"nested.a"``, never ``a`` inside
``nested``. When that key is missing but ``nested`` holds a mapping (or JSON
text, or a list) with ``a`` in it, what the author meant is
``{source.nested | json_get(a)}``. :func:`inside_suggestion` finds that
expression by reading the value the way ``json_get`` does, so the suggestion
always reads a value; strict evaluation and ``check_expression`` with a
typed scope both give it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagabaaz._runtime.limits import Budget
from dagabaaz.errors import ExpressionError
from dagabaaz.pipes.builtin.data import json_get

__all__ = ["inside_suggestion", "json_get_chain"]


def json_get_chain(namespace: str, head: str, parts: list[str]) -> str:
    """Return ``{namespace.head | json_get(part) | ...}``: ``parts`` read inside ``head``."""
    chain = " | ".join(f"json_get({part})" for part in parts)
    return f"{{{namespace}.{head} | {chain}}}"


def inside_suggestion(
    namespace: str, key: str, read: Callable[[str], Any], budget: Budget
) -> str | None:
    """Return ``did you mean {namespace.head | json_get(...)}?`` when that reads a value.

    Args:
        namespace: The reference's namespace.
        key: Its key, which is missing.
        read: Reads another key of the same namespace (None when absent).
        budget: Bounds the reading (JSON text is parsed, as ``json_get`` does).

    The longest leading part of ``key`` that is a key of the namespace is
    tried first.
    """
    parts = key.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        value = read(head)
        if value is None:
            continue
        for part in parts[cut:]:
            try:
                value = json_get(value, part, budget=budget)
            except ExpressionError:  # JSON text over a limit: no suggestion from it
                value = None
            if value is None:
                break
        else:
            return f"did you mean {json_get_chain(namespace, head, parts[cut:])}?"
    return None
