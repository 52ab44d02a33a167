"""Known failures of simpler engines, each pinned by a test."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from engine_harness import EngineRun, out

from dagabaaz._routing import edges
from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator, RunStatus, TaskStatus
from dagabaaz.errors import PipelineValidationError
from dagabaaz.graph import resolve_dependency_indices
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.orchestrator import start_run


def node(slug: str, *deps: str, mode: FanMode = FanMode.SINGLE, **filters: EdgeFilter) -> DagNode:
    return DagNode(
        slug=slug, plugin=slug, depends_on=list(deps), fan_mode=mode, edge_filters=filters
    )


def keep(field: str, operator: str, value: Any = None) -> EdgeFilter:
    return EdgeFilter(
        rules=[FilterRule(field=field, operator=FilterOperator(operator), value=value)]
    )


# --- terminal tasks never change ------------------------------------------------


def test_a_failure_reported_after_completion_is_ignored() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    a = run.tasks("a")[0].task_id
    run.complete(a, [out("1.txt")])
    run.fail(a, "late")
    assert run.statuses("a") == [TaskStatus.COMPLETED]
    assert run.status is RunStatus.RUNNING
    assert run.events == []
    assert run.store.mark_task_failed(a, "late") is None
    assert run.store.mark_task_crashed(a, "late") is None


def test_a_completion_reported_for_a_cancelled_task_launches_nothing() -> None:
    run = EngineRun([node("a"), node("b", "a"), node("c", "b")])
    run.start()
    run.complete(run.tasks("a")[0].task_id, [out("1.txt"), out("2.txt")])
    first, second = run.tasks("b")
    run.fail(first.task_id)
    assert run.store.complete_task(second.task_id, [out("x.txt")]) is False
    run.notify(second.task_id)
    assert run.statuses("b") == [TaskStatus.FAILED, TaskStatus.CANCELLED]
    assert run.tasks("c") == []
    assert run.artifacts("b") == []
    assert run.events == [("failed", "run-1")]


def test_a_completion_notice_for_a_failed_task_launches_nothing_while_the_run_lives() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    a = run.tasks("a")[0].task_id
    run.store.mark_task_failed(a, "boom")  # recorded, but the run is not ended yet
    run.notify(a)
    assert run.tasks("b") == []
    assert run.status is RunStatus.RUNNING


class UnguardedStore(InMemoryStore):
    """Fills TaskContext.status but, unlike InMemoryStore, marks terminal tasks too."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[str] = []

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        return self._force(task_id)

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        return self._force(task_id)

    def _force(self, task_id: str) -> str | None:
        self.marked.append(task_id)
        context = self.get_task_context(task_id)
        return None if context is None else context.run_id


@pytest.mark.parametrize("end", ["fail", "crash"], ids=["failed", "crashed"])
@pytest.mark.parametrize(
    "finish",
    ["complete", "cancel", "skip"],
    ids=["completed", "cancelled", "skipped-marker"],
)
def test_the_engine_itself_ignores_a_failure_of_a_task_the_store_reports_terminal(
    end: str, finish: str
) -> None:
    # The engine's own guard, not the store's: this store would mark anything.
    store = UnguardedStore()
    run = EngineRun([node("a"), node("b", "a"), node("c")], store=store)
    run.start()
    a = run.tasks("a")[0].task_id
    if finish == "complete":
        run.complete(a, [out("1.txt")])
        target = a
    elif finish == "cancel":
        store.cancel_remaining_tasks(run.run_id, "stop")
        target = a
    else:
        target = store.dispatch_skipped_task(run.run_id, 1, "b")
    before = run.store.tasks(run.run_id)
    getattr(run, end)(target, "late")
    assert store.marked == []
    assert run.store.tasks(run.run_id) == before
    assert run.status is RunStatus.RUNNING
    assert run.events == []


# --- structure ---------------------------------------------------------------


def test_a_repeated_dependency_is_a_diagnostic_not_twice_the_tasks() -> None:
    nodes = [node("a"), node("b", "a", "a")]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    with pytest.raises(PipelineValidationError) as caught:
        start_run(store, "run-1", nodes)
    assert [d.code for d in caught.value.diagnostics] == ["repeated-dependency"]
    assert store.tasks("run-1") == []
    # The legacy helper resolves the edge once.
    assert resolve_dependency_indices(nodes) == [[], [0]]


