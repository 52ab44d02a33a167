"""InMemoryStore beyond the shared contract: its own API, errors and indexes."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dagabaaz.constants import FanMode, FilterOperator, RunStatus, TaskStatus
from dagabaaz.errors import StoreError
from dagabaaz.memory import InMemoryStore, RunRecord, TaskRecord
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    EdgeFilter,
    FilterRule,
    Output,
    TaskContext,
)


def nodes() -> list[DagNode]:
    return [
        DagNode(slug="a", plugin="fetch"),
        DagNode(slug="b", plugin="work", depends_on=["a"]),
        DagNode(slug="c", plugin="merge", depends_on=["b"], fan_mode=FanMode.GROUPED),
        DagNode(slug="d", plugin="join", depends_on=["b"], fan_mode=FanMode.AGGREGATE),
    ]


def out(file_name: str, **metadata: Any) -> Output:
    return Output(file_name=file_name, metadata=metadata)


def store_with_run(run_input: dict[str, Any] | None = None) -> InMemoryStore:
    store = InMemoryStore()
    store.create_run("r", nodes(), run_input)
    return store


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.create_run("r", nodes()), "create_run: run 'r' already exists"),
        (
            lambda s: s.create_run("x", "ab"),
            "create_run('x'): nodes must be a list of DagNode",
        ),
        (
            lambda s: s.create_run("x", nodes(), ["not", "a", "mapping"]),
            "create_run('x'): run_input must be a mapping, not list",
        ),
        (lambda s: s.get_barrier_state("nope", 0), "unknown run 'nope'"),
        (
            lambda s: s.get_barrier_state("r", 4),
            "run 'r' has no node 4 (it has 4 nodes, indices 0 to 3)",
        ),
        (
            lambda s: s.dispatch_task("r", -1, "p", None),
            "run 'r' has no node -1 (it has 4 nodes, indices 0 to 3)",
        ),
        (
            lambda s: s.try_claim_node_launch("r", True),
            "run 'r' has no node True (it has 4 nodes, indices 0 to 3)",
        ),
        (lambda s: s.complete_task("nope", []), "unknown task 'nope'"),
        (
            lambda s: s.try_claim_run_terminal("r", RunStatus.RUNNING),
            "try_claim_run_terminal: 'running' is not a terminal run status",
        ),
        (lambda s: s.reopen_run("nope"), "unknown run 'nope'"),
    ],
    ids=[
        "run-twice",
        "nodes-not-a-list",
        "input-not-a-mapping",
        "unknown-run",
        "node-out-of-range",
        "negative-node",
        "bool-is-not-an-index",
        "unknown-task",
        "non-terminal-claim",
        "reopen-unknown",
    ],
)
def test_misuse_raises_a_clear_store_error(call: Any, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        call(store_with_run())
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ("a.txt", "complete_task('{t}'): outputs must be a list of Output or dicts, not str"),
        (
            {"file_name": "a.txt"},
            "complete_task('{t}'): outputs must be a list of Output or dicts, not dict",
        ),
        (
            [Output(file_name="ok.txt"), 42],
            "complete_task('{t}'): output 1 must be an Output or a dict, not int",
        ),
        (
            [{"file_name": "ok.txt"}, {"file_size": 3}],
            "complete_task('{t}'): output 1 is invalid: file_name: Field required",
        ),
        (
            [{"file_name": "a", "file_size": "big"}],
            "complete_task('{t}'): output 0 is invalid: file_size: Input should be a valid "
            "integer, unable to parse string as an integer",
        ),
        (
            [{"file_name": "a", "colour": "red"}],
            "complete_task('{t}'): output 0 is invalid: colour: Extra inputs are not permitted",
        ),
    ],
    ids=["a-string", "a-single-dict", "not-an-output", "missing-name", "bad-size", "unknown-key"],
)
def test_bad_outputs_name_the_task_and_position_and_change_nothing(
    outputs: Any, message: str
) -> None:
    store = store_with_run()
    task_id = store.dispatch_task("r", 0, "fetch", None)
    with pytest.raises(StoreError) as caught:
        store.complete_task(task_id, outputs)
    assert str(caught.value) == message.format(t=task_id)
    assert store.tasks("r")[0].status is TaskStatus.QUEUED
    assert store.get_artifacts_by_node_indices("r", [0]) == []


def test_outputs_may_be_dicts() -> None:
    store = store_with_run()
    task_id = store.dispatch_task("r", 0, "fetch", None)
    assert store.complete_task(task_id, [{"file_name": "a.mp4", "file_size": 5}]) is True
    [artifact] = store.get_artifacts_by_node_indices("r", [0])
    assert (artifact.file_name, artifact.file_size) == ("a.mp4", 5)


# --- terminal tasks -----------------------------------------------------------


def test_completing_a_terminal_task_changes_nothing_and_says_so() -> None:
    store = store_with_run()
    task_id = store.dispatch_task("r", 0, "fetch", None)
    assert store.mark_task_failed(task_id, "boom") == "r"
    assert store.complete_task(task_id, [Output(file_name="late.txt")]) is False
    assert store.tasks("r") == [
        TaskRecord(task_id, "r", 0, "fetch", TaskStatus.FAILED, error="boom")
    ]
    assert store.get_artifacts_by_node_indices("r", [0]) == []


def test_task_context_carries_the_current_status() -> None:
    store = store_with_run()
    task_id = store.dispatch_task("r", 0, "fetch", None)
    context = store.get_task_context(task_id)
    assert context is not None
    assert context.status is TaskStatus.QUEUED
    store.complete_task(task_id, [])
    context = store.get_task_context(task_id)
    assert context is not None
    assert context.status is TaskStatus.COMPLETED


# --- origins ------------------------------------------------------------------


def test_origins_follow_scatter_gather() -> None:
    store = store_with_run()
    root = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(root, [Output(file_name="1.mp4"), Output(file_name="2.mp4")])
    one, two = store.get_artifacts_by_node_indices("r", [0])
    assert (one.origin_artifact_id, two.origin_artifact_id) == (one.id, two.id)

    single = store.dispatch_task("r", 1, "work", two.id)
    store.complete_task(single, [Output(file_name="2a.txt"), Output(file_name="2b.txt")])
    assert {a.origin_artifact_id for a in store.get_artifacts_by_node_indices("r", [1])} == {two.id}
    grouped = store.dispatch_grouped_task("r", 2, "merge", one.id)
    store.complete_task(grouped, [Output(file_name="m.txt")])
    assert store.get_artifacts_by_node_indices("r", [2])[0].origin_artifact_id == one.id
    aggregate = store.dispatch_task("r", 3, "join", None)
    store.complete_task(aggregate, [Output(file_name="all.txt")])
    assert store.get_artifacts_by_node_indices("r", [3])[0].origin_artifact_id is None


# --- queue and records --------------------------------------------------------------


def test_queued_tasks_in_dispatch_order_with_an_optional_limit() -> None:
    store = store_with_run()
    ids = [store.dispatch_task("r", 1, "work", f"in-{i}") for i in range(5)]
    store.complete_task(ids[1], [])
    store.dispatch_skipped_task("r", 2, "merge")
    assert [t.task_id for t in store.queued_tasks("r")] == [ids[0], *ids[2:]]
    assert [t.task_id for t in store.queued_tasks("r", limit=2)] == [ids[0], ids[2]]
    assert [t.input_artifact_id for t in store.queued_tasks("r", limit=1)] == ["in-0"]


def test_records_are_immutable_snapshots() -> None:
    store = store_with_run()
    task_id = store.dispatch_grouped_task("r", 2, "merge", "origin-9")
    [record] = store.tasks("r")
    assert record == TaskRecord(task_id, "r", 2, "merge", TaskStatus.QUEUED, None, "origin-9")
    with pytest.raises(AttributeError):
        record.status = TaskStatus.FAILED  # type: ignore[misc]
    store.cancel_remaining_tasks("r", "stop")
    assert record.status is TaskStatus.QUEUED
    assert store.run("r") == RunRecord("r", RunStatus.RUNNING, None, 0)


def test_the_pipeline_is_copied_in_and_out_to_the_last_nested_value() -> None:
    rules = [FilterRule(field="tags", operator=FilterOperator.IN, value=[["x"]])]
    given = [
        DagNode(slug="a", plugin="fetch"),
        DagNode(
            slug="b",
            plugin="work",
            depends_on=["a"],
            edge_filters={"a": EdgeFilter(rules=rules)},
            bindings={"opts": ConfigSource(value={"sizes": [1]})},
        ),
    ]
    store = InMemoryStore()
    store.create_run("r", given)
    expected = [node.model_copy(deep=True) for node in given]
    given[1].depends_on.append("ghost")
    given[1].edge_filters["a"].rules[0].value[0].append("y")  # type: ignore[index, union-attr]
    got = store.get_run_nodes("r")
    assert got == expected
    got[1].name = "renamed"
    got[1].depends_on.clear()
    got[1].edge_filters["a"].rules.append(rules[0])
    got[1].edge_filters["a"].rules[0].value[0].append("z")  # type: ignore[index, union-attr]
    got[1].bindings["opts"].value["sizes"].append(2)  # type: ignore[index, union-attr]
    got[1].bindings["more"] = ConfigSource(value=1)
    assert store.get_run_nodes("r") == expected


def test_a_task_context_follows_its_task_and_cannot_be_changed() -> None:
    store = store_with_run()
    first = store.dispatch_task("r", 1, "work", None)
    second = store.dispatch_task("r", 1, "work", None)
    assert store.get_task_context(first) == TaskContext(
        run_id="r", node_index=1, status=TaskStatus.QUEUED
    )
    store.complete_task(first, [])
    assert store.get_task_context(first) == TaskContext(
        run_id="r", node_index=1, status=TaskStatus.COMPLETED
    )
    assert store.get_task_context(second) == TaskContext(
        run_id="r", node_index=1, status=TaskStatus.QUEUED
    )
    with pytest.raises(ValidationError):
        store.get_task_context(second).status = TaskStatus.FAILED  # type: ignore[misc, union-attr]


def test_the_collector_can_stop_tracking_stored_rows() -> None:
    # Tracked rows would be walked by every full collection of a long run.
    store = store_with_run()
    root = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(root, [out("a.txt", lang="en", fps=29.97), out("b.txt")])
    task = store.dispatch_task("r", 1, "work", store.get_artifacts_by_node_indices("r", [0])[0].id)
    store.complete_task(task, [out("c.txt", tags=["x"])])  # a list value keeps its row tracked
    for _ in range(3):  # a pass may look at a row before its nested tuples: one per level
        gc.collect()
    rows = list(store._artifacts.values())
    assert [gc.is_tracked(row) for row in rows] == [False, False, True]
    assert not any(gc.is_tracked(row) for row in store._tasks.values())
    assert [a.metadata for a in store.get_artifacts_by_node_indices("r", [0, 1])] == [
        {"lang": "en", "fps": 29.97},
        {},
        {"tags": ["x"]},
    ]


def test_run_input_is_copied_in_and_out() -> None:
    given_input: dict[str, Any] = {"tags": ["a"]}
    store = store_with_run(given_input)
    given_input["tags"].append("b")
    got = store.get_run_input("r")
    got["tags"].append("c")
    assert store.get_run_input("r") == {"tags": ["a"]}


def test_output_metadata_is_copied_in() -> None:
    store = store_with_run()
    metadata: dict[str, Any] = {"streams": [{"codec": "h264"}]}
    task_id = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(task_id, [Output(file_name="a.mp4", metadata=metadata)])
    metadata["streams"][0]["codec"] = "changed"
    [artifact] = store.get_task_artifacts_by_node_indices("r", [0])
    assert artifact.metadata == {"streams": [{"codec": "h264"}]}


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_any_json_metadata_round_trips_unchanged(value: Any) -> None:
    store = store_with_run()
    task_id = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(task_id, [Output(file_name="a", metadata={"v": value})])
    [artifact] = store.get_artifacts_by_node_indices("r", [0])
    assert artifact.metadata == {"v": value}


# --- reopening and locks ------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED], ids=str
)
def test_reopen_run_makes_a_failed_run_live_and_claimable_again(status: RunStatus) -> None:
    store = store_with_run()
    assert store.try_claim_run_terminal("r", status, "boom")
    store.reopen_run("r")
    assert store.run("r") == RunRecord("r", RunStatus.RUNNING, None, 0)
    assert store.try_claim_run_terminal("r", RunStatus.COMPLETED) is True


def test_a_completed_run_cannot_be_reopened_and_a_live_one_is_left_alone() -> None:
    store = store_with_run()
    store.reopen_run("r")
    assert store.get_run_status("r") is RunStatus.RUNNING
    store.try_claim_run_terminal("r", RunStatus.COMPLETED)
    with pytest.raises(StoreError, match=r"^reopen_run: run 'r' completed and cannot be reopened$"):
        store.reopen_run("r")


def test_run_lock_is_per_run_and_reentrant() -> None:
    store = store_with_run()
    lock = store.run_lock("r")
    assert store.run_lock("r") is lock
    assert store.run_lock("other") is not lock
    entered = threading.Event()
    with lock, lock:  # re-entrant for the same thread
        thread = threading.Thread(target=lambda: (lock.acquire(), entered.set(), lock.release()))
        thread.start()
        assert not entered.wait(0.05)
    thread.join()
    assert entered.is_set()


# --- retry deletions keep every index in step ---------------------------------------


def test_deleting_tasks_keeps_the_origin_index_in_step() -> None:
    store = store_with_run()
    root = store.dispatch_task("r", 0, "fetch", None)
    store.complete_task(root, [Output(file_name="1.mp4")])
    [source] = store.get_artifacts_by_node_indices("r", [0])
    work = store.dispatch_task("r", 1, "work", source.id)
    store.complete_task(work, [Output(file_name="1.json")])
    assert [a.file_name for a in store.get_grouped_artifacts("r", [1], source.id)] == ["1.json"]
    assert store.delete_tasks_at_nodes("r", [1]) == 1
    assert store.get_grouped_artifacts("r", [1], source.id) == []
    assert store.get_artifact_producing_node(source.id) == 0
    again = store.dispatch_task("r", 1, "work", source.id)
    store.complete_task(again, [Output(file_name="1b.json")])
    assert [a.file_name for a in store.get_grouped_artifacts("r", [0, 1], source.id)] == [
        "1.mp4",
        "1b.json",
    ]


def test_reasons_per_node_are_capped_for_task_level_reasons_only() -> None:
    from dagabaaz.constants import REASON_TASK_REASONS_PER_NODE
    from dagabaaz.models import BindingsReason, LaunchedReason

    store = InMemoryStore()
    store.create_run("run-1", [DagNode(slug="a", plugin="p"), DagNode(slug="b", plugin="p")])
    for attempt in range(REASON_TASK_REASONS_PER_NODE + 10):
        store.record_reason(
            "run-1", BindingsReason(node="a", node_index=0, task_id=f"t{attempt}", gated_count=1)
        )
        store.record_reason(
            "run-1",
            LaunchedReason(
                node="b", node_index=1, tasks=attempt, fan_mode="single", fan_out_limit=9
            ),
        )
    kept = store.get_reasons("run-1", 0)
    assert [r.task_id for r in kept] == [  # type: ignore[union-attr]
        f"t{i}" for i in range(REASON_TASK_REASONS_PER_NODE)
    ]
    assert len(store.get_reasons("run-1", 1)) == REASON_TASK_REASONS_PER_NODE + 10
    with pytest.raises(StoreError, match="no node 7"):
        store.record_reason(
            "run-1",
            LaunchedReason(node="x", node_index=7, tasks=1, fan_mode="single", fan_out_limit=9),
        )
    with pytest.raises(StoreError, match="unknown run"):
        store.get_reasons("nope")
