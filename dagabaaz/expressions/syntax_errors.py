"""The one place where Lark's parse errors become diagnostics.

A failed parse of one interpolation (``{...}``) is explained from three facts:
the first non-space character where the parser stopped, the terminals it
would have accepted there, and the tokens it had read so far. Nothing else in
the package looks at a Lark exception.
"""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dagabaaz.diagnostics import Diagnostic

__all__ = ["nested_brace", "translate"]

_WORD = re.compile(r"[^\s{}()|,\\\"']*")
_NAMESPACE = re.compile(r"[\w-]+")
_CALL = re.compile(r"([\w-]+)\s*\(")

_HINT_BRACE = "write '\\{' or '\\}' for a literal brace"
_HINT_EMPTY_ARGUMENT = 'quote it: "" for an empty argument, "," for a comma'
_HINT_ESCAPE = "quote the argument or escape the character with a backslash"


def nested_brace(source: str, position: int) -> Diagnostic:
    """Report the ``{`` at ``position``, inside an interpolation."""
    return Diagnostic.at(
        "nested-brace",
        "'{' inside an interpolation",
        source,
        position,
        position + 1,
        hint=_HINT_BRACE,
    )


def translate(
    source: str, offset: int, text: str, error: UnexpectedInput, history: list[Token]
) -> Diagnostic:
    """Explain why ``text`` (an interpolation at ``source[offset:]``) failed to parse.

    Args:
        source: The whole template, for line and column numbers.
        offset: Where ``text`` starts in ``source``.
        text: The interpolation that failed, from its ``{``.
        error: What Lark raised.
        history: The tokens the parser accepted before the error.
    """
    return _Explainer(source, offset, text, error, history).explain()


