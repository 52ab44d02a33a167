"""Arguments as written: positional only, no silent blank ones, escapes in quoted ones."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from dagabaaz.expressions import (
    Argument,
    Interpolation,
    PipeCall,
    Reference,
    Template,
    check_expression,
    compile_expression,
    parse,
    unparse,
)
from dagabaaz.pipes import DEFAULT_PIPES, Range

# (source, argument text, hint): `name=value` where name is a parameter.
KEYWORD_STYLE = [
    ("{a.b | default(fallback=x)}", "fallback=x", "write default(x)"),
    ("{a.b | default(fallback = x)}", "fallback = x", "write default(x)"),
    ("{a.b | replace(old=o, new=0)}", "old=o", "write replace(o, 0)"),
    ("{a.b | replace(new=0, old=o)}", "new=0", "write replace(o, 0)"),
    ("{a.b | replace(a, new=b)}", "new=b", "write replace(a, b)"),
    ("{a.b | in(options=en, fr)}", "options=en", "write in(en, fr)"),
    ("{a.b | join(sep=)}", "sep=", 'write join("")'),
    ("{a.b | match(pattern=\\d+)}", "pattern=\\d+", "write match(\\d+)"),
    (
        "{a.b | replace(new=0)}",
        "new=0",
        "arguments are positional, in this order: replace(old[, new])",
    ),
]


@pytest.mark.parametrize(
    ("source", "text", "fix"), KEYWORD_STYLE, ids=[k[0] for k in KEYWORD_STYLE]
)
def test_a_keyword_style_argument_is_a_warning_with_a_positional_fix(
    source: str, text: str, fix: str
) -> None:
    found = [d for d in check_expression(source) if source[d.start : d.end] == text]
    assert [(d.code, d.severity) for d in found] == [("keyword-argument", "warning")]
    (warning,) = found
    assert warning.hint is not None
    assert warning.hint.startswith(fix.replace("write ", "arguments are positional: write ", 1))
    assert warning.hint.endswith("; or quote the text to mean it")
    name = text.split("=")[0].strip()
    assert f"not a value for the parameter '{name}'" in warning.message


def test_the_warning_does_not_change_what_the_text_means() -> None:
    # A warning, not an error: the expression still compiles and the text
    # is passed as written, as it always was.
    assert compile_expression("{a.b | default(fallback=x)}").evaluate({}) == "fallback=x"


def test_an_argument_that_does_not_fit_gets_the_positional_fix_as_its_hint() -> None:
    (problem,) = check_expression("{a.b | truncate(length=5)}")
    assert (problem.code, problem.severity) == ("invalid-argument", "error")
    assert problem.message == (
        "argument 'length' of pipe 'truncate' must be an integer, got 'length=5'"
    )
    assert problem.hint == "arguments are positional: write truncate(5)"


@pytest.mark.parametrize(
    "source",
    [
        "{a.b | default(lang=en)}",  # not a parameter of default: meant as text
        '{a.b | default("fallback=x")}',  # quoted: meant as text
        "{a.b | append(?page=2)}",
        "{a.b | replace(=, :)}",
    ],
)
def test_text_with_an_equals_sign_is_not_reported(source: str) -> None:
    assert check_expression(source) == []


SIGNATURES = {
    "truncate": "truncate([length])",
    "replace": "replace(old[, new])",
    "join": "join([sep])",
    "in": "in(options...)",
    "default": "default([fallback])",
    "upper": "upper",
    "match": "match(pattern)",
}


def test_signature_hints_are_positional() -> None:
    vocabulary = {entry["name"]: entry for entry in DEFAULT_PIPES.vocabulary()}
    assert {name: vocabulary[name]["signature"] for name in SIGNATURES} == SIGNATURES
    assert not [e["signature"] for e in vocabulary.values() if "=" in e["signature"]]
    (arity,) = check_expression("{a.b | replace(a, b, c)}")
    assert arity.hint == "replace(old[, new])"


def test_a_custom_pipe_signature_brackets_every_optional_argument() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("frame")
    def frame(
        text: str, left: str, right: str = "]", width: Annotated[int, Range(0, 9)] = 0, *more: str
    ) -> str:
        return left + text + right

    assert pipes["frame"].signature.describe("frame") == "frame(left[, right[, width, more...]])"


# (source, value of v.x, result): quoted escapes for control characters.
ESCAPES = [
    ('{v.x | join("\\n")}', ["a", "b"], "a\nb"),
    ("{v.x | join('\\t')}", ["a", "b"], "a\tb"),
    ('{v.x | replace("\\r\\n", "\\n")}', "a\r\nb", "a\nb"),
    ('{v.x | join("\\\\n")}', ["a", "b"], "a\\nb"),  # an escaped backslash, then n
    ("{v.x | join(\\n)}", ["a", "b"], "a\\nb"),  # bare: the backslash is kept
    ('{v.x | join("\\x")}', ["a", "b"], "a\\xb"),  # any other letter: kept
    ('{v.x | match("\\d+\\t")}', "ab 12\tz", "12\t"),
]


@pytest.mark.parametrize(("source", "value", "expected"), ESCAPES, ids=[e[0] for e in ESCAPES])
def test_quoted_arguments_read_newline_return_and_tab_escapes(
    source: str, value: Any, expected: str
) -> None:
    assert compile_expression(source).evaluate({"v": {"x": value}}) == expected


@pytest.mark.parametrize(
    "value", ["\n", "a\tb", " \r\n ", "\\n", "\\", 'q"\\n', "é😀\t", "\\\\t"], ids=repr
)
def test_unparse_writes_control_characters_as_escapes(value: str) -> None:
    for quote in ("", '"', "'"):
        argument = Argument(value, quote)
        tree = Template((Interpolation(Reference("v", "x"), (PipeCall("join", (argument,)),)),))
        source = unparse(tree)
        assert not {"\n", "\r", "\t"} & set(source), source
        assert parse(source) == tree


def test_no_argument_and_a_lone_comma_are_unchanged() -> None:
    scope = {"v": {"x": ["a", "b"]}}
    assert compile_expression("{v.x | join()}").evaluate(scope) == "a, b"
    assert compile_expression("{v.x | join ()}").evaluate(scope) == "a, b"
    assert compile_expression("{v.x | join( , )}").evaluate(scope) == "a,b"
    assert compile_expression('{v.x | join(" ")}').evaluate(scope) == "a b"
    assert compile_expression("{list( )}").evaluate(scope) == []


def test_warnings_never_stop_an_expression_from_compiling() -> None:
    # Warnings are capped like errors, but past the cap they are dropped
    # (one too-many-warnings says so) instead of ending the check in an error.
    source = "{a.b | default(fallback=x)}" * 150
    found = check_expression(source)
    assert len(found) == 101
    assert {d.severity for d in found} == {"warning"}
    assert found[-1].code == "too-many-warnings"
    assert found[-1].message == "more than 100 warnings; the rest are not shown"
    assert compile_expression(source).evaluate({}) == "fallback=x" * 150
