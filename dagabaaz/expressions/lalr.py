"""A lean driver for the LALR(1) tables Lark builds from the grammar file.

Lark compiles ``grammar/expression.lark`` into parse tables, per-state
terminal sets (its contextual lexer) and rules. Those are written once, by
``python -m dagabaaz.docgen``, to the tables file of
:mod:`dagabaaz._runtime.syntax`, with the grammar's SHA-256 (a test fails when the file and the
grammar disagree). This module runs exactly those tables with our rule
callbacks (:class:`~dagabaaz.expressions.transformer.AstBuilder`), without
Lark's per-token bookkeeping and without importing Lark at all: a valid
template is parsed without Lark ever being loaded, which keeps importing
dagabaaz and compiling a first expression fast.

It only ever answers "here is the tree" or "not valid": on any error the caller
parses again with Lark itself, so every syntax error is still raised, and
explained, by Lark (see :mod:`dagabaaz.expressions.syntax_errors`). A property
test checks that both always agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from dagabaaz._runtime.syntax import grammar_digest

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["FastParser", "tables_text"]


class _Token(NamedTuple):
    """What a rule callback needs of a token (Lark's Token has the same fields)."""

    type: str
    value: str
    start_pos: int
    end_pos: int


class _Spliced(list[Any]):
    """The children of an inlined rule (``_name``): they join their parent's children."""

    __slots__ = ()


class FastParser:
    """Parse a template with the generated tables; None means "invalid, ask Lark why"."""

    def __init__(self, tables: dict[str, Any], callbacks: object, start: str) -> None:
        self._actions: dict[int, dict[str, int]] = {
            int(state): row for state, row in tables["actions"].items()
        }
        # Keyed by the negative action that reduces by each rule: -1 is the first.
        self._rules = {
            -1 - number: (size, origin, frozenset(expand), _callback(callbacks, origin))
            for number, (size, origin, expand) in enumerate(tables["rules"])
        }
        self._start: int = tables["start"][start]
        self._end: int = tables["end"][start]
        self._terminals: dict[str, str] = tables["terminals"]
        self._flags: int = tables["flags"]
        self._contexts: list[list[str]] = tables["contexts"]
        self._context_of: dict[int, int] = {
            int(state): context for state, context in tables["lexer"].items()
        }
        self._matchers: dict[int, Callable[[str, int], re.Match[str] | None]] = {}

    def _matcher(self, state: int) -> Callable[[str, int], re.Match[str] | None]:
        # Built on first use of each lexer state: most templates visit few.
        # The terminals are in the order Lark's scanner tries them, so one
        # alternation in that order matches exactly what Lark's scanner matches.
        names = self._contexts[self._context_of[state]]
        pattern = "|".join(f"(?P<{name}>{self._terminals[name]})" for name in names)
        match = re.compile(pattern, self._flags).match
        self._matchers[state] = match
        return match

    def parse(self, text: str) -> Any:
        """Return what the start rule's callback built, or None if ``text`` is invalid."""
        table, rules, matchers, end_state = self._actions, self._rules, self._matchers, self._end
        new_tuple = tuple.__new__
        state = self._start
        state_stack: list[int] = [state]
        value_stack: list[Any] = []
        push_state, push_value = state_stack.append, value_stack.append
        position, length = 0, len(text)
        while True:
            token: _Token | None
            if position < length:
                matcher = matchers.get(state) or self._matcher(state)
                found = matcher(text, position)
                if found is None:
                    return None
                kind: str = found.lastgroup  # type: ignore[assignment]
                end = found.end()
                # tuple.__new__ skips the NamedTuple's Python-level __new__.
                token = new_tuple(_Token, (kind, text[position:end], position, end))
                position = end
            else:
                kind, token = "$END", None
            while True:
                action = table[state].get(kind)
                if action is None:
                    return None
                if action >= 0:
                    state = action
                    push_state(state)
                    push_value(token)
                    break
                size, origin, expand, callback = rules[action]
                if size == 1:  # the commonest rule: one child, popped rather than sliced
                    children = [value_stack.pop()]
                    del state_stack[-1]
                elif size:
                    children = value_stack[-size:]
                    del value_stack[-size:]
                    del state_stack[-size:]
                else:
                    children = []
                if expand:
                    children = _splice(children, expand)
                if callback is not None:
                    push_value(callback(children))
                elif children.__class__ is _Spliced:
                    push_value(children)
                else:
                    push_value(_Spliced(children))
                state = table[state_stack[-1]][origin]
                push_state(state)
                if token is None and state == end_state:
                    return value_stack[-1]


def _callback(callbacks: object, origin: str) -> Callable[[list[Any]], Any] | None:
    if origin.startswith("_"):
        return None  # inlined into its parent, as Lark does
    function: Callable[[list[Any]], Any] = getattr(callbacks, origin)
    return function


def _splice(children: list[Any], expand: frozenset[int]) -> list[Any]:
    """Put the children of inlined rules in the place of those rules."""
    if 0 in expand:
        # Repetitions recurse on the left: extend the first list (which only
        # the parser holds) in place, so n parts cost n steps, not n squared.
        spliced: _Spliced = children[0]
        for index in range(1, len(children)):
            if index in expand:
                spliced.extend(children[index])
            else:
                spliced.append(children[index])
        return spliced
    flat = _Spliced()
    for index, child in enumerate(children):
        if index in expand:
            flat.extend(child)
        else:
            flat.append(child)
    return flat


def tables_text(lark: Lark, grammar: str) -> str:
    """Return the JSON of the tables Lark built for ``grammar`` (what this driver runs).

    Lark numbers its states in an order that changes from run to run; they
    are renumbered here in the order a walk from the start states meets
    them, so the same grammar always gives the same text.

    Raises:
        ValueError: The grammar uses a Lark feature this driver does not run.
    """
    from lark.parsers.lalr_analysis import Shift

    frontend = lark.parser
    table = frontend.parser.parser.parse_table
    order = _walk(table, Shift)
    number = {state: index for index, state in enumerate(order)}
    rules: list[Any] = []
    rule_numbers: dict[Any, int] = {}
    actions: dict[str, dict[str, int]] = {}
    for state in order:
        encoded: dict[str, int] = {}
        for kind, (step, target) in sorted(table.states[state].items(), key=_by_name):
            if step is Shift:
                encoded[str(kind)] = number[target]
                continue
            if target not in rule_numbers:
                rule_numbers[target] = len(rules)
                rules.append(_rule(target))
            encoded[str(kind)] = -1 - rule_numbers[target]
        actions[str(number[state])] = encoded
    contexts: list[list[str]] = []
    lexer: dict[str, int] = {}
    terminals: dict[str, str] = {}
    for state in order:
        state_lexer = frontend.lexer.lexers[state]
        _ = state_lexer.scanner  # builds ``callback``: keyword rewrites we would not apply
        if state_lexer.callback or state_lexer.ignore_types:
            raise ValueError("the grammar uses lexer features this driver does not run")
        names = [t.name for t in state_lexer.terminals]
        for t in state_lexer.terminals:
            terminals[t.name] = t.pattern.to_regexp()
        if names not in contexts:
            contexts.append(names)
        lexer[str(number[state])] = contexts.index(names)
    data = {
        "grammar_sha256": grammar_digest(grammar),
        "flags": lark.options.g_regex_flags,
        "start": {name: number[s] for name, s in sorted(table.start_states.items())},
        "end": {name: number[s] for name, s in sorted(table.end_states.items())},
        "terminals": dict(sorted(terminals.items())),
        "contexts": contexts,
        "lexer": lexer,
        "rules": rules,
        "actions": actions,
    }
    return json.dumps(data, indent=1) + "\n"


def _by_name(item: tuple[Any, Any]) -> str:
    return str(item[0])


def _walk(table: Any, shift: Any) -> list[Any]:
    """Return the states in the order a walk from the start states meets them."""
    order: list[Any] = []
    seen: set[Any] = set()
    pending = [state for _, state in sorted(table.start_states.items())]
    pending += [state for _, state in sorted(table.end_states.items())]
    while pending:
        state = pending.pop(0)
        if state in seen:
            continue
        seen.add(state)
        order.append(state)
        for _, (step, target) in sorted(table.states[state].items(), key=_by_name):
            if step is shift and target not in seen:
                pending.append(target)
    missing = [state for state in table.states if state not in seen]
    if missing:
        raise ValueError(f"{len(missing)} parser states cannot be reached from a start state")
    return order


def _rule(rule: Any) -> list[Any]:
    """Encode a rule as ``[children, origin, positions of inlined children]``."""
    options = rule.options
    if rule.alias or options.expand1 or options.keep_all_tokens:
        raise ValueError(f"rule {rule} uses a Lark feature this driver does not run")
    expand = []
    for index, symbol in enumerate(rule.expansion):
        if symbol.is_term:
            if symbol.filter_out:
                raise ValueError(f"rule {rule} drops a token, which this driver does not do")
        elif symbol.name.startswith("_"):
            expand.append(index)
    return [len(rule.expansion), str(rule.origin.name), expand]
