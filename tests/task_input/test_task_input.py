"""build_task_input: what each kind of task receives, exactly as routing delivered it."""

from __future__ import annotations

from typing import Any

import pytest
from worker_harness import WorkerRun, out

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator, RunStatus
from dagabaaz.errors import TaskInputError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.task_input import (
    build_task_input,
    collect_upstream_task_artifacts_bfs,
    resolve_task_bindings,
)


def _items(count: int) -> Any:
    def fetch(_data: dict[str, Any]) -> list[Output]:
        return [out(f"item{i}.mp4", 100 + i, "video/mp4", item=i) for i in range(count)]

    return fetch


def _branch(name: str) -> Any:
    def process(data: dict[str, Any]) -> list[Output]:
        return [out(f"{name}-{data['item']}.txt", 10, "text/plain", item=data["item"], branch=name)]

    return process


def _nothing(_data: dict[str, Any]) -> None:
    return None


def _names(data: dict[str, Any]) -> list[str]:
    return [artifact["file_name"] for artifact in data["artifacts"]]


def test_fan_out_task_gets_metadata_under_standard_fields() -> None:
    spoofing = Output(
        file_name="clip.mp4",
        file_path="/data/clip.mp4",
        file_size=2048,
        mime_type="video/mp4",
        metadata={
            "file_path": "/etc/passwd",
            "file_name": "spoofed",
            "file_size": -1,
            "mime_type": "text/evil",
            "title": "Clip",
            "tags": ["a", "b"],
        },
    )
    run = (
        WorkerRun(
            [
                DagNode(slug="source", plugin="fetch"),
                DagNode(slug="probe", plugin="probe", depends_on=["source"]),
            ],
            {"fetch": lambda _d: [spoofing], "probe": _nothing},
        )
        .start()
        .drive()
    )
    assert run.inputs_of("probe") == [
        {
            "file_path": "/data/clip.mp4",
            "file_name": "clip.mp4",
            "file_size": 2048,
            "mime_type": "video/mp4",
            "title": "Clip",
            "tags": ["a", "b"],
        }
    ]


def test_root_task_gets_a_copy_of_the_run_input() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["urls"].append("mutated")
        data["added"] = True

    run_input = {"urls": ["https://example.org"], "depth": 2}
    run = (
        WorkerRun([DagNode(slug="source", plugin="fetch")], {"fetch": mutate}, run_input=run_input)
        .start()
        .drive()
    )
    assert run.status is RunStatus.COMPLETED
    assert run.executions[0].input == run_input
    assert run.store.get_run_input(run.run_id) == {"urls": ["https://example.org"], "depth": 2}


SCATTER_GATHER = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="a", plugin="proc_a", depends_on=["source"]),
    DagNode(slug="b", plugin="proc_b", depends_on=["source"]),
    DagNode(slug="settings", plugin="settings", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
    DagNode(
        slug="merge", plugin="merge", depends_on=["a", "b", "settings"], fan_mode=FanMode.GROUPED
    ),
]

SCATTER_PLUGINS = {
    "fetch": _items(3),
    "proc_a": _branch("a"),
    "proc_b": _branch("b"),
    "settings": lambda data: [
        out("settings.json", 5, "application/json", count=len(data["artifacts"]))
    ],
    "merge": _nothing,
}


def test_grouped_task_gets_its_group_and_the_broadcasts() -> None:
    run = WorkerRun(SCATTER_GATHER, SCATTER_PLUGINS).start().drive()
    assert run.status is RunStatus.COMPLETED
    assert sorted(_names(data) for data in run.inputs_of("merge")) == [
        ["a-0.txt", "b-0.txt", "settings.json"],
        ["a-1.txt", "b-1.txt", "settings.json"],
        ["a-2.txt", "b-2.txt", "settings.json"],
    ]
    settings = run.inputs_of("merge")[0]["artifacts"][2]
    assert settings == {
        "file_path": "/data/settings.json",
        "file_name": "settings.json",
        "file_size": 5,
        "mime_type": "application/json",
        "count": 3,
    }


