"""Properties: parsing never fails unexpectedly, unparse round-trips, the two parse paths agree."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from dagabaaz.expressions import (
    Argument,
    ExpressionError,
    FunctionCall,
    Interpolation,
    PipeCall,
    Reference,
    Template,
    Text,
    check_expression,
    compile_expression,
    parse,
    unparse,
)
from dagabaaz.expressions.grammar import fast_parser, lark_parser

# Text biased towards the characters that matter to the grammar.
SPECIAL = "{}()|,.\\\"' \n"
source_text = st.text(
    alphabet=st.sampled_from(SPECIAL + "abcxyz_-09éß\t") | st.characters(), max_size=60
)
# Strings that look like expressions, built from fragments.
FRAGMENTS = [
    "{",
    "}",
    "(",
    ")",
    "|",
    ",",
    ".",
    "\\",
    '"',
    "'",
    " ",
    "a",
    "b.c",
    "list(",
    "upper",
    "truncate(",
    "join(,)",
    "5",
    "-1",
    "x y",
    "\\,",
    "\\{",
    "{a.b",
    "| ",
    "{s.k | ",
]
expression_like = st.lists(st.sampled_from(FRAGMENTS) | source_text, max_size=12).map("".join)


@given(expression_like | source_text)
def test_parse_succeeds_or_raises_expression_error(source: str) -> None:
    try:
        tree = parse(source)
    except ExpressionError as error:
        assert error.diagnostics
        for d in error.diagnostics:
            assert 0 <= d.start <= d.end <= len(source)
    else:
        assert isinstance(tree, Template)


@given(expression_like | source_text)
def test_check_expression_never_raises(source: str) -> None:
    for d in check_expression(source, namespaces={"a", "s"}):
        assert 0 <= d.start <= d.end <= len(source)
        assert d.code and d.message


@given(expression_like | source_text)
def test_the_lean_driver_agrees_with_lark(source: str) -> None:
    fast = fast_parser().parse(source)
    try:
        slow = lark_parser().parse(source, start="template")
    except Exception:
        assert fast is None
    else:
        assert fast == slow


@given(expression_like | source_text)
def test_print_then_parse_round_trips_for_parsed_sources(source: str) -> None:
    try:
        tree = parse(source)
    except ExpressionError:
        assume(False)
    assert parse(unparse(tree)) == tree


names = st.from_regex(r"[\w-]+", fullmatch=True)
keys = st.from_regex(r"[^\s{}()|,\"'.\\]+(\.[^\s{}()|,\"'.\\]+){0,2}", fullmatch=True)
references = st.builds(Reference, names, keys)
arguments = st.builds(Argument, st.text(max_size=8), st.sampled_from(["", '"', "'"]))
pipes = st.builds(PipeCall, names, st.lists(arguments, max_size=3).map(tuple))
calls = st.builds(FunctionCall, names, st.lists(references, max_size=3).map(tuple))
interpolations = st.builds(
    Interpolation, references | calls, st.lists(pipes, max_size=3).map(tuple)
)
texts = st.builds(Text, st.text(min_size=1, max_size=10))


@st.composite
def templates(draw: st.DrawFn) -> Template:
    parts: list[Text | Interpolation] = []
    for _ in range(draw(st.integers(0, 5))):
        if parts and isinstance(parts[-1], Text):
            parts.append(draw(interpolations))
        else:
            parts.append(draw(texts | interpolations))
    return Template(tuple(parts))


@given(templates())
def test_print_then_parse_round_trips_for_any_tree(tree: Template) -> None:
    assert parse(unparse(tree)) == tree


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
VALID_SOURCES = [
    "{v.x}",
    "{v.x | upper | truncate(3)}",
    "a {v.x} b {w.y | join(-)}",
    "{list(v.x, w.y) | flatten | compact | join}",
    "{v.x | json_get(k) | default(d)}",
    "{v.x | not}",
    "{v.x | eq(1)} {v.x | gt(0)} {v.x | in(a, 1, true)}",
    "{v.x | first | string | pad(4) | replace(0, zz)}",
    "{v.x | nth(-1) | int | urlencode | match(\\d+)}",
    "{v.x | basename | stem | ext | title | prepend(<) | append(>)}",
]


@given(st.sampled_from(VALID_SOURCES), values, values)
def test_evaluation_only_raises_expression_errors(source: str, x: Any, y: Any) -> None:
    expression = compile_expression(source)
    try:
        expression.evaluate({"v": {"x": x}, "w": {"y": y}})
    except ExpressionError as error:
        assert error.diagnostics
