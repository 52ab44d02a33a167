"""Issue 10, points 4, 5, 7, 8, 9 and 10: the engine and its helper modules, README style."""

from __future__ import annotations

from typing import Any

import pytest
from readme_store import ReadmeStore

from dagabaaz import constants
from dagabaaz.bindings import resolve_binding
from dagabaaz.constants import (
    ARTIFACT_STANDARD_FIELDS,
    MAX_BFS_DEPTH,
    MAX_FAN_OUT,
    RUN_RETRYABLE_STATUSES,
    RUN_TERMINAL_STATUSES,
    TASK_RETRYABLE_STATUSES,
    TASK_TERMINAL_STATUSES,
    FanMode,
    RunStatus,
    TaskStatus,
)
from dagabaaz.graph import (
    assign_slugs,
    bfs_collect,
    build_slug_to_index_map,
    rekey_edge_filters_by_index,
    resolve_dependency_indices,
)
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    NodeSource,
    Output,
    TaskArtifact,
)
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_failed,
    start_run,
)
from dagabaaz.retry import compute_retry_boundary
from dagabaaz.store import reason_store

# --- point 4: abort_run ----------------------------------------------------------


def test_abort_run_fails_the_run_by_default() -> None:
    events: list[str] = []
    callbacks = OrchestratorCallbacks(
        on_run_completed=lambda run_id: events.append("completed"),
        on_run_failed=lambda run_id: events.append("failed"),
        on_run_crashed=lambda run_id: events.append("crashed"),
        on_run_cancelled=lambda run_id: events.append("cancelled"),
    )
    store = InMemoryStore()
    nodes = [DagNode(slug="a", plugin="p")]
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    assert abort_run(store, run_id="run-1", reason="deadline", callbacks=callbacks) is True
    assert store.get_run_status("run-1") is RunStatus.FAILED
    assert events == ["failed"]
    assert [t.status for t in store.tasks("run-1")] == [TaskStatus.CANCELLED]


# --- point 5: compute_retry_boundary ---------------------------------------------


def test_compute_retry_boundary_accepts_a_dict() -> None:
    # A chain 0 -> 1 -> 2 where node 1 failed; 0 completed, 2 never launched.
    from_dict = compute_retry_boundary({0}, {0, 1}, 3, {1: True, 0: False})
    from_callable = compute_retry_boundary({0}, {0, 1}, 3, lambda index: index == 1)
    assert from_dict == from_callable
    assert from_dict.failed == frozenset({1})
    assert compute_retry_boundary({0}, {0, 1}, 3, {}).failed == frozenset()
    with pytest.raises(TypeError, match="callable or a mapping"):
        compute_retry_boundary({0}, {0, 1}, 3, [1])  # type: ignore[arg-type]


# --- point 7: graph helpers ------------------------------------------------------


def test_assign_slugs_fills_in_place_and_is_idempotent() -> None:
    nodes = [
        DagNode(plugin="fetch"),
        DagNode(slug="fetch_2", plugin="fetch"),
        DagNode(plugin="fetch"),
        DagNode(plugin="transcode"),
    ]
    assign_slugs(nodes)
    assert [n.slug for n in nodes] == ["fetch_1", "fetch_2", "fetch_3", "transcode_1"]
    assign_slugs(nodes)
    assert [n.slug for n in nodes] == ["fetch_1", "fetch_2", "fetch_3", "transcode_1"]


def test_slug_helpers_skip_what_they_cannot_resolve() -> None:
    videos = EdgeFilter(rules=[FilterRule(field="file_type", operator="eq", value="video")])
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="", plugin="p"),
        DagNode(slug="c", plugin="p", depends_on=["a", "ghost"], edge_filters={"ghost": videos}),
    ]
    index = build_slug_to_index_map(nodes)
    assert index == {"a": 0, "c": 2}
    assert resolve_dependency_indices(nodes) == [[], [], [0]]
    assert rekey_edge_filters_by_index(nodes[2], index) == {}


def test_bfs_collect_takes_the_depth_guard() -> None:
    # A chain of empty routing nodes 60 long above the one with artifacts.
    size = 61
    adjacency = [[i - 1] if i else [] for i in range(size)]

    def fetch(run_id: str, indices: list[int]) -> list[str]:
        return ["found"] if indices == [0] else []

    walkers = set(range(1, size))
    assert bfs_collect(fetch, "r", [size - 1], adjacency, passthrough_indices=walkers) == ["found"]
    guarded = bfs_collect(
        fetch, "r", [size - 1], adjacency, passthrough_indices=walkers, max_depth=50
    )
    assert guarded == []
    assert bfs_collect(fetch, "r", [10], adjacency, passthrough_indices=walkers, max_depth=50) == [
        "found"
    ]