def test_grouped_select_applies_within_the_group() -> None:
    def two_sizes(data: dict[str, Any]) -> list[Output]:
        item = data["item"]
        return [
            out(f"small-{item}.txt", 1, item=item),
            out(f"large-{item}.txt", 50 + item, item=item),
        ]

    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="a", plugin="sizes", depends_on=["source"]),
        DagNode(slug="b", plugin="proc_b", depends_on=["source"]),
        DagNode(
            slug="merge",
            plugin="merge",
            depends_on=["a", "b"],
            fan_mode=FanMode.GROUPED,
            edge_filters={"a": EdgeFilter(select=ArtifactSelector.LARGEST)},
        ),
    ]
    plugins = {"fetch": _items(2), "sizes": two_sizes, "proc_b": _branch("b"), "merge": _nothing}
    run = WorkerRun(nodes, plugins).start().drive()
    assert sorted(_names(data) for data in run.inputs_of("merge")) == [
        ["large-0.txt", "b-0.txt"],
        ["large-1.txt", "b-1.txt"],
    ]


def test_aggregate_task_sees_each_edge_through_its_filter() -> None:
    def mixed(_data: dict[str, Any]) -> list[Output]:
        return [out("movie.mp4", 900), out("movie.en.srt", 3), out("trailer.mkv", 300)]

    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="video",
            plugin="transcode",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={
                "source": EdgeFilter(
                    rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")]
                )
            },
        ),
    ]
    run = WorkerRun(nodes, {"fetch": mixed, "transcode": _nothing}).start().drive()
    assert [_names(data) for data in run.inputs_of("video")] == [["movie.mp4", "trailer.mkv"]]


def test_task_with_nothing_upstream_gets_empty_artifacts_not_the_run_input() -> None:
    store = InMemoryStore()
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="sink", plugin="s", depends_on=["source"]),
    ]
    store.create_run("run-1", nodes, {"secret": "value"})
    got = build_task_input(store, run_id="run-1", node_index=1, input_artifact_id=None, nodes=nodes)
    assert got == {"artifacts": []}


ROUTED = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="router", plugin="route", depends_on=["source"]),
    DagNode(slug="sink", plugin="sink", depends_on=["router"], fan_mode=FanMode.AGGREGATE),
]


@pytest.mark.parametrize(
    ("router_plugin", "expected"),
    [
        (_nothing, ["item0.mp4", "item1.mp4"]),
        (lambda data: [out(f"routed-{data['item']}.mp4")], ["routed-0.mp4", "routed-1.mp4"]),
    ],
    ids=["empty-router-is-walked-past", "router-with-output-stops-the-walk"],
)
def test_passthrough_collection(router_plugin: Any, expected: list[str]) -> None:
    plugins = {"fetch": _items(2), "route": router_plugin, "sink": _nothing}
    run = WorkerRun(ROUTED, plugins, routing={"route"}).start().drive()
    assert [_names(data) for data in run.inputs_of("sink")] == [expected]


def test_processing_node_stops_the_walk() -> None:
    plugins = {"fetch": _items(2), "route": _nothing, "sink": _nothing}
    run = WorkerRun(ROUTED, plugins).start().drive()
    # Without routing the empty router filters the sink: it never runs.
    assert run.inputs_of("sink") == []
    got = build_task_input(
        run.store, run_id=run.run_id, node_index=2, input_artifact_id=None, nodes=ROUTED
    )
    assert got == {"artifacts": []}


def test_diamond_of_routers_delivers_each_artifact_once() -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="left", plugin="route", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="right", plugin="route", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(
            slug="sink", plugin="sink", depends_on=["left", "right"], fan_mode=FanMode.AGGREGATE
        ),
    ]
    plugins = {"fetch": _items(2), "route": _nothing, "sink": _nothing}
    run = WorkerRun(nodes, plugins, routing={"route"}).start().drive()
    assert [_names(data) for data in run.inputs_of("sink")] == [["item0.mp4", "item1.mp4"]]


