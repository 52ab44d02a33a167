"""Limits: every limit is enforced, names itself, and nothing hangs or explodes."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz.expressions import Budget, ExpressionError, Limits, compile_expression
from dagabaaz.expressions.checker import analyze
from dagabaaz.expressions.evaluator import build_evaluator, build_plan

SMALL = Limits(
    max_source_length=200,
    max_pipe_calls=5,
    max_string_length=1_000,
    max_list_length=50,
    max_container_items=100,
    max_json_depth=8,
    max_int_argument=500,
    max_regex_pattern_length=20,
    max_regex_subject_length=300,
)


def evaluate(source: str, value: Any, limits: Limits = SMALL) -> Any:
    return compile_expression(source, limits=limits).evaluate({"v": {"x": value}})


def nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


# (name, source, value, limit named in the message)
RUNTIME = [
    ("replace grows", "{v.x | replace(a, aaaaaaaaaa)}", "a" * 200, "max_string_length"),
    (
        "replace chain",
        "{v.x | replace(a, aa) | replace(a, aa) | replace(a, aa)}",
        "a" * 300,
        "max_string_length",
    ),
    ("pad", "{v.x | pad(500) | pad(500)}", 5, None),
    ("prepend", "{v.x | prepend(xxxxxxxxxx)}", "a" * 995, "max_string_length"),
    ("append", "{v.x | append(xxxxxxxxxx)}", "a" * 995, "max_string_length"),
    ("join", "{v.x | join(------------)}", ["abcdefghij"] * 49, "max_string_length"),
    ("upper of a long input", "{v.x | upper}", "a" * 1_001, "max_string_length"),
    ("urlencode", "{v.x | urlencode}", "é" * 200, "max_string_length"),
    ("text template", "{v.x}{v.x}", "a" * 600, "max_string_length"),
    ("list read by join", "{v.x | join}", ["a"] * 51, "max_list_length"),
    ("flatten", "{v.x | flatten}", [["a"] * 40, ["b"] * 40], "max_list_length"),
    (
        "string of a wide dict",
        "{v.x | string}",
        {str(i): i for i in range(45)} | {"l": list(range(60))},
        "max_container_items",
    ),
    ("string of a deep list", "{v.x | string}", nested_list(9), "max_json_depth"),
    ("json_get on deep JSON", "{v.x | json_get(a)}", "[" * 9 + "]" * 9, "max_json_depth"),
    ("match subject", "{v.x | match(a)}", "b" * 301, "max_regex_subject_length"),
]


@pytest.mark.parametrize(("name", "source", "value", "limit"), RUNTIME, ids=[r[0] for r in RUNTIME])
def test_runtime_limits(name: str, source: str, value: Any, limit: str | None) -> None:
    if limit is None:
        assert evaluate(source, value) == "5".zfill(500)
        return
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, value)
    assert limit in str(caught.value)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "budget-exceeded"
    assert diagnostic.expression == source


def test_messages_name_the_limit_and_the_expression() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("{v.x | prepend(xxxxxxxxxx)}", "a" * 995)
    assert str(caught.value) == (
        "pipe 'prepend' on 'v.x' in expression '{v.x | prepend(xxxxxxxxxx)}': the result of "
        "prepend would be 1005 characters long, over the limit max_string_length=1000"
    )


# (name, source, code, limit named in the message)
COMPILE_TIME = [
    ("source", "{v.x}" + " " * 200, "source-too-long", "max_source_length"),
    (
        "pipe calls",
        "{v.x | trim | trim | trim | trim | trim | trim}",
        "budget-exceeded",
        "max_pipe_calls",
    ),
    (
        "list() arguments",
        "{list(" + ", ".join(f"a.k{i}" for i in range(51)) + ")}",
        "budget-exceeded",
        "max_list_length",
    ),
    ("truncate length", "{v.x | truncate(501)}", "budget-exceeded", "max_int_argument"),
    ("nth index", "{v.x | nth(-501)}", "budget-exceeded", "max_int_argument"),
    (
        "pattern",
        "{v.x | match(aaaaaaaaaaaaaaaaaaaaa)}",
        "budget-exceeded",
        "max_regex_pattern_length",
    ),
]


@pytest.mark.parametrize(
    ("name", "source", "code", "limit"), COMPILE_TIME, ids=[c[0] for c in COMPILE_TIME]
)
def test_compile_time_limits(name: str, source: str, code: str, limit: str) -> None:
    limits = SMALL if name != "list() arguments" else Limits(max_list_length=50)
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, limits=limits)
    assert [d.code for d in caught.value.diagnostics] == [code]
    assert limit in caught.value.diagnostics[0].message


def test_default_limits_are_documented_values() -> None:
    assert Limits() == Limits(
        max_source_length=100_000,
        max_pipe_calls=1_000,
        max_string_length=1_000_000,
        max_list_length=100_000,
        max_container_items=100_000,
        max_json_depth=64,
        max_int_argument=100_000,
        max_regex_pattern_length=1_000,
        max_regex_subject_length=1_000_000,
    )


@pytest.mark.parametrize("value", [0, -1, 1.5, "3", True], ids=repr)
def test_limits_must_be_positive_ints(value: Any) -> None:
    with pytest.raises(ValueError, match=r"Limits\.max_pipe_calls must be a positive int"):
        Limits(max_pipe_calls=value)


def test_deeply_nested_json_does_not_recurse() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ExpressionError, match="max_json_depth"):
        compile_expression("{v.x | json_get(0)}").evaluate({"v": {"x": deep}})
    shallow = json.dumps({"a": nested_list(60)})
    assert compile_expression("{v.x | json_get(a) | flatten}").evaluate({"v": {"x": shallow}}) == [
        nested_list(58)
    ]


def test_deep_python_data_does_not_recurse() -> None:
    with pytest.raises(ExpressionError, match="max_json_depth"):
        compile_expression("{v.x | string}").evaluate({"v": {"x": nested_list(100_000)}})


def test_circular_data_is_bounded() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ExpressionError, match=r"max_json_depth|max_container_items"):
        compile_expression("text {v.x}").evaluate({"v": {"x": loop}})


def test_huge_integers_are_refused_not_crashing() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("n={v.x}").evaluate({"v": {"x": 10**5000}})
    assert str(caught.value).startswith(
        "cannot render '{v.x}' in expression 'n={v.x}': value cannot be written as text: "
    )
    assert caught.value.diagnostics[0].code == "unrenderable-value"


CATASTROPHIC = ["(a+)+b", "(a|a)*b", "(a|aa)+$", "(.*a){12}", "([a-z]+)*[0-9]"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_run_in_linear_time(pattern: str) -> None:
    expression = compile_expression('{v.x | match("' + pattern + '")}')
    assert expression.evaluate({"v": {"x": "a" * 100_000 + "!"}}) in (None, "a" * 100_000)


@pytest.mark.parametrize("pattern", ["(a)\\\\1", "(?=a)", "(?<=a)b", "a{2,1}"])
def test_patterns_re2_cannot_run_are_save_time_errors(pattern: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression('{v.x | match("' + pattern + '")}')
    assert [d.code for d in caught.value.diagnostics] == ["invalid-regex"]


def test_amplification_stays_within_a_small_multiple_of_the_budget() -> None:
    limits = Limits(max_string_length=200_000)
    expression = compile_expression(
        "{v.x | replace(a, aaaa) | replace(a, aaaa) | replace(a, aaaa) | pad(100000)}",
        limits=limits,
    )
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionError, match="max_string_length"):
            expression.evaluate({"v": {"x": "a" * 20_000}})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 200_000


# A template that is one reference (or list()) without pipes is held to the
# same final-value check as one whose last pipe returns the value.
FINAL = Limits(max_string_length=10, max_list_length=3)
TOO_LONG = "a string would be 20 characters long, over the limit max_string_length=10"
TOO_MANY = "a value has 4 items, over the limit max_list_length=3"
# (name, source, value, message after "in expression '<source>': ", span)
FINAL_VALUES: list[tuple[str, str, Any, str | None, tuple[int, int]]] = [
    ("long string", "{v.x}", "x" * 20, TOO_LONG, (0, 5)),
    ("long string after a pipe", "{v.x | first}", "x" * 20, TOO_LONG, (7, 12)),
    ("long list", "{v.x}", [1, 2, 3, 4], TOO_MANY, (0, 5)),
    ("long dict", "{v.x}", dict.fromkeys("abcd", 1), TOO_MANY, (0, 5)),
    ("long tuple", "{v.x}", (1, 2, 3, 4), TOO_MANY, (0, 5)),
    ("string at the limit", "{v.x}", "x" * 10, None, (0, 0)),
    ("list at the limit", "{v.x}", [1, 2, 3], None, (0, 0)),
    ("number", "{v.x}", 10**30, None, (0, 0)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "source", "value", "message", "span"),
    FINAL_VALUES,
    ids=[c[0] for c in FINAL_VALUES],
)
def test_a_value_needs_no_pipe_to_be_checked(
    name: str, source: str, value: Any, message: str | None, span: tuple[int, int]
) -> None:
    for evaluate in (evaluator(source, FINAL), compile_expression(source, limits=FINAL).evaluate):
        if message is None:
            assert evaluate({"v": {"x": value}}) == value
            continue
        with pytest.raises(ExpressionError) as caught:
            evaluate({"v": {"x": value}})
        assert str(caught.value).endswith(f"in expression {source!r}: {message}")
        (diagnostic,) = caught.value.diagnostics
        assert (diagnostic.code, diagnostic.start, diagnostic.end) == ("budget-exceeded", *span)


def test_list_without_pipes_is_checked() -> None:
    source = "{list(v.x, v.x, v.x)}"
    assert evaluator(source, FINAL)({"v": {"x": "x"}}) == ["x", "x", "x"]
    with pytest.raises(ExpressionError, match="max_list_length"):
        compile_expression("{list(v.x, v.x, v.x, v.x)}", limits=FINAL)


def evaluator(source: str, limits: Limits) -> Callable[[Any], Any]:
    """The evaluation function of ``source``, built without the compile cache."""
    analysis = analyze(source, limits=limits)
    return build_evaluator(build_plan(source, analysis.tree, analysis.bound, Budget(limits)))
