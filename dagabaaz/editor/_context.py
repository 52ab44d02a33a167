"""What is being written at the cursor: a namespace, a key, a pipe, an argument, or nothing.

:func:`context_at` reads the interpolation around the cursor up to the
cursor (see :mod:`dagabaaz.editor._scan`) and, like a language server that
repairs the text before the cursor and parses it in a completion mode,
decides from the last token and what the grammar expected next which name
is being typed, which characters it spans and what comes before it (the
value flowing into a pipe, the call an argument belongs to).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from dagabaaz.editor._scan import Scan, Token, interpolation_at, scan

__all__ = ["Call", "CursorContext", "Role", "Shape", "context_at", "shape_of"]

Role = Literal["none", "primary", "reference", "key", "pipe", "after-value", "argument"]
"""What the cursor is writing.

``primary`` starts an interpolation (a namespace or a function); ``reference``
is a namespace inside ``list(...)`` (no function there); ``key`` the key of
``namespace``; ``pipe`` a pipe name after ``|``; ``after-value`` a complete
value that a pipe may follow (``| name`` is inserted); ``argument`` an
argument of a pipe.
"""

_NAME_TAIL = re.compile(r"[\w-]*")
_KEY_TAIL = re.compile(r"[^\s{}()|,\"'\\]*")
_NAMESPACE_DOT = re.compile(r"([\w-]+)\.")
_PIPE_BAR = re.compile(r"\s*\|\s*")


@dataclass(frozen=True, slots=True)
class Call:
    """A call the cursor is inside: ``pipe(`` or ``list(``, and which argument."""

    kind: Literal["pipe", "function"]
    name: str
    name_start: int
    argument: int


@dataclass(frozen=True, slots=True)
class Shape:
    """An interpolation's parts as far as they were read.

    Attributes:
        namespace: The namespace of the primary reference, if it is one.
        key: Its key.
        function: The function name, if the primary is a call.
        pipes: Names of the pipes read, in order.
        call: The call still open at the end of what was read, if any.
    """

    namespace: str | None = None
    key: str | None = None
    function: str | None = None
    pipes: tuple[str, ...] = ()
    call: Call | None = None


@dataclass(frozen=True, slots=True)
class CursorContext:
    """What is being written at the cursor, and the span a suggestion replaces.

    Attributes:
        role: See :data:`Role`.
        start: First offset of the word being written (code points).
        end: Offset just past it, the rest of the word after the cursor included.
        prefix: The part of the word before the cursor.
        namespace: For ``key``: the namespace the key belongs to.
        quote: For a quoted ``argument`` being written: its quote character.
        shape: What the interpolation holds before the cursor.
        interpolation: Offset of the interpolation's ``{``, or -1 outside one.
    """

    role: Role
    start: int
    end: int
    prefix: str
    namespace: str | None = None
    quote: str = ""
    shape: Shape = Shape()
    interpolation: int = -1


def context_at(source: str, cursor: int) -> CursorContext:
    """Return what is being written at code-point offset ``cursor`` of ``source``."""
    cursor = max(0, min(cursor, len(source)))
    found = interpolation_at(source, cursor)
    if found is None:
        return CursorContext("none", cursor, cursor, "")
    begin = found[0]
    read = scan(source, begin, cursor)
    shape = shape_of(read.tokens)
    if read.stop == cursor:
        context = _at_token_end(source, cursor, read, shape)
    else:
        context = _in_broken_tail(source, cursor, read, shape)
    return _with(context, interpolation=begin)


def _with(context: CursorContext, **changes: object) -> CursorContext:
    return dataclasses.replace(context, **changes)  # type: ignore[arg-type]


def _word(
    source: str, role: Role, start: int, cursor: int, shape: Shape, *, key: bool = False
) -> CursorContext:
    tail = (_KEY_TAIL if key else _NAME_TAIL).match(source, cursor)
    end = tail.end() if tail is not None else cursor
    return CursorContext(role, start, end, source[start:cursor], shape=shape)


def _at_token_end(source: str, cursor: int, read: Scan, shape: Shape) -> CursorContext:
    """Everything up to the cursor was read: the last token may still be growing."""
    last = read.tokens[-1]
    kind = last.kind
    if kind == "LBRACE":
        return _word(source, "primary", cursor, cursor, shape)
    if kind == "IDENT":
        return _word(source, "primary", last.start, cursor, shape)
    if kind == "REF":
        namespace = last.text.partition(".")[0]
        start = last.start + len(namespace) + 1
        context = _word(source, "key", start, cursor, shape, key=True)
        return _with(context, namespace=namespace)
    if kind == "PIPE":
        name_start = last.end - len(last.text.lstrip()[1:].lstrip())
        # The pipe being written is not yet part of the value it will receive.
        before = dataclasses.replace(shape, pipes=shape.pipes[:-1])
        return _word(source, "pipe", name_start, cursor, before)
    if kind in ("LPAR", "COMMA"):
        if shape.call is None:
            return CursorContext("none", cursor, cursor, "", shape=shape)
        role: Role = "argument" if shape.call.kind == "pipe" else "reference"
        return _word(source, role, cursor, cursor, shape)
    if kind == "BARE":
        return CursorContext("argument", last.start, cursor, last.text, shape=shape)
    if kind in ("RPAR", "NO_ARGUMENTS"):
        return CursorContext("after-value", cursor, cursor, "", shape=shape)
    return CursorContext("none", cursor, cursor, "", shape=shape)


def _in_broken_tail(source: str, cursor: int, read: Scan, shape: Shape) -> CursorContext:
    """Read a tail the grammar refused: a token not finished yet, or a mistake."""
    stop, expected = read.stop, read.expected
    tail = source[stop:cursor]
    last = read.tokens[-1]
    if "PIPE" in expected:
        if not tail.strip():
            return CursorContext("after-value", cursor, cursor, "", shape=shape)
        if _PIPE_BAR.fullmatch(tail):
            return _word(source, "pipe", cursor, cursor, shape)
    if tail == "." and _ends_reference(read.tokens):
        # "{source." or "{a.b.": the reference is missing (the rest of) its key.
        namespace = last.text.partition(".")[0]
        start = last.start + len(namespace) + 1
        context = _word(source, "key", start, cursor, shape, key=True)
        return _with(context, namespace=namespace)
    if "REF" in expected and "IDENT" not in expected:  # an argument of list(...)
        if _NAME_TAIL.fullmatch(tail):
            return _word(source, "reference", stop, cursor, shape)
        dotted = _NAMESPACE_DOT.fullmatch(tail)
        if dotted is not None:
            context = _word(source, "key", cursor, cursor, shape, key=True)
            return _with(context, namespace=dotted.group(1))
    if "QUOTED" in expected and tail[:1] in ("'", '"'):
        return CursorContext("argument", stop + 1, cursor, tail[1:], quote=tail[0], shape=shape)
    if last.kind == "BARE" and tail.startswith("\\"):
        return CursorContext("argument", last.start, cursor, last.text + tail, shape=shape)
    return CursorContext("none", cursor, cursor, "", shape=shape)


def _ends_reference(tokens: tuple[Token, ...]) -> bool:
    """Whether the last token is a reference or a namespace that a dot would make one."""
    last = tokens[-1]
    if last.kind == "REF":
        return True
    return last.kind == "IDENT" and len(tokens) > 1 and tokens[-2].kind == "LBRACE"


def shape_of(tokens: tuple[Token, ...]) -> Shape:
    """Return the parts of an interpolation from its tokens (see :class:`Shape`)."""
    namespace = key = function = None
    pipes: list[str] = []
    call: Call | None = None
    previous = ""
    name_start = 0
    identifier = ""
    for token in tokens:
        kind = token.kind
        if kind == "REF" and call is None and not pipes and function is None:
            namespace, _, key = token.text.partition(".")
        elif kind == "PIPE":
            pipes.append(token.text.lstrip()[1:].lstrip())
            name_start = token.end - len(pipes[-1])
        elif kind == "LPAR":
            if previous == "PIPE":
                call = Call("pipe", pipes[-1], name_start, 0)
            elif previous == "IDENT":
                function = identifier
                call = Call("function", function, token.start - len(function), 0)
        elif kind == "COMMA" and call is not None:
            call = Call(call.kind, call.name, call.name_start, call.argument + 1)
        elif kind in ("RPAR", "NO_ARGUMENTS"):
            call = None
        if kind == "IDENT":
            identifier = token.text
        previous = kind
    return Shape(namespace, key, function, tuple(pipes), call)
