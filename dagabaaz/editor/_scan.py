"""Read an interpolation token by token with the grammar's own tables, stopping anywhere.

The editor works on text being typed: ``{source.fi``, ``{a.b | tru``,
``{a.b | truncate(``. The parser rejects all of these, so the editor does not
ask it for a tree. Instead it runs the LALR tables generated from
``grammar/expression.lark`` (the same tables the parser runs) over the
interpolation, token by token, and stops where the text stops being valid
or where it is told to stop (the cursor). What it returns, the tokens read
and the terminals the grammar expected next, is what completion, hover,
signature help and semantic tokens read; the grammar stays the only
description of the syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from dagabaaz._runtime.syntax import load_tables
from dagabaaz.expressions.segments import split_segments

__all__ = ["Scan", "Token", "interpolation_at", "scan", "scans", "token_at"]


class Token(NamedTuple):
    """One token of an interpolation: its terminal, its span and its text."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Scan:
    """What reading an interpolation found.

    Attributes:
        tokens: The tokens read, in order (the first is the opening brace).
        stop: Where reading stopped: the limit, or the first character that
            does not continue a valid interpolation.
        expected: The terminals the grammar allowed at ``stop``.
    """

    tokens: tuple[Token, ...]
    stop: int
    expected: frozenset[str]


class _Tables:
    """The generated tables, arranged for stepping (built once, on first use)."""

    def __init__(self, tables: dict[str, Any]) -> None:
        self.actions: dict[int, dict[str, int]] = {
            int(state): row for state, row in tables["actions"].items()
        }
        self.rules: list[tuple[int, str]] = [(size, origin) for size, origin, _ in tables["rules"]]
        self.start: int = tables["start"]["interpolation"]
        contexts: list[list[str]] = tables["contexts"]
        flags: int = tables["flags"]
        terminals: dict[str, str] = tables["terminals"]
        self.context_of: dict[int, int] = {int(s): c for s, c in tables["lexer"].items()}
        self.expected: list[frozenset[str]] = [frozenset(names) for names in contexts]
        # Terminals in the order the lexer tries them, one alternation per context.
        self.matchers: list[Callable[[str, int, int], re.Match[str] | None] | None] = [
            re.compile("|".join(f"(?P<{n}>{terminals[n]})" for n in names), flags).match
            if names
            else None
            for names in contexts
        ]

    def shift(self, stack: list[int], kind: str) -> bool:
        """Apply ``kind`` to the state ``stack`` (reductions, then the shift); False if refused."""
        actions, rules = self.actions, self.rules
        trial = list(stack)
        while True:
            action = actions[trial[-1]].get(kind)
            if action is None:
                return False
            if action >= 0:
                trial.append(action)
                stack[:] = trial
                return True
            size, origin = rules[-1 - action]
            if size:
                del trial[-size:]
            trial.append(actions[trial[-1]][origin])


_tables: _Tables | None = None


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        _tables = _Tables(load_tables())
    return _tables


def scan(source: str, start: int, limit: int) -> Scan:
    """Read the interpolation opening at ``source[start]`` (a ``{``), up to ``limit`` at most."""
    tables = _get_tables()
    stack = [tables.start]
    tokens: list[Token] = []
    position = start
    context = tables.context_of[stack[-1]]
    while position < limit:
        matcher = tables.matchers[context]
        found = None if matcher is None else matcher(source, position, limit)
        if found is None:
            break
        kind: str = found.lastgroup  # type: ignore[assignment]
        if not tables.shift(stack, kind):
            break
        end = found.end()
        tokens.append(Token(kind, position, end, source[position:end]))
        position = end
        context = tables.context_of[stack[-1]]
        if kind == "RBRACE":
            break
    return Scan(tuple(tokens), position, tables.expected[context])


def interpolation_at(source: str, cursor: int) -> tuple[int, int] | None:
    """Return ``(start, end)`` of the interpolation the cursor is in, or None in text.

    ``start`` is the offset of its ``{``; ``end`` is just past its ``}``, or
    the end of the source when it is still open. A cursor right before the
    ``{`` or right after the ``}`` is outside.
    """
    for segment in split_segments(source):
        if segment.start >= cursor:
            break
        if segment.kind == "interpolation" and cursor < segment.end:
            return segment.start, segment.end
    # Text being typed before more text: the brace closes nowhere yet, or a
    # later interpolation's brace was taken for its own. Only what comes
    # before the cursor decides.
    segments = split_segments(source[:cursor])
    if segments and segments[-1].kind == "unclosed":
        begin = segments[-1].start
        return begin, _open_end(source, begin, cursor)
    return None


def _open_end(source: str, begin: int, cursor: int) -> int:
    """Where an interpolation still open at the cursor ends: its ``}``, or the source's end."""
    for segment in split_segments(source[begin:]):
        if segment.kind == "interpolation" and begin + segment.end > cursor:
            return begin + segment.end
        break
    return len(source)


def scans(source: str) -> list[Scan]:
    """Read every interpolation of ``source`` (the open one at the end included)."""
    return [
        scan(source, segment.start, segment.end)
        for segment in split_segments(source)
        if segment.kind in ("interpolation", "unclosed")
    ]


def token_at(source: str, offset: int) -> tuple[Token, Scan] | None:
    """Return the token holding the character at ``offset`` (or ending just before it)."""
    found = interpolation_at(source, offset) or interpolation_at(source, offset - 1)
    if found is None:
        return None
    read = scan(source, found[0], found[1])
    for wanted in (offset, offset - 1):
        for token in read.tokens:
            if token.start <= wanted < token.end and token.kind not in _PUNCTUATION:
                return token, read
    return None


_PUNCTUATION = frozenset({"LBRACE", "RBRACE", "LPAR", "RPAR", "COMMA", "NO_ARGUMENTS"})
