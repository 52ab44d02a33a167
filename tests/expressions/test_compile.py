"""Compiling and evaluating: semantics, references, errors and the cache."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.expressions import (
    ExpressionError,
    Limits,
    compile_expression,
    extract_refs,
    resolve_expression,
    validate_expression,
)
from dagabaaz.models import ExpressionError as ModelsExpressionError
from dagabaaz.pipes import DEFAULT_PIPES

SCOPE: dict[str, dict[str, Any]] = {
    "source": {
        "file_path": "/media/in/clip.final.mp4",
        "title": "  Hello World  ",
        "count": 7,
        "tags": ["a", None, "b", ""],
        "meta": {"lang": "en", "n": 1},
        "shareable_urls": '{"embed_urls": ["https://e/1"], "n": 2}',
        "empty": "",
        "flag": False,
        "a.b": "dotted key",
    },
    "branch_a": {"url": "https://a"},
    "branch_b": {"url": "https://b"},
    "input": {"api_url": "https://api", "url": "https://u"},
    "config": {"output_format": "", "width": 3},
    "lookup": {"existing_id": None},
}

EVALUATIONS = [
    ("{source.file_path}", "/media/in/clip.final.mp4"),
    ("{source.count}", 7),
    ("{source.tags}", ["a", None, "b", ""]),
    ("{source.meta}", {"lang": "en", "n": 1}),
    ("{source.flag}", False),
    ("{source.missing}", None),
    ("{nowhere.missing}", None),
    ("{source.empty}", None),
    ("{source.a.b}", "dotted key"),
    ("{source.title | trim | upper | truncate(5)}", "HELLO"),
    ("{list(branch_a.url, branch_b.url) | join(,)}", "https://a,https://b"),
    ("{list(branch_a.url, nowhere.x)}", ["https://a", None]),
    ("{input.api_url | required}", "https://api"),
    ("{config.output_format | default(mp4)}", "mp4"),
    ("{source.shareable_urls | json_get(embed_urls)}", ["https://e/1"]),
    ("file {source.file_path | basename} at {input.url}", "file clip.final.mp4 at https://u"),
    ("{lookup.existing_id | not}", True),
    ("\\{literal braces\\}", "{literal braces}"),
    ("tags: {source.tags}", "tags: a, b"),
    ("meta: {source.meta}", 'meta: {"lang": "en", "n": 1}'),
    ("n={source.count} flag={source.flag} none={source.missing}.", "n=7 flag=false none=."),
    ("{source.missing}{source.empty}", None),
    ("", None),
    ("just text", "just text"),
    ("{source.missing | upper}", None),
    ("{source.missing | default}", None),
    ("{source.count | pad(3)}", "007"),
]


@pytest.mark.parametrize(
    ("source", "expected"), EVALUATIONS, ids=[e[0] or "<empty>" for e in EVALUATIONS]
)
def test_evaluate(source: str, expected: Any) -> None:
    assert compile_expression(source).evaluate(SCOPE) == expected


def test_callable_scope() -> None:
    seen: list[tuple[str, str]] = []

    def lookup(namespace: str, key: str) -> Any:
        seen.append((namespace, key))
        return f"{namespace}:{key}"

    expression = compile_expression("{a.b | upper} and {c.d.e}")
    assert expression.evaluate(lookup) == "A:B and c:d.e"
    assert seen == [("a", "b"), ("c", "d.e")]


def test_references() -> None:
    expression = compile_expression("{a.b | upper} {list(c.d, a.b)} {input.x.y}")
    assert expression.references == frozenset({("a", "b"), ("c", "d"), ("input", "x.y")})
    assert expression.namespaces == frozenset({"a", "c", "input"})


def test_required_names_the_reference_and_the_expression() -> None:
    source = "{input.api_url | required}"
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source).evaluate({"input": {}})
    assert str(caught.value) == (
        "required value 'input.api_url' is missing in expression '{input.api_url | required}'"
    )
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, source[diagnostic.start : diagnostic.end]) == (
        "required-missing",
        "required",
    )


def test_compile_error_carries_every_diagnostic() -> None:
    with pytest.raises(ModelsExpressionError) as caught:
        compile_expression("{a.b | uper} {c}")
    assert isinstance(caught.value, ValueError)
    assert [d.code for d in caught.value.diagnostics] == ["unknown-pipe", "invalid-reference"]


def test_compile_is_cached_per_registry_and_limits() -> None:
    first = compile_expression("{a.b | upper}")
    assert compile_expression("{a.b | upper}") is first
    assert compile_expression("{a.b | upper}", limits=Limits(max_pipe_calls=5)) is not first
    pipes = DEFAULT_PIPES.copy()
    assert compile_expression("{a.b | upper}", pipes=pipes) is not first


def test_registering_after_compiling_invalidates_the_cache() -> None:
    pipes = DEFAULT_PIPES.copy()
    with pytest.raises(ExpressionError):
        compile_expression("{a.b | shout}", pipes=pipes)
    pipes.register("shout", lambda value: f"{value}!")
    assert compile_expression("{a.b | shout}", pipes=pipes).evaluate({"a": {"b": "hi"}}) == "hi!"


def test_compat_functions() -> None:
    assert resolve_expression("{a.b | upper}", lambda ns, key: "x") == "X"
    assert resolve_expression("{a.b}", {"a": {"b": 1}}) == 1
    assert validate_expression("{a.b | upper}") is None
    assert validate_expression("{a.b | uper} {") == "unknown pipe 'uper'"
    assert extract_refs("{source.x} {input.key | default(a)} {config.y} {list(b.u, input.k2)}") == (
        {"source", "b"},
        {"key", "k2"},
    )
    with pytest.raises(ExpressionError):
        extract_refs("{a.x} {broken")


def test_bad_scope_type() -> None:
    with pytest.raises(TypeError, match="a scope must be a mapping"):
        compile_expression("{a.b}").evaluate(42)  # type: ignore[arg-type]
