"""Save-time checks: every diagnostic code, its span and its exact message."""

from __future__ import annotations

import pytest

from dagabaaz.expressions import Limits, check_expression

# (source, code, offending text, message)
CASES = [
    ("{source.x", "unclosed-brace", "{", "unclosed '{': no matching '}'"),
    ("a } b", "stray-brace", "}", "unexpected '}' outside an interpolation"),
    ("{}", "empty-interpolation", "{}", "empty interpolation '{}'"),
    ("{  }", "empty-interpolation", "{  }", "empty interpolation '{}'"),
    ("{abc}", "invalid-reference", "abc", "reference 'abc' has no dot; write namespace.key"),
    ("{a.}", "invalid-reference", "a.", "reference 'a.' has an empty key"),
    ("{.x}", "invalid-reference", ".x", "reference '.x' has an empty namespace"),
    ("{a.b.}", "invalid-reference", "a.b.", "reference 'a.b.' has an empty part between dots"),
    (
        "{a:b.c}",
        "invalid-reference",
        "a:b.c",
        "namespace 'a:b' of reference 'a:b.c' may only contain letters, digits, '_' and '-'",
    ),
    ("{a.b | | upper}", "empty-pipe", "|", "empty pipe: expected a pipe name after '|'"),
    ("{a.b | upper |}", "empty-pipe", "|", "empty pipe: expected a pipe name after '|'"),
    ("{a.b | truncate(5}", "unclosed-paren", "(", "unclosed '(' of pipe 'truncate'"),
    ("{list(a.b}", "unclosed-paren", "(", "unclosed '(' of list()"),
    ("{a.b {c.d}}", "nested-brace", "{", "'{' inside an interpolation"),
    ("{{a.b}}", "nested-brace", "{", "'{' inside an interpolation"),
    ("{s.{k}}", "nested-brace", "{", "'{' inside an interpolation"),
    ("{s.k | replace({)}", "nested-brace", "{", "'{' inside an interpolation"),
    ("{s.k | replace(a, {)} tail", "nested-brace", "{", "'{' inside an interpolation"),
    ("{a {b {c}}}", "nested-brace", "{", "'{' inside an interpolation"),
    ("{foo(a.b)}", "unknown-function", "foo", "unknown function 'foo'"),
    (
        "{list(a.b, foo(c.d))}",
        "nested-call",
        "foo(",
        "function call 'foo(...)' inside list(); list() takes references only",
    ),
    ("{list(a.b, c)}", "invalid-reference", "c", "reference 'c' has no dot; write namespace.key"),
    (
        "{list(a.b | upper)}",
        "syntax-error",
        "|",
        "pipes cannot be used inside list(); apply them after its ')'",
    ),
    ("{a.b | join(,,)}", "ambiguous-argument", ",", "empty argument in pipe 'join'"),
    ("{a.b | replace(,x)}", "ambiguous-argument", ",", "empty argument in pipe 'replace'"),
    ("{a.b | replace(x,)}", "ambiguous-argument", ")", "empty argument in pipe 'replace'"),
    (
        '{a.b | replace("abc)}',
        "unclosed-quote",
        '"abc)}',
        "unclosed quote in an argument of pipe 'replace'",
    ),
    ("{a.b | uper}", "unknown-pipe", "uper", "unknown pipe 'uper'"),
    (
        "{a.b | truncate(1, 2)}",
        "wrong-arity",
        "truncate(1, 2)",
        "pipe 'truncate' takes at most 1 argument, got 2",
    ),
    (
        "{a.b | replace}",
        "wrong-arity",
        "replace",
        "pipe 'replace' takes at least 1 argument, got 0",
    ),
    ("{a.b | upper(x)}", "wrong-arity", "upper(x)", "pipe 'upper' takes no arguments, got 1"),
    ("{a.b | eq}", "wrong-arity", "eq", "pipe 'eq' takes exactly 1 argument, got 0"),
    (
        "{a.b | truncate(abc)}",
        "invalid-argument",
        "abc",
        "argument 'length' of pipe 'truncate' must be an integer, got 'abc'",
    ),
    (
        "{a.b | gt(ten)}",
        "invalid-argument",
        "ten",
        "argument 'x' of pipe 'gt' must be a number, got 'ten'",
    ),
    (
        "{a.b | truncate(-1)}",
        "argument-out-of-range",
        "-1",
        "argument 'length' of pipe 'truncate' must be >= 0, got -1",
    ),
    (
        '{a.b | replace("", x)}',
        "argument-out-of-range",
        '""',
        "argument 'old' of pipe 'replace' must be >= 1 characters long, got ''",
    ),
    (
        '{a.b | match("(?=x)")}',
        "invalid-regex",
        '"(?=x)"',
        "invalid regular expression '(?=x)': invalid perl operator: (?=",
    ),
    (
        "{a.b | match(x\\))}",
        "invalid-regex",
        "x\\)",
        "invalid regular expression 'x)': unexpected ): x)",
    ),
    (
        "{a.b | truncate(999999999)}",
        "budget-exceeded",
        "999999999",
        "argument 'length' of pipe 'truncate' is 999999999, over the limit max_int_argument=100000",
    ),
    # Issue 11, point 24: each message says what is wrong, not something else.
    (
        "{my source.title}",
        "invalid-reference",
        "my source.title",
        "reference 'my source.title' has a space in it; "
        "a reference is namespace.key without spaces",
    ),
    (
        "{source .title}",
        "invalid-reference",
        "source .title",
        "reference 'source .title' has a space in it; a reference is namespace.key without spaces",
    ),
    (
        "{list(a.b, my c.d)}",
        "invalid-reference",
        "my c.d",
        "reference 'my c.d' has a space in it; a reference is namespace.key without spaces",
    ),
    (
        '{a.b | "upper"}',
        "invalid-pipe-name",
        '"upper"',
        'pipe name "upper" is quoted; pipe names are written without quotes',
    ),
    (
        "{a.b | 😀}",
        "invalid-pipe-name",
        "😀",
        "'😀' is not a pipe name; a pipe name is made of letters, digits, '_' and '-'",
    ),
    (
        "{a.b | up😀per | lower}",
        "invalid-pipe-name",
        "up😀per",
        "'up😀per' is not a pipe name; a pipe name is made of letters, digits, '_' and '-'",
    ),
    (
        "{a.b | upper | $x}",
        "invalid-pipe-name",
        "$x",
        "'$x' is not a pipe name; a pipe name is made of letters, digits, '_' and '-'",
    ),
    ("{a.b | ()}", "empty-pipe", "|", "empty pipe: expected a pipe name after '|'"),
    (
        "{a.b | " + "x" * 200 + "}",
        "unknown-pipe",
        "x" * 200,
        "unknown pipe '" + "x" * 77 + "...'",
    ),
    (
        "{" + "f" * 200 + "(a.b)}",
        "unknown-function",
        "f" * 200,
        "unknown function '" + "f" * 77 + "...'",
    ),
    # Issue 11, point 21: a blank argument is an empty one, not "no argument".
    (
        "{a.b | join( )}",
        "ambiguous-argument",
        " ",
        "blank argument in pipe 'join': spaces alone are trimmed to nothing",
    ),
    (
        "{a.b | join(\t)}",
        "ambiguous-argument",
        "\t",
        "blank argument in pipe 'join': spaces alone are trimmed to nothing",
    ),
    (
        "{a.b | join( \n  )}",
        "ambiguous-argument",
        " \n  ",
        "blank argument in pipe 'join': spaces alone are trimmed to nothing",
    ),
    (
        "{a.b | replace(x, )}",
        "ambiguous-argument",
        " ",
        "blank argument in pipe 'replace': spaces alone are trimmed to nothing",
    ),
    (
        "{a.b | replace( ,x)}",
        "ambiguous-argument",
        " ",
        "blank argument in pipe 'replace': spaces alone are trimmed to nothing",
    ),
    # Issue 11, point 23: a membership test without options.
    ("{a.b | in}", "wrong-arity", "in", "pipe 'in' takes at least 1 argument, got 0"),
    ("{a.b | in()}", "wrong-arity", "in()", "pipe 'in' takes at least 1 argument, got 0"),
]


