"""Rendering values as text: only JSON-compatible values render, never a Python repr."""

from __future__ import annotations

import enum
import json
import math
import re
import tracemalloc
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz._runtime.values import to_json
from dagabaaz.errors import UnrenderableValue
from dagabaaz.expressions import Budget, ExpressionError, LimitExceeded, Limits, compile_expression


class Level(enum.IntEnum):
    HIGH = 3


class Label(enum.StrEnum):
    NEW = "new"


def render(source: str, value: Any) -> Any:
    return compile_expression(source).evaluate({"v": {"x": value}})


RENDERED: list[tuple[str, Any, str]] = [
    ("int subclass as its number", Level.HIGH, "x3"),
    ("str subclass as its text", Label.NEW, "xnew"),
    ("float", 2.5, "x2.5"),
    ("mapping proxy", MappingProxyType({"a": MappingProxyType({"b": 1})}), 'x{"a": {"b": 1}}'),
    ("nested mapping proxy", {"m": MappingProxyType({"b": None})}, 'x{"m": {"b": null}}'),
    ("enum inside a dict", {"level": Level.HIGH}, 'x{"level": 3}'),
    ("tuple inside a list", [("a", 1)], 'x["a", 1]'),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "expected"), RENDERED, ids=[c[0] for c in RENDERED])
def test_json_compatible_values_render(name: str, value: Any, expected: str) -> None:
    assert render("x{v.x}", value) == expected


UNRENDERABLE: list[tuple[str, Any, str]] = [
    ("bytes", b"ab", "a value of type bytes"),
    ("set", {1, 2}, "a value of type set"),
    ("object", object(), "a value of type object"),
    ("bytes in a list", ["a", b"ab"], "a value of type bytes"),
    ("set in a dict", {"a": {1}}, "a value of type set"),
    ("object deep inside", {"a": [[{"b": object()}]]}, "a value of type object"),
    ("int key", {1: "a"}, "a dict with a key of type int"),
    ("tuple key", {(1, 2): "a"}, "a dict with a key of type tuple"),
    ("None key", {None: "a"}, "a dict with a key of type NoneType"),
    ("frozenset in a list of dicts", [{"a": 1}, {"b": frozenset()}], "a value of type frozenset"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "what"), UNRENDERABLE, ids=[c[0] for c in UNRENDERABLE])
