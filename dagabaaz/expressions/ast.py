"""The typed syntax tree of an expression template.

Every node is a frozen, slotted dataclass carrying its source span as
``start``/``end`` offsets into the template. Spans are excluded from equality,
so two trees compare equal when they mean the same thing however they were
spaced or quoted (``unparse`` relies on this for its round trip).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

__all__ = [
    "Argument",
    "FunctionCall",
    "Interpolation",
    "Node",
    "PipeCall",
    "Primary",
    "Reference",
    "Span",
    "Template",
    "Text",
    "collect_references",
    "walk",
]


class Span(NamedTuple):
    """Half-open character range ``[start, end)`` in the template source."""

    start: int
    end: int


class _Located:
    """The span every node has: ``start`` and ``end`` offsets into the template."""

    __slots__ = ()
    start: int
    end: int

    @property
    def span(self) -> Span:
        """Where the node is in the source (each node's docstring says what it covers)."""
        return Span(self.start, self.end)


class _Named(_Located):
    """A node that starts with a name: a function or pipe call."""

    __slots__ = ()
    name: str

    @property
    def name_span(self) -> Span:
        """Where the name is in the source."""
        return Span(self.start, self.start + len(self.name))


@dataclass(frozen=True, slots=True)
class Text(_Located):
    """Literal text between interpolations, escapes already removed (its span includes them)."""

    value: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Reference(_Located):
    """A value looked up in the scope: ``namespace.key``.

    The key is everything after the first dot and is looked up as one key
    (``a.b.c`` reads key ``"b.c"`` of namespace ``"a"``).
    """

    namespace: str
    key: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def namespace_span(self) -> Span:
        """Where the namespace part is in the source."""
        return Span(self.start, self.start + len(self.namespace))

    @property
    def dotted(self) -> str:
        """The reference as written: ``namespace.key``."""
        return f"{self.namespace}.{self.key}"


@dataclass(frozen=True, slots=True)
class FunctionCall(_Named):
    """A function applied to references, such as ``list(a.url, b.url)``.

    Its span runs from the function name to the closing parenthesis.
    """

    name: str
    args: tuple[Reference, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Argument(_Located):
    """One literal argument of a pipe call, as text.

    ``quote`` is the quote character it was written with (``""`` when bare);
    it is kept for editors and ``unparse`` and does not take part in equality.
    The span includes the quotes.
    """

    value: str
    quote: str = field(default="", compare=False)
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class PipeCall(_Named):
    """A pipe applied to the value on its left: ``name`` or ``name(args)``.

    Its span runs from the pipe name to its closing parenthesis, if any.
    """

    name: str
    args: tuple[Argument, ...] = ()
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


Primary: TypeAlias = Reference | FunctionCall
"""What an interpolation starts with, before its pipes."""


@dataclass(frozen=True, slots=True)
class Interpolation(_Located):
    """``{primary | pipe | ...}``: a value and the pipes applied to it in order.

    Its span runs from the opening to the closing brace, both included.
    """

    value: Primary
    pipes: tuple[PipeCall, ...] = ()
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Template(_Located):
    """A whole expression: text and interpolations in source order (its span is all of it)."""

    parts: tuple[Text | Interpolation, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def interpolations(self) -> tuple[Interpolation, ...]:
        """The interpolations, in source order."""
        return tuple(part for part in self.parts if isinstance(part, Interpolation))


Node: TypeAlias = Template | Text | Interpolation | Reference | FunctionCall | PipeCall | Argument
"""Any node of the tree."""


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and every node below it, depth first, in source order."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(_children(current)))


def collect_references(node: Node) -> tuple[Reference, ...]:
    """Return every reference under ``node`` in source order, spans included."""
    return tuple(n for n in walk(node) if isinstance(n, Reference))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Template):
        return node.parts
    if isinstance(node, Interpolation):
        return (node.value, *node.pipes)
    if isinstance(node, FunctionCall):
        return node.args
    if isinstance(node, PipeCall):
        return node.args
    return ()
