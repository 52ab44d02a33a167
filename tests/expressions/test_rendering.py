"""Rendering values as text: only JSON-compatible values render, never a Python repr."""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any

import pytest

from dagabaaz.expressions import ExpressionError, compile_expression


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
        "None, lists and dicts with string keys can)"
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
