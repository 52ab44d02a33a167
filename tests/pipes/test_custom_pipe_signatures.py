"""Issue 17, point 6: what a custom pipe author can write, and what is refused clearly.

``int | None`` parameters register; ``async def`` and generator functions
are refused when registered, with the reason; a pipe returning something a
template cannot carry is named in the error (not the pipe after it); a
``bool`` parameter reads the words a ``when`` clause reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Optional

import pytest

from dagabaaz.errors import ExpressionError, PipeRegistryError
from dagabaaz.expressions import check_expression, compile_expression
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry, Range


def registry() -> PipeRegistry:
    return DEFAULT_PIPES.copy()


def evaluate(source: str, pipes: PipeRegistry, value: Any = "abcdef") -> Any:
    return compile_expression(source, pipes=pipes).evaluate({"a": {"b": value}})


def test_optional_int_parameters_register() -> None:
    pipes = registry()

    @pipes.register("head")
    def head(text: str, count: int | None = None) -> str:
        return text if count is None else text[:count]

    @pipes.register("tail")
    def tail(text: str, count: Optional[int] = None) -> str:  # noqa: UP045 (the old spelling too)
        return text if count is None else text[-count:]

    @pipes.register("middle")
    def middle(text: str, width: Annotated[int, Range(0, 10)] | None = None) -> str:
        return text if width is None else text[width:-width]

    assert evaluate("{a.b | head}", pipes) == "abcdef"
    assert evaluate("{a.b | head(2)}", pipes) == "ab"
    assert evaluate("{a.b | tail(2)}", pipes) == "ef"
    assert evaluate("{a.b | middle(1)}", pipes) == "bcde"
    (problem,) = check_expression("{a.b | middle(20)}", pipes=pipes)
    assert problem.code == "argument-out-of-range"
    (problem,) = check_expression("{a.b | head(x)}", pipes=pipes)
    assert problem.message == "argument 'count' of pipe 'head' must be an integer, got 'x'"
    params = pipes["head"].to_dict()["params"]
    assert params == [
        {
            "name": "count",
            "type": "integer",
            "required": False,
            "default": None,
            "variadic": False,
            "min": None,
            "max": None,
        }
    ]


def test_a_value_parameter_accepting_none_receives_a_missing_value_as_none() -> None:
    pipes = registry()
    seen: list[Any] = []

    @pipes.register("seen")
    def record(value: object | None) -> str:
        seen.append(value)
        return "ok"

    @pipes.register("seen_text")
    def record_text(value: object) -> str:
        seen.append(value)
        return "ok"

    compile_expression("{a.missing | seen}", pipes=pipes).evaluate({})
    compile_expression("{a.missing | seen_text}", pipes=pipes).evaluate({})
    assert seen == [None, ""]


def test_a_default_of_none_needs_the_annotation_to_say_so() -> None:
    def head(text: str, count: int = None) -> str:  # type: ignore[assignment]  # noqa: RUF013
        return text

    with pytest.raises(PipeRegistryError) as caught:
        registry().register("head", head)
    assert str(caught.value) == (
        "default None of parameter 'count' of pipe 'head' is not of type integer; "
        "annotate it int | None"
    )


async def fetch(value: str) -> str:
    return value


async def stream(value: str) -> AsyncIterator[str]:
    yield value


def letters(value: str) -> Iterator[str]:
    yield from value


class AsyncPipe:
    async def __call__(self, value: str) -> str:
        return value


@pytest.mark.parametrize(
    ("function", "reason"),
    [
        (fetch, "is an async function"),
        (stream, "is an async function"),
        (AsyncPipe(), "is an async function"),
        (letters, "is a generator function (it uses yield); a pipe returns a value: return a list"),
    ],
    ids=["async def", "async generator", "async __call__", "generator"],
)
def test_async_and_generator_pipes_are_refused_at_registration(function: Any, reason: str) -> None:
    pipes = registry()
    with pytest.raises(PipeRegistryError) as caught:
        pipes.register("p", function)
    assert f"pipe 'p' {reason}" in str(caught.value)
    assert "p" not in pipes


def test_an_async_pipe_is_told_what_to_do_instead() -> None:
    with pytest.raises(PipeRegistryError) as caught:
        registry().register("fetch", fetch)
    assert str(caught.value) == (
        "pipe 'fetch' is an async function; pipes are called synchronously while a template "
        "is evaluated, so it must be a plain def (fetch what it needs before evaluating, "
        "and pass it in the scope)"
    )


@pytest.mark.parametrize(
    ("returned", "kind", "advice"),
    [
        (lambda value: (c for c in value), "generator", " (make a list of it: list(...))"),
        (lambda value: map(str.upper, value), "map", " (make a list of it: list(...))"),
        (lambda value: set(value), "set", ""),
        (lambda value: object(), "object", ""),
    ],
    ids=["generator", "map", "set", "object"],
)
def test_the_pipe_returning_an_unusable_value_is_named(
    returned: Any, kind: str, advice: str
) -> None:
    pipes = registry()
    pipes.register("chars", returned)
    for source in (
        "{a.b | chars | join}",
        "{a.b | chars | upper}",
        "x {a.b | chars}",
        "{a.b | chars}",
    ):
        with pytest.raises(ExpressionError) as caught:
            evaluate(source, pipes)
        (problem,) = caught.value.diagnostics
        assert problem.code == "unrenderable-value"
        assert source[problem.start : problem.end] == "chars"
        assert problem.message == (
            f"pipe 'chars' on 'a.b' in expression {source!r}: it returned a {kind}, which a "
            f"template cannot carry{advice}; a pipe returns text, a number, a boolean, None, "
            "a list, a dict, a date or time, a Decimal, a UUID or a path"
        )


def test_a_custom_pipe_returning_values_is_untouched() -> None:
    pipes = registry()
    pipes.register("chars", lambda value: list(value))
    pipes.register("nothing", lambda value: None)
    assert evaluate("{a.b | chars | join(-)}", pipes) == "a-b-c-d-e-f"
    assert evaluate("{a.b | nothing | default(z)}", pipes) == "z"


TRUE = ["true", "yes", "on", "1", "TRUE", "Yes", '" on "']
FALSE = ["false", "no", "off", "0", "null", "none", "False", "NO"]


@pytest.mark.parametrize(
    ("word", "expected"), [(w, True) for w in TRUE] + [(w, False) for w in FALSE]
)
def test_a_bool_parameter_reads_the_words_when_reads(word: str, expected: bool) -> None:
    pipes = registry()

    @pipes.register("flag")
    def flag(value: object, on: bool = False) -> bool:
        return on

    assert evaluate(f"{{a.b | flag({word})}}", pipes) is expected


@pytest.mark.parametrize("word", ["maybe", "tru", "y", '""'])
def test_other_words_are_a_save_time_error(word: str) -> None:
    pipes = registry()

    def flag(value: object, on: bool = False) -> bool:
        return on

    pipes.register("flag", flag)
    (problem,) = check_expression(f"{{a.b | flag({word})}}", pipes=pipes)
    assert problem.code == "invalid-argument"
    assert "must be true or false (true/false, yes/no, on/off, 1/0)" in problem.message