# --- point 8: constants ----------------------------------------------------------


def test_constants_of_the_readme_version() -> None:
    assert {
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.CRASHED,
        RunStatus.CANCELLED,
    } == RUN_TERMINAL_STATUSES
    assert {
        TaskStatus.COMPLETED,
        TaskStatus.FAILED,
        TaskStatus.CRASHED,
        TaskStatus.CANCELLED,
        TaskStatus.SKIPPED,
        TaskStatus.FILTERED,
    } == TASK_TERMINAL_STATUSES
    assert {RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED} == RUN_RETRYABLE_STATUSES
    assert {
        TaskStatus.FAILED,
        TaskStatus.CRASHED,
        TaskStatus.CANCELLED,
        TaskStatus.FILTERED,
    } == TASK_RETRYABLE_STATUSES
    assert {"file_path", "file_name", "file_size", "mime_type"} == ARTIFACT_STANDARD_FIELDS
    assert (MAX_FAN_OUT, MAX_BFS_DEPTH) == (200, 50)
    assert MAX_FAN_OUT == constants.DEFAULT_FAN_OUT_LIMIT
    assert constants.BindingSource.PREVIOUS_NODE == "previous_node"


def test_the_default_fan_out_limit_is_max_fan_out() -> None:
    nodes = [DagNode(slug="a", plugin="p"), DagNode(slug="b", plugin="p", depends_on=["a"])]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    [root] = store.queued_tasks("run-1")
    store.complete_task(
        root.task_id, [Output(file_name=f"{i}.txt") for i in range(MAX_FAN_OUT + 1)]
    )
    on_task_complete(
        store, task_id=root.task_id, callbacks=OrchestratorCallbacks(), resolve_passthrough=bool
    )
    assert store.get_run_status("run-1") is RunStatus.FAILED


# --- point 9: resolve_binding ignores when ---------------------------------------


def test_resolve_binding_ignores_when() -> None:
    artifacts: dict[int, list[Any]] = {
        0: [TaskArtifact(file_path="/a", file_name="a.mp4", metadata={"existing_id": "rec-1"})]
    }
    slugs = {"lookup": 0}
    value = resolve_binding(
        NodeSource(node="lookup", key="file_name", when="{lookup.existing_id | not}"),
        artifacts,
        slugs,
        {},
    )
    assert value == "a.mp4"
    assert (
        resolve_binding(ConfigSource(value="x", when="{input.nope}"), artifacts, slugs, {}) == "x"
    )
    failing_when = ExpressionSource(expression="{lookup.file_name}", when="{input.k | required}")
    assert resolve_binding(failing_when, artifacts, slugs, {}) == "a.mp4"


# --- point 10: readiness over the whole graph -------------------------------------

CALLBACKS = OrchestratorCallbacks()


def complete(store: Any, task_id: str, outputs: list[Output], *, report: bool = True) -> None:
    store.complete_task(task_id, outputs)
    if report:
        on_task_complete(store, task_id=task_id, callbacks=CALLBACKS, resolve_passthrough=bool)


def queued_at(store: InMemoryStore, index: int) -> list[Any]:
    return [t for t in store.queued_tasks("run-1") if t.node_index == index]


def test_a_node_left_unlaunched_by_a_lost_event_launches_at_the_next_one() -> None:
    # a -> b, and an independent root c. a's worker dies after recording its
    # task, before on_task_complete: b is launched when c's task reports.
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["a"]),
        DagNode(slug="c", plugin="p"),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    [a], [c] = queued_at(store, 0), queued_at(store, 2)
    complete(store, a.task_id, [Output(file_name="a.txt")], report=False)
    assert queued_at(store, 1) == []
    complete(store, c.task_id, [Output(file_name="c.txt")])
    [b] = queued_at(store, 1)
    complete(store, b.task_id, [Output(file_name="b.txt")])
    assert store.get_run_status("run-1") is RunStatus.COMPLETED


