"""A task's coordinates must fit its run and its node: impossible ones are refused."""

from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz.constants import FanMode
from dagabaaz.errors import TaskInputError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, NodeSource, Output
from dagabaaz.task_input import assemble_task_input, build_task_input

NODES = [
    DagNode(slug="src", plugin="scan"),
    DagNode(slug="a", plugin="x", depends_on=["src"]),
    DagNode(slug="b", plugin="x", depends_on=["src"]),
    DagNode(
        slug="m",
        plugin="merge",
        depends_on=["a", "b"],
        fan_mode=FanMode.GROUPED,
        bindings={"an": NodeSource(node="a", key="file_name")},
    ),
    DagNode(slug="route", plugin="route", depends_on=["src"]),
    DagNode(slug="after", plugin="x", depends_on=["route"]),
]


def _store() -> tuple[InMemoryStore, str]:
    """Two runs of the pipeline; r1's root produced one file, r2's produced one too."""
    store = InMemoryStore()
    for run in ("r1", "r2"):
        store.create_run(run, NODES, {})
        store.complete_task(
            store.dispatch_task(run, 0, "scan", None), [Output(file_name=f"{run}.txt")]
        )
    (artifact,) = store.get_artifacts_by_node_indices("r1", [0])
    return store, artifact.id


Build = Callable[..., dict[str, Any]]
BUILDERS = [build_task_input, assemble_task_input]
BUILDER_IDS = ["build", "assemble"]


@pytest.mark.parametrize("build", BUILDERS, ids=BUILDER_IDS)
def test_an_input_artifact_of_another_run_is_refused(build: Build) -> None:
    store, artifact_id = _store()
    with pytest.raises(TaskInputError) as caught:
        build(store, run_id="r2", node_index=1, input_artifact_id=artifact_id, nodes=NODES)
    assert (
        str(caught.value)
        == f"run 'r2', node 'a': input artifact '{artifact_id}' belongs to another run"
    )


class _ProtocolOnly:
    """InMemoryStore seen only through the protocols: no get_artifact_run."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "get_artifact_run":
            raise AttributeError(name)
        return getattr(self._store, name)


def test_another_runs_artifact_is_refused_through_the_protocol_alone() -> None:
    store, artifact_id = _store()
    with pytest.raises(TaskInputError, match="belongs to another run"):
        build_task_input(
            _ProtocolOnly(store),  # type: ignore[arg-type]
            run_id="r2",
            node_index=1,
            input_artifact_id=artifact_id,
            nodes=NODES,
        )


def test_an_aggregate_output_of_another_run_is_refused_when_the_store_can_tell() -> None:
    nodes = [
        DagNode(slug="src", plugin="scan"),
        DagNode(slug="all", plugin="x", depends_on=["src"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="each", plugin="x", depends_on=["all"]),
    ]
    store = InMemoryStore()
    for run in ("r1", "r2"):
        store.create_run(run, nodes, {})
        store.complete_task(store.dispatch_task(run, 0, "scan", None), [Output(file_name="f")])
        store.complete_task(store.dispatch_task(run, 1, "x", None), [Output(file_name="g")])
    (broadcast,) = store.get_artifacts_by_node_indices("r1", [1])
    assert broadcast.origin_artifact_id is None
    assert store.get_artifact_run(broadcast.id) == "r1"
    got = build_task_input(
        store, run_id="r1", node_index=2, input_artifact_id=broadcast.id, nodes=nodes
    )
    assert got["file_name"] == "g"
    with pytest.raises(TaskInputError, match="belongs to another run"):
        build_task_input(
            store, run_id="r2", node_index=2, input_artifact_id=broadcast.id, nodes=nodes
        )


@pytest.mark.parametrize("build", BUILDERS, ids=BUILDER_IDS)
def test_an_input_artifact_no_edge_leads_to_is_refused(build: Build) -> None:
    store, artifact_id = _store()
    with pytest.raises(TaskInputError) as caught:
        build(store, run_id="r1", node_index=3, input_artifact_id=artifact_id, nodes=NODES)
    assert str(caught.value) == (
        f"run 'r1', node 'm': input artifact '{artifact_id}' was produced by node 'src', "
        "which no dependency of the node leads to"
    )


@pytest.mark.parametrize("build", BUILDERS, ids=BUILDER_IDS)
def test_an_input_artifact_routed_through_a_passthrough_node_is_accepted(build: Build) -> None:
    store, artifact_id = _store()
    data = build(
        store,
        run_id="r1",
        node_index=5,
        input_artifact_id=artifact_id,
        nodes=NODES,
        passthrough_indices={4},
    )
    assert data["file_name"] == "r1.txt"
    # Without the routing node declared as passthrough, nothing leads to src.
    with pytest.raises(TaskInputError, match="which no dependency of the node leads to"):
        build(store, run_id="r1", node_index=5, input_artifact_id=artifact_id, nodes=NODES)


@pytest.mark.parametrize("build", BUILDERS, ids=BUILDER_IDS)
def test_an_origin_the_store_does_not_know_gets_no_artifacts(build: Build) -> None:
    # As in the README's version: nothing to refuse it with, nothing to give it.
    store, _ = _store()
    data = build(
        store,
        run_id="r1",
        node_index=3,
        input_artifact_id=None,
        origin_artifact_id="nope",
        nodes=NODES,
    )
    assert data == {"artifacts": []}


@pytest.mark.parametrize("build", BUILDERS, ids=BUILDER_IDS)
def test_an_origin_of_another_run_is_refused(build: Build) -> None:
    store, _ = _store()
    origin = store.get_artifacts_by_node_indices("r2", [0])[0].id
    with pytest.raises(TaskInputError) as caught:
        build(
            store,
            run_id="r1",
            node_index=3,
            input_artifact_id=None,
            origin_artifact_id=origin,
            nodes=NODES,
        )
    assert (
        str(caught.value) == f"run 'r1', node 'm': origin '{origin}' is not an artifact of the run"
    )


def test_an_origin_of_the_run_with_an_empty_group_is_accepted() -> None:
    store, artifact_id = _store()
    # The root output is the origin; its branches have produced nothing yet.
    data = build_task_input(
        store,
        run_id="r1",
        node_index=3,
        input_artifact_id=None,
        origin_artifact_id=artifact_id,
        nodes=NODES,
    )
    assert data == {"artifacts": []}


def test_a_group_with_artifacts_is_read_as_before() -> None:
    store, artifact_id = _store()
    for index, name in ((1, "a.txt"), (2, "b.txt")):
        task = store.dispatch_task("r1", index, "x", artifact_id)
        store.complete_task(task, [Output(file_name=name)])
    data = assemble_task_input(
        store, run_id="r1", node_index=3, origin_artifact_id=artifact_id, nodes=NODES
    )
    assert [item["file_name"] for item in data["artifacts"]] == ["a.txt", "b.txt"]
    assert data["an"] == "a.txt"
