"""Hostile inputs shared by the hardening tests and ``tests/benchmarks/bench_hostile.py``.

Each ReDoS entry is a pattern that makes a backtracking engine take
exponential or polynomial time, with a subject builder that triggers it.
Patterns are written as they appear inside ``match(...)``: quoted, with the
expression language's escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Redos(NamedTuple):
    """A catastrophic pattern and the subject of ``size`` characters that triggers it."""

    id: str
    pattern: str
    subject: Callable[[int], str]


def _repeat(unit: str, tail: str = "!") -> Callable[[int], str]:
    """Build ``unit`` repeated, then ``tail``, exactly ``size`` characters long."""

    def build(size: int) -> str:
        return (unit * (size // len(unit) + 1))[: size - len(tail)] + tail

    return build


REDOS: list[Redos] = [
    # nested quantifiers
    Redos("nested-plus", "(a+)+$", _repeat("a")),
    Redos("nested-star", "(a*)*b", _repeat("a", "")),
    Redos("nested-star-end", "(a*)*$", _repeat("a")),
    Redos("nested-plus-star", "(a+)*$", _repeat("a")),
    Redos("double-plus", "(x+x+)+y", _repeat("x", "")),
    Redos("nested-class", "([a-z]+)*$", _repeat("a", "1")),
    Redos("dot-plus-nested", "(.+)+x", _repeat("a", "")),
    Redos("dot-star-nested", "(.*)*x", _repeat("a", "")),
    Redos("digits-nested", "^(\\d+)*$", _repeat("1", "x")),
    Redos("word-space", "(\\w+\\s?)+$", _repeat("a", "!")),
    Redos("decimal", "(\\d*\\.?\\d*)*x", _repeat("1", "")),
    Redos("nested-group-star", "((ab)*)+c", _repeat("ab", "")),
    # overlapping alternations
    Redos("alt-same", "(a|a)*$", _repeat("a")),
    Redos("alt-prefix", "(a|aa)+$", _repeat("a")),
    Redos("alt-five", "^(a|a|a|a|a)*$", _repeat("a")),
    Redos("alt-ab", "(a|b|ab)*c", _repeat("ab", "")),
    Redos("alt-class", "(a|[a-z])+$", _repeat("a", "1")),
    Redos("alt-space", "(\\s+|\\S+)*x", _repeat("a b", "")),
    Redos("alt-word-digit", "(\\w|\\d)+!", _repeat("1", "")),
    Redos("alt-number", "^(\\d+|\\d+\\.\\d+)*$", _repeat("1", "x")),
    Redos("alt-bb", "(ab|a|b)*bb$", _repeat("ab", "a")),
    # quantified groups with optional parts
    Redos("optional-counted", "(a?){25}a{25}", _repeat("a", "")),
    Redos("optional-plus", "(a?)+b", _repeat("a", "")),
    Redos("optional-alt", "(?:a|a?)+$", _repeat("a")),
    Redos("b-optional", "(a|b?)+c", _repeat("ab", "")),
    Redos("dot-star-counted", "(.*a){12}", _repeat("a", "")),
    Redos("lazy-counted", "(.*?,){30}x", _repeat(",", "")),
    Redos("csv-field", "([^,]*,)*x", _repeat("a,", "")),
    Redos("tags", "(<[^>]*>)*x", _repeat("<a>", "")),
    Redos("quoted-string", '(\\.|[^"])*"', _repeat("\\.", "")),
    # real-world patterns
    Redos(
        "email-owasp",
        "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
        "(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
        _repeat("a", "!"),
    ),
    Redos("email-user", "^(\\w+[-.]?)+@", _repeat("a", "")),
    Redos(
        "email-simple",
        "^([a-zA-Z0-9_\\-\\.]+)@([a-zA-Z0-9_\\-\\.]+)\\.([a-zA-Z]{2,5})$",
        _repeat("a@a.", "aaaaaa!"),
    ),
    Redos("java-classname", "^(([a-z])+.)+[A-Z]([a-z])+$", _repeat("a", "!")),
    Redos(
        "url",
        "^(https?://)?([\\da-z.-]+)\\.([a-z.]{2,6})([/\\w .-]*)*/?$",
        _repeat("a.", "!"),
    ),
    Redos("hostname", "^([a-z0-9]+(-[a-z0-9]+)*\\.)+[a-z]{2,}$", _repeat("a-", "!")),
]
"""Catastrophic patterns for backtracking engines; re2 runs each in linear time."""


class Unrunnable(NamedTuple):
    """A pattern re2 refuses, and the reason it gives."""

    id: str
    pattern: str
    reason: str


UNRUNNABLE: list[Unrunnable] = [
    Unrunnable("backreference", "(a)\\1", "invalid escape sequence: \\1"),
    Unrunnable("named-backreference", "(?P<n>a)(?P=n)", "invalid perl operator: (?P"),
    Unrunnable("lookahead", "(?=a)a", "invalid perl operator: (?="),
    Unrunnable("negative-lookahead", "(?!a)b", "invalid perl operator: (?!"),
    Unrunnable("lookbehind", "(?<=a)b", "invalid perl operator: (?<="),
    Unrunnable("negative-lookbehind", "(?<!a)b", "invalid perl operator: (?<!"),
    Unrunnable("atomic-group", "(?>a+)b", "invalid perl operator: (?>"),
    Unrunnable("possessive", "a++b", "bad repetition operator: ++"),
    Unrunnable("conditional", "(?(1)a|b)", "invalid perl operator: (?("),
    Unrunnable("recursion", "(a(?R)?b)", "invalid perl operator: (?R"),
    Unrunnable("huge-repeat", "(.*){1,32000}[bc]", "invalid repetition size: {1,32000}"),
    Unrunnable("nested-repeat-size", "((a{100}){100}){100}", "invalid repetition size: {100}"),
    Unrunnable("unknown-class", "\\p{Bogus}", "invalid character class range: \\p{Bogus}"),
]
"""Patterns re2 cannot run: each must be a save-time ``invalid-regex``."""


def match_expression(pattern: str) -> str:
    """Return the expression applying ``pattern`` with ``match`` to ``v.x``, quoted."""
    quote = "'" if '"' in pattern else '"'
    return "{v.x | match(" + quote + pattern + quote + ")}"
