"""Types as the editor sees them: what a reference holds and what each pipe makes of it.

A type is one of the names in :data:`dagabaaz.plugins.VALUE_TYPES`. A key's
type comes from the scope (a declared output, a sample value); a pipe's
result type from its function's return annotation, read once. ``any`` is
what nothing is known about.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from dagabaaz.editor._context import Shape
from dagabaaz.editor.scope import EditorScope
from dagabaaz.pipes.registry import PipeSpec

__all__ = ["pipe_result", "value_before"]

_ANNOTATIONS: dict[Any, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    Decimal: "number",
    list: "list",
    tuple: "list",
    dict: "object",
}


@functools.cache
def _result_of(function: Any) -> str:
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # a custom pipe's annotations may not resolve: nothing is known
        return "any"
    annotation = hints.get("return")
    origin = typing.get_origin(annotation) or annotation
    if origin in _ANNOTATIONS:
        return _ANNOTATIONS[origin]
    if isinstance(origin, type):
        if issubclass(origin, Mapping):
            return "object"
        if issubclass(origin, Sequence) and not issubclass(origin, str | bytes):
            return "list"
    return "any"


def pipe_result(spec: PipeSpec) -> str:
    """Return the type a pipe's result has, from its return annotation."""
    return _result_of(spec.function)


def value_before(scope: EditorScope, shape: Shape) -> str:
    """Return the type of the value the interpolation holds after the pipes of ``shape``."""
    if shape.function is not None:
        current = "list"
    elif shape.namespace is not None and shape.key is not None:
        info = scope.key(shape.namespace, shape.key)
        current = "any" if info is None else info.type
    else:
        current = "any"
    for name in shape.pipes:
        spec = scope.pipes.get(name)
        current = "any" if spec is None else pipe_result(spec)
    return current