@pytest.mark.parametrize(("source", "code", "text", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_has_its_code_span_and_message(
    source: str, code: str, text: str, message: str
) -> None:
    diagnostics = check_expression(source)
    assert [(d.code, source[d.start : d.end], d.message) for d in diagnostics] == [
        (code, text, message)
    ]
    assert all(d.severity == "error" for d in diagnostics)


VALID = [
    "{source.file_path}",
    "{list(branch_a.url, branch_b.url) | join(,)}",
    "{a.b | in(x, y, z)}",
    "{a.b | match(\\d+)}",
    "plain text",
    "",
]


@pytest.mark.parametrize("source", VALID, ids=[v or "<empty>" for v in VALID])
def test_valid_expressions_have_no_diagnostics(source: str) -> None:
    assert check_expression(source) == []


def test_every_problem_is_reported_not_just_the_first() -> None:
    source = "x {a.b | upper(} y {c | lower} z } {d.e | uper | truncate(x)}"
    found = [(d.code, source[d.start : d.end]) for d in check_expression(source)]
    assert found == [
        ("unclosed-paren", "("),
        ("invalid-reference", "c"),
        ("stray-brace", "}"),
        ("unknown-pipe", "uper"),
        ("invalid-argument", "x"),
    ]


def test_recovery_goes_on_after_a_nested_brace() -> None:
    source = "{s.k | replace({)} and {a..b} {c.d | pad({)}"
    found = check_expression(source)
    assert [(d.code, d.start) for d in found] == [
        ("nested-brace", 15),
        ("invalid-reference", 24),
        ("nested-brace", 41),
    ]
    assert found[0].hint == "write '\\{' or '\\}' for a literal brace"


def test_hints() -> None:
    (unknown_pipe,) = check_expression("{a.b | uppr}")
    assert unknown_pipe.hint == "did you mean 'upper'?"
    (unknown_function,) = check_expression("{lst(a.b)}")
    assert unknown_function.hint == "did you mean 'list'?"
    (arity,) = check_expression("{a.b | join(a, b)}")
    assert arity.hint == "join([sep])"  # positional: never sep=..., which reads as text
    (namespace,) = check_expression("{sorce.x}", namespaces={"source", "input", "config"})
    assert namespace.hint == "did you mean 'source'?"


def test_unknown_namespace_only_when_namespaces_are_given() -> None:
    source = "{input.a} {sorce.x | upper} {list(config.b, zzz.c)}"
    assert check_expression(source) == []
    found = check_expression(source, namespaces=["input", "config", "source"])
    assert [(d.code, source[d.start : d.end], d.message) for d in found] == [
        ("unknown-namespace", "sorce", "unknown namespace 'sorce' in reference 'sorce.x'"),
        ("unknown-namespace", "zzz", "unknown namespace 'zzz' in reference 'zzz.c'"),
    ]
    assert found[1].hint == "known namespaces: config, input, source"


def test_line_and_column_and_to_dict() -> None:
    source = "first line\n  {a.b | uper}"
    (diagnostic,) = check_expression(source)
    assert (diagnostic.line, diagnostic.column) == (2, 10)
    assert diagnostic.to_dict() == {
        "code": "unknown-pipe",
        "message": "unknown pipe 'uper'",
        "severity": "error",
        "start": 20,
        "end": 24,
        "line": 2,
        "column": 10,
        "hint": "did you mean 'upper'?",
        "node": None,
        "field": None,
        "path": [],
        "expression": source,
    }


def test_limits_are_checked_at_save_time() -> None:
    limits = Limits(max_source_length=10, max_pipe_calls=2)
    (too_long,) = check_expression("{abc.defgh | upper}", limits=limits)
    assert too_long.code == "source-too-long"
    assert too_long.message == (
        "expression is 19 characters long, over the limit max_source_length=10"
    )
    source = "{a.b | upper} {a.b | lower | trim}"
    (too_many,) = check_expression(source, limits=Limits(max_pipe_calls=2))
    assert (too_many.code, source[too_many.start : too_many.end]) == ("budget-exceeded", "trim")
    assert too_many.message == "expression makes 3 pipe calls, over the limit max_pipe_calls=2"


@pytest.mark.parametrize(
    "source", ["}" * 5_000, "{a}" * 3_000, "{a.b | uper} " * 3_000], ids=["stray", "refs", "pipes"]
)
def test_reporting_stops_after_a_hundred_problems(source: str) -> None:
    found = check_expression(source)
    assert 101 <= len(found) <= 103
    (stop,) = [d for d in found if d.code == "too-many-errors"]
    assert stop.message == "more than 100 problems; the rest of the expression is not checked"
    assert stop.end == len(source)
