"""A lean driver for the LALR(1) tables Lark builds from the grammar file.

Lark compiles ``grammar/expression.lark`` into parse tables, per-state
terminal sets (its contextual lexer) and rule callbacks (our AST builder).
This module runs exactly those, without Lark's per-token bookkeeping (line
counters, token objects with a dozen fields, interactive-parser state), which
roughly halves the cost of parsing a short template.

It only ever answers "here is the tree" or "not valid": on any error the caller
parses again with Lark itself, so every syntax error is still raised, and
explained, by Lark (see :mod:`dagabaaz.expressions.syntax_errors`). A property
test checks that both always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from lark import Lark
from lark.parsers.lalr_analysis import Shift

__all__ = ["FastParser"]


class _Token(NamedTuple):
    """What a rule callback needs of a token (Lark's Token has the same fields)."""

    type: str
    value: str
    start_pos: int
    end_pos: int


class FastParser:
    """Parse a template with Lark's tables; None means "invalid, ask Lark why"."""

    def __init__(self, lark: Lark, start: str) -> None:
        frontend = lark.parser
        parser = frontend.parser.parser
        table = parser.parse_table
        callbacks = parser.callbacks
        # Each reduce action becomes (children count, rule name, callback), so
        # parsing never hashes Lark's Rule objects.
        # Keys become plain strings: Lark's are Token objects, whose Python-level
        # __eq__ would run on every lookup.
        self._actions: dict[Any, dict[str, tuple[bool, Any]]] = {
            state: {
                str(kind): (True, target)
                if step is Shift
                else (False, (len(target.expansion), str(target.origin.name), callbacks[target]))
                for kind, (step, target) in actions.items()
            }
            for state, actions in table.states.items()
        }
        self._start = table.start_states[start]
        self._end = table.end_states[start]
        self._matchers = {
            state: _matcher(lexer.terminals, lark.options.g_regex_flags)
            for state, lexer in frontend.lexer.lexers.items()
        }
        for lexer in frontend.lexer.lexers.values():
            _ = lexer.scanner  # builds ``callback``: keyword rewrites we would not apply
            if lexer.callback or lexer.ignore_types:
                raise ValueError("the grammar uses lexer features this driver does not run")

    def parse(self, text: str) -> Any:
        """Return what the start rule's callback built, or None if ``text`` is invalid."""
        table, matchers, end_state = self._actions, self._matchers, self._end
        state_stack: list[Any] = [self._start]
        value_stack: list[Any] = []
        position, length = 0, len(text)
        while True:
            state = state_stack[-1]
            token: _Token | None
            if position < length:
                found = matchers[state](text, position)
                if found is None:
                    return None
                kind: str = found.lastgroup  # type: ignore[assignment]
                end = found.end()
                token = _Token(kind, found.group(), position, end)
                position = end
            else:
                kind, token = "$END", None
            while True:
                action = table[state].get(kind)
                if action is None:
                    return None
                if action[0]:
                    state_stack.append(action[1])
                    value_stack.append(token)
                    break
                size, rule, callback = action[1]
                if size:
                    children = value_stack[-size:]
                    del value_stack[-size:]
                    del state_stack[-size:]
                else:
                    children = []
                value_stack.append(callback(children))
                state = table[state_stack[-1]][rule][1]
                state_stack.append(state)
                if token is None and state == end_state:
                    return value_stack[-1]


def _matcher(terminals: list[Any], flags: int) -> Callable[[str, int], re.Match[str] | None]:
    # Lark sorted ``terminals`` in the order its scanner tries them; one
    # alternation in that order matches exactly what Lark's scanner matches.
    pattern = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals)
    return re.compile(pattern, flags).match