def test_a_chain_of_one_hundred_routing_nodes_is_walked() -> None:
    slugs = [f"r{i}" for i in range(100)]
    nodes = [node("src")]
    nodes += [node(s, p) for s, p in zip(slugs, ["src", *slugs[:-1]], strict=True)]
    nodes.append(node("sink", slugs[-1]))
    run = EngineRun(nodes, routing=slugs)
    run.start()
    run.drive({"src": [out("1.mp4"), out("2.mp4")]})
    # r0 takes each file (no output), so r1..r99 are filtered and walked past.
    assert run.input_names("sink") == ["1.mp4", "2.mp4"]
    assert run.status is RunStatus.COMPLETED


# --- filter evaluation at the engine level ------------------------------------------

ODD_METADATA: list[dict[str, Any]] = [
    {"n": 2**53 + 1, "tags": ["a", "b"]},
    {"n": 2**53, "tags": "ab"},
    {"n": math.nan, "tags": {"a": 1}},
    {"n": math.inf, "tags": [["a"]]},
    {"n": True, "tags": None},
    {"n": "None"},
    {"n": [1, 2], "tags": [1, "a"]},
    {"n": {"deep": {"er": [1]}}},
    {"n": 10**400},
]


@pytest.mark.parametrize(
    ("edge_filter", "expected"),
    [
        (keep("n", "gt", 2**53), [0, 3, 8]),
        (keep("n", "eq", 2**53), [1]),
        (keep("n", "eq", "None"), [5]),
        (keep("n", "eq", True), [4]),
        (keep("n", "exists"), [0, 1, 2, 3, 4, 5, 6, 7, 8]),
        (keep("missing", "eq", "None"), []),
        (keep("missing", "not_exists"), [0, 1, 2, 3, 4, 5, 6, 7, 8]),
        (keep("tags", "contains", "a"), [0, 1, 6]),
    ],
    ids=[
        "exact-big-ints",
        "eq-exact",
        "string-None-is-a-string",
        "bool-is-not-a-number",
        "exists",
        "missing-never-equals-None",
        "missing-does-not-exist",
        "contains-on-a-list-is-membership",
    ],
)
def test_filters_never_raise_or_guess_whatever_the_metadata_holds(
    edge_filter: EdgeFilter, expected: list[int]
) -> None:
    run = EngineRun([node("a"), node("b", "a", a=edge_filter)])
    run.start()
    run.drive({"a": [out(f"{i}.bin", **meta) for i, meta in enumerate(ODD_METADATA)]})
    names = run.input_names("b")
    assert [int(str(name).split(".")[0]) for name in names if name is not None] == expected
    assert run.status is RunStatus.COMPLETED


def test_a_rule_value_is_never_coerced() -> None:
    assert FilterRule(field="x", operator=FilterOperator.EQ, value=True).value is True
    assert FilterRule(field="x", operator=FilterOperator.EQ, value="1").value == "1"


# --- grouped mode ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "groups"),
    [([5, 50, 7, 3], [0, 1]), ([None, None, 7, 3], [1]), ([5, None, None, None], [0])],
    ids=["every-group-keeps-its-largest", "unsized-group-drops-out", "other-unsized-group"],
)
def test_grouped_select_applies_within_each_origin_group(
    sizes: list[int | None], groups: list[int]
) -> None:
    largest = EdgeFilter(select=ArtifactSelector.LARGEST)
    run = EngineRun(
        [node("src"), node("cut", "src"), node("merge", "cut", mode=FanMode.GROUPED, cut=largest)]
    )
    run.start()
    remaining = iter(sizes)

    def produce(task: Any) -> list[Output]:
        if task.node_index == 0:
            return [out("1.mp4"), out("2.mp4")]
        if task.node_index == 1:
            return [out("part_a.mp4", next(remaining)), out("part_b.mp4", next(remaining))]
        return []

    run.drive(produce)
    # A select over the whole edge would keep one artifact, hence one group.
    origins = [a.id for a in run.artifacts("src")]
    assert [t.origin_artifact_id for t in run.tasks("merge")] == [origins[g] for g in groups]


