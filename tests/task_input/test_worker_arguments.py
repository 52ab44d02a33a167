# ruff: noqa: E501  (tables of exact messages read best on one line)
"""Public worker-side functions refuse arguments of the wrong kind, naming the argument."""

from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz.bindings import resolve_binding
from dagabaaz.errors import PluginError, RetryError, TaskInputError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    ConfigSource,
    DagArtifact,
    DagNode,
    ExpressionSource,
    NodeSource,
    Output,
    TaskArtifact,
)
from dagabaaz.plugins import PluginInfo
from dagabaaz.retry import compute_retry_boundary, retry_run
from dagabaaz.schema import InputFieldSpec, get_pipeline_input_schema, merge_run_input
from dagabaaz.task_input import build_task_input

NODES = [
    DagNode(slug="src", plugin="scan"),
    DagNode(slug="a", plugin="work", depends_on=["src"]),
]


class NoInputs:
    """A PluginMeta whose get_effective_inputs returns None."""

    name = "scan"
    worker_only = False

    def get_effective_inputs(self) -> Any:
        return None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: get_pipeline_input_schema(NODES, lambda name: {"name": name}),
            PluginError,
            "plugin_lookup('scan') returned dict; expected a PluginMeta (such as PluginInfo) or None",
        ),
        (
            lambda: get_pipeline_input_schema(NODES, lambda name: name),
            PluginError,
            "plugin_lookup('scan') returned str; expected a PluginMeta (such as PluginInfo) or None",
        ),
        (
            lambda: get_pipeline_input_schema(NODES, lambda name: NoInputs()),
            PluginError,
            "plugin 'scan': get_effective_inputs() returned NoneType; expected a list of input declarations",
        ),
        (
            lambda: get_pipeline_input_schema(NODES, {"scan": None}),
            TypeError,
            "plugin_lookup must be callable, got dict",
        ),
        (
            lambda: get_pipeline_input_schema([{"slug": "a"}], lambda name: None),
            TypeError,
            "nodes[0] must be a DagNode, got dict (read a pipeline document with dagabaaz.loading.parse_pipeline)",
        ),
        (
            lambda: get_pipeline_input_schema(None, lambda name: None),
            TypeError,
            "nodes must be a list of DagNode, got NoneType",
        ),
        (
            lambda: PluginInfo("scan", None),
            TypeError,
            "PluginInfo 'scan': inputs must be a list of input declarations, got NoneType",
        ),
        (
            lambda: PluginInfo("scan", "url"),
            TypeError,
            "PluginInfo 'scan': inputs must be a list of input declarations, got str",
        ),
        (lambda: PluginInfo(None), TypeError, "PluginInfo name must be a string, got NoneType"),
        (
            lambda: PluginInfo("scan", worker_only="yes"),
            TypeError,
            "PluginInfo 'scan': worker_only must be a bool, got str",
        ),
        (
            lambda: merge_run_input([], None, "x"),
            TypeError,
            "run_input must be a mapping of input name to value, got str",
        ),
        (
            lambda: merge_run_input([], [("u", "x")], None),
            TypeError,
            "default_input must be a mapping of input name to value, got list",
        ),
        (
            lambda: merge_run_input([{"name": "u"}], None, None),
            TypeError,
            "schema_fields[0] must be an InputFieldSpec, got dict",
        ),
        (
            lambda: merge_run_input(None, None, None),
            TypeError,
            "schema_fields must be a list of InputFieldSpec, got NoneType",
        ),
    ],
    ids=[
        "lookup-returns-dict",
        "lookup-returns-str",
        "inputs-none-from-meta",
        "lookup-not-callable",
        "nodes-dicts",
        "nodes-none",
        "info-inputs-none",
        "info-inputs-str",
        "info-name",
        "info-worker-only",
        "merge-run-input-str",
        "merge-default-list",
        "merge-field-dict",
        "merge-fields-none",
    ],
)
def test_schema_functions_name_the_bad_argument(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_plugin_info_keeps_a_list_of_inputs_as_a_tuple() -> None:
    info = PluginInfo("scan", [{"name": "url"}])  # type: ignore[arg-type]
    assert info.inputs == ({"name": "url"},)
    schema = get_pipeline_input_schema(NODES, {"scan": info}.get)
    assert schema == [InputFieldSpec(name="url")]


ARTIFACT = TaskArtifact(file_path="/a.txt", file_name="a.txt", metadata={"n": 1})


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ({"source": "config", "value": 1}, {}, {}, None),
            "binding must be a NodeSource, ConfigSource, RuntimeSource or ExpressionSource, got dict",
        ),
        (
            (NodeSource(node="src", key="n"), {0: [{"file_name": "x"}]}, {"src": 0}, None),
            "artifacts_by_node[0][0] must be a TaskArtifact or DagArtifact, got dict",
        ),
        (
            (NodeSource(node="src", key="n"), {0: ARTIFACT}, {"src": 0}, None),
            "artifacts_by_node[0] must be a list of TaskArtifact, got TaskArtifact",
        ),
        (
            (NodeSource(node="src", key="n"), [[ARTIFACT]], {"src": 0}, None),
            "artifacts_by_node must be a mapping of node index to artifacts, got list",
        ),
        (
            (NodeSource(node="src", key="n"), {0: [ARTIFACT]}, ["src"], None),
            "slug_to_node_index must be a mapping of node slug to index, got list",
        ),
        (
            (ConfigSource(value=1), {}, {}, "x=1"),
            "run_input must be a mapping, got str",
        ),
    ],
    ids=[
        "dict-binding",
        "dict-artifact",
        "artifact-not-in-a-list",
        "artifacts-list",
        "slugs-list",
        "run-input-str",
    ],
)
def test_resolve_binding_names_the_bad_argument(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(TypeError) as caught:
        resolve_binding(*arguments)
    assert str(caught.value) == message


def test_resolve_binding_reads_dag_artifacts_too() -> None:
    artifact = DagArtifact(id="x", file_name="a.txt", metadata={"n": 1})
    binding = ExpressionSource(expression="{src.file_name}:{src.n}:{src.file_path | default('-')}")
    assert resolve_binding(binding, {0: [artifact]}, {"src": 0}, None) == "a.txt:1:-"


def _store() -> InMemoryStore:
    store = InMemoryStore()
    store.create_run("r1", NODES, {"k": 1})
    store.complete_task(store.dispatch_task("r1", 0, "scan", None), [Output(file_name="a")])
    return store


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nodes": None}, "run 'r1': nodes must be a list of DagNode"),
        ({"store": None}, "run 'r1': store must be a TaskInputStore, not NoneType"),
        ({"run_id": 1}, "run_id must be a string, not int"),
        ({"deps": [[], None]}, "run 'r1': deps[1] must be a list of node indices, not NoneType"),
        ({"deps": 5}, "run 'r1': deps must be a list of dependency lists, not int"),
        (
            {"passthrough_indices": 5},
            "run 'r1': passthrough_indices must be a set of node indices, not int",
        ),
    ],
    ids=[
        "nodes-none",
        "store-none",
        "run-id-int",
        "deps-none-entry",
        "deps-int",
        "passthrough-int",
    ],
)
def test_build_task_input_names_the_bad_argument(overrides: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "store": _store(),
        "run_id": "r1",
        "node_index": 1,
        "input_artifact_id": None,
        "nodes": NODES,
        **overrides,
    }
    store = arguments.pop("store")
    with pytest.raises(TaskInputError) as caught:
        build_task_input(store, **arguments)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([0], [0], "2", lambda index: True), "node_count must be an int, got str"),
        (
            ([0], [0], 2, None),
            "node_has_retryable_failure must be callable or a mapping of node index to bool, "
            "got NoneType",
        ),
        (
            (None, [0], 2, lambda index: True),
            "completed_nodes must be a collection of node indices, got NoneType",
        ),
        (
            ([], "01", 2, lambda index: True),
            "launched_nodes must be a collection of node indices, got str",
        ),
    ],
    ids=["count-str", "predicate-none", "completed-none", "launched-str"],
)
def test_compute_retry_boundary_names_the_bad_argument(
    arguments: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(TypeError) as caught:
        compute_retry_boundary(*arguments)
    assert str(caught.value) == message


def test_retry_run_needs_a_boundary() -> None:
    with pytest.raises(TypeError) as caught:
        retry_run(_store(), "r1", NODES, None)  # type: ignore[arg-type]
    assert str(caught.value) == "boundary must be a RetryBoundary, got NoneType"
    assert not isinstance(caught.value, RetryError)
