"""Tree back to source: ``parse(unparse(tree)) == tree`` for every tree ``parse`` returns."""

from __future__ import annotations

from dagabaaz.expressions.ast import (
    Argument,
    FunctionCall,
    Interpolation,
    PipeCall,
    Reference,
    Template,
    Text,
)
from dagabaaz.expressions.escapes import encode_argument, encode_text

__all__ = ["unparse"]


def unparse(
    node: Template | Text | Interpolation | Reference | FunctionCall | PipeCall,
) -> str:
    """Return source text for ``node`` in the canonical spacing.

    Interpolations are written as ``{value | pipe(arg, arg)}``; arguments keep
    the quotes they were written with when they need them, and text is escaped.
    """
    if isinstance(node, Template):
        return "".join(unparse(part) for part in node.parts)
    if isinstance(node, Text):
        return encode_text(node.value)
    if isinstance(node, Interpolation):
        pipes = "".join(f" | {unparse(pipe)}" for pipe in node.pipes)
        return "{" + unparse(node.value) + pipes + "}"
    if isinstance(node, Reference):
        return node.dotted
    if isinstance(node, FunctionCall):
        return f"{node.name}({', '.join(a.dotted for a in node.args)})"
    return node.name + _arguments(node.args)


def _arguments(args: tuple[Argument, ...]) -> str:
    if not args:
        return ""
    if len(args) == 1 and args[0].value == "," and not args[0].quote:
        return "(,)"
    return "(" + ", ".join(encode_argument(a.value, a.quote) for a in args) + ")"
