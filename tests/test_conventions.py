"""One rule for each convention, wherever in the package it applies.

* did-you-mean: the same name in another case first, else the nearest name
  (difflib, cutoff 0.6), for pipes, functions, namespaces, slugs and fields;
* a wrong Python type handed to the API is a TypeError, and stays the library
  error earlier versions raised for it;
* an expression error carries its ``code``, declared once on ExpressionError;
* the local runner's node status for "some completed, the rest skipped" is
  ``mixed``, never the store's ``partial`` (which means some task failed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz._base.suggest import Suggester, closest, did_you_mean
from dagabaaz.constants import TaskStatus
from dagabaaz.errors import (
    ArgumentError,
    ArgumentTypeError,
    DagabaazError,
    ExpressionError,
    LimitExceeded,
    PipeError,
    StoreError,
    StoreTypeError,
    TaskInputError,
    TaskInputTypeError,
    UnrenderableValue,
)
from dagabaaz.expressions import check_expression
from dagabaaz.loading import PipelineFileError, parse_pipeline
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode
from dagabaaz.orchestrator import start_run
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.runner import NodeStatus
from dagabaaz.runner._result import node_status
from dagabaaz.task_input import build_task_input
from dagabaaz.validation import validate_pipeline


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        ("UPPER", ["lower", "upper"], "upper"),
        ("uper", ["lower", "upper"], "upper"),
        ("zzz", ["lower", "upper"], None),
        ("x", [], None),
    ],
    ids=["other-case", "misspelt", "nothing-close", "no-candidates"],
)
def test_one_closest_name_rule(name: str, candidates: list[str], expected: str | None) -> None:
    assert closest(name, candidates) == expected
    assert did_you_mean(name, candidates) == (
        None if expected is None else f"did you mean '{expected}'?"
    )


def test_a_budgeted_suggester_stops_hinting_and_keeps_going() -> None:
    suggest = Suggester(["upper"], budget=1)
    assert suggest.hint("uper") == "did you mean 'upper'?"
    assert suggest.hint("uper") is None


def _hints(source: str, namespaces: list[str] | None = None) -> list[str | None]:
    return [d.hint for d in check_expression(source, namespaces=namespaces)]


def test_every_kind_of_name_is_suggested_the_same_way() -> None:
    assert _hints("{a.b | UPPER}") == ["did you mean 'upper'?"]
    assert DEFAULT_PIPES.suggest("UPPER") == "upper"
    assert _hints("{LIST(a.b)}") == ["did you mean 'list'?"]
    assert _hints("{INPUT.b}", namespaces=["input", "config"]) == ["did you mean 'input'?"]
    nodes = [
        DagNode(slug="source", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["SOURCE"]),
    ]
    hints = [d.hint for d in validate_pipeline(nodes) if d.code == "unknown-dependency"]
    assert hints == ["did you mean 'source'?"]
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline('{"NODES": []}', syntax="json")
    assert "did you mean 'nodes'?" in str(caught.value)


def _store() -> InMemoryStore:
    store = InMemoryStore()
    store.create_run("r", [DagNode(slug="a", plugin="p")])
    return store


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (
            lambda: build_task_input(
                _store(), run_id=1, node_index=0, input_artifact_id=None, nodes=[]
            ),
            TaskInputTypeError,
        ),  # type: ignore[arg-type]
        (
            lambda: build_task_input(
                _store(),
                run_id="r",
                node_index="0",
                input_artifact_id=None,  # type: ignore[arg-type]
                nodes=[DagNode(slug="a", plugin="p")],
            ),
            TaskInputTypeError,
        ),
        (lambda: InMemoryStore().create_run("x", "ab"), StoreTypeError),  # type: ignore[arg-type]
        (lambda: InMemoryStore().create_run("x", [], ["no"]), StoreTypeError),  # type: ignore[arg-type]
        (lambda: _store().complete_task("t", "outputs"), StoreTypeError),  # type: ignore[arg-type]
        (
            lambda: start_run(_store(), "r", [DagNode(slug="a", plugin="p")], fan_out_limit="9"),
            ArgumentTypeError,
        ),  # type: ignore[arg-type]
    ],
    ids=["run-id", "node-index", "nodes", "run-input", "outputs", "fan-out-limit"],
)
def test_a_wrong_python_type_is_a_type_error_and_the_old_error(
    call: Callable[[], Any], kind: type[Exception]
) -> None:
    with pytest.raises(TypeError) as caught:
        call()
    assert type(caught.value) is kind
    assert isinstance(caught.value, DagabaazError)


def test_type_errors_keep_their_library_family() -> None:
    assert issubclass(TaskInputTypeError, TaskInputError)
    assert issubclass(StoreTypeError, StoreError)
    # A wrong value (not a wrong type) is not a TypeError.
    with pytest.raises(DagabaazError) as caught:
        start_run(_store(), "r", [DagNode(slug="a", plugin="p")], fan_out_limit=0)
    assert not isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ExpressionError("x"), "pipe-failed"),
        (ExpressionError("x", code="required-missing"), "required-missing"),
        (PipeError("x"), "pipe-failed"),
        (PipeError("x", code="not-a-number"), "not-a-number"),
        (ArgumentError("x"), "invalid-argument"),
        (ArgumentError("x", code="invalid-regex"), "invalid-regex"),
        (LimitExceeded("max_list_length", "x"), "budget-exceeded"),
        (UnrenderableValue("x"), "unrenderable-value"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value,
)
def test_the_code_is_declared_once_on_expression_error(error: ExpressionError, code: str) -> None:
    assert error.code == code


def test_mixed_and_partial_are_different_words() -> None:
    assert node_status([TaskStatus.COMPLETED, TaskStatus.SKIPPED]) is NodeStatus.MIXED
    assert NodeStatus.MIXED.value == "mixed"
    assert "partial" not in {status.value for status in NodeStatus}
