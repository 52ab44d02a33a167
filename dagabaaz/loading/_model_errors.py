"""Turn pydantic validation errors on a pipeline document into plain sentences.

Each error keeps its location as JSON-path segments, with the binding
``source`` tag pydantic inserts removed, so the path names what the author
wrote: ``nodes[2].bindings.title.expression``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dagabaaz._base.suggest import closest
from dagabaaz.diagnostics import shortened

__all__ = ["Described", "describe_errors"]

Path = tuple[str | int, ...]


class Described(NamedTuple):
    """One pydantic error, said plainly.

    Attributes:
        path: Where in the document (the object holding an unknown field).
        code: One of the loader's file codes (``unknown-field``, ...).
        message: One sentence.
        hint: A suggestion, such as ``"did you mean 'plugin'?"``, or None.
        key: The offending key of an unknown-field error, so a caller can
            point at the key itself.
    """

    path: Path
    code: str
    message: str
    hint: str | None
    key: str | None


def describe_errors(error: ValidationError, root: type[BaseModel]) -> list[Described]:
    """Describe every error pydantic found under ``root``."""
    found = []
    for detail in error.errors(include_url=False):
        path, code, message, hint = _describe(detail, root)
        last = detail["loc"][-1] if detail["loc"] else None
        key = last if detail["type"] == "extra_forbidden" and isinstance(last, str) else None
        found.append(Described(path, code, message, hint, key))
    return found


def _describe(detail: ErrorDetails, root: type[BaseModel]) -> tuple[Path, str, str, str | None]:
    if detail["loc"][-1:] == ("[key]",):  # pydantic's marker for a bad dict key
        path, _ = _walk(root, detail["loc"][:-2])
        shown = shortened(repr(detail["input"]), 60)
        return path, "invalid-value", f"keys must be strings, got {shown}", None
    path, parent = _walk(root, detail["loc"][:-1])
    last = detail["loc"][-1] if detail["loc"] else None
    kind = detail["type"]
    if kind == "extra_forbidden" and isinstance(last, str):
        return path, "unknown-field", f"unknown field {last!r}", _field_hint(last, parent)
    if last is not None and not _is_tag(parent, last):
        path = (*path, last)
    if kind == "missing":
        return path[:-1], "missing-field", f"missing required field {path[-1]!r}", None
    if kind == "union_tag_not_found":
        message = f"a binding needs a 'source': one of {_tags_text(detail)}"
        return path, "unknown-binding-source", message, None
    if kind == "union_tag_invalid":
        tag = (detail.get("ctx") or {}).get("tag")
        tags = _tags_text(detail)
        close = closest(str(tag), tags.split(", "))
        hint = f"did you mean {close!r}?" if close is not None else f"expected one of {tags}"
        return path, "unknown-binding-source", f"unknown binding source {tag!r}", hint
    message = _PLAIN.get(kind) or detail["msg"].replace("Input should be", "expected", 1)
    return path, "invalid-value", f"{message}, got {shortened(repr(detail['input']), 60)}", None


_OBJECT = "expected an object (a mapping of keys to values)"
_PLAIN = {
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "list_type": "expected a list",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
}


def _field_hint(name: str, parent: type[BaseModel] | None) -> str | None:
    if parent is None:
        return None
    known = sorted(parent.model_fields)
    close = closest(name, known)
    if close is not None:
        return f"did you mean {close!r}?"
    return f"expected one of {', '.join(known)}"


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
