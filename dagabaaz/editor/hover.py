"""Hover: what the name under the cursor is.

A pipe shows its signature, its result type and its documentation; the
``list`` function its own; a namespace where its values come from and its
keys; a key its type, description and origin; an argument the parameter it
fills. Text outside interpolations, punctuation and unknown names show
nothing, except that an unknown pipe or key says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dagabaaz.editor._common import checked
from dagabaaz.editor._context import shape_of
from dagabaaz.editor._scan import Scan, Token, token_at
from dagabaaz.editor._types import pipe_result
from dagabaaz.editor.positions import OffsetEncoding, from_code_points, to_code_points
from dagabaaz.editor.scope import EditorScope
from dagabaaz.pipes.functions import FUNCTIONS
from dagabaaz.pipes.signature import REQUIRED, Param

__all__ = ["Hover", "HoverKind", "hover"]

HoverKind = Literal["namespace", "key", "function", "pipe", "argument"]
"""What the hovered name is."""


@dataclass(frozen=True, slots=True)
class Hover:
    """What to show for the name under the cursor.

    Attributes:
        kind: See :data:`HoverKind`.
        name: The name as written.
        signature: One line: ``truncate([length]) -> string``,
            ``source.title: string``, ``argument length: integer >= 0``.
        documentation: The longer text (plain text, paragraphs separated by
            blank lines).
        start: First offset of the hovered name.
        end: Offset just past it.
    """

    kind: HoverKind
    name: str
    signature: str
    documentation: str
    start: int
    end: int

    def markdown(self) -> str:
        """Return the hover as Markdown: the signature in a code block, then the text."""
        block = f"```\n{self.signature}\n```"
        return f"{block}\n\n{self.documentation}" if self.documentation else block


def hover(
    source: str,
    cursor: int,
    scope: EditorScope | None = None,
    *,
    offsets: OffsetEncoding = "code-points",
) -> Hover | None:
    """Return what the name at ``cursor`` is, or None where there is no name.

    Args:
        source: The expression.
        cursor: An offset on (or just after) the name.
        scope: What the expression may read; only pipes and functions are
            known without one.
        offsets: How ``cursor`` and the returned span count (see
            :mod:`dagabaaz.editor.positions`).
    """
    scope = checked(source, scope)
    at = to_code_points(source, cursor, offsets)
    found = token_at(source, at)
    if found is None:
        return None
    token, read = found
    result = _describe(token, read, at, scope)
    if result is None:
        return None
    kind, name, signature, documentation, start, end = result
    return Hover(
        kind,
        name,
        signature,
        documentation,
        from_code_points(source, start, offsets),
        from_code_points(source, end, offsets),
    )


_Described = tuple[HoverKind, str, str, str, int, int]


def _describe(token: Token, read: Scan, at: int, scope: EditorScope) -> _Described | None:
    if token.kind == "REF":
        namespace, _, key = token.text.partition(".")
        middle = token.start + len(namespace)
        if at < middle or (at == middle and at == token.start):
            return _namespace(namespace, token.start, middle, scope)
        return _key(namespace, key, middle + 1, token.end, scope)
    if token.kind == "IDENT":
        return _function(token.text, token.start, token.end)
    if token.kind == "PIPE":
        name = token.text.lstrip()[1:].lstrip()
        return _pipe(name, token.end - len(name), token.end, scope)
    if token.kind in ("BARE", "QUOTED"):
        index = read.tokens.index(token)
        return _argument(read.tokens[: index + 1], token, scope)
    return None


def _namespace(name: str, start: int, end: int, scope: EditorScope) -> _Described:
    info = scope.namespace(name)
    if info is None:
        known = "any namespace may be read" if scope.any_namespace else "not a known namespace"
        return "namespace", name, f"namespace {name}", known, start, end
    keys = ", ".join(k.name for k in info.keys)
    parts = [info.description or info.kind]
    if keys:
        parts.append(f"Keys: {keys}" + ("" if info.closed else ", and any other"))
    return "namespace", name, f"namespace {name}", "\n\n".join(parts), start, end


def _key(namespace: str, key: str, start: int, end: int, scope: EditorScope) -> _Described:
    info = scope.namespace(namespace)
    found = None if info is None else info.key(key)
    signature = f"{namespace}.{key}: {found.type if found is not None else 'any'}"
    if found is not None:
        text = "\n\n".join(part for part in (found.description, found.origin) if part)
    elif info is not None and info.closed:
        names = ", ".join(k.name for k in info.keys)
        text = f"'{key}' is not among the keys of {namespace}: {names}"
    else:
        text = "" if info is None else f"{info.description}; this key is not declared"
    return "key", key, signature, text, start, end


def _function(name: str, start: int, end: int) -> _Described:
    spec = FUNCTIONS.get(name)
    if spec is None:
        return "function", name, f"{name}(...)", "not a known function", start, end
    return "function", name, f"{name}(references...) -> list", spec.doc, start, end


def _pipe(name: str, start: int, end: int, scope: EditorScope) -> _Described:
    spec = scope.pipes.get(name)
    if spec is None:
        close = scope.pipes.suggest(name)
        text = "not a known pipe" + (f"; did you mean '{close}'?" if close else "")
        return "pipe", name, f"| {name}", text, start, end
    signature = f"{spec.signature.describe(name)} -> {pipe_result(spec)}"
    received = "text" if spec.signature.text_value else "any value"
    doc = f"{spec.doc}\n\nReceives {received}." if spec.doc else f"Receives {received}."
    return "pipe", name, signature, doc, start, end


def _argument(tokens: tuple[Token, ...], token: Token, scope: EditorScope) -> _Described | None:
    call = shape_of(tokens[:-1]).call
    if call is None or call.kind != "pipe":
        return None
    spec = scope.pipes.get(call.name)
    if spec is None:
        return None
    signature = spec.signature
    if signature.max_args is not None and call.argument >= signature.max_args:
        text = f"pipe '{call.name}' takes at most {signature.max_args} arguments"
        return "argument", token.text, f"{signature.describe(call.name)}", text, *_span(token)
    param = signature.param_for(call.argument)
    return (
        "argument",
        token.text.strip(),
        f"argument {param.name}: {describe_param(param)}",
        f"Argument {call.argument + 1} of {signature.describe(call.name)}.",
        *_span(token),
    )


def _span(token: Token) -> tuple[int, int]:
    text = token.text.rstrip()
    return token.start, token.start + len(text)


def _length(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} to {high:g} characters"
    if low is not None:
        return f"{low:g} or more characters"
    return f"at most {high:g} characters"


def describe_param(param: Param) -> str:
    """Return a parameter's type, bounds and default in words: ``integer >= 0, default 50``."""
    parts = [param.type_name + ("..." if param.variadic else "")]
    if param.range is not None and param.type is str:
        parts[0] += f" of {_length(param.range.min, param.range.max)}"
    elif param.range is not None:
        parts[0] += f" {param.range.describe()}"
    if param.default is not REQUIRED:
        parts.append(f"default {param.to_dict()['default']!r}")
    elif param.required:
        parts.append("required")
    return ", ".join(parts)
