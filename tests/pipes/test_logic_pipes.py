"""Logic pipes and is_truthy: default, required, not, all, any, eq, neq, gt, lt, in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipes_harness import apply

from dagabaaz.constants import FilterOperator
from dagabaaz.expressions import ExpressionError, compile_expression, is_truthy
from dagabaaz.filter import rule_matches
from dagabaaz.models import FilterRule

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
    ("all", [True, "yes", 1, [0]], True),
    ("all", [True, "no"], False),
    ("all", [True, None], False),
    ("all", [" false "], False),
    ("all", [], True),
    ("all", "yes", True),  # not a list: one item
    ("all", None, False),  # missing: "" before the pipe, one falsy item
    ("all", {"k": 1}, True),
    ("any", [None, "", "0", "off", 1], True),
    ("any", [None, "", "0", "off"], False),
    ("any", [], False),
    ("any", "no", False),
    ("any", None, False),
    ("any", ("x",), True),
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


# One rule for what a numeric string is: dagabaaz._runtime.numbers, as edge filters read it
# (plain ASCII decimal literals, no spaces, no other scripts' digits, any length).
NUMERIC_STRINGS: list[tuple[str, Any, Any]] = [
    ("eq(1)", " 1", False),
    ("eq(1)", "1 ", False),
    ("eq(1)", "\u0661", False),  # ARABIC-INDIC DIGIT ONE
    ("eq(1)", "1.000", True),
    ("eq(1)", "1e0", True),
    ("eq(0.1)", "0.10", True),
    ("eq(12345678901234567890123)", "12345678901234567890123.0", True),
    ("eq(12345678901234567890123)", "12345678901234567890124", False),
    ("eq(1)", "1" + "0" * 500, False),
    ("neq(1)", " 1", True),
    ("in(2, 1)", " 1", False),
    ("gt(0)", " 1", False),
    ("lt(5)", "\u0661", False),
    ("gt(5)", "1" + "0" * 500, True),
    # pad reads numbers the way float() does (the README's version's rule)
    ("pad(3)", " 7", "007"),
    ("pad(3)", "\u0667", "007"),
    ("pad(3)", "+7", "007"),
    ("pad(3)", "1_0", "010"),
    ("pad(3)", "nan", "nan"),
    ("pad(3)", "-inf", "-inf"),
    ("pad(3)", "1e400", "1e400"),
    ("int", " 7", 0),
    ("int", "\u0667", 0),
    ("int", "7.9e1", 79),
    ("int", "1" * 600, int("1" * 600)),
    ('json_get(" 1")', ["a", "b"], None),
    ("json_get(1.0)", ["a", "b"], "b"),
    ("json_get(1.5)", ["a", "b"], None),
    ("json_get(1e999999)", ["a", "b"], None),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"),
    NUMERIC_STRINGS,
    ids=[f"{c[0]}:{c[1][:12]!r}" if isinstance(c[1], str) else c[0] for c in NUMERIC_STRINGS],
)
def test_numeric_strings_follow_the_filter_rule(chain: str, value: Any, expected: Any) -> None:
    assert apply(chain, value) == expected


numeric_looking = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=" +-.eE0123456789\u0661\u00b2", max_size=10),
)
literals = st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{1,6})?", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(numeric_looking, literals)
def test_eq_agrees_with_the_edge_filter(value: Any, literal: str) -> None:
    artifact = SimpleNamespace(file_name="f", file_size=None, mime_type=None, metadata={"x": value})
    rule = FilterRule(field="x", operator=FilterOperator.EQ, value=literal)
    assert apply(f"eq({literal})", value) is rule_matches(artifact, rule)


# gt and lt compare exactly: the argument is never rounded through a float.
EXACT_ORDERING: list[tuple[str, Any, bool]] = [
    ("gt(9007199254740993)", 9007199254740993, False),
    ("gt(9007199254740992)", 9007199254740993, True),
    ("lt(9007199254740993)", 9007199254740992, True),
    ("lt(9007199254740993)", 9007199254740993, False),
    ("gt(9007199254740993)", "9007199254740994", True),
    ("gt(0.1)", 0.1, False),
    ("lt(0.30000000000000004)", 0.1 + 0.2, False),
    ("gt(0.3)", 0.1 + 0.2, True),
    ("gt(1e400)", 10**401, True),
    ("lt(-1e400)", float("-inf"), True),
    ("gt(1e400)", float("inf"), True),
    ("gt(0)", float("nan"), False),
    ("lt(0)", float("nan"), False),
    ("gt(123456789012345678901234567890.5)", 123456789012345678901234567890, False),
    ("gt(123456789012345678901234567889.5)", 123456789012345678901234567890, True),
]


@pytest.mark.parametrize(
    ("chain", "value", "expected"),
    EXACT_ORDERING,
    ids=[f"{c[0]}:{c[1]!r:.20}" for c in EXACT_ORDERING],
)
def test_gt_and_lt_compare_exactly(chain: str, value: Any, expected: bool) -> None:
    assert apply(chain, value) is expected


@settings(max_examples=200, deadline=None)
@given(numeric_looking, literals, st.sampled_from(["gt", "lt"]))
def test_gt_and_lt_agree_with_the_edge_filter(value: Any, literal: str, pipe: str) -> None:
    artifact = SimpleNamespace(file_name="f", file_size=None, mime_type=None, metadata={"x": value})
    rule = FilterRule(field="x", operator=FilterOperator(pipe), value=literal)
    assert apply(f"{pipe}({literal})", value) is rule_matches(artifact, rule)


@pytest.mark.parametrize("argument", ["abc", "1e1234567890", "inf", " 1_0"], ids=repr)
def test_gt_needs_a_number_at_save_time(argument: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("{v.x | gt(" + argument + ")}")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "invalid-argument"
    assert diagnostic.message == (
        f"argument 'x' of pipe 'gt' must be a number, got {argument.strip()!r}"
    )


@pytest.mark.parametrize(
    ("publish", "approved", "both", "either"),
    [("yes", True, True, True), ("yes", False, False, True), (None, "", False, False)],
)
def test_all_and_any_combine_conditions(
    publish: Any, approved: Any, both: bool, either: bool
) -> None:
    scope = {"input": {"publish": publish}, "lookup": {"approved": approved}}
    combined = "{list(input.publish, lookup.approved) | %s}"
    assert compile_expression(combined % "all").evaluate(scope) is both
    assert compile_expression(combined % "any").evaluate(scope) is either
