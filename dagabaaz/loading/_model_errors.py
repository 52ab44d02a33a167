"""Turn pydantic validation errors on a pipeline document into plain sentences.

Each error keeps its location as JSON-path segments, with the binding
``source`` tag pydantic inserts removed, so the path names what the author
wrote: ``nodes[2].bindings.title.expression``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dagabaaz._base.suggest import closest
from dagabaaz.diagnostics import shortened

__all__ = ["describe_errors"]

Path = tuple[str | int, ...]


def describe_errors(
    error: ValidationError, root: type[BaseModel]
) -> list[tuple[Path, str, str | None]]:
    """Return ``(path, sentence, unknown key)`` for every error pydantic found under ``root``.

    The third item names the offending key of an unknown-field error (whose
    path is the object holding it), so a caller can point at the key itself.
    """
    found = []
    for detail in error.errors(include_url=False):
        path, message = _describe(detail, root)
        last = detail["loc"][-1] if detail["loc"] else None
        key = last if detail["type"] == "extra_forbidden" and isinstance(last, str) else None
        found.append((path, message, key))
    return found


def _describe(detail: ErrorDetails, root: type[BaseModel]) -> tuple[Path, str]:
    if detail["loc"][-1:] == ("[key]",):  # pydantic's marker for a bad dict key
        path, _ = _walk(root, detail["loc"][:-2])
        return path, f"keys must be strings, got {shortened(repr(detail['input']), 60)}"
    path, parent = _walk(root, detail["loc"][:-1])
    last = detail["loc"][-1] if detail["loc"] else None
    kind = detail["type"]
    if kind == "extra_forbidden" and isinstance(last, str):
        return path, _unknown_field(last, parent)
    if last is not None and not _is_tag(parent, last):
        path = (*path, last)
    if kind == "missing":
        return path[:-1], f"missing required field {path[-1]!r}"
    if kind == "union_tag_not_found":
        return path, f"a binding needs a 'source': one of {_tags_text(detail)}"
    if kind == "union_tag_invalid":
        tag = (detail.get("ctx") or {}).get("tag")
        return path, f"unknown binding source {tag!r}; expected one of {_tags_text(detail)}"
    message = _PLAIN.get(kind) or detail["msg"].replace("Input should be", "expected", 1)
    return path, f"{message}, got {shortened(repr(detail['input']), 60)}"


_OBJECT = "expected an object (a mapping of keys to values)"
_PLAIN = {
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "list_type": "expected a list",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
}


def _unknown_field(name: str, parent: type[BaseModel] | None) -> str:
    message = f"unknown field {name!r}"
    if parent is None:
        return message
    known = sorted(parent.model_fields)
    close = closest(name, known)
    if close is not None:
        return f"{message}; did you mean {close!r}?"
    return f"{message}; expected one of {', '.join(known)}"


def _tags_text(detail: ErrorDetails) -> str:
    expected = str((detail.get("ctx") or {}).get("expected_tags", ""))
    return expected.replace("'", "") or "previous_node, config, runtime, expression"


def _walk(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Path, type[BaseModel] | None]:
    """Follow ``loc`` through the models; return the shown path and the model reached."""
    shown: list[str | int] = []
    current: Any = root
    for segment in loc:
        if _is_tag(current, segment):
            current = _tag_member(current, segment)
            continue
        shown.append(segment)
        current = _child(current, segment)
    model = current if isinstance(current, type) and issubclass(current, BaseModel) else None
    return tuple(shown), model


def _child(annotation: Any, segment: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(segment))
        return None if field is None else field.annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (list, dict) and args:
        return args[-1]
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> Iterator[type[BaseModel]]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            if isinstance(member, type) and issubclass(member, BaseModel):
                yield member


def _tag_member(annotation: Any, tag: str | int) -> type[BaseModel] | None:
    for member in _members(annotation):
        field = member.model_fields.get("source")
        if field is not None and field.default == tag:
            return member
    return None


def _is_tag(annotation: Any, segment: str | int | None) -> bool:
    return segment is not None and _tag_member(annotation, segment) is not None