def test_without_select_the_fan_out_limit_is_checked_without_building_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object) -> dict[str | None, list[Any]]:
        raise AssertionError("groups were built")

    monkeypatch.setattr(edges, "partition_by_origin", refuse)
    videos = EdgeFilter(rules=[FilterRule(field="file_type", operator="eq", value="video")])
    run = EngineRun(
        [node("src"), node("m", "src", mode=FanMode.GROUPED, src=videos)], fan_out_limit=3
    )
    run.start()
    run.complete(run.tasks("src")[0].task_id, [out(f"{i}.mp4") for i in range(4)])
    [marker] = run.tasks("m")
    assert marker.error == (
        "node 'm': fan-out limit exceeded: 4 origin groups are left after the edge filters "
        "and select, which would start 4 tasks, more than the limit of 3"
        "; raise fan_out_limit to allow more"
    )


@pytest.mark.parametrize(
    ("sizes", "outcome"),
    [
        ([1, 2, 3, 4], "failed"),
        ([1, None, 3, None], "queued"),  # select keeps two groups: two tasks
        ([None] * 4, "filtered"),  # unsized artifacts never win: no group is left
    ],
    ids=["four-groups", "two-groups-left", "none-left"],
)
def test_the_grouped_fan_out_limit_counts_the_groups_select_leaves(
    sizes: list[int | None], outcome: str
) -> None:
    largest = EdgeFilter(select=ArtifactSelector.LARGEST)
    run = EngineRun(
        [node("src"), node("m", "src", mode=FanMode.GROUPED, src=largest)], fan_out_limit=3
    )
    run.start()
    run.complete(
        run.tasks("src")[0].task_id, [out(f"{i}.mp4", size) for i, size in enumerate(sizes)]
    )
    assert {str(s) for s in run.statuses("m")} == {outcome}


# --- reconcile ---------------------------------------------------------------------


def test_reconcile_before_start_launches_the_roots_once() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    assert run.reconcile() == [0]
    assert run.start() == [0]
    assert run.reconcile() == []
    assert len(run.store.tasks(run.run_id)) == 1


def test_reconcile_alone_drives_a_run_whose_notices_were_lost() -> None:
    run = EngineRun([node("a"), node("b", "a"), node("c", "b", mode=FanMode.AGGREGATE)])
    run.reconcile()
    for _ in range(3):
        for task in run.store.queued_tasks(run.run_id):
            run.store.complete_task(task.task_id, [out("x.txt")])
        run.reconcile()
    assert run.outcome() == {"a": ["completed"], "b": ["completed"], "c": ["completed"]}
    assert run.events == [("completed", "run-1")]


def test_concurrent_reconciles_under_the_run_lock_launch_each_node_once() -> None:
    run = EngineRun([node("a"), node("b"), node("c", "a", "b"), node("d", "c")])
    barrier = threading.Barrier(4)
    launched: list[list[int]] = []

    def worker() -> None:
        barrier.wait()
        for _ in range(5):
            with run.store.run_lock(run.run_id):
                launched.append(run.reconcile())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i for batch in launched for i in batch) == [0, 1]
    run.drive({"a": [out("1.txt")], "b": [out("2.txt")], "c": [out("3.txt")]})
    assert [len(run.tasks(s)) for s in "abcd"] == [1, 1, 2, 2]
    assert run.events == [("completed", "run-1")]


def test_a_claimed_node_without_tasks_is_not_done_and_reconcile_relaunches_it() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    assert run.store.try_claim_node_launch(run.run_id, 0)  # the launcher died here
    assert run.store.get_barrier_state(run.run_id, 0) == (RunStatus.RUNNING, 0, 0)
    run.notify("nothing")
    assert run.reconcile() == [0]
    assert run.tasks("b") == []
    assert [t.status for t in run.store.tasks(run.run_id)] == [TaskStatus.QUEUED]