def test_plugin_mutating_its_artifacts_never_changes_the_store() -> None:
    def vandal(data: dict[str, Any]) -> None:
        for artifact in data["artifacts"]:
            artifact["tags"].append("vandalised")
            artifact["file_name"] = "renamed"

    def tagged(_data: dict[str, Any]) -> list[Output]:
        return [out("x.mp4", 1, tags=["keep"])]

    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="sink", plugin="vandal", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
    ]
    run = WorkerRun(nodes, {"fetch": tagged, "vandal": vandal}).start().drive()
    stored = run.store.get_task_artifacts_by_node_indices(run.run_id, [0])
    assert [(a.file_name, a.metadata) for a in stored] == [("x.mp4", {"tags": ["keep"]})]


def test_collect_upstream_task_artifacts_bfs_walks_past_empty_routers() -> None:
    plugins = {"fetch": _items(2), "route": _nothing, "sink": _nothing}
    run = WorkerRun(ROUTED, plugins, routing={"route"}).start().drive()
    found = collect_upstream_task_artifacts_bfs(run.store, run.run_id, [1], run.deps, {1})
    assert [a.file_name for a in found] == ["item0.mp4", "item1.mp4"]
    assert collect_upstream_task_artifacts_bfs(run.store, run.run_id, [1], run.deps) == []


def _store_with_one_artifact() -> tuple[InMemoryStore, list[DagNode], str]:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="sink", plugin="s", depends_on=["source"]),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    task = store.dispatch_task("run-1", 0, "fetch", None)
    store.complete_task(task, [out("one.mp4")])
    return store, nodes, store.get_artifacts_by_node_indices("run-1", [0])[0].id


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"node_index": 2},
            "run 'run-1': node index 2 is out of range for a 2-node pipeline",
        ),
        (
            {"node_index": True},
            "run 'run-1': node_index must be an int, not True",
        ),
        (
            {"input_artifact_id": "artifact-404"},
            "run 'run-1', node 'sink': input artifact 'artifact-404' does not exist",
        ),
        (
            {"input_artifact_id": "ARTIFACT", "origin_artifact_id": "o"},
            "run 'run-1', node 'sink': a task has an input artifact or an origin, not both "
            "(got 'ARTIFACT' and 'o')",
        ),
        (
            {"node_index": 0, "origin_artifact_id": "o"},
            "run 'run-1', node 'source' is a root node; its task has no origin group (got 'o')",
        ),
        (
            {"deps": [[]]},
            "run 'run-1': deps has 1 entries for a 2-node pipeline",
        ),
        (
            {"deps": [[], [7]]},
            "run 'run-1': deps[1] = [7] names a node the 2-node pipeline does not have",
        ),
        (
            {"nodes": [{"slug": "source", "plugin": "fetch"}]},
            "run 'run-1': nodes must be a list of DagNode",
        ),
    ],
    ids=[
        "index-out-of-range",
        "bool-index",
        "unknown-artifact",
        "artifact-and-origin",
        "root-with-origin",
        "short-deps",
        "deps-out-of-range",
        "nodes-not-models",
    ],
)
def test_bad_task_coordinates(arguments: dict[str, Any], message: str) -> None:
    store, nodes, artifact_id = _store_with_one_artifact()
    call: dict[str, Any] = {"node_index": 1, "input_artifact_id": None, "nodes": nodes, **arguments}
    if call["input_artifact_id"] == "ARTIFACT":
        call["input_artifact_id"] = artifact_id
        message = message.replace("ARTIFACT", artifact_id)
    with pytest.raises(TaskInputError) as caught:
        build_task_input(store, run_id="run-1", **call)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"input_data": None},
            "run 'run-1', node 'sink': input_data must be a mapping, not NoneType",
        ),
        ({"input_data": [1]}, "run 'run-1', node 'sink': input_data must be a mapping, not list"),
        (
            {"input_data": {}, "node_config": "fast"},
            "run 'run-1', node 'sink': node_config must be a mapping, not str",
        ),
    ],
    ids=["input-none", "input-list", "config-string"],
)
def test_bad_binding_arguments(arguments: dict[str, Any], message: str) -> None:
    store, nodes, _artifact_id = _store_with_one_artifact()
    with pytest.raises(TaskInputError) as caught:
        resolve_task_bindings(store, run_id="run-1", node_index=1, nodes=nodes, **arguments)
    assert str(caught.value) == message
