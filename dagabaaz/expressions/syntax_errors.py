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

from dagabaaz._runtime.syntax import is_reference
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.expressions.grammar import fast_parser

__all__ = ["escaped_interpolation", "nested_brace", "translate"]

_WORD = re.compile(r"[^\s{}()|,\\\"']*")
_NEXT_WORD = re.compile(r"\s+([^\s{}()|,\\\"']+)")
_NAME_WORD = re.compile(r"[^\s{}()|,]+")
_NAMESPACE = re.compile(r"[\w-]+")
_CALL = re.compile(r"([\w-]+)\s*\(")

_HINT_BRACE = "write '\\{' or '\\}' for a literal brace"
_HINT_EMPTY_ARGUMENT = 'quote it: "" for an empty argument, "," for a comma'
_HINT_BLANK_ARGUMENT = 'quote it: " " for a space, "" for an empty argument'
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


def escaped_interpolation(source: str, start: int, brace: int) -> Diagnostic | None:
    r"""Report a ``\{`` in the text ``source[start:brace]`` that a stray ``}`` closes.

    ``C:\temp\{a.b}`` means a backslash, then the interpolation; but
    ``\{`` is a literal brace, so the ``}`` at ``brace`` closes nothing. The
    problem is the backslash: the diagnostic points at it, when what lies
    between the brace and the ``}`` is an interpolation. None otherwise.
    """
    escaped = None
    i = start
    while i < brace:
        if source[i] == "\\":
            if i + 1 < brace and source[i + 1] == "{":
                escaped = i
            i += 2
        else:
            i += 1
    if escaped is None:
        return None
    inner = source[escaped + 1 : brace + 1]
    if fast_parser().parse(inner) is None:  # not an interpolation unescaped: a plain stray brace
        return None
    return Diagnostic.at(
        "escaped-brace",
        f"'\\{{' is a literal brace, so {shortened(inner)!r} is not an interpolation and its "
        "'}' closes nothing",
        source,
        escaped,
        escaped + 2,
        hint="for a backslash followed by an interpolation, double the backslash: "
        f"'\\\\{shortened(inner)}'",
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
            return self._after_bar(pos)
        if self.last == "PIPE" and pos == _end(self.history[-1]):
            return self._glued_to_pipe_name(self.history[-1])
        if char == "." and self.last == "REF":
            return self._bad_reference(_start(self.history[-1]))
        if self.last == "REF" and _WORD.match(self.text, pos).group():  # type: ignore[union-attr]
            return self._bad_reference(_start(self.history[-1]))  # "{source.my title}"
        return self._unexpected("expected '|' or '}'")

    def _after_bar(self, bar: int) -> Diagnostic:
        """Explain a '|' that no pipe name follows: none, a quoted one, or not a name."""
        after = bar + 1
        while after < len(self.text) and self.text[after].isspace():
            after += 1
        char = self.text[after] if after < len(self.text) else ""
        if char in ('"', "'") and (close := self.text.find(char, after + 1)) > after:
            inner = self.text[after + 1 : close]
            return self._report(
                "invalid-pipe-name",
                f"pipe name {shortened(char + inner + char)} is quoted; "
                "pipe names are written without quotes",
                after,
                close + 1,
                hint=f"write '| {shortened(inner)}'" if _is_pipe_name(inner) else None,
            )
        if char and char not in "|}(),{":
            word = _NAME_WORD.match(self.text, after).group()  # type: ignore[union-attr]
            return self._not_a_pipe_name(word, after)
        return self._report(
            "empty-pipe",
            "empty pipe: expected a pipe name after '|'",
            bar,
            bar + 1,
            hint="remove the extra '|'",
        )

    def _glued_to_pipe_name(self, token: Token) -> Diagnostic:
        """Report a character no pipe name holds, right after its letters (``| up😀per``)."""
        name = str(token.value).lstrip()[1:].lstrip()
        start = _end(token) - len(name)
        word = _NAME_WORD.match(self.text, start).group()  # type: ignore[union-attr]
        return self._not_a_pipe_name(word, start)

    def _not_a_pipe_name(self, word: str, start: int) -> Diagnostic:
        return self._report(
            "invalid-pipe-name",
            f"'{shortened(word)}' is not a pipe name; a pipe name is made of letters, "
            "digits, '_' and '-'",
            start,
            start + len(word),
        )

    def _in_parentheses(self, paren: int) -> Diagnostic:
        owner = shortened(self._paren_owner(paren))
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
        empty = self._empty_argument(char, pos)
        if empty is not None:
            start, end, blank = empty
            if blank:
                return self._report(
                    "ambiguous-argument",
                    f"blank argument in {where}: spaces alone are trimmed to nothing",
                    start,
                    end,
                    hint=_HINT_BLANK_ARGUMENT,
                )
            return self._report(
                "ambiguous-argument",
                f"empty argument in {where}",
                start,
                end,
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

    def _empty_argument(self, char: str, pos: int) -> tuple[int, int, bool] | None:
        """Where an empty (or blank) bare argument is, if that stopped the parser.

        Returns its span and whether it is blank: spaces the '(' or ',' before
        it absorbed, such as ``join( )`` or ``f(a, )``.
        """
        if char in ",)" and self.last in ("LPAR", "COMMA"):
            return self._gap(self.history[-1], pos)  # "f(a,)", "f(,,)", "f( )"
        if self.last == "COMMA" and self.history[-2].type == "LPAR":
            comma = self.history[-1]  # "f(,x)": nothing before the first comma
            return self._gap(self.history[-2], _start(comma) + str(comma.value).index(","))
        return None

    def _gap(self, opener: Token, stop: int) -> tuple[int, int, bool]:
        """Return the argument between ``opener``'s '(' or ',' and the delimiter at ``stop``."""
        mark = "(" if opener.type == "LPAR" else ","
        after = _start(opener) + str(opener.value).index(mark) + 1
        if stop > after:  # only spaces can be in between: the tokens absorbed them
            return after, stop, True
        return stop, stop + 1, False

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
        outer, inner = shortened(outer), shortened(inner)
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
        spaced = _NEXT_WORD.match(self.text, end)
        if spaced is not None and word:
            return self._spaced_reference(word, spaced.group(1), start, spaced.end())
        namespace, dot, key = word.partition(".")
        word = shortened(word)
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

    def _spaced_reference(self, word: str, after: str, start: int, end: int) -> Diagnostic:
        """Report a reference broken by spaces: ``{my source.title}``, ``{source .title}``."""
        if "." in after and not after.startswith("."):
            meant = after  # the second word is a reference of its own
        elif word.endswith(".") or after.startswith("."):
            meant = word + after
        elif "." in word:
            meant = ""  # "{source.my title}": a key cannot hold a space
        else:
            meant = f"{word}.{after}"
        written = shortened(self.text[start:end])
        return self._report(
            "invalid-reference",
            f"reference '{written}' has a space in it; a reference is namespace.key without spaces",
            start,
            end,
            hint=f"did you mean '{shortened(meant)}'?" if is_reference(meant) else None,
        )

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


def _end(token: Token) -> int:
    return int(token.end_pos or 0)


def _is_pipe_name(text: str) -> bool:
    return re.fullmatch(r"[\w-]+", text) is not None


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