def test_reconcile_fails_a_run_whose_failure_was_recorded_but_not_handled() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    run.store.mark_task_failed(run.tasks("a")[0].task_id, "boom")
    assert run.reconcile() == []
    assert run.status is RunStatus.FAILED
    assert run.store.run(run.run_id).error == "nodes finished with failed tasks: 'a'"
    assert run.events == [("failed", "run-1")]


# --- exceptions inside the engine -----------------------------------------------------


def test_an_exception_after_the_claim_fails_the_node_and_the_run() -> None:
    run = EngineRun([node("a"), node("route", "a"), node("b", "route")])

    def broken(plugin: str) -> bool:
        raise RuntimeError(f"no registry entry for {plugin}")

    run.start()
    a = run.tasks("a")[0].task_id
    run.store.complete_task(a, [out("1.txt")])
    run.notify(a)
    route = run.tasks("route")[0].task_id
    run.store.complete_task(route, [])
    from dagabaaz.orchestrator import on_task_complete

    on_task_complete(run.store, task_id=route, callbacks=run.callbacks, resolve_passthrough=broken)
    [marker] = run.tasks("b")
    assert marker.status is TaskStatus.FAILED
    assert marker.error == (
        "node 'b' could not be launched: RuntimeError: no registry entry for route"
    )
    assert run.status is RunStatus.FAILED
    assert run.events == [("failed", "run-1")]


def test_a_dispatch_that_fails_midway_cancels_what_was_dispatched() -> None:
    class Flaky(InMemoryStore):
        def dispatch_task(
            self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
        ) -> str:
            if node_index == 1 and len(self.tasks(run_id)) >= 3:
                raise ConnectionError("queue is down")
            return super().dispatch_task(run_id, node_index, plugin_name, input_artifact_id)

    run = EngineRun([node("a"), node("b", "a")], store=Flaky())
    run.start()
    run.complete(run.tasks("a")[0].task_id, [out(f"{i}.txt") for i in range(4)])
    assert [str(s) for s in run.statuses("b")] == ["cancelled", "cancelled", "failed"]
    assert run.tasks("b")[-1].error == (
        "node 'b' could not be launched: ConnectionError: queue is down"
    )
    assert run.events == [("failed", "run-1")]


# --- a store of the earlier version ------------------------------------------------


class PlainStringStore:
    """Answers with plain strings and no task status, like stores of the earlier version."""

    def __init__(self) -> None:
        self.inner = InMemoryStore()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get_run_status(self, run_id: str) -> Any:
        status = self.inner.get_run_status(run_id)
        return None if status is None else str(status)

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[Any, int, int]:
        status, total, terminal = self.inner.get_barrier_state(run_id, node_index)
        return str(status), total, terminal

    def get_task_context(self, task_id: str) -> Any:
        context = self.inner.get_task_context(task_id)
        return None if context is None else context.model_copy(update={"status": None})

    def get_node_summary(self, run_id: str) -> dict[int, Any]:
        return {i: str(s) for i, s in self.inner.get_node_summary(run_id).items()}

    def get_artifacts_by_node_indices(self, run_id: str, node_indices: Sequence[int]) -> Any:
        return self.inner.get_artifacts_by_node_indices(run_id, list(node_indices))


def test_a_store_answering_with_plain_strings_works() -> None:
    nothing = keep("file_type", "eq", "archive")
    nodes = [
        node("a"),
        node("b", "a", mode=FanMode.AGGREGATE, a=nothing),
        node("c", "b"),
        node("d", "a"),
    ]
    store = PlainStringStore()
    run = EngineRun(nodes, store=store.inner)
    start_run(store, run.run_id, nodes)  # type: ignore[arg-type]
    from dagabaaz.orchestrator import on_task_complete

    for _ in range(3):
        for task in run.store.queued_tasks(run.run_id):
            run.store.complete_task(task.task_id, [out("1.mp4")])
            on_task_complete(
                store,  # type: ignore[arg-type]
                task_id=task.task_id,
                callbacks=run.callbacks,
                resolve_passthrough=lambda _p: False,
            )
    assert run.outcome() == {
        "a": ["completed"],
        "b": ["skipped"],
        "c": ["skipped"],
        "d": ["completed"],
    }
    assert run.events == [("completed", "run-1")]
