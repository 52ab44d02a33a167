r"""Backslash escapes: decoding what the lexer matched, encoding for ``unparse``.

One rule everywhere: a backslash escapes the characters that are special where
it stands, and itself; before any other character it is kept as it is (so a
regex such as ``\d+`` can be written without doubling the backslash).

* text: ``{`` ``}`` ``\``
* bare argument: ``,`` ``(`` ``)`` ``|`` ``{`` ``}`` ``"`` ``'`` ``\``
* quoted argument: its own quote character and ``\``; there ``\n``, ``\r``
  and ``\t`` also stand for a newline, a carriage return and a tab
"""

from __future__ import annotations

import re

__all__ = [
    "ARGUMENT_SPECIALS",
    "TEXT_SPECIALS",
    "decode_bare",
    "decode_quoted",
    "decode_text",
    "encode_argument",
    "encode_text",
]

TEXT_SPECIALS = "{}\\"
"""Characters a backslash escapes in text."""

ARGUMENT_SPECIALS = ",()|{}\"'\\"
"""Characters a backslash escapes in a bare argument."""

_TEXT_ESCAPE = re.compile(r"\\([{}\\])")
_BARE_ESCAPE = re.compile(r"\\([,()|{}\"'\\])")
_QUOTED_ESCAPES = {'"': re.compile(r'\\(["\\nrt])'), "'": re.compile(r"\\(['\\nrt])")}
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_CONTROL_WRITTEN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROLS = re.compile(r"[\n\r\t]")
_NEEDS_TEXT_ESCAPE = re.compile(r"([{}\\])")
# A backslash is doubled only where it would otherwise escape what follows
# (or ends the argument), so a pattern such as \d+ is written as it reads.
_NEEDS_BARE_ESCAPE = re.compile(r"[,()|{}\"']|\\(?=[,()|{}\"'\\]|$)")
_NEEDS_QUOTED_ESCAPE = {
    mark: re.compile(rf"{mark}|\\(?=[{mark}\\nrt]|$)|[\n\r\t]") for mark in "\"'"
}


def decode_text(raw: str) -> str:
    """Return the text a TEXT token stands for."""
    return _TEXT_ESCAPE.sub(r"\1", raw) if "\\" in raw else raw


def decode_bare(raw: str) -> str:
    """Return the value of a BARE token: trailing spaces trimmed, escapes removed."""
    raw = raw.rstrip()
    return _BARE_ESCAPE.sub(r"\1", raw) if "\\" in raw else raw


def decode_quoted(raw: str) -> str:
    """Return the value of a QUOTED token (quotes included in ``raw``)."""
    quote, body = raw[0], raw[1:-1]
    return _QUOTED_ESCAPES[quote].sub(_unescape, body) if "\\" in body else body


def _unescape(found: re.Match[str]) -> str:
    char = found.group(1)
    return _CONTROL_ESCAPES.get(char, char)


def encode_text(value: str) -> str:
    """Return source text that decodes to ``value``."""
    return _NEEDS_TEXT_ESCAPE.sub(r"\\\1", value)


def encode_argument(value: str, quote: str = "") -> str:
    r"""Return source for one argument that decodes to ``value``.

    The argument is written bare when ``quote`` is empty and the value can be
    written bare (not empty, no leading or trailing space, no newline, carriage
    return or tab); otherwise it is quoted with ``quote`` (double quotes by
    default), a newline, carriage return or tab written as ``\n``, ``\r``,
    ``\t``.
    """
    if not quote and value and value == value.strip() and not _CONTROLS.search(value):
        return _NEEDS_BARE_ESCAPE.sub(_escaped, value)
    mark = quote or '"'
    return mark + _NEEDS_QUOTED_ESCAPE[mark].sub(_escaped, value) + mark


def _escaped(found: re.Match[str]) -> str:
    char = found.group()
    return _CONTROL_WRITTEN.get(char) or "\\" + char
