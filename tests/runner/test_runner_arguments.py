# ruff: noqa: E501  (tables of exact messages read best on one line)
"""LocalRunner refuses arguments of the wrong kind up front, naming the argument."""

from typing import Any

import pytest

from dagabaaz.errors import NodeConfigError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, ExpressionSource, Output
from dagabaaz.plugins import PluginInfo
from dagabaaz.runner import LocalRunner

CALLS: list[str] = []


def source(task: dict[str, Any]) -> list[Output]:
    CALLS.append("source")
    return [Output(file_name="a.txt")]


PLUGINS = {"source": source}
NODES = [DagNode(slug="scan", plugin="source"), DagNode(slug="scene", plugin="source")]


@pytest.fixture(autouse=True)
def _no_calls_yet() -> None:
    CALLS.clear()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"plugins": [source]},
            TypeError,
            "plugins must be a mapping of plugin name to function, got list",
        ),
        (
            {"plugins": None},
            TypeError,
            "plugins must be a mapping of plugin name to function, got NoneType",
        ),
        ({"plugins": {1: source}}, TypeError, "plugin names must be strings, got int"),
        ({"max_workers": "4"}, TypeError, "max_workers must be an int, got str"),
        ({"max_workers": 2.5}, TypeError, "max_workers must be an int, got float"),
        ({"max_workers": True}, TypeError, "max_workers must be an int, got bool"),
        ({"fan_out_limit": None}, TypeError, "fan_out_limit must be an int, got NoneType"),
        (
            {"passthrough": "route"},
            TypeError,
            "passthrough must be a collection of plugin names, got str",
        ),
        (
            {"passthrough": ["route", 2]},
            TypeError,
            "passthrough must hold plugin names (strings), got int",
        ),
        (
            {"passthrough": None},
            TypeError,
            "passthrough must be a collection of plugin names, got NoneType",
        ),
        ({"pipes": "upper"}, TypeError, "pipes must be a PipeRegistry, got str"),
        ({"limits": 5}, TypeError, "limits must be a Limits, got int"),
    ],
    ids=[
        "plugins-list",
        "plugins-none",
        "plugin-name-int",
        "workers-str",
        "workers-float",
        "workers-bool",
        "fan-out-limit-none",
        "passthrough-str",
        "passthrough-item",
        "passthrough-none",
        "pipes",
        "limits",
    ],
)
def test_constructor_refuses_wrong_kinds(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {"plugins": PLUGINS, **kwargs}
    with pytest.raises(error) as caught:
        LocalRunner(**arguments)
    assert str(caught.value) == message


def test_a_store_missing_methods_is_named() -> None:
    with pytest.raises(TypeError) as caught:
        LocalRunner(PLUGINS, store=object())  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("store must be a LocalStore such as InMemoryStore; object has no ")
    for method in ("create_run", "complete_task", "get_artifact_data", "run_lock"):
        assert method in message


def test_a_complete_store_is_accepted() -> None:
    store = InMemoryStore()
    assert LocalRunner(PLUGINS, store=store).run(NODES[:1]).ok


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"nodes": None}, "nodes must be a Pipeline or a list of DagNode, got NoneType"),
        ({"nodes": "scan"}, "nodes must be a Pipeline or a list of DagNode, got str"),
        ({"nodes": {"slug": "scan"}}, "nodes must be a Pipeline or a list of DagNode, got dict"),
        (
            {"nodes": [{"slug": "scan", "plugin": "source"}]},
            "nodes[0] must be a DagNode, got dict (read a pipeline document with dagabaaz.loading.parse_pipeline)",
        ),
        ({"run_input": [1, 2]}, "run_input must be a mapping of input name to value, got list"),
        ({"run_input": "x"}, "run_input must be a mapping of input name to value, got str"),
        ({"run_id": 5}, "run_id must be a string, got int"),
        ({"progress": 3}, "progress must be callable, got int"),
    ],
    ids=[
        "nodes-none",
        "nodes-str",
        "nodes-dict",
        "node-dict",
        "input-list",
        "input-str",
        "run-id",
        "progress",
    ],
)
def test_run_refuses_wrong_kinds_before_anything_runs(call: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"nodes": NODES[:1], **call}
    nodes = arguments.pop("nodes")
    with pytest.raises(TypeError) as caught:
        LocalRunner(PLUGINS).run(nodes, **arguments)
    assert str(caught.value) == message
    assert CALLS == []


@pytest.mark.parametrize(
    ("node_configs", "message"),
    [
        ([1], "node configs must be a mapping of node slug to config, got list"),
        (
            {"sacn": {"depth": 1}},
            "node configs name 1 node the pipeline does not have: 'sacn' (did you mean 'scan'?)",
        ),
        (
            {"scan": {}, "nosuch": {}, "other": {}},
            "node configs name 2 nodes the pipeline does not have: 'nosuch', 'other'",
        ),
        ({"scan": 5}, "the config of node 'scan' must be a mapping of values, got int"),
        ({"scene": None}, "the config of node 'scene' must be a mapping of values, got NoneType"),
    ],
    ids=["not-a-mapping", "typo", "two-unknown", "value-int", "value-none"],
)
def test_node_configs_that_do_not_fit_stop_the_run_before_it_starts(
    node_configs: object, message: str
) -> None:
    store = InMemoryStore()
    with pytest.raises(NodeConfigError) as caught:
        LocalRunner(PLUGINS, store=store).run(NODES, run_id="r1", node_configs=node_configs)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
    assert CALLS == []
    assert store.get_run_status("r1") is None  # the run was never created


def test_input_schema_includes_what_the_plugins_declare() -> None:
    class Declaring:
        name = "source"
        worker_only = False
        inputs = PluginInfo("source", ({"name": "url", "required": True},)).inputs

        def get_effective_inputs(self) -> Any:
            return self.inputs

        def __call__(self, task: dict[str, Any]) -> None:
            return None

    node = DagNode(
        slug="scan", plugin="source", bindings={"t": ExpressionSource(expression="{input.title}")}
    )
    schema = LocalRunner({"source": Declaring()}).input_schema([node])
    assert [(spec.name, spec.required) for spec in schema] == [("url", True), ("title", False)]
