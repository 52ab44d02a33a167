"""PyYAML's errors in plain words: what is wrong, where, and what to do about it.

PyYAML reports a mistake in the terms of its own machinery ("while parsing a
block collection, expected <block end>, but found '<block mapping start>'").
:func:`describe_yaml_error` turns each of its messages into one a person
editing a pipeline file reads at a glance, with a hint, and picks the place
worth pointing at: for a quote or a bracket that is never closed, where it
was opened, not the end of the file. A message this module does not know
keeps its own words, with the jargon translated.

Only the error's attributes are read (``context``, ``problem``, the marks),
so this module does not import PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["YamlMessage", "describe_yaml_error"]


@dataclass(frozen=True, slots=True)
class YamlMessage:
    """A YAML error told plainly: the message, a hint, and where (1-based; None if unknown)."""

    message: str
    hint: str | None
    line: int | None
    column: int | None


_TOKENS = {
    "<stream end>": "the end of the file",
    "<document start>": "a '---' line",
    "<document end>": "a '...' line",
    "<block end>": "the end of the block",
    "<block mapping start>": "a 'key: value' line",
    "<block sequence start>": "a list item ('- ...')",
    "<scalar>": "a value",
    "<alias>": "an alias (*name)",
    "<anchor>": "an anchor (&name)",
    "<tag>": "a tag (!name)",
    "<directive>": "a directive (%...)",
    "-": "a list item ('-')",
    "?": "'?'",
    ":": "':'",
    ",": "','",
    "[": "'['",
    "]": "']'",
    "{": "'{'",
    "}": "'}'",
}

# Jargon left in a message this module has no rule for, in plain words.
_JARGON = (
    ("double-quoted scalar", "double-quoted text"),
    ("quoted scalar", "quoted text"),
    ("plain scalar", "value"),
    ("block scalar", "block of text ('|' or '>')"),
    ("scalar", "value"),
    ("block collection", "list"),
    ("block sequence", "list"),
    ("block mapping", "mapping"),
    ("flow sequence", "'[...]' list"),
    ("flow mapping", "'{...}' mapping"),
    ("simple key", "key"),
    ("the node content", "a value"),
    ("block node", "value"),
    ("flow node", "value"),
    ("a node", "a value"),
    ("token", "character"),
)
_QUOTED_TOKEN = re.compile(r"'(<[a-z ]+>|[-?:,\[\]{}])'")


@dataclass(frozen=True, slots=True)
class _Found:
    context: str
    problem: str
    at_problem: tuple[int | None, int | None]
    at_context: tuple[int | None, int | None]


_Rule = Callable[[_Found, "re.Match[str]"], YamlMessage]


def describe_yaml_error(error: BaseException, text: str | None = None) -> YamlMessage:
    """Return PyYAML's ``error`` in plain words, placed where it is worth looking.

    Args:
        error: A ``yaml.YAMLError`` (any exception is accepted: its text is kept).
        text: The YAML text, to place an error that carries only an offset (a
            character YAML does not allow).
    """
    found = _Found(
        str(getattr(error, "context", None) or ""),
        str(getattr(error, "problem", None) or ""),
        _place(getattr(error, "problem_mark", None)),
        _place(getattr(error, "context_mark", None)),
    )
    if hasattr(error, "reason") and hasattr(error, "position"):  # yaml.reader.ReaderError
        return _unreadable_character(error, text)
    for context, problem, rule in _RULES:
        if context is not None and context != found.context:
            continue
        match = problem.fullmatch(found.problem)
        if match is not None:
            return rule(found, match)
    return _translated(found, error)


def _place(mark: object) -> tuple[int | None, int | None]:
    line, column = getattr(mark, "line", None), getattr(mark, "column", None)
    if not isinstance(line, int) or not isinstance(column, int):
        return None, None
    return line + 1, column + 1


def _token(found: str) -> str:
    return _TOKENS.get(found, repr(found))


def _from_line(found: _Found, verb: str = "start") -> str:
    line = found.at_context[0]
    return "" if line is None else f" that {verb} at line {line}"


def _at_problem(message: str, hint: str | None) -> Callable[[_Found, re.Match[str]], YamlMessage]:
    return lambda found, match: YamlMessage(
        message.format(*match.groups()), hint, *found.at_problem
    )


def _at_context(message: str, hint: str | None) -> Callable[[_Found, re.Match[str]], YamlMessage]:
    # Where the unfinished thing began: the end of the file says nothing.
    def rule(found: _Found, match: re.Match[str]) -> YamlMessage:
        place = found.at_context if found.at_context[0] is not None else found.at_problem
        return YamlMessage(message.format(*match.groups()), hint, *place)

    return rule


def _bad_character(found: _Found, match: re.Match[str]) -> YamlMessage:
    character = match.group(1)
    if character == "\\t":
        return YamlMessage(
            "a tab character: YAML indents with spaces, never tabs",
            "replace the tab with spaces",
            *found.at_problem,
        )
    return YamlMessage(
        f"a value cannot start with {character}",
        "put the value in quotes",
        *found.at_problem,
    )


def _unclosed_or_missing(opening: str, closing: str) -> _Rule:
    def rule(found: _Found, match: re.Match[str]) -> YamlMessage:
        got = match.group(1)
        if got == "<stream end>":
            return YamlMessage(
                f"a '{opening}' that is never closed",
                f"add the closing '{closing}'",
                *(found.at_context if found.at_context[0] is not None else found.at_problem),
            )
        return YamlMessage(
            f"expected ',' or '{closing}' before {_token(got)}, inside the '{opening}' that "
            f"opens at line {found.at_context[0]}",
            f"separate the items with ',' and close with '{closing}'",
            *found.at_problem,
        )

    return rule


def _out_of_mapping(found: _Found, match: re.Match[str]) -> YamlMessage:
    if match.group(1) == "-":
        return YamlMessage(
            f"a list item ('-') among the 'key: value' lines{_from_line(found)}",
            "indent the list under its key, further right than the key",
            *found.at_problem,
        )
    return YamlMessage(
        f"this line is not indented like the 'key: value' lines{_from_line(found)}",
        "the keys of one mapping start in the same column",
        *found.at_problem,
    )


def _out_of_list(found: _Found, match: re.Match[str]) -> YamlMessage:
    return YamlMessage(
        f"this line is not indented like the list{_from_line(found, 'starts')}",
        "each item starts with '- ' in the same column, and the keys of one item line up "
        "under its first key",
        *found.at_problem,
    )


def _expected_value(found: _Found, match: re.Match[str]) -> YamlMessage:
    if match.group(1) == "<stream end>":
        return YamlMessage(
            "the file ends where a value was expected",
            "add the missing value, or close the '[' or '{' left open",
            *found.at_problem,
        )
    return YamlMessage(
        f"expected a value here, found {_token(match.group(1))}",
        "check for a stray character, or put the value in quotes",
        *found.at_problem,
    )


_KINDS = {"scalar": "a single value", "sequence": "a list", "mapping": "a mapping"}


def _wrong_kind(found: _Found, match: re.Match[str]) -> YamlMessage:
    return YamlMessage(
        f"expected {_KINDS[match.group(1)]} here, got {_KINDS[match.group(2)]}",
        "remove the tag, or give it the kind of value it reads",
        *found.at_problem,
    )


def _after_the_end(found: _Found, match: re.Match[str]) -> YamlMessage:
    return YamlMessage(
        f"{_token(match.group(1))} after the document has ended",
        "check the indentation of this line: it is left of where it belongs",
        *found.at_problem,
    )


_ANY = re.compile(r".*", re.DOTALL)
_NO_CONTENT = re.compile(r"expected the node content, but found '(.+)'")


def _literal(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))


_RULES: tuple[tuple[str | None, re.Pattern[str], _Rule], ...] = (
    (
        "while scanning for the next token",
        re.compile(r"found character '(.+)' that cannot start any token"),
        _bad_character,
    ),
    (
        "while scanning a simple key",
        _literal("could not find expected ':'"),
        _at_context(
            "a line without ':' where a 'key: value' line was expected",
            "add the ':' after the key, or check the indentation of the lines around it",
        ),
    ),
    (
        None,
        _literal("sequence entries are not allowed here"),
        _at_problem(
            "a list item ('-') cannot go here",
            "start the list on a line of its own, indented under its key",
        ),
    ),
    (
        None,
        _literal("mapping keys are not allowed here"),
        _at_problem("a '?' key cannot go here", "remove the '?'"),
    ),
    (
        None,
        _literal("mapping values are not allowed here"),
        _at_problem(
            "a ':' where the value had already started",
            "put a value that holds ': ' in quotes, or start the key on a line of its own",
        ),
    ),
    (
        "while scanning a double-quoted scalar",
        re.compile(r"found unknown escape character '(.+)'"),
        _at_problem(
            "unknown escape '\\{}' in double-quoted text",
            "write '\\\\' for a backslash, or use single quotes, which keep backslashes as typed",
        ),
    ),
    (
        "while scanning a double-quoted scalar",
        re.compile(r"expected escape sequence of (\d+) hexadecimal numbers, but found '.*'"),
        _at_problem(
            "this escape needs {} hexadecimal digits",
            "write '\\\\' for a backslash, or use single quotes, which keep backslashes as typed",
        ),
    ),
    (
        "while scanning a block scalar",
        re.compile(
            r"expected (?:chomping or indentation indicators|a comment or a line break|"
            r"indentation indicator in the range 1-9), but found .*"
        ),
        _at_problem(
            "only '-', '+', a digit from 1 to 9 or a comment may follow '|' or '>' on its line",
            "start the text on the next line, indented further than its key",
        ),
    ),
    (
        "while scanning an anchor",
        re.compile(r"expected alphabetic or numeric character, but found .*"),
        _at_problem(
            "'&' starts an anchor name here, and a name is letters and digits",
            "put a value that starts with '&' in quotes",
        ),
    ),
    (
        "while scanning an alias",
        re.compile(r"expected alphabetic or numeric character, but found .*"),
        _at_problem(
            "'*' starts an alias name here, and a name is letters and digits",
            "put a value that starts with '*' in quotes",
        ),
    ),
    (
        "while scanning a directive",
        _ANY,
        _at_context(
            "a line starting with '%' is read as a YAML directive, and this one is not valid",
            "put a value that starts with '%' in quotes",
        ),
    ),
    (
        "while scanning a quoted scalar",
        _literal("found unexpected end of stream"),
        _at_context("a quoted text that is never closed", "add the closing quote"),
    ),
    (
        "while scanning a quoted scalar",
        _literal("found unexpected document separator"),
        _at_context(
            "a quoted text that is never closed (a '---' or '...' line comes first)",
            "add the closing quote",
        ),
    ),
    (
        "while parsing a flow sequence",
        re.compile(r"expected ',' or '\]', but got '(.+)'"),
        _unclosed_or_missing("[", "]"),
    ),
    (
        "while parsing a flow mapping",
        re.compile(r"expected ',' or '\}', but got '(.+)'"),
        _unclosed_or_missing("{", "}"),
    ),
    (
        "while parsing a block collection",
        re.compile(r"expected <block end>, but found '(.+)'"),
        _out_of_list,
    ),
    (
        "while parsing a block mapping",
        re.compile(r"expected <block end>, but found '(.+)'"),
        _out_of_mapping,
    ),
    (
        "while parsing a block node",
        re.compile(r"expected the node content, but found '(.+)'"),
        _expected_value,
    ),
    (
        "while parsing a flow node",
        re.compile(r"expected the node content, but found '(.+)'"),
        _expected_value,
    ),
    (None, re.compile(r"expected '<document start>', but found '(.+)'"), _after_the_end),
    (
        "expected a single document in the stream",
        _literal("but found another document"),
        _at_problem(
            "a second YAML document ('---'): a pipeline file holds one",
            "remove the '---' and what follows, or put it in a file of its own",
        ),
    ),
    (
        None,
        re.compile(r"could not determine a constructor for the tag '(?:tag:yaml\.org,2002:)?(.+)'"),
        _at_problem("unknown tag '{}'", "remove the tag: pipeline files hold plain values"),
    ),
    (
        None,
        re.compile(
            r"expected an? (scalar|sequence|mapping) node, but found (scalar|sequence|mapping)"
        ),
        _wrong_kind,
    ),
    (
        "while constructing a mapping",
        _literal("found unhashable key"),
        _at_problem("a key must be a plain value, not a list or a mapping", None),
    ),
    (
        None,
        _literal("found duplicate YAML directive"),
        _at_problem("the %YAML directive is given twice", None),
    ),
)


def _unreadable_character(error: BaseException, text: str | None) -> YamlMessage:
    character = getattr(error, "character", None)
    shown = f"U+{character:04X}" if isinstance(character, int) else repr(character)
    line = column = None
    position = getattr(error, "position", None)
    if text is not None and isinstance(position, int) and 0 <= position <= len(text):
        before = text[:position]
        line = before.count("\n") + 1
        column = position - (before.rfind("\n") + 1) + 1
    return YamlMessage(
        f"a control character ({shown}) that YAML does not allow in a file",
        "remove it, or write it as an escape inside double quotes",
        line,
        column,
    )


def _translated(found: _Found, error: BaseException) -> YamlMessage:
    parts = [part for part in (found.context, found.problem) if part]
    message = ", ".join(parts) if parts else str(error)
    message = _QUOTED_TOKEN.sub(lambda m: _token(m.group(1)), message)
    for jargon, plain in _JARGON:
        message = message.replace(jargon, plain)
    message = message.replace("while scanning ", "in ").replace("while parsing ", "in ")
    for token, plain in _TOKENS.items():
        if token.startswith("<"):
            message = message.replace(token, plain)
    return YamlMessage(message, None, *found.at_problem)
