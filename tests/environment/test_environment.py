"""Environment: pipes, limits and routing plugins given once, to every stage."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.environment import Environment, environment_of
from dagabaaz.errors import BindingError
from dagabaaz.expressions import Limits
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, ExpressionSource, Output
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry
from dagabaaz.runner import LocalRunner
from dagabaaz.task_input import assemble_task_input, build_task_input, resolve_task_bindings
from dagabaaz.validation import validate_or_raise, validate_pipeline


def _shouting() -> PipeRegistry:
    pipes = DEFAULT_PIPES.copy()
    pipes.register("shout", lambda value: str(value).upper() + "!")
    return pipes


SHOUTING = Environment(pipes=_shouting(), passthrough={"router"})

NODES = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="route", plugin="router", depends_on=["source"]),
    DagNode(
        slug="sink",
        plugin="save",
        depends_on=["route"],
        fan_mode=FanMode.AGGREGATE,
        bindings={"title": ExpressionSource(expression="{input.name | shout}")},
    ),
]


def test_the_defaults_are_the_built_ins_the_default_limits_and_no_routing() -> None:
    environment = Environment()
    assert environment.pipes is DEFAULT_PIPES
    assert environment.limits == Limits()
    assert environment.passthrough == frozenset()
    assert environment_of(None) == environment


def test_the_validator_checks_against_the_environments_pipes() -> None:
    assert [d.code for d in validate_pipeline(NODES)] == ["unknown-pipe"]
    assert validate_pipeline(NODES, environment=SHOUTING) == []
    assert validate_or_raise(NODES, environment=SHOUTING) == []


def test_the_runner_takes_pipes_and_routing_plugins_from_the_environment() -> None:
    seen: list[dict[str, Any]] = []

    def save(task: dict[str, Any]) -> None:
        seen.append(task)

    plugins = {"fetch": lambda task: [Output(file_path="/a", file_name="a")], "save": save}
    runner = LocalRunner(plugins, environment=SHOUTING)
    assert runner.environment == SHOUTING
    result = runner.run(NODES, {"name": "hi"})
    assert result.status is RunStatus.COMPLETED, result.error
    assert seen[0]["title"] == "HI!"
    assert [a["file_name"] for a in seen[0]["artifacts"]] == ["a"]


def _store_at_sink() -> InMemoryStore:
    store = InMemoryStore()
    store.create_run("r", NODES, {"name": "hi"})
    task = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(task, [Output(file_path="/a", file_name="a")])
    return store


def test_the_worker_functions_route_and_bind_with_the_environment() -> None:
    store = _store_at_sink()
    coordinates: dict[str, Any] = {"run_id": "r", "node_index": 2, "nodes": NODES}
    # Without routing plugins, the empty router stops the walk.
    assert build_task_input(store, input_artifact_id=None, **coordinates) == {"artifacts": []}
    built = build_task_input(store, input_artifact_id=None, environment=SHOUTING, **coordinates)
    assert [a["file_name"] for a in built["artifacts"]] == ["a"]
    assembled = assemble_task_input(store, environment=SHOUTING, **coordinates)
    assert assembled["title"] == "HI!"
    data: dict[str, Any] = {}
    resolve_task_bindings(store, input_data=data, environment=SHOUTING, **coordinates)
    assert data == {"title": "HI!"}


def test_the_environments_limits_apply_to_bindings() -> None:
    store = _store_at_sink()
    tight = Environment(pipes=SHOUTING.pipes, limits=Limits(max_string_length=2))
    with pytest.raises(BindingError) as caught:
        assemble_task_input(store, run_id="r", node_index=2, nodes=NODES, environment=tight)
    assert [d.code for d in caught.value.diagnostics] == ["budget-exceeded"]
    assert "max_string_length=2" in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: validate_pipeline(NODES, environment=SHOUTING, pipes=DEFAULT_PIPES),
        lambda: LocalRunner({}, environment=SHOUTING, passthrough=["x"]),
        lambda: LocalRunner({}, environment=SHOUTING, limits=Limits()),
        lambda: assemble_task_input(
            _store_at_sink(),
            run_id="r",
            node_index=2,
            nodes=NODES,
            environment=SHOUTING,
            pipes=DEFAULT_PIPES,
        ),
        lambda: build_task_input(
            _store_at_sink(),
            run_id="r",
            node_index=2,
            nodes=NODES,
            input_artifact_id=None,
            environment=SHOUTING,
            passthrough_indices={1},
        ),
    ],
    ids=[
        "validator-pipes",
        "runner-passthrough",
        "runner-limits",
        "worker-pipes",
        "worker-routing",
    ],
)
def test_a_setting_given_both_ways_is_a_type_error(call: Any) -> None:
    with pytest.raises(TypeError, match=r"give (it|them) in one place"):
        call()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"pipes": {}}, "pipes must be a PipeRegistry, got dict"),
        ({"limits": 5}, "limits must be a Limits, got int"),
        ({"passthrough": "router"}, "passthrough must be a collection of plugin names, got str"),
        ({"passthrough": [1]}, "passthrough must hold plugin names, got int"),
    ],
    ids=["pipes", "limits", "passthrough-string", "passthrough-items"],
)
def test_a_wrong_setting_is_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as caught:
        Environment(**arguments)
    assert str(caught.value) == message


def test_an_environment_that_is_not_one_is_refused() -> None:
    with pytest.raises(TypeError, match="environment must be an Environment, got dict"):
        validate_pipeline(NODES, environment={"pipes": DEFAULT_PIPES})  # type: ignore[arg-type]


def test_it_compiles_and_checks_expressions_with_its_pipes() -> None:
    assert SHOUTING.compile_expression("{a.b | shout}").evaluate({"a": {"b": "x"}}) == "X!"
    assert SHOUTING.check_expression("{a.b | shout}") == []
    assert [d.code for d in Environment().check_expression("{a.b | shout}")] == ["unknown-pipe"]
