# ruff: noqa: E501  (tables of exact messages read best on one line)
"""Issue 17, points 1, 3 and 4: strict evaluation, as a standalone template user writes it.

``evaluate(scope, strict=True)`` is Jinja2's ``StrictUndefined``: a
reference with no value is a located error naming it, instead of an empty
result. The default stays as the README's version behaves.
"""

from __future__ import annotations

from collections import ChainMap, defaultdict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.errors import ExpressionError, PipeError
from dagabaaz.expressions import compile_expression
from dagabaaz.pipes import DEFAULT_PIPES

SCOPE: dict[str, Any] = {
    "source": {
        "title": "Dune",
        "year": 1965,
        "empty": "",
        "nothing": None,
        "nested": {"a": 1, "deeper": {"b": "x"}},
        "json": '{"lang": "en"}',
        "tags": ["a", "b"],
    },
    "input": {"count": "abc"},
}


def strict_error(source: str, scope: Any = SCOPE) -> ExpressionError:
    expression = compile_expression(source)
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(scope, strict=True)
    return caught.value


MISSING = [
    # source, the reference's text, why it is missing, the hint
    ("{source.titel}", "source.titel", "namespace 'source' has no key 'titel'", "did you mean 'title'?"),
    ("{sourse.title}", "sourse.title", "the scope has no namespace 'sourse'", "did you mean 'source'?"),
    ("{source.nothing}", "source.nothing", "its value is None", None),
    ("Hello {source.titel | upper}!", "source.titel", "namespace 'source' has no key 'titel'", "did you mean 'title'?"),
    ("{list(source.title, source.yeer)}", "source.yeer", "namespace 'source' has no key 'yeer'", "did you mean 'year'?"),
    ("{source.nested.a}", "source.nested.a", "namespace 'source' has no key 'nested.a'", "did you mean {source.nested | json_get(a)}?"),
    ("{source.nested.deeper.b}", "source.nested.deeper.b", "namespace 'source' has no key 'nested.deeper.b'", "did you mean {source.nested | json_get(deeper) | json_get(b)}?"),
    ("{source.json.lang}", "source.json.lang", "namespace 'source' has no key 'json.lang'", "did you mean {source.json | json_get(lang)}?"),
    ("{source.tags.0}", "source.tags.0", "namespace 'source' has no key 'tags.0'", "did you mean {source.tags | json_get(0)}?"),
    ("{input.title | default(x) | upper} {input.name}", "input.name", "namespace 'input' has no key 'name'", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "reference", "why", "hint"), MISSING, ids=[case[0] for case in MISSING]
)
def test_a_missing_reference_is_a_located_error(
    source: str, reference: str, why: str, hint: str | None
) -> None:
    error = strict_error(source)
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "missing-reference"
    assert source[diagnostic.start : diagnostic.end] == reference
    assert diagnostic.hint == hint
    message = f"missing reference '{reference}' in expression {source!r}: {why}"
    assert diagnostic.message == message
    assert str(error) == (f"{message} ({hint})" if hint else message)


@pytest.mark.parametrize("source", [case[0] for case in MISSING])
def test_the_default_stays_lenient(source: str) -> None:
    value = compile_expression(source).evaluate(SCOPE)
    assert value is None or isinstance(value, str | list)


def test_the_dotted_key_reads_the_whole_key_as_before() -> None:
    scope = {"source": {"nested.a": "the dotted key", "nested": {"a": "inside"}}}
    assert compile_expression("{source.nested.a}").evaluate(scope) == "the dotted key"
    assert compile_expression("{source.nested.a}").evaluate(scope, strict=True) == "the dotted key"
    assert compile_expression("{source.nested | json_get(a)}").evaluate(scope) == "inside"
    without = {"source": {"nested": {"a": "inside"}}}
    assert compile_expression("{source.nested.a}").evaluate(without) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{source.titel | default(Untitled)}", "Untitled"),
        ("{source.nothing | default(0)}", "0"),
        ("{list(source.x, source.y) | default(none)}", ["x_missing", "y_missing"]),
        ("{source.title}", "Dune"),
        ("{source.empty}", None),
        ("{source.year}", 1965),
        ("by {source.title}", "by Dune"),
        ("no references", "no references"),
    ],
    ids=["default", "None then default", "list then default", "present", "empty", "int", "text", "constant"],
)  # fmt: skip
def test_what_strict_lets_through(source: str, expected: Any) -> None:
    scope = {"source": {**SCOPE["source"], "x": "x_missing", "y": "y_missing"}}
    if isinstance(expected, list):
        scope["source"].pop("x")
        expected = [None, "y_missing"]
    assert compile_expression(source).evaluate(scope, strict=True) == expected


