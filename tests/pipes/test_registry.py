"""The pipe registry: registration, signatures, read-only built-ins, vocabulary, BUILTIN_PIPES."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from pipes_harness import apply

from dagabaaz.expressions import Budget, ExpressionError, check_expression
from dagabaaz.pipes import (
    BUILTIN_PIPES,
    DEFAULT_PIPES,
    PipeError,
    PipeRegistry,
    PipeRegistryError,
    Range,
    Regex,
)

BUILTIN_NAMES = sorted(
    [
        "all",
        "any",
        "upper",
        "lower",
        "trim",
        "title",
        "replace",
        "strip",
        "lstrip",
        "rstrip",
        "default",
        "required",
        "first",
        "last",
        "nth",
        "join",
        "basename",
        "dirname",
        "stem",
        "ext",
        "urlencode",
        "urldecode",
        "int",
        "string",
        "truncate",
        "prepend",
        "append",
        "match",
        "json_get",
        "json",
        "flatten",
        "compact",
        "pad",
        "not",
        "eq",
        "neq",
        "gt",
        "lt",
        "in",
    ]
)


def test_every_builtin_is_registered() -> None:
    assert DEFAULT_PIPES.names() == BUILTIN_NAMES
    assert all(name in DEFAULT_PIPES for name in BUILTIN_NAMES)
    assert "nope" not in DEFAULT_PIPES
    assert len(DEFAULT_PIPES) == len(BUILTIN_NAMES)


def test_default_pipes_is_read_only() -> None:
    with pytest.raises(PipeRegistryError) as caught:
        DEFAULT_PIPES.register("shout", lambda value: value)
    assert str(caught.value) == (
        "cannot register pipe 'shout': this registry is read-only; "
        "register on a copy: pipes = DEFAULT_PIPES.copy()"
    )
    assert DEFAULT_PIPES.read_only


def test_register_on_a_copy_changes_no_other_registry() -> None:
    pipes = DEFAULT_PIPES.copy()
    other = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(text: str, marks: Annotated[int, Range(0, 5)] = 1) -> str:
        """Upper-case and add exclamation marks."""
        return text.upper() + "!" * marks

    assert shout("a") == "A!"  # the decorator returns the function itself
    assert "shout" in pipes
    assert "shout" not in other and "shout" not in DEFAULT_PIPES
    assert apply("shout(3)", "hey", pipes=pipes) == "HEY!!!"
    assert apply("shout", None, pipes=pipes) == "!"
    (problem,) = check_expression("{a.b | shout(9)}", pipes=pipes)
    assert problem.message == "argument 'marks' of pipe 'shout' must be between 0 and 5, got 9"
    assert check_expression("{a.b | shout}")[0].code == "unknown-pipe"


def test_register_without_decorator_and_replace() -> None:
    pipes = PipeRegistry()
    pipes.register("twice", lambda value: [value, value])
    assert apply("twice", "x", pipes=pipes) == ["x", "x"]
    with pytest.raises(PipeRegistryError, match="pipe 'twice' is already registered"):
        pipes.register("twice", lambda value: value)
    pipes.register("twice", lambda value: value, replace=True)
    assert apply("twice", "x", pipes=pipes) == "x"


def _no_params() -> None: ...


def _kwargs(value: object, **options: str) -> object:
    return value


def _untyped(value, x):  # type: ignore[no-untyped-def]
    return value


def _list_param(value: object, items: list[str]) -> object:
    return value


def _bad_keyword(value: object, *, flag: bool = False) -> object:
    return value


def _bad_default(value: object, n: int = "3") -> object:  # type: ignore[assignment]
    return value


BAD_SIGNATURES: list[tuple[str, Callable[..., Any], str]] = [
    ("none", _no_params, "pipe 'none' must take the piped value as its first positional parameter"),
    ("kw", _kwargs, "pipe 'kw' cannot take **options"),
    (
        "untyped",
        _untyped,
        "parameter 'x' of pipe 'untyped' must be annotated str, int, float, Decimal, bool "
        "or Regex (found no annotation)",
    ),
    (
        "listy",
        _list_param,
        "parameter 'items' of pipe 'listy' must be annotated str, int, float, Decimal, bool "
        "or Regex (found list[str])",
    ),
    (
        "flag",
        _bad_keyword,
        "keyword-only parameter 'flag' of pipe 'flag' is not supported; only one, annotated "
        "Budget, may be keyword-only",
    ),
    ("dflt", _bad_default, "default '3' of parameter 'n' of pipe 'dflt' is not of type integer"),
]


@pytest.mark.parametrize(
    ("name", "function", "message"), BAD_SIGNATURES, ids=[b[0] for b in BAD_SIGNATURES]
)
def test_unsupported_signatures_are_refused(
    name: str, function: Callable[..., Any], message: str
) -> None:
    with pytest.raises(PipeRegistryError) as caught:
        PipeRegistry().register(name, function)
    assert str(caught.value) == message


@pytest.mark.parametrize("name", ["", "a b", " a", "a\n", "a.b", "x|y", "é-ok_1"], ids=repr)
def test_pipe_names_follow_the_grammar(name: str) -> None:
    pipes = PipeRegistry()
    if name == "é-ok_1":
        pipes.register(name, lambda value: value)
        assert name in pipes
    else:
        with pytest.raises(PipeRegistryError, match="invalid pipe name"):
            pipes.register(name, lambda value: value)


def test_a_custom_pipe_receives_the_budget() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("repeat")
    def repeat(text: str, times: int = 2, *, budget: Budget) -> str:
        budget.text(len(text) * times, "the result of repeat")
        return text * times

    assert apply("repeat(3)", "ab", pipes=pipes) == "ababab"
    with pytest.raises(ExpressionError) as caught:
        apply("repeat(100000)", "x" * 100, pipes=pipes)
    assert "the result of repeat would be 10000000 characters long" in str(caught.value)
    assert caught.value.diagnostics[0].code == "budget-exceeded"


def test_failures_inside_pipes_become_expression_errors() -> None:
    pipes = DEFAULT_PIPES.copy()
    pipes.register("boom", lambda value: 1 / 0)

    @pipes.register("picky")
    def picky(text: str) -> str:
        raise PipeError("no vowels allowed", code="picky-input")

    with pytest.raises(ExpressionError) as caught:
        apply("boom", "x", pipes=pipes)
    assert str(caught.value) == (
        "pipe 'boom' failed on 'v.x' in expression '{v.x | boom}': "
        "ZeroDivisionError: division by zero"
    )
    assert caught.value.diagnostics[0].code == "pipe-failed"
    with pytest.raises(ExpressionError) as caught:
        apply("picky", "a", pipes=pipes)
    assert (
        str(caught.value)
        == "pipe 'picky' on 'v.x' in expression '{v.x | picky}': no vowels allowed"
    )
    assert caught.value.diagnostics[0].code == "picky-input"


def test_vocabulary_is_json_ready_and_complete() -> None:
    vocabulary = DEFAULT_PIPES.vocabulary()
    assert json.loads(json.dumps(vocabulary)) == vocabulary
    names = [entry["name"] for entry in vocabulary]
    assert names == ["list", *BUILTIN_NAMES]
    by_name = {entry["name"]: entry for entry in vocabulary}
    assert by_name["list"]["kind"] == "function"
    assert by_name["truncate"] == {
        "name": "truncate",
        "kind": "pipe",
        "signature": "truncate([length])",
        "summary": "Keep the first ``length`` characters; no ellipsis is added.",
        "doc": "Keep the first ``length`` characters; no ellipsis is added.",
        "value": "string",
        "params": [
            {
                "name": "length",
                "type": "integer",
                "required": False,
                "default": 100,
                "variadic": False,
                "min": 0,
                "max": None,
            }
        ],
    }
    assert by_name["in"]["params"][0]["variadic"] is True
    assert by_name["match"]["params"][0]["type"] == "regex"
    assert by_name["json_get"]["value"] == "any"
    assert all(entry["doc"] for entry in vocabulary)


BUILTIN_CALLS: list[tuple[str, Any, tuple[str, ...], Any]] = [
    ("upper", "abc", (), "ABC"),
    ("truncate", "abcdef", ("2",), "ab"),
    ("join", ["a", None, "b"], (",",), "a,b"),
    ("default", None, ("x",), "x"),
    ("basename", "/a/b.txt", (), "b.txt"),
    ("in", "b", ("a", "b"), True),
    ("gt", 5, ("4.5",), True),
    ("match", "a1b22", ("\\d+",), "1"),
    ("json_get", '{"k": 1}', ("k",), 1),
]


@pytest.mark.parametrize(
    ("name", "value", "args", "expected"), BUILTIN_CALLS, ids=[b[0] for b in BUILTIN_CALLS]
)
def test_builtin_pipes_mapping_for_earlier_callers(
    name: str, value: Any, args: tuple[str, ...], expected: Any
) -> None:
    assert BUILTIN_PIPES[name](value, *args) == expected


def test_builtin_pipes_mapping_is_read_only_and_checks_arguments() -> None:
    assert set(BUILTIN_PIPES) == set(BUILTIN_NAMES)
    assert len(BUILTIN_PIPES) == len(BUILTIN_NAMES)
    assert not hasattr(BUILTIN_PIPES, "__setitem__")
    with pytest.raises(ExpressionError, match="pipe 'truncate' takes at most 1 argument, got 2"):
        BUILTIN_PIPES["truncate"]("x", "1", "2")
    # The README's version's leniency: a non-integer length leaves the text alone.
    assert BUILTIN_PIPES["truncate"]("x", "abc") == "x"
    with pytest.raises(ExpressionError, match="pipe 'first' takes no arguments, got 1"):
        BUILTIN_PIPES["first"]("x", "abc")
    with pytest.raises(ExpressionError, match="a required value is missing"):
        BUILTIN_PIPES["required"](None)
    with pytest.raises(KeyError):
        BUILTIN_PIPES["nope"]


def test_regex_parameters_receive_a_compiled_pattern() -> None:
    pattern = Regex("a+")
    assert pattern.search("baaa") == "aaa"
    assert pattern == Regex("a+") and hash(pattern) == hash(Regex("a+"))


@pytest.mark.parametrize(
    "first", ["dagabaaz.pipes", "dagabaaz.pipes.registry", "dagabaaz.expressions"]
)
def test_either_package_can_be_imported_first(first: str) -> None:
    code = f"import {first}; from dagabaaz.expressions import compile_expression; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_a_pipe_whose_only_arguments_are_variadic_needs_one() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("not_in")
    def not_in(value: object, *options: str) -> bool:
        return str(value) not in options

    @pipes.register("tag")
    def tag(value: object, prefix: str, *more: str) -> str:
        return prefix + str(value) + "".join(more)

    (problem,) = check_expression("{a.b | not_in}", pipes=pipes)
    assert (problem.code, problem.message, problem.hint) == (
        "wrong-arity",
        "pipe 'not_in' takes at least 1 argument, got 0",
        "not_in(options...)",
    )
    assert check_expression("{a.b | not_in(x)}", pipes=pipes) == []
    assert check_expression("{a.b | tag(#)}", pipes=pipes) == []  # after a parameter: none is fine
    entries = {entry["name"]: entry for entry in pipes.vocabulary()}
    assert entries["not_in"]["params"][0]["required"] is True
    assert entries["in"]["params"][0]["required"] is True
    assert entries["tag"]["params"][1]["required"] is False


def test_in_without_options_is_refused_when_called_directly_too() -> None:
    with pytest.raises(ExpressionError, match=r"pipe 'in' takes at least 1 argument, got 0"):
        BUILTIN_PIPES["in"]("x")
    assert BUILTIN_PIPES["in"]("x", "x") is True