def test_other_values_raise_unrenderable_value(name: str, value: Any, what: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        render("x{v.x}", value)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "unrenderable-value"
    assert (diagnostic.start, diagnostic.end) == (1, 6)
    assert str(caught.value) == (
        f"cannot render '{{v.x}}' in expression 'x{{v.x}}': {what} cannot be written as "
        f"{'JSON' if 'key' in what else 'text or JSON'} (only strings, numbers, booleans, "
        "None, dates and times, Decimals, UUIDs, paths, lists and dicts with string keys can)"
    )


@pytest.mark.parametrize(
    "source",
    ["x{v.x}", "{v.x | upper}", "{v.x | string}", "{v.x | join}", "x{list(v.x)}", "{v.x | eq(a)}"],
)  # fmt: skip
def test_no_path_shows_a_python_repr(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        render(source, object())
    assert "object at 0x" not in str(caught.value)
    assert caught.value.diagnostics[0].code == "unrenderable-value"


def test_a_lone_unrenderable_value_is_returned_as_it_is() -> None:
    value = b"ab"
    assert render("{v.x}", value) is value


# --- bounded rendering: the size is known before the text is built ---------

TIGHT = Limits(max_string_length=100_000)
BIG_DICT = {f"key{i:03}": "v" * 50 for i in range(100)}  # 6,101 characters of JSON


def peak_while_failing(source: str, value: Any, limits: Limits = TIGHT) -> tuple[str, int]:
    """Evaluate ``source`` expecting a budget failure; return its message and peak memory."""
    expression = compile_expression(source, limits=limits)
    scope = {"v": {"x": value}}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(ExpressionError) as caught:
            expression.evaluate(scope)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.diagnostics[0].code == "budget-exceeded"
    return str(caught.value), peak


# (name, source, value, what the message says is too long)
OVERSIZED: list[tuple[str, str, Any, str]] = [
    ("repeated dict in text", "x{v.x}", [BIG_DICT] * 2_000, "the joined text"),
    ("repeated dict joined", "{v.x | join}", [BIG_DICT] * 2_000, "the joined text"),
    ("repeated dict as string", "{v.x | string}", [BIG_DICT] * 2_000, "the joined text"),
    ("repeated dict nested", "{v.x | string}", {"k": [BIG_DICT] * 2_000}, "the JSON text"),
    ("repeated huge int", "{v.x | string}", {"k": [10**4000] * 2_000}, "the JSON text"),
    ("escaped control characters", "x{v.x}", {"k": "\x01" * 20_000}, "the JSON text"),
    ("quotes and newlines", "x{v.x}", {"k": '"\n' * 40_000}, "the JSON text"),
    ("long float reprs", "x{v.x}", {"k": [1.2345678901234567e-300] * 4_000}, "the JSON text"),
    ("booleans and nulls", "x{v.x}", {"k": [True, False, None] * 6_000}, "the JSON text"),
    ("keys count too", "x{v.x}", {"k" * 30 + str(i): 1 for i in range(3_000)}, "the JSON text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "source", "value", "what"), OVERSIZED, ids=[c[0] for c in OVERSIZED]
)
def test_oversized_renderings_stop_at_the_limit_unbuilt(
    name: str, source: str, value: Any, what: str
) -> None:
    message, peak = peak_while_failing(source, value)
    # The texts kept before the limit is passed, never the whole rendering.
    assert peak < 2 * TIGHT.max_string_length, f"peak {peak:,} bytes"
    assert f"{what} would be at least " in message
    assert message.endswith("characters long, over the limit max_string_length=100000")


def test_the_joined_text_stops_as_soon_as_it_passes_the_limit() -> None:
    message, _ = peak_while_failing("x{v.x}", [BIG_DICT] * 2_000)
    counted = int(re.search(r"at least (\d+) characters", message).group(1))  # type: ignore[union-attr]
    size = len(json.dumps(BIG_DICT, separators=(", ", ": ")))
    # Over the limit by less than one more copy: the last copy is not even counted whole.
    assert TIGHT.max_string_length < counted < TIGHT.max_string_length + size


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**1024), max_value=2**1024)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec="utf-8"), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def non_finite(value: Any) -> bool:
    """Whether ``value`` holds a NaN or an infinity anywhere."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(non_finite(item) for item in value.values())
    return isinstance(value, list) and any(non_finite(item) for item in value)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_counted_json_length_is_exact(value: Any) -> None:
    if non_finite(value):  # strict JSON: refused, whatever the limit
        with pytest.raises(UnrenderableValue, match="no NaN or infinities"):
            to_json(value, Budget(Limits()))
        return
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
    assert to_json(value, Budget(Limits(max_string_length=len(text)))) == text
    if len(text) == 1:
        return  # a one-digit number: no smaller limit exists
    with pytest.raises(LimitExceeded, match="max_string_length"):
        to_json(value, Budget(Limits(max_string_length=len(text) - 1)))


def test_a_json_text_exactly_at_the_limit_is_allowed() -> None:
    value = {"k": '\x01\n"\\é'}
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    assert (
        compile_expression("{v.x | string}", limits=Limits(max_string_length=len(text))).evaluate(
            {"v": {"x": value}}
        )
        == text
    )


@pytest.mark.parametrize("digits", [310, 1_000, 4_000], ids=str)
def test_huge_ints_are_checked_exactly_once_written(digits: int) -> None:
    value = {"k": [10 ** (digits - 1)] * 3}
    text = json.dumps(value, separators=(", ", ": "))
    assert to_json(value, Budget(Limits(max_string_length=len(text)))) == text
    with pytest.raises(LimitExceeded, match="max_string_length"):
        to_json(value, Budget(Limits(max_string_length=len(text) - 1)))


NON_FINITE = [
    ("nan in a dict", "x {v.x}", {"a": math.nan}, "nan"),
    ("inf in a nested list", "x {v.x}", [[1, math.inf]], "inf"),
    ("-inf deep in a dict", "{v.x | string}", {"a": [{"b": -math.inf}]}, "-inf"),
    ("nan in a dict joined", "{v.x | join(;)}", ["a", {"k": math.nan}], "nan"),
    ("inf in a list in list()", "x {list(v.x)}", [math.inf], "inf"),
]


@pytest.mark.parametrize(
    ("name", "source", "value", "number"), NON_FINITE, ids=[c[0] for c in NON_FINITE]
)
def test_json_is_strict_nan_and_infinities_are_refused(
    name: str, source: str, value: Any, number: str
) -> None:
    # json.dumps writes NaN, Infinity and -Infinity by default: no strict
    # JSON reader accepts them, so the rendering is refused instead.
    with pytest.raises(ExpressionError) as caught:
        render(source, value)
    assert caught.value.diagnostics[0].code == "unrenderable-value"
    assert str(caught.value).endswith(
        f"the number {number} cannot be written as JSON, which has no NaN or infinities"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(math.nan, "xnan"), (math.inf, "xinf"), ([-math.inf, 1], "x-inf, 1")],
    ids=["nan", "inf", "list-joined-as-text"],
)
def test_a_float_written_as_text_is_written_as_python_writes_it(value: Any, text: str) -> None:
    assert render("x{v.x}", value) == text


def test_a_lone_value_holding_nan_is_returned_as_it_is() -> None:
    value = render("{v.x}", {"a": math.nan})
    assert math.isnan(value["a"])