def test_required_keeps_its_own_error() -> None:
    error = strict_error("{source.titel | required}")
    assert error.diagnostics[0].code == "required-missing"


def test_a_pipe_after_default_is_strict_again_only_for_its_own_reference() -> None:
    # Only the first pipe decides: "upper | default" does not save a missing reference.
    assert strict_error("{source.titel | upper | default(x)}").diagnostics[0].code == (
        "missing-reference"
    )


@pytest.mark.parametrize(
    "scope",
    [
        lambda namespace, key: SCOPE.get(namespace, {}).get(key),
        ChainMap(SCOPE),
        defaultdict(dict, SCOPE),
    ],
    ids=["callable", "ChainMap", "defaultdict"],
)
def test_any_kind_of_scope(scope: Any) -> None:
    error = strict_error("{source.titel}", scope)
    assert error.diagnostics[0].code == "missing-reference"
    if callable(scope) and not isinstance(scope, dict):
        assert error.diagnostics[0].message.endswith("the scope has no value for it")
    assert compile_expression("{source.title}").evaluate(scope, strict=True) == "Dune"


def test_a_defaultdict_gains_no_entry() -> None:
    scope: defaultdict[str, dict[str, Any]] = defaultdict(dict, {"a": {"b": 1}})
    strict_error("{c.d}", scope)
    assert sorted(scope) == ["a"]


def test_a_callable_scope_gets_the_nested_suggestion() -> None:
    error = strict_error("{source.nested.a}", lambda namespace, key: SCOPE[namespace].get(key))
    assert error.diagnostics[0].hint == "did you mean {source.nested | json_get(a)}?"


INT = [
    # value, default result, strict error message
    ("abc", 0, "'abc' is not a number (a number is written like 12, -3.5 or 1e3)"),
    ("  12", 0, "'  12' is not a number: a number has no spaces around it (trim it first)"),
    ("12abc", 0, "'12abc' is not a number (a number is written like 12, -3.5 or 1e3)"),
    ("", 0, "the value is empty, not a number"),
    (["1"], 0, "a list is not a number, so it has no integer value"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "lenient", "message"), INT, ids=[repr(c[0]) for c in INT])
def test_int_on_text_that_is_not_a_number(value: Any, lenient: int, message: str) -> None:
    expression = compile_expression("{a.n | int}")
    assert expression.evaluate({"a": {"n": value}}) == lenient
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"a": {"n": value}}, strict=True)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "pipe-failed"
    assert "{a.n | int}"[diagnostic.start : diagnostic.end] == "int"
    assert diagnostic.message == f"pipe 'int' on 'a.n' in expression '{{a.n | int}}': {message}"


@pytest.mark.parametrize(("value", "expected"), [("12", 12), ("-3.7", -3), (True, 1), (7.9, 7)])
def test_int_on_numbers_is_the_same_strict_or_not(value: Any, expected: int) -> None:
    expression = compile_expression("{a.n | int}")
    assert expression.evaluate({"a": {"n": value}}, strict=True) == expected
    assert expression.evaluate({"a": {"n": value}}) == expected


