"""Parsing: the README's syntax, the AST shape, spans and unparse."""

from __future__ import annotations

import pytest

from dagabaaz.expressions import (
    Argument,
    ExpressionError,
    FunctionCall,
    Interpolation,
    PipeCall,
    Reference,
    Template,
    Text,
    parse,
    unparse,
)

README_EXAMPLES = [
    "{source.file_path}",
    "{source.title | upper | truncate(50)}",
    "{list(branch_a.url, branch_b.url) | join(,)}",
    "{input.api_url | required}",
    "{config.output_format | default(mp4)}",
    "{source.shareable_urls | json_get(embed_urls)}",
    "file {source.file_path | basename} at {input.url}",
    "{lookup.existing_id | not}",
    "\\{literal braces\\}",
    "{s.k | replace(foo\\,bar, baz)}",
    "{s.k | replace(\"a, b\", 'c')}",
]


@pytest.mark.parametrize("source", README_EXAMPLES, ids=README_EXAMPLES)
def test_readme_examples_parse_and_round_trip(source: str) -> None:
    tree = parse(source)
    assert isinstance(tree, Template)
    assert parse(unparse(tree)) == tree


def ref(namespace: str, key: str) -> Reference:
    return Reference(namespace, key)


def pipe(name: str, *args: str) -> PipeCall:
    return PipeCall(name, tuple(Argument(a) for a in args))


def interp(value: Reference | FunctionCall, *pipes: PipeCall) -> Interpolation:
    return Interpolation(value, pipes)


TREES = [
    ("{source.file_path}", Template((interp(ref("source", "file_path")),))),
    ("{a.b.c}", Template((interp(ref("a", "b.c")),))),
    (
        "{source.title | upper | truncate(50)}",
        Template((interp(ref("source", "title"), pipe("upper"), pipe("truncate", "50")),)),
    ),
    (
        "{list(branch_a.url, branch_b.url) | join(,)}",
        Template(
            (
                interp(
                    FunctionCall("list", (ref("branch_a", "url"), ref("branch_b", "url"))),
                    pipe("join", ","),
                ),
            )
        ),
    ),
    ("{a.b | join( , )}", Template((interp(ref("a", "b"), pipe("join", ",")),))),
    (
        "file {source.file_path | basename} at {input.url}",
        Template(
            (
                Text("file "),
                interp(ref("source", "file_path"), pipe("basename")),
                Text(" at "),
                interp(ref("input", "url")),
            )
        ),
    ),
    ("\\{literal braces\\}", Template((Text("{literal braces}"),))),
    ("C:\\temp \\\\ x", Template((Text("C:\\temp \\ x"),))),
    (
        "{s.k | replace(foo\\,bar, baz)}",
        Template((interp(ref("s", "k"), pipe("replace", "foo,bar", "baz")),)),
    ),
    (
        "{s.k | replace(\"a, b\", 'c')}",
        Template((interp(ref("s", "k"), pipe("replace", "a, b", "c")),)),
    ),
    (
        "{s.k | replace( a b ,  c )}",
        Template((interp(ref("s", "k"), pipe("replace", "a b", "c")),)),
    ),
    ("{s.k | match(\\d+)}", Template((interp(ref("s", "k"), pipe("match", "\\d+")),))),
    (
        "{s.k | f(\"({|})\", ')\\'(')}",
        Template((interp(ref("s", "k"), pipe("f", "({|})", ")'(")),)),
    ),
    ('{s.k | default("")}', Template((interp(ref("s", "k"), pipe("default", "")),))),
    ("{s.k | default(it's)}", Template((interp(ref("s", "k"), pipe("default", "it's")),))),
    ("{ s.k|upper() }", Template((interp(ref("s", "k"), pipe("upper")),))),
    ("", Template(())),
    ("plain text", Template((Text("plain text"),))),
    ("{list()}", Template((interp(FunctionCall("list", ())),))),
]


@pytest.mark.parametrize(("source", "expected"), TREES, ids=[t[0] or "<empty>" for t in TREES])
def test_parse_builds_the_expected_tree(source: str, expected: Template) -> None:
    assert parse(source) == expected


def test_spans_point_into_the_source() -> None:
    source = 'x {src.title | truncate( 5 ) | replace("a", b)} y'
    tree = parse(source)
    node = tree.parts[1]
    assert isinstance(node, Interpolation)
    assert source[node.start : node.end] == '{src.title | truncate( 5 ) | replace("a", b)}'
    assert source[slice(*node.value.span)] == "src.title"
    truncate, replace = node.pipes
    assert source[slice(*truncate.span)] == "truncate( 5 )"
    assert source[slice(*truncate.name_span)] == "truncate"
    assert source[slice(*truncate.args[0].span)] == "5"
    assert source[slice(*replace.args[0].span)] == '"a"'
    assert replace.args[0].quote == '"'
    assert source[slice(*tree.parts[2].span)] == " y"


def test_nodes_are_frozen() -> None:
    tree = parse("{a.b}")
    with pytest.raises(AttributeError):
        tree.parts = ()  # type: ignore[misc]


def test_parse_error_lists_diagnostics() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("{a.b | | x} and }")
    assert [d.code for d in caught.value.diagnostics] == ["empty-pipe", "stray-brace"]
    assert str(caught.value) == (
        "invalid expression '{a.b | | x} and }' (2 problems): empty pipe: expected a pipe name"
        " after '|' (remove the extra '|'); unexpected '}' outside an interpolation"
        " (write '\\}' for a literal brace)"
    )


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="an expression must be a str, not int"):
        parse(3)  # type: ignore[arg-type]
