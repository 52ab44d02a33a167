"""Issue 17, points 4 and 5: what an error says, read as a log line or a terminal shows it.

``str()`` of an error holds every problem with its hint (the did-you-mean
included), and ``C:\\temp\\{a.b}`` points at the backslash that made the
brace literal, not at the ``}`` it left stray.
"""

from __future__ import annotations

import pytest

from dagabaaz.editor import code_actions
from dagabaaz.errors import BindingError, ExpressionError, PipelineValidationError
from dagabaaz.expressions import check_expression, compile_expression
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, ExpressionSource
from dagabaaz.orchestrator import start_run
from dagabaaz.task_input import resolve_task_bindings
from dagabaaz.validation import validate_or_raise


def test_an_expression_error_shows_the_hint() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("{source.title | uper}")
    assert str(caught.value) == (
        "invalid expression '{source.title | uper}': unknown pipe 'uper' (did you mean 'upper'?)"
    )


def test_every_problem_and_hint_is_in_the_text() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("{source.title | uper | lowr}")
    assert str(caught.value) == (
        "invalid expression '{source.title | uper | lowr}' (2 problems): unknown pipe 'uper'"
        " (did you mean 'upper'?); unknown pipe 'lowr' (did you mean 'lower'?)"
    )


def test_a_pipeline_validation_error_shows_each_hint() -> None:
    nodes = [
        DagNode(slug="slow", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["slo"]),
        DagNode(
            slug="c",
            plugin="p",
            depends_on=["slow"],
            bindings={"t": ExpressionSource(expression="{slow.title | uper}")},
        ),
    ]
    with pytest.raises(PipelineValidationError) as caught:
        validate_or_raise(nodes)
    text = str(caught.value)
    assert "did you mean 'slow'?" in text
    assert "unknown pipe 'uper' (did you mean 'upper'?) [unknown-pipe]" in text
    with pytest.raises(PipelineValidationError) as started:
        store = InMemoryStore()
        store.create_run("run-1", nodes)
        start_run(store, run_id="run-1", nodes=nodes)
    assert "did you mean 'slow'?" in str(started.value)


def test_a_binding_error_shows_the_hint() -> None:
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(
            slug="b",
            plugin="p",
            depends_on=["a"],
            bindings={"t": ExpressionSource(expression="{a.title | uper}")},
        ),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    with pytest.raises(BindingError) as caught:
        resolve_task_bindings(
            store, run_id="run-1", node_index=1, input_artifact_id=None, nodes=nodes, input_data={}
        )
    assert str(caught.value) == (
        "node 'b', field 't', expression '{a.title | uper}': unknown pipe 'uper'"
        " (did you mean 'upper'?)"
    )


ESCAPED = [
    (r"C:\temp\{a.b}", 7),
    (r"C:\temp\{a.b | upper} and {c.d}", 7),
    ("line one\n" + r"at \{input.dir}", 12),
]


@pytest.mark.parametrize(
    ("source", "backslash"), ESCAPED, ids=["path", "with pipes", "second line"]
)
def test_an_escaped_brace_points_at_its_backslash(source: str, backslash: int) -> None:
    (problem,) = check_expression(source)
    assert problem.code == "escaped-brace"
    assert (problem.start, problem.end) == (backslash, backslash + 2)
    assert source[problem.start : problem.end] == "\\{"
    assert problem.hint is not None and "double the backslash" in problem.hint
    (action,) = code_actions(source, [problem])
    (edit,) = action.edits
    fixed = source[: edit.start] + edit.new_text + source[edit.end :]
    assert check_expression(fixed) == []
    value = compile_expression(fixed).evaluate(
        {"a": {"b": "x"}, "c": {"d": "y"}, "input": {"dir": "d"}}
    )
    assert "\\x" in value or "\\X" in value or "\\d" in value


@pytest.mark.parametrize("source", [r"\{ not an interpolation }", "{a.b}}", r"{a.b} \{x} }"])
def test_other_stray_braces_stay_stray(source: str) -> None:
    assert {problem.code for problem in check_expression(source)} == {"stray-brace"}
