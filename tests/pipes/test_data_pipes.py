"""Data pipes: json_get, int, string; and the regex pipe match."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pipes_harness import apply

from dagabaaz.expressions import ExpressionError, LimitExceeded, Limits, compile_expression
from dagabaaz.pipes.builtin.data import MAX_INT_DIGITS

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
    ("int", "-7", -7),
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


DEEP = Limits(max_json_depth=64)

# (name, JSON text, what json_get(a) returns; None when the depth limit is hit)
JSON_DEPTH: list[tuple[str, str, Any]] = [
    ("unbalanced arrays", "[" * 2_000, LimitExceeded),
    ("unbalanced objects", '{"a": ' * 2_000, LimitExceeded),
    ("one level over", "[" * 65 + "]" * 65, LimitExceeded),
    ("unclosed one level over", "[" * 65, LimitExceeded),
    ("deep after a valid start", '{"a": 1, "b": ' + "[" * 100, LimitExceeded),
    ("brackets inside a string", '{"a": "' + "[" * 100 + '"}', "[" * 100),
    ("escaped quote inside a string", '{"a": "\\"[[[[", "b": 1}', '"[[[['),
    ("unclosed string", '{"a": "' + "[" * 100, None),
    ("escaped quotes without an end", '"' + '\\"' * 20_000, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), JSON_DEPTH, ids=[c[0] for c in JSON_DEPTH])
def test_json_get_measures_depth_before_parsing(name: str, text: str, expected: Any) -> None:
    expression = compile_expression("{v.x | json_get(a)}", limits=DEEP)
    if expected is LimitExceeded:
        with pytest.raises(ExpressionError) as caught:
            expression.evaluate({"v": {"x": text}})
        (diagnostic,) = caught.value.diagnostics
        assert diagnostic.code == "budget-exceeded"
        assert str(caught.value) == (
            "pipe 'json_get' on 'v.x' in expression '{v.x | json_get(a)}': the JSON text "
            "is nested more than 64 levels deep, the limit max_json_depth"
        )
    else:
        assert expression.evaluate({"v": {"x": text}}) == expected


def test_json_at_the_depth_limit_parses() -> None:
    text = '{"a": ' + "[" * 63 + "]" * 63 + "}"
    value = compile_expression("{v.x | json_get(a)}", limits=DEEP).evaluate({"v": {"x": text}})
    for _ in range(62):
        (value,) = value
    assert value == []


def test_a_recursion_error_of_the_parser_is_a_limit_error() -> None:
    # A depth limit above what Python's parser can recurse: the last resort.
    limits = Limits(max_json_depth=1_000_000)
    with pytest.raises(ExpressionError) as caught:
        compile_expression("{v.x | json_get(a)}", limits=limits).evaluate(
            {"v": {"x": "[" * 100_000}}
        )
    assert caught.value.diagnostics[0].code == "budget-exceeded"
    assert str(caught.value).endswith(
        "the JSON text is nested too deeply for Python's parser; lower the limit "
        "max_json_depth (now 1000000)"
    )


@pytest.mark.parametrize(
    "text", ["1e999999999", "9" * 4_301, "-1e4300"], ids=["exponent", "digits", "negative"]
)
def test_int_refuses_numbers_too_long_to_build(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        apply("int", text)
    assert caught.value.diagnostics[0].code == "pipe-failed"
    assert str(caught.value).endswith(
        f"digits before its decimal point, more than int converts ({MAX_INT_DIGITS})"
    )
    assert apply("int", "9" * MAX_INT_DIGITS) == int("9" * MAX_INT_DIGITS)


@pytest.mark.parametrize(
    "value",
    [10**400, -(10**400), "1e400", "-1e400", 10**5_000, "1" + "0" * 4_000],
    ids=["int", "negative-int", "text", "negative-text", "int-past-str-limit", "long-text"],
)
def test_int_of_a_huge_number_is_exact(value: Any) -> None:
    # An int is never read through float: 10**400 used to fail with
    # OverflowError (reported as pipe-failed) on its way to math.isfinite.
    expected = value if isinstance(value, int) else int(value.replace("e400", "0" * 400))
    assert apply("int", value) == expected


@pytest.mark.parametrize(
    "value",
    [float("inf"), float("-inf"), Decimal("Infinity"), Decimal("-Infinity")],
    ids=["inf", "-inf", "decimal-inf", "decimal--inf"],
)
def test_int_of_an_infinity_fails_where_the_pipe_is(value: Any) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("n = {v.x | int}").evaluate({"v": {"x": value}})
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.start, diagnostic.end) == (11, 14)  # the span of "int"
    assert str(caught.value) == (
        "pipe 'int' on 'v.x' in expression 'n = {v.x | int}': "
        "an infinite number has no integer value"
    )


@pytest.mark.parametrize("value", [float("nan"), Decimal("NaN")], ids=["float", "decimal"])
def test_int_of_nan_is_zero_like_any_non_number(value: Any) -> None:
    assert apply("int", value) == 0