def test_the_next_event_may_be_a_task_of_an_unfinished_node() -> None:
    # root -> wide (3 tasks) and a -> b; a's report is lost. The first task of
    # wide to report (its node not done yet) launches b.
    nodes = [
        DagNode(slug="root", plugin="p"),
        DagNode(slug="wide", plugin="p", depends_on=["root"]),
        DagNode(slug="a", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["a"]),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    [root], [a] = queued_at(store, 0), queued_at(store, 2)
    complete(store, root.task_id, [Output(file_name=f"{i}.txt") for i in range(3)])
    complete(store, a.task_id, [Output(file_name="a.txt")], report=False)
    first, *_ = queued_at(store, 1)
    complete(store, first.task_id, [Output(file_name="w.txt")])
    assert len(queued_at(store, 1)) == 2  # wide still running
    assert len(queued_at(store, 3)) == 1  # b launched


def test_a_lost_event_on_a_readme_era_store() -> None:
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=["a"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="c", plugin="p"),
    ]
    store = ReadmeStore()
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    a = next(t for t in store.queued("run-1") if t.node_index == 0)
    c = next(t for t in store.queued("run-1") if t.node_index == 2)
    store.record_outputs(a.task_id, [{"file_name": "a.txt"}])
    store.record_outputs(c.task_id, [{"file_name": "c.txt"}])
    on_task_complete(store, task_id=c.task_id, callbacks=CALLBACKS, resolve_passthrough=bool)
    [b] = store.queued("run-1")
    assert b.node_index == 1
    store.record_outputs(b.task_id, [{"file_name": "b.txt"}])
    on_task_complete(store, task_id=b.task_id, callbacks=CALLBACKS, resolve_passthrough=bool)
    assert store.status["run-1"] is RunStatus.COMPLETED


# --- names of the README's version that are kept ------------------------------------


def test_helper_names_of_the_readme_version() -> None:
    from dagabaaz.expressions import RESERVED_NAMESPACES, Lookup
    from dagabaaz.filter import filter_artifacts_by_origin
    from dagabaaz.graph import build_children
    from dagabaaz.models import BindingSource, InputBinding
    from dagabaaz.orchestrator import OnRunCancelled, OnRunCompleted, OnRunCrashed, OnRunFailed
    from dagabaaz.retry import RetryableTaskInfo
    from dagabaaz.store import RetryableTask

    assert InputBinding is BindingSource
    assert OnRunCompleted is OnRunFailed is OnRunCrashed is OnRunCancelled
    assert {"input", "config"} == RESERVED_NAMESPACES
    assert Lookup is not None
    assert build_children([[], [0], [0], [1, 2]]) == [[1, 2], [3], [3], []]
    grouped = filter_artifacts_by_origin(
        {
            0: [
                TaskArtifact(file_path="/a", file_name="a", origin_artifact_id="o1"),
                TaskArtifact(file_path="/b", file_name="b", origin_artifact_id="o2"),
                TaskArtifact(file_path="/c", file_name="c"),
            ]
        },
        "o1",
    )
    assert [a.file_name for a in grouped[0]] == ["a", "c"]
    info = RetryableTaskInfo("t-1", 2, "merge", None, "o1", "failed")
    assert isinstance(info, RetryableTask) and info.status == "failed"


def test_a_readme_era_store_runs_without_keeping_reasons() -> None:
    # Issue 13: reasons are an optional store protocol; a store written for
    # the README's version has neither method and runs exactly as before,
    # skips, filters and failures included.
    nodes = [
        DagNode(slug="fetch", plugin="p"),
        DagNode(
            slug="subs",
            plugin="p",
            depends_on=["fetch"],
            edge_filters={
                "fetch": EdgeFilter(
                    rules=[FilterRule(field="file_type", operator="eq", value="subtitle")]
                )
            },
        ),
        DagNode(
            slug="bundle",
            plugin="p",
            depends_on=["fetch"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={
                "fetch": EdgeFilter(
                    rules=[FilterRule(field="file_type", operator="eq", value="archive")]
                )
            },
        ),
        DagNode(slug="publish", plugin="p", depends_on=["bundle"]),
        DagNode(slug="probe", plugin="p", depends_on=["fetch"]),
    ]
    store = ReadmeStore()
    assert reason_store(store) is None
    store.create_run("run-1", nodes)
    start_run(store, run_id="run-1", nodes=nodes)
    [fetch] = store.queued("run-1")
    store.record_outputs(fetch.task_id, [{"file_name": "a.mp4"}, {"file_name": "b.mp4"}])
    on_task_complete(store, task_id=fetch.task_id, callbacks=CALLBACKS, resolve_passthrough=bool)
    statuses = {t.node_index: t.status for t in store.tasks.values() if t.node_index in (1, 2, 3)}
    assert statuses == {1: TaskStatus.FILTERED, 2: TaskStatus.SKIPPED, 3: TaskStatus.SKIPPED}
    probes = [t for t in store.queued("run-1") if t.node_index == 4]
    assert len(probes) == 2
    on_task_failed(store, task_id=probes[0].task_id, error_message="boom", callbacks=CALLBACKS)
    assert store.status["run-1"] is RunStatus.FAILED