class _Explainer:
    """Classify one parse error; offsets are relative to ``text`` until reported."""

    def __init__(
        self,
        source: str,
        offset: int,
        text: str,
        error: UnexpectedInput,
        history: list[Token],
    ) -> None:
        self.source = source
        self.offset = offset
        self.text = text
        self.history = history
        self.expected: set[str] = set(_expected(error))
        position = _position(error, text)
        while position < len(text) and text[position].isspace():
            position += 1
        self.pos = position
        self.char = text[position] if position < len(text) else ""
        self.last = history[-1].type if history else ""

    def explain(self) -> Diagnostic:
        if not self.char:
            return self._report(
                "unclosed-brace", "unclosed '{': no matching '}'", 0, 1, hint=_HINT_BRACE
            )
        if self.char == "{":
            return nested_brace(self.source, self.offset + self.pos)
        paren = self._open_paren()
        if paren is not None:
            return self._in_parentheses(paren)
        return self._in_body()

    def _in_body(self) -> Diagnostic:
        char, pos = self.char, self.pos
        if self.last == "LBRACE":
            if char == "}":
                return self._report(
                    "empty-interpolation",
                    "empty interpolation '{}'",
                    0,
                    pos + 1,
                    hint="put a reference inside, such as {source.file_path}; "
                    "for literal braces write '\\{\\}'",
                )
            if char == ".":
                return self._bad_reference(pos)
            return self._unexpected("expected a reference such as 'source.file_path'")
        if self.last == "IDENT":
            return self._bad_reference(_start(self.history[-1]))
        if char == "|":
            return self._report(
                "empty-pipe",
                "empty pipe: expected a pipe name after '|'",
                pos,
                pos + 1,
                hint="remove the extra '|'",
            )
        if char == "." and self.last == "REF":
            return self._bad_reference(_start(self.history[-1]))
        return self._unexpected("expected '|' or '}'")

    def _in_parentheses(self, paren: int) -> Diagnostic:
        owner = self._paren_owner(paren)
        call = self.history[paren - 1].type == "IDENT"
        opening = self.history[paren]
        start = _start(opening) + opening.value.index("(")
        where = f"{owner}()" if call else f"pipe '{owner}'"
        char, pos = self.char, self.pos
        if char == "}" or (char == "|" and not call):
            return self._report(
                "unclosed-paren",
                f"unclosed '(' of {where}",
                start,
                start + 1,
                hint="add ')' to close it" + ("" if call else "; " + _HINT_ESCAPE.lower()),
            )
        if call:
            return self._in_call(owner)
        empty_at = self._empty_argument(char, pos)
        if empty_at is not None:
            return self._report(
                "ambiguous-argument",
                f"empty argument in {where}",
                empty_at,
                empty_at + 1,
                hint=_HINT_EMPTY_ARGUMENT,
            )
        if char in "\"'" and "QUOTED" in self.expected:
            return self._report(
                "unclosed-quote",
                f"unclosed quote in an argument of {where}",
                pos,
                len(self.text),
                hint=f"add the closing {char}",
            )
        if self.last == "QUOTED":
            return self._unexpected(f"expected ',' or ')' after a quoted argument of {where}")
        if char == "(":
            return self._report(
                "syntax-error",
                f"unexpected '(' in an argument of {where}",
                pos,
                pos + 1,
                hint=_HINT_ESCAPE,
            )
        return self._unexpected(f"in the arguments of {where}")

    def _empty_argument(self, char: str, pos: int) -> int | None:
        """Where an empty bare argument is, if that is what stopped the parser."""
        if char in ",)" and self.last in ("LPAR", "COMMA"):
            return pos  # "f(a,)" or "f(,,)": an argument was due here
        if self.last == "COMMA" and self.history[-2].type == "LPAR":
            comma = self.history[-1]  # "f(,x)": nothing before the first comma
            return _start(comma) + str(comma.value).index(",")
        return None

    def _in_call(self, name: str) -> Diagnostic:
        char, pos = self.char, self.pos
        if char == "(" and self.last == "IDENT":
            inner = self.history[-1]
            return self._nested_call(name, inner.value, _start(inner), pos + 1)
        call = _CALL.match(self.text, pos)
        if call is not None:
            return self._nested_call(name, call.group(1), pos, call.end())
        if self.last == "IDENT":
            return self._bad_reference(_start(self.history[-1]))
        if char == "|":
            return self._report(
                "syntax-error",
                f"pipes cannot be used inside {name}(); apply them after its ')'",
                pos,
                pos + 1,
            )
        if char not in ",)" and self.last in ("LPAR", "COMMA"):
            return self._bad_reference(pos)
        return self._unexpected(f"expected a reference in {name}()")

    def _nested_call(self, outer: str, inner: str, start: int, end: int) -> Diagnostic:
        return self._report(
            "nested-call",
            f"function call '{inner}(...)' inside {outer}(); {outer}() takes references only",
            start,
            end,
        )

    def _bad_reference(self, start: int) -> Diagnostic:
        match = _WORD.match(self.text, start)
        word = match.group() if match else ""
        end = start + len(word)
        namespace, dot, key = word.partition(".")
        if not dot:
            message = f"reference '{word}' has no dot; write namespace.key"
        elif not namespace:
            message = f"reference '{word}' has an empty namespace"
        elif not key:
            message = f"reference '{word}' has an empty key"
        elif not _NAMESPACE.fullmatch(namespace):
            message = (
                f"namespace '{namespace}' of reference '{word}' may only contain "
                "letters, digits, '_' and '-'"
            )
        else:
            message = f"reference '{word}' has an empty part between dots"
        return self._report("invalid-reference", message, start, max(end, start + 1), hint=None)

    def _unexpected(self, context: str) -> Diagnostic:
        return self._report(
            "syntax-error",
            f"unexpected {self.char!r}; {context}",
            self.pos,
            self.pos + 1,
        )

    def _open_paren(self) -> int | None:
        """Index in ``history`` of the '(' still open where the error happened."""
        depth: list[int] = []
        for index, token in enumerate(self.history):
            if token.type == "LPAR":
                depth.append(index)
            elif token.type == "RPAR" and depth:
                depth.pop()
        return depth[-1] if depth else None

    def _paren_owner(self, paren: int) -> str:
        before = self.history[paren - 1]
        if before.type == "PIPE":
            return str(before.value.lstrip()[1:].lstrip())
        return str(before.value)

    def _report(
        self, code: str, message: str, start: int, end: int, *, hint: str | None = None
    ) -> Diagnostic:
        return Diagnostic.at(
            code, message, self.source, self.offset + start, self.offset + end, hint=hint
        )


def _start(token: Token) -> int:
    return int(token.start_pos or 0)


def _expected(error: UnexpectedInput) -> set[str]:
    if isinstance(error, UnexpectedToken):
        return set(error.expected)
    if isinstance(error, UnexpectedCharacters):
        return set(error.allowed or ())
    return set()


def _position(error: UnexpectedInput, text: str) -> int:
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return len(text)
    position = error.pos_in_stream
    return len(text) if position is None else int(position)