def test_a_custom_pipe_can_have_a_strict_version() -> None:
    pipes = DEFAULT_PIPES.copy()

    def lenient(value: str) -> str:
        return value.split("@")[0] if "@" in value else ""

    def strict(value: str) -> str:
        if "@" not in value:
            raise PipeError(f"{value!r} is no e-mail address")
        return lenient(value)

    pipes.register("user", lenient, strict=strict)
    expression = compile_expression("{a.mail | user}", pipes=pipes)
    assert expression.evaluate({"a": {"mail": "ada"}}) is None
    with pytest.raises(ExpressionError, match="'ada' is no e-mail address"):
        expression.evaluate({"a": {"mail": "ada"}}, strict=True)
    assert expression.evaluate({"a": {"mail": "ada@x.org"}}, strict=True) == "ada"


def test_a_custom_pipe_can_take_missing_values() -> None:
    pipes = DEFAULT_PIPES.copy()

    def or_env(value: object, name: str = "") -> object:
        return value or f"${name}"

    pipes.register("or_env", or_env, takes_missing=True)
    pipes.register("shout", lambda value: f"{value}!")
    assert compile_expression("{a.x | or_env}", pipes=pipes).evaluate({}, strict=True) == "$"
    with pytest.raises(ExpressionError, match=r"missing reference 'a\.x'"):
        compile_expression("{a.x | shout}", pipes=pipes).evaluate({}, strict=True)


def test_strict_version_must_take_the_same_parameters() -> None:
    from dagabaaz.errors import PipeRegistryError

    def lenient(value: object) -> object:
        return value

    def strict(value: object, extra: str) -> object:
        return value

    pipes = DEFAULT_PIPES.copy()
    with pytest.raises(PipeRegistryError, match="must take the same parameters"):
        pipes.register("p", lenient, strict=strict)


def test_the_strict_evaluator_is_built_once_and_agrees_with_the_default() -> None:
    expression = compile_expression("{source.title | upper} ({source.year}) {source.tags}")
    first = expression.evaluate(SCOPE, strict=True)
    assert first == expression.evaluate(SCOPE) == "DUNE (1965) a, b"
    assert expression.evaluate(SCOPE, strict=True) == first


def test_strict_is_passed_by_keyword_or_position() -> None:
    expression = compile_expression("{a.b}")
    assert expression.evaluate({"a": {"b": 1}}, True) == 1
    assert expression.evaluate({"a": {"b": 1}}, strict=False) == 1


# --- strict and default agree wherever nothing is missing -------------------

PRESENT = {
    "s": {"t": " Mixed Case ", "n": "42", "l": ["a", None, "b"], "d": {"k": 1}, "e": "", "z": 0},
    "input": {"flag": "no"},
}
REFERENCES = ["s.t", "s.n", "s.l", "s.d", "s.e", "s.z", "input.flag", "s.gone", "other.x"]
PIPES = ["upper", "trim", "default(x)", "join(-)", "first", "int", "json", "not", "string"]
interpolations = st.builds(
    lambda refs, pipes: (
        "{"
        + (refs[0] if len(refs) == 1 else f"list({', '.join(refs)})")
        + "".join(f" | {pipe}" for pipe in pipes)
        + "}"
    ),
    st.lists(st.sampled_from(REFERENCES), min_size=1, max_size=3),
    st.lists(st.sampled_from(PIPES), max_size=3),
)
templates = st.lists(interpolations | st.sampled_from(["x ", " and ", ""]), min_size=1, max_size=4)


def _outcome(source: str, strict: bool) -> tuple[str, Any]:
    try:
        return "value", compile_expression(source).evaluate(PRESENT, strict=strict)
    except ExpressionError as error:
        return error.diagnostics[0].code, None


@given(templates.map("".join))
def test_strict_differs_from_the_default_only_by_failing(source: str) -> None:
    lenient = _outcome(source, strict=False)
    strict = _outcome(source, strict=True)
    if strict[0] == "value":
        assert strict == lenient
    else:
        assert strict[0] in {"missing-reference", "pipe-failed", lenient[0]}
    reads_missing = "s.gone" in source or "other.x" in source or "s.e" in source
    if not reads_missing and "int" not in source:
        assert strict == lenient
