"""Text pipes: upper, lower, title, trim, strip family, replace, truncate, prepend, append, pad."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

CASES: list[tuple[str, Any, Any]] = [
    ("upper", "Hello", "HELLO"),
    ("upper", "straße", "STRASSE"),
    ("upper", 12, "12"),
    ("upper", None, None),
    ("upper", ["a", None, "b"], "A, B"),
    ("upper", {"k": "v"}, '{"K": "V"}'),
    ("lower", "HeLLo", "hello"),
    ("lower", True, "true"),
    ("title", "the quick  brown fox", "The Quick  Brown Fox"),
    ("title", "it's DONE", "It's Done"),
    ("trim", "  a b \n", "a b"),
    ("strip", "  a  ", "a"),
    ("strip(x)", "xxaxx", "a"),
    ('strip("/ ")', " /path/ ", "path"),
    ("strip( / )", " /path/ ", " /path/ "),
    ("lstrip", "  a  ", "a  "),
    ("lstrip(0)", "007", "7"),
    ("rstrip", "  a  ", "  a"),
    ("rstrip(/)", "dir///", "dir"),
    ("replace(foo, bar)", "foo food", "bar bard"),
    ("replace(o)", "foo", "f"),
    ("replace(\\,, ;)", "a,b", "a;b"),
    ('replace(", ", "|")', "a, b, c", "a|b|c"),
    ("replace(x, y)", None, None),
    ("truncate(3)", "abcdef", "abc"),
    ("truncate", "a" * 150, "a" * 100),
    ("truncate(0)", "abc", None),
    ("truncate(10)", "short", "short"),
    ("prepend(https://)", "example.org", "https://example.org"),
    ("prepend(x)", None, "x"),
    ("append(.mp4)", "clip", "clip.mp4"),
    ("append(\\))", "f(x", "f(x)"),
    ("pad", 7, "07"),
    ("pad(4)", "7", "0007"),
    ("pad(3)", -5, "-05"),
    ("pad(2)", 123, "123"),
    ("pad(4)", 1.5, "0001"),
    ("pad(2)", "3.7", "03"),
    ("pad(2)", "-3.7", "-3"),
    ("pad(6)", "1e3", "001000"),
    ("pad(2)", "12345678901234567891", "12345678901234567891"),
    ("pad(2)", 10**400, 10**400),
    ("pad(4)", "abc", "abc"),
    ("pad(4)", None, None),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES]
)
def test_text_pipe(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected
