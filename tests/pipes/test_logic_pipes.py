"""Logic pipes and is_truthy: default, required, not, eq, neq, gt, lt, in."""

from __future__ import annotations

from typing import Any

import pytest
from pipes_harness import apply

from dagabaaz.expressions import ExpressionError, is_truthy

CASES: list[tuple[str, Any, Any]] = [
    ("default(mp4)", None, "mp4"),
    ("default(mp4)", "", "mp4"),
    ("default(mp4)", "webm", "webm"),
    ("default(mp4)", 0, 0),
    ("default(mp4)", [], []),
    ("default", None, None),
    ('default("a, b")', None, "a, b"),
    ("required", "x", "x"),
    ("required", 0, 0),
    ("not", None, True),
    ("not", "", True),
    ("not", "abc", False),
    ("not", "false", True),
    ("not", " FALSE ", True),
    ("not", "0", True),
    ("not", 0, True),
    ("not", 0.0, True),
    ("not", 2, False),
    ("not", [], True),
    ("not", [0], False),
    ("not", {}, True),
    ("not", True, False),
    ("not | not", "yes", True),
    ("eq(mp4)", "mp4", True),
    ("eq(mp4)", "MP4", False),
    ("eq(3)", 3, True),
    ("eq(3)", "3.0", True),
    ("eq(3.0)", 3, True),
    ("eq(3)", "three", False),
    ("eq(true)", True, True),
    ("eq(True)", True, True),
    ("eq(false)", True, False),
    ("eq(1)", True, False),
    ('eq("a, b")', ["a", "b"], True),
    ('eq("")', None, True),
    ("neq(mp4)", "webm", True),
    ("neq(mp4)", "mp4", False),
    ("gt(10)", 11, True),
    ("gt(10)", "11.5", True),
    ("gt(10)", 10, False),
    ("gt(10)", "abc", False),
    ("gt(0)", True, False),
    ("gt(-1.5)", -1, True),
    ("lt(10)", 9.99, True),
    ("lt(10)", 10, False),
    ("lt(10)", None, False),
    ("lt(10)", [1], False),
    ("in(mp4, webm, mkv)", "webm", True),
    ("in(mp4, webm)", "avi", False),
    ("in(1, 2)", 2, True),
    ("in", "x", False),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES]
)
def test_logic_pipe(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected


@pytest.mark.parametrize("value", [None, ""], ids=["none", "empty"])
def test_required_fails_on_missing(value: Any) -> None:
    with pytest.raises(ExpressionError, match=r"required value 'v.x' is missing"):
        apply("required", value)


TRUTHY: list[tuple[Any, bool]] = [
    (None, False),
    (False, False),
    (True, True),
    (0, False),
    (0.0, False),
    (-1, True),
    ("", False),
    ("   ", False),
    ("false", False),
    ("False", False),
    ("0", False),
    ("no", False),
    ("off", False),
    ("null", False),
    ("None", False),
    ("true", True),
    ("yes", True),
    ("[]", True),
    ("0.0", True),
    ([], False),
    ((), False),
    ({}, False),
    (set(), False),
    ([None], True),
    ({"a": 1}, True),
    (object(), True),
]


@pytest.mark.parametrize(("value", "expected"), TRUTHY, ids=[repr(t[0]) for t in TRUTHY])
def test_is_truthy_and_not_agree(value: Any, expected: bool) -> None:
    assert is_truthy(value) is expected
    assert apply("not", value) is (not expected)
