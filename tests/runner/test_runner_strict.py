"""Issue 17, point 1: strict bindings in a whole pipeline, as its author runs it.

``LocalRunner(plugins, strict=True)`` (or an ``Environment(strict=True)``,
which workers take too) fails the task whose binding reads a reference that
has no value, naming it; without it, the binding leaves its field unset, as
in the README's version.
"""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import RunStatus
from dagabaaz.environment import Environment
from dagabaaz.errors import BindingError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import ConfigSource, DagNode, ExpressionSource, NodeSource, Output
from dagabaaz.runner import LocalRunner, NodeStatus
from dagabaaz.task_input import assemble_task_input


def pipeline(expression: str, *, when: str | None = None) -> list[DagNode]:
    return [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(
            slug="publish",
            plugin="publish",
            depends_on=["fetch"],
            bindings={"title": ExpressionSource(expression=expression, when=when)},
        ),
    ]


def plugins(seen: list[Any]) -> dict[str, Any]:
    return {
        "fetch": lambda task: Output(
            file_name="clip.mp4", metadata={"title": "Dune", "info": {"lang": "en"}}
        ),
        "publish": lambda task: seen.append(task.get("title")),
    }


def test_a_misspelt_reference_fails_the_task_in_strict_mode() -> None:
    seen: list[Any] = []
    result = LocalRunner(plugins(seen), strict=True).run(pipeline("{fetch.titel | upper}"))
    assert result.status == RunStatus.FAILED
    assert result.nodes["publish"].status == NodeStatus.FAILED
    (error,) = result.nodes["publish"].errors
    assert error == (
        "clip.mp4: BindingError: node 'publish', field 'title', "
        "expression '{fetch.titel | upper}': "
        "missing reference 'fetch.titel': namespace 'fetch' has no key 'titel' "
        "(did you mean 'title'?)"
    )
    assert seen == []


def test_the_default_leaves_the_field_unset_as_before() -> None:
    seen: list[Any] = []
    result = LocalRunner(plugins(seen)).run(pipeline("{fetch.titel | upper}"))
    assert result.status == RunStatus.COMPLETED
    assert seen == [None]


def test_a_nested_key_is_suggested() -> None:
    result = LocalRunner(plugins([]), strict=True).run(pipeline("{fetch.info.lang}"))
    (error,) = result.nodes["publish"].errors
    assert error.endswith("(did you mean {fetch.info | json_get(lang)}?)")


@pytest.mark.parametrize(
    ("expression", "when", "expected"),
    [
        ("{fetch.title | upper}", None, "DUNE"),
        ("{fetch.titel | default(Untitled)}", None, "Untitled"),
        ("{input.lang | default(en)}", None, "en"),
        ("{fetch.title}", "{fetch.info | json_get(lang) | eq(en)}", "Dune"),
    ],
    ids=["present", "default", "run input with default", "when"],
)
def test_what_a_strict_run_accepts(expression: str, when: str | None, expected: str) -> None:
    seen: list[Any] = []
    result = LocalRunner(plugins(seen), strict=True).run(pipeline(expression, when=when))
    assert result.status == RunStatus.COMPLETED, result.nodes["publish"].errors
    assert seen == [expected]


def test_a_when_clause_is_strict_too() -> None:
    result = LocalRunner(plugins([]), strict=True).run(
        pipeline("{fetch.title}", when="{fetch.existing_id | not}")
    )
    (error,) = result.nodes["publish"].errors
    assert "when '{fetch.existing_id | not}': missing reference 'fetch.existing_id'" in error


def test_strict_int_in_a_run() -> None:
    nodes = [
        DagNode(
            slug="count",
            plugin="count",
            bindings={"n": ExpressionSource(expression="{input.n | int}")},
        )
    ]
    seen: list[Any] = []
    runner = LocalRunner({"count": lambda task: seen.append(task.get("n"))}, strict=True)
    result = runner.run(nodes, {"n": "12 apples"})
    (error,) = result.nodes["count"].errors
    assert "pipe 'int' on 'input.n': '12 apples' is not a number" in error
    assert (
        LocalRunner({"count": lambda task: seen.append(task.get("n"))})
        .run(nodes, {"n": "12 apples"})
        .status
        == RunStatus.COMPLETED
    )
    assert seen == [0]


def test_the_environment_carries_strict_to_the_runner_and_workers() -> None:
    environment = Environment(strict=True)
    runner = LocalRunner(plugins([]), environment=environment)
    assert runner.strict and runner.environment.strict
    result = runner.run(pipeline("{fetch.titel}"))
    assert result.status == RunStatus.FAILED
    with pytest.raises(TypeError, match="strict given both"):
        LocalRunner(plugins([]), environment=environment, strict=False)
    with pytest.raises(TypeError, match="strict must be a bool"):
        Environment(strict="yes")  # type: ignore[arg-type]


def test_a_worker_assembles_a_task_input_strictly() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(
            slug="publish",
            plugin="publish",
            depends_on=["fetch"],
            bindings={
                "title": ExpressionSource(expression="{fetch.titel}"),
                "kept": NodeSource(node="fetch", key="nope"),
                "fixed": ConfigSource(value=1),
            },
        ),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    task = store.dispatch_task("run-1", 0, "fetch", None)
    store.complete_task(task, [Output(file_name="clip.mp4", metadata={"title": "Dune"})])
    (artifact,) = store.get_artifacts_by_node_indices("run-1", [0])
    arguments: dict[str, Any] = {
        "run_id": "run-1",
        "node_index": 1,
        "input_artifact_id": artifact.id,
        "nodes": nodes,
    }
    lenient = assemble_task_input(store, **arguments)
    assert "title" not in lenient and "kept" not in lenient and lenient["fixed"] == 1
    with pytest.raises(BindingError) as caught:
        assemble_task_input(store, environment=Environment(strict=True), **arguments)
    (problem,) = caught.value.diagnostics
    assert problem.code == "missing-reference"
    assert problem.hint == "did you mean 'title'?"
    assert problem.path == ("nodes", 1, "bindings", "title", "expression")
