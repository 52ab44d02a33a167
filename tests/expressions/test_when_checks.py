"""When clauses that cannot mean what they look like get save-time warnings."""

from __future__ import annotations

import pytest

from dagabaaz.expressions import check_expression, compile_expression, is_truthy
from dagabaaz.models import ConfigSource, DagNode, ExpressionSource
from dagabaaz.validation import validate_pipeline

# (clause, code, message, hint)
WARNED = [
    (
        "input.publish",
        "constant-when",
        "the when clause has no interpolation: it is the constant text 'input.publish', "
        "so it is always true",
        "write {input.publish} to read the value of input.publish",
    ),
    (
        "false",
        "constant-when",
        "the when clause has no interpolation: it is the constant text 'false', "
        "so it is always false",
        "put the condition in braces, such as {input.publish}",
    ),
    (
        "",
        "constant-when",
        "the when clause is empty, so it is always false",
        "put the condition in braces, such as {input.publish}",
    ),
    (
        "{input.a} and {input.b}",
        "when-mixes-text",
        "the when clause is text with interpolations, not one value: it is true whenever "
        "that text is not blank or a false word, whatever the values in it",
        "to combine conditions, write one interpolation: {list(input.a, input.b) | all}",
    ),
    (
        "{input.a} or {input.b | not}",
        "when-mixes-text",
        "the when clause is text with interpolations, not one value: it is true whenever "
        "that text is not blank or a false word, whatever the values in it",
        "to combine conditions, write one interpolation: {list(input.a, input.b) | any}",
    ),
    (
        "{input.a}{input.b}",
        "when-mixes-text",
        "the when clause is text with interpolations, not one value: it is true whenever "
        "that text is not blank or a false word, whatever the values in it",
        "to combine conditions, write one interpolation: {list(input.a, input.b) | all} (or | any)",
    ),
    (
        "publish: {input.publish | default(no)}",
        "when-mixes-text",
        "the when clause is text with interpolations, not one value: it is true whenever "
        "that text is not blank or a false word, whatever the values in it",
        "keep only the interpolation: {input.publish | default(no)}",
    ),
]


@pytest.mark.parametrize(("clause", "code", "message", "hint"), WARNED, ids=[w[0] for w in WARNED])
def test_a_clause_that_cannot_mean_what_it_says_is_warned(
    clause: str, code: str, message: str, hint: str
) -> None:
    (warning,) = check_expression(clause, when=True)
    assert (warning.code, warning.severity, warning.message, warning.hint) == (
        code,
        "warning",
        message,
        hint,
    )
    assert (warning.start, warning.end) == (0, len(clause))
    assert check_expression(clause) == []  # as a value, nothing is wrong with it


def test_what_the_warning_is_about() -> None:
    # Both conditions false, and the clause is still true: the text is.
    scope = {"input": {"a": False, "b": False}}
    assert is_truthy(compile_expression("{input.a} and {input.b}").evaluate(scope))
    assert not is_truthy(compile_expression("{list(input.a, input.b) | all}").evaluate(scope))


@pytest.mark.parametrize(
    "clause",
    ["{input.a}", "{input.a | not}", "{list(input.a, input.b) | any}", "{input.a | eq(x)}"],
)
def test_one_interpolation_is_fine(clause: str) -> None:
    assert check_expression(clause, when=True) == []


def test_a_clause_with_errors_gets_only_its_errors() -> None:
    assert [d.code for d in check_expression("x {input.a", when=True)] == ["unclosed-brace"]


def test_validation_warns_about_when_clauses_only() -> None:
    node = DagNode(
        slug="export",
        plugin="export",
        bindings={
            "hash": ConfigSource(value=True, when="input.checksums"),
            "title": ExpressionSource(
                expression="title: {input.title}", when="{input.a} and {input.b}"
            ),
        },
    )
    found = validate_pipeline([node])
    assert [(d.code, d.severity, d.path) for d in found] == [
        ("constant-when", "warning", ("nodes", 0, "bindings", "hash", "when")),
        ("when-mixes-text", "warning", ("nodes", 0, "bindings", "title", "when")),
    ]
