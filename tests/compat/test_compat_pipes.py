"""Issue 10, points 2, 3, 8, 11 and 12: pipes and expressions as the README's version answered."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.expressions import ExpressionError, extract_refs, resolve_expression
from dagabaaz.pipes import BUILTIN_PIPES, DEFAULT_PIPES, PIPE_ARITY


def lookup_in(values: dict[str, dict[str, Any]]) -> Any:
    return lambda namespace, key: values.get(namespace, {}).get(key)


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("{a.file_name | ext}", "clip.mp4", ".mp4"),
        ("{a.file_name | ext}", "/a/b.txt", ".txt"),
        ("{a.file_name | ext}", "Movie.MKV", ".MKV"),
        ("{a.file_name | ext}", "README", ""),
        ("{a.file_name | dirname}", "file.txt", "."),
        ("{a.file_name | dirname}", "/a/b/c.txt", "/a/b"),
        ("{a.file_name | basename}", "/a/b/", "b"),
        ("{a.file_name | stem}", "/a/b.tar.gz", "b.tar"),
    ],
)
def test_path_pipes(expression: str, value: str, expected: str) -> None:
    assert resolve_expression(expression, lookup_in({"a": {"file_name": value}})) == expected


def test_path_pipes_called_directly() -> None:
    assert BUILTIN_PIPES["ext"]("/a/b.txt") == ".txt"
    assert BUILTIN_PIPES["dirname"]("file.txt") == "."


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        ("3.7", "2", "03"),
        ("1e3", "6", "001000"),
        ("abc", "4", "abc"),
        (7, "3", "007"),
        ("-3.7", "3", "-03"),
        (" 7 ", "2", "07"),
        ("nan", "2", "nan"),
    ],
)
def test_pad_converts_to_an_integer_first(value: Any, width: str, expected: str) -> None:
    assert BUILTIN_PIPES["pad"](value, width) == expected
    found = resolve_expression(f"{{a.n | pad({width})}}", lookup_in({"a": {"n": value}}))
    assert found == expected


@given(
    st.one_of(
        st.integers(min_value=-(10**5000), max_value=10**5000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=False).map(str),
    )
)
def test_pad_never_raises_on_a_number(value: Any) -> None:
    result = BUILTIN_PIPES["pad"](value, "3")
    if isinstance(value, float) and math.isfinite(value):
        assert result == str(int(value)).zfill(3)


def test_pipe_arity_is_read_from_the_registry() -> None:
    assert set(PIPE_ARITY) == set(DEFAULT_PIPES.names())
    assert PIPE_ARITY["upper"] == (0, 0)
    assert PIPE_ARITY["replace"] == (1, 2)
    assert PIPE_ARITY["truncate"] == (0, 1)
    for name, (low, high) in PIPE_ARITY.items():
        signature = DEFAULT_PIPES[name].signature
        assert (low, high) == (signature.min_args, signature.max_args)
    with pytest.raises(TypeError):
        PIPE_ARITY["upper"] = (1, 1)  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("nth", (["a", "b"], "x"), None),
        ("nth", ("text", "x"), "text"),
        ("truncate", ("hello", "x"), "hello"),
        ("pad", ("7", "x"), "7"),
        ("match", ("abc", "("), ""),
        ("match", ("abc", "b+"), "b"),
        ("prepend", ("abc",), "abc"),
        ("append", ("abc",), "abc"),
    ],
)
def test_builtin_pipes_keep_their_leniency(name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert BUILTIN_PIPES[name](*args) == expected


@pytest.mark.parametrize("value", ["", None])
def test_required_of_nothing_raises_expression_error(value: Any) -> None:
    with pytest.raises(ExpressionError):
        BUILTIN_PIPES["required"](value)


@pytest.mark.parametrize(
    "expression", ["{a.x | nth(x)}", "{a.x | truncate(x)}", "{a.x | match(()}"]
)
def test_inside_expressions_the_same_calls_are_errors(expression: str) -> None:
    with pytest.raises(ExpressionError):
        resolve_expression(expression, lookup_in({}))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{missing.key | upper}", ""),
        ("{missing.key}", None),
        ("{a.empty}", ""),
        ("{a.empty | trim}", ""),
        ("{a.items | first}", None),
        ("{a.title | upper}", "DUNE"),
        ("x{missing.key}", "x"),
    ],
)
def test_resolve_expression(expression: str, expected: Any) -> None:
    scope = lookup_in({"a": {"empty": "", "items": [], "title": "dune"}})
    assert resolve_expression(expression, scope) == expected


def test_extract_refs() -> None:
    assert extract_refs("{source.x} {input.key} {config.y}") == ({"source"}, {"key"})
    with pytest.raises(ExpressionError):
        extract_refs("{unclosed")
    with pytest.raises(ExpressionError):
        extract_refs("{}")
