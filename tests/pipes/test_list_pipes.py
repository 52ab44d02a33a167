"""List pipes: first, last, nth, join, flatten, compact, and list()."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

from dagabaaz.expressions import compile_expression

CASES: list[tuple[str, Any, Any]] = [
    ("first", ["a", "b"], "a"),
    ("first", [], None),
    ("first", "solo", "solo"),
    ("first", None, None),
    ("first", ("t1", "t2"), "t1"),
    ("last", ["a", "b"], "b"),
    ("last", [], None),
    ("last", 5, 5),
    ("nth", ["a", "b", "c"], "a"),
    ("nth(2)", ["a", "b", "c"], "c"),
    ("nth(-1)", ["a", "b", "c"], "c"),
    ("nth(3)", ["a", "b", "c"], None),
    ("nth(-4)", ["a", "b", "c"], None),
    ("nth(0)", "solo", "solo"),
    ("nth(1)", "solo", None),
    ("join", ["a", None, "b", ""], "a, b"),
    ("join(,)", ["a", "b"], "a,b"),
    ("join( - )", ["a", "b"], "a-b"),
    ('join(" - ")', ["a", "b"], "a - b"),
    ("join(;)", [1, 2.5, True, None], "1;2.5;true"),
    ("join(;)", [["x", 1], {"k": None}], '["x", 1];{"k": null}'),
    ("join", "solo", "solo"),
    ("join", [], None),
    ("flatten", [[1, 2], 3, [], [[4]]], [1, 2, 3, [4]]),
    ("flatten", "solo", "solo"),
    ("compact", ["a", None, "", 0, False, None], ["a", "", 0, False]),
    ("compact", "solo", "solo"),
    ("compact | join(+)", [None, "a", None, "b"], "a+b"),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES]
)
def test_list_pipe(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected


LIST_FUNCTION = [
    ("{list(a.x, b.y)}", ["1", 2]),
    ("{list(a.x, missing.y, b.y)}", ["1", None, 2]),
    ("{list(a.x, missing.y, b.y) | compact}", ["1", 2]),
    ("{list(a.x, missing.y, b.y) | join(,)}", "1,2"),
    ("{list(a.x, b.y) | last}", 2),
    ("{list()}", []),
    ("{list(a.x, a.x) | join}", "1, 1"),
]


@pytest.mark.parametrize(("source", "expected"), LIST_FUNCTION, ids=[c[0] for c in LIST_FUNCTION])
def test_list_function(source: str, expected: Any) -> None:
    assert compile_expression(source).evaluate({"a": {"x": "1"}, "b": {"y": 2}}) == expected
