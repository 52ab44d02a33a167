"""Semantic tokens: what each name of an expression is, for an editor to colour it.

Every interpolation is read with the grammar's tables (as far as it is
valid), and each part of it is classified. The types are named after the
standard ones of the Language Server Protocol, so a language server passes
them on as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dagabaaz.editor._common import checked
from dagabaaz.editor._scan import Token, scans
from dagabaaz.editor.positions import OffsetEncoding, from_code_points

__all__ = ["TOKEN_TYPES", "SemanticToken", "TokenType", "semantic_tokens"]

TokenType = Literal["namespace", "property", "function", "method", "operator", "string", "number"]
"""A namespace, a key (``property``), the ``list`` function, a pipe
(``method``), a ``|`` or a brace (``operator``), a text or number argument."""

TOKEN_TYPES: tuple[TokenType, ...] = (
    "namespace",
    "property",
    "function",
    "method",
    "operator",
    "string",
    "number",
)
"""Every token type, in the order a language server declares its legend."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class SemanticToken:
    """One classified span of an expression.

    Attributes:
        start: Its first offset.
        end: The offset just past it.
        type: See :data:`TokenType`.
    """

    start: int
    end: int
    type: TokenType


def semantic_tokens(source: str, *, offsets: OffsetEncoding = "code-points") -> list[SemanticToken]:
    """Return the classified spans of ``source``, in order, never overlapping.

    Text outside interpolations has no token; an interpolation that stops
    being valid has tokens up to where it does.

    Args:
        source: The expression.
        offsets: How the returned offsets count (see :mod:`dagabaaz.editor.positions`).
    """
    checked(source, None)
    found: list[tuple[int, int, TokenType]] = []
    for read in scans(source):
        for token in read.tokens:
            found.extend(_classify(token))
    return [
        SemanticToken(from_code_points(source, s, offsets), from_code_points(source, e, offsets), t)
        for s, e, t in found
        if e > s
    ]


def _classify(token: Token) -> list[tuple[int, int, TokenType]]:
    kind, text, start = token.kind, token.text, token.start
    if kind == "REF":
        middle = start + len(text.partition(".")[0])
        return [(start, middle, "namespace"), (middle + 1, token.end, "property")]
    if kind == "IDENT":
        return [(start, token.end, "function")]
    if kind == "PIPE":
        name = text.lstrip()[1:].lstrip()
        bar = start + text.index("|")
        return [(bar, bar + 1, "operator"), (token.end - len(name), token.end, "method")]
    if kind in ("LBRACE", "RBRACE"):
        brace = start + text.index("{" if kind == "LBRACE" else "}")
        return [(brace, brace + 1, "operator")]
    if kind == "QUOTED":
        return [(start, token.end, "string")]
    if kind == "BARE":
        value = text.rstrip()
        numeric = _NUMBER.fullmatch(value) is not None
        return [(start, start + len(value), "number" if numeric else "string")]
    return []
