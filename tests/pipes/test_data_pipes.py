"""Data pipes: json_get, int, string; and the regex pipe match."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

CASES: list[tuple[str, Any, Any]] = [
    ("json_get(embed_urls)", {"embed_urls": ["u1"]}, ["u1"]),
    ("json_get(embed_urls)", '{"embed_urls": ["u1"], "n": 1}', ["u1"]),
    ("json_get(missing)", {"a": 1}, None),
    ("json_get(a)", "not json", None),
    ("json_get(a)", '["a"]', None),
    ("json_get(1)", '["a", "b"]', "b"),
    ("json_get(-1)", ["a", "b"], "b"),
    ("json_get(5)", ["a", "b"], None),
    ("json_get(a)", None, None),
    ("json_get(a) | json_get(b)", '{"a": {"b": 2}}', 2),
    ("json_get(n)", '{"n": 0}', 0),
    ("int", "42", 42),
    ("int", " -7 ", -7),
    ("int", "3.9", 3),
    ("int", 3.9, 3),
    ("int", "abc", 0),
    ("int", None, 0),
    ("int", True, 1),
    ("int", [1], 0),
    ("int", "1e3", 1000),
    ("string", ["a", None, "b"], "a, b"),
    ("string", {"b": 1, "a": [1, 2]}, '{"b": 1, "a": [1, 2]}'),
    ("string", 5, "5"),
    ("string", 2.5, "2.5"),
    ("string", None, None),
    ("string", False, "false"),
    ("match(\\d+)", "take 42 or 7", "42"),
    ('match("[a-z]+@[a-z.]+")', "mail bob@x.org now", "bob@x.org"),
    ("match(zzz)", "abc", None),
    ("match(^a)", "abc", "a"),
    ('match("(?i)ABC")', "xabcx", "abc"),
    ("match(\\d+) | int", "id 17", 17),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES]
)
def test_data_pipe(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected
