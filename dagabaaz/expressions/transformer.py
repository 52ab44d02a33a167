"""The tree boundary: Lark rule callbacks that build the typed AST.

The transformer runs inside the LALR parser (``Lark(transformer=...)``, and
the lean driver of :mod:`dagabaaz.expressions.lalr`), so no ``lark.Tree`` is
ever built and nothing past the parser sees one. Each callback receives the
children of one rule: named tokens and the nodes the callbacks below already
built. It is a plain class, so the lean driver runs it without importing Lark.
"""

from __future__ import annotations

from typing import Any

from dagabaaz.expressions.ast import (
    Argument,
    FunctionCall,
    Interpolation,
    PipeCall,
    Primary,
    Reference,
    Template,
    Text,
)
from dagabaaz.expressions.escapes import decode_bare, decode_quoted, decode_text

__all__ = ["AstBuilder"]


class AstBuilder:
    """Build AST nodes from the rules of ``grammar/expression.lark``.

    Stateless, so one instance serves every parse on every thread. Tokens are
    only read through ``type``, ``value``, ``start_pos`` and ``end_pos``, so
    Lark's tokens and :mod:`dagabaaz.expressions.lalr`'s work alike.
    """

    def template(self, children: list[Any]) -> Template:
        """Build the template from its text tokens and interpolations."""
        parts = tuple(c if type(c) is Interpolation else _text(c) for c in children)
        return Template(parts, 0, parts[-1].end if parts else 0)

    def interpolation(self, children: list[Any]) -> Interpolation:
        """Build ``{value | pipe ...}`` from its braces, value and pipes."""
        opening = children[0]
        closing = children[-1]
        value: Primary = children[1]
        return Interpolation(value, tuple(children[2:-1]), opening.start_pos, closing.end_pos)

    def reference(self, children: list[Any]) -> Reference:
        """Split ``namespace.key`` at its first dot."""
        token = children[0]
        namespace, _, key = token.value.partition(".")
        return Reference(namespace, key, token.start_pos, token.end_pos)

    def call(self, children: list[Any]) -> FunctionCall:
        """Build a function call from its name and reference arguments."""
        name = children[0]
        closing = children[-1]
        args = tuple(c for c in children if type(c) is Reference)
        return FunctionCall(name.value, args, name.start_pos, closing.end_pos)

    def pipe(self, children: list[Any]) -> PipeCall:
        """Build a pipe call; a lone comma in parentheses is the argument ","."""
        token = children[0]
        name = token.value.lstrip()[1:].lstrip()
        start = token.end_pos - len(name)
        if len(children) == 1:
            return PipeCall(name, (), start, token.end_pos)
        closing = children[-1]
        inner = children[2] if len(children) == 4 else None
        if inner is None:
            args: tuple[Argument, ...] = ()
        elif type(inner) is list:
            args = tuple(inner)
        else:  # the lone comma of join(,)
            comma = inner.start_pos + inner.value.index(",")
            args = (Argument(",", "", comma, comma + 1),)
        return PipeCall(name, args, start, closing.end_pos)

    def arguments(self, children: list[Any]) -> list[Argument]:
        """Drop the commas between arguments."""
        return [c for c in children if type(c) is Argument]

    def argument(self, children: list[Any]) -> Argument:
        """Decode a bare (trimmed) or quoted argument."""
        token = children[0]
        if token.type == "QUOTED":
            return Argument(
                decode_quoted(token.value), token.value[0], token.start_pos, token.end_pos
            )
        raw = token.value
        end = token.start_pos + len(raw.rstrip())
        return Argument(decode_bare(raw), "", token.start_pos, end)


def _text(token: Any) -> Text:
    return Text(decode_text(token.value), token.start_pos, token.end_pos)
