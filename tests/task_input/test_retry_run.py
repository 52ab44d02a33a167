"""Retrying failed runs end to end on InMemoryStore: reopen, plan, retry, reconcile, finish."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from worker_harness import WorkerRun, out

from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.errors import RetryError, StoreError
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import abort_run, on_task_crashed
from dagabaaz.retry import RetryBoundary, RetryResult, plan_retry, retry_run

ITEMS = 4

SCATTER_GATHER = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="a", plugin="proc_a", depends_on=["source"]),
    DagNode(slug="b", plugin="proc_b", depends_on=["source"]),
    DagNode(slug="merge", plugin="merge", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
    DagNode(slug="export", plugin="export", depends_on=["merge"], fan_mode=FanMode.AGGREGATE),
]


class Flaky:
    """Plugins for SCATTER_GATHER; ``fail`` names (slug, item) pairs that fail once."""

    def __init__(self, *fail: tuple[str, int | None]) -> None:
        self.pending_failures = set(fail)

    def _maybe_fail(self, slug: str, item: int | None) -> None:
        if (slug, item) in self.pending_failures:
            self.pending_failures.discard((slug, item))
            raise RuntimeError(f"{slug} failed on item {item}")

    def plugins(self) -> dict[str, Any]:
        def fetch(_data: dict[str, Any]) -> list[Output]:
            self._maybe_fail("source", None)
            return [out(f"item{i}.mp4", 100 + i, item=i) for i in range(ITEMS)]

        def branch(slug: str) -> Any:
            def process(data: dict[str, Any]) -> list[Output]:
                self._maybe_fail(slug, data["item"])
                return [out(f"{slug}-{data['item']}.txt", 10, item=data["item"])]

            return process

        def merge(data: dict[str, Any]) -> list[Output]:
            items = sorted({artifact["item"] for artifact in data["artifacts"]})
            assert len(items) == 1, items
            self._maybe_fail("merge", items[0])
            names = sorted(artifact["file_name"] for artifact in data["artifacts"])
            return [out(f"merged-{items[0]}.json", 20, item=items[0], parts=names)]

        def export(data: dict[str, Any]) -> list[Output]:
            self._maybe_fail("export", None)
            return [out("manifest.json", 30, count=len(data["artifacts"]))]

        return {
            "fetch": fetch,
            "proc_a": branch("a"),
            "proc_b": branch("b"),
            "merge": merge,
            "export": export,
        }


def _item_of(run: WorkerRun, record: Any) -> int | None:
    data = next(e.input for e in run.executions if e.task.task_id == record.task_id)
    if "item" in data:
        return int(data["item"])
    items = {artifact.get("item") for artifact in data.get("artifacts", [])}
    return items.pop() if len(items) == 1 else None


def _successes(run: WorkerRun) -> Counter[tuple[str, int | None]]:
    return Counter((e.slug, _item_of(run, e.task)) for e in run.executions if not e.failed)


def _failures(run: WorkerRun) -> Counter[tuple[str, int | None]]:
    return Counter((e.slug, _item_of(run, e.task)) for e in run.executions if e.failed)


def _expected_successes() -> Counter[tuple[str, int | None]]:
    expected: Counter[tuple[str, int | None]] = Counter({("source", None): 1, ("export", None): 1})
    for slug in ("a", "b", "merge"):
        for item in range(ITEMS):
            expected[(slug, item)] = 1
    return expected


def _assert_finished_cleanly(run: WorkerRun, *, each_ran_once: bool = True) -> None:
    assert run.status is RunStatus.COMPLETED
    tasks = run.store.tasks(run.run_id)
    assert {t.status for t in tasks} == {TaskStatus.COMPLETED}
    per_node = Counter(run.nodes[t.node_index].slug for t in tasks)
    assert per_node == {"source": 1, "a": ITEMS, "b": ITEMS, "merge": ITEMS, "export": 1}
    merge_origins = [t.origin_artifact_id for t in tasks if t.node_index == 3]
    assert len(set(merge_origins)) == ITEMS
    for index in (1, 2):
        inputs = [t.input_artifact_id for t in tasks if t.node_index == index]
        assert len(set(inputs)) == ITEMS
    if each_ran_once:
        assert _successes(run) == _expected_successes()
    [manifest] = run.store.get_task_artifacts_by_node_indices(run.run_id, [4])
    assert manifest.metadata == {"count": ITEMS}
    merged = run.store.get_task_artifacts_by_node_indices(run.run_id, [3])
    assert sorted(a.metadata["parts"] for a in merged) == [
        [f"a-{i}.txt", f"b-{i}.txt"] for i in range(ITEMS)
    ]


def test_scatter_gather_fails_in_the_middle_then_retries_to_completion() -> None:
    flaky = Flaky(("b", 2))
    run = WorkerRun(SCATTER_GATHER, flaky.plugins()).start().drive()
    assert run.status is RunStatus.FAILED
    assert run.events == ["failed"]
    before = {t.task_id: t for t in run.store.tasks(run.run_id)}
    unfinished = sorted(
        (t.task_id for t in before.values() if t.status is not TaskStatus.COMPLETED),
        key=lambda task_id: int(task_id.split("-")[1]),
    )
    assert {before[t].status for t in unfinished} == {TaskStatus.FAILED, TaskStatus.CANCELLED}

    # The application's retry: every step under the run lock, then workers.
    with run.store.run_lock(run.run_id):
        run.store.reopen_run(run.run_id)
        boundary = plan_retry(run.store, run.run_id, run.nodes)
        result = retry_run(run.store, run.run_id, run.nodes, boundary)
    assert boundary == RetryBoundary(failed=frozenset({2}), downstream=frozenset())
    assert sorted(result.replacement_map) == sorted(unfinished)
    assert result.relaunched == frozenset() and result.wiped == frozenset()
    assert run.reconcile() == []
    queued = run.store.queued_tasks(run.run_id)
    assert sorted(t.task_id for t in queued) == sorted(result.replacement_map.values())
    for old, new in result.replacement_map.items():
        replacement = next(t for t in queued if t.task_id == new)
        assert replacement.input_artifact_id == before[old].input_artifact_id
        assert replacement.node_index == before[old].node_index

    run.drive()
    _assert_finished_cleanly(run)
    assert _failures(run) == Counter({("b", 2): 1})
    assert run.events == ["failed", "completed"]


@pytest.mark.parametrize(
    ("failure", "failed_node"),
    [
        (("source", None), 0),
        (("a", 0), 1),
        (("merge", 1), 3),
        (("export", None), 4),
    ],
    ids=["root", "first-branch", "grouped", "aggregate"],
)
def test_retry_from_a_failure_at_any_fan_mode(
    failure: tuple[str, int | None], failed_node: int
) -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky(failure).plugins()).start().drive()
    assert run.status is RunStatus.FAILED
    result = _retry(run)
    failed = SCATTER_GATHER[failed_node]
    if failed.depends_on and failed.fan_mode is not FanMode.AGGREGATE:
        assert result.replacement_map, "the failed task was dispatched again"
        assert result.relaunched == frozenset()
    else:
        # A root's or an AGGREGATE node's one task is relaunched: a fresh launch.
        assert result.replacement_map == {}
        assert result.relaunched == {failed_node}
    new_nodes = {t.node_index for t in run.store.queued_tasks(run.run_id)}
    assert failed_node in new_nodes
    run.drive()
    _assert_finished_cleanly(run)
    assert _failures(run) == Counter({failure: 1})


def _retry(run: WorkerRun) -> RetryResult:
    with run.store.run_lock(run.run_id):
        run.store.reopen_run(run.run_id)
        result = retry_run(
            run.store, run.run_id, run.nodes, plan_retry(run.store, run.run_id, run.nodes)
        )
    run.reconcile()
    return result


def test_grouped_tasks_are_dispatched_again_by_origin() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky(("merge", 1)).plugins()).start().drive()
    old = {t.task_id: t for t in run.store.tasks(run.run_id) if t.node_index == 3}
    result = _retry(run)
    assert result.replacement_map
    for old_id, new_id in result.replacement_map.items():
        [new] = [t for t in run.store.tasks(run.run_id) if t.task_id == new_id]
        assert new.origin_artifact_id == old[old_id].origin_artifact_id is not None
        assert new.input_artifact_id is None


def test_crashed_and_cancelled_runs_retry_too() -> None:
    crashed = WorkerRun(SCATTER_GATHER, Flaky().plugins()).start()
    crashed.execute(crashed.store.queued_tasks(crashed.run_id)[0])
    victim = crashed.store.queued_tasks(crashed.run_id)[1]
    with crashed.store.run_lock(crashed.run_id):
        on_task_crashed(
            crashed.store,
            task_id=victim.task_id,
            error_message="worker lost",
            callbacks=crashed.callbacks,
        )
    assert crashed.status is RunStatus.CRASHED
    _retry(crashed)
    crashed.drive()
    _assert_finished_cleanly(crashed)

    cancelled = WorkerRun(SCATTER_GATHER, Flaky().plugins()).start()
    for _ in range(3):
        cancelled.execute(cancelled.store.queued_tasks(cancelled.run_id)[0])
    with cancelled.store.run_lock(cancelled.run_id):
        abort_run(
            cancelled.store,
            run_id=cancelled.run_id,
            reason="operator",
            callbacks=cancelled.callbacks,
            status=RunStatus.CANCELLED,
        )
    assert cancelled.status is RunStatus.CANCELLED
    _retry(cancelled)
    cancelled.drive()
    _assert_finished_cleanly(cancelled)
    assert cancelled.events == ["cancelled", "completed"]


def test_a_failure_the_engine_was_not_told_of_fails_the_run_when_its_node_finishes() -> None:
    # An application that records a task failure without telling the engine:
    # once the rest of a's tasks complete, a is done holding a failed task, so
    # the run fails there and merge never launches on part of a's outputs
    # (a run where it did is retried in tests/engine/test_engine_retry_relaunch.py).
    run = WorkerRun(SCATTER_GATHER, Flaky().plugins()).start()
    store, run_id = run.store, run.run_id
    run.execute(store.queued_tasks(run_id)[0])
    first_a = next(t for t in store.queued_tasks(run_id) if t.node_index == 1)
    store.mark_task_failed(first_a.task_id, "recorded, engine not told")
    run.drive()
    assert run.status is RunStatus.FAILED
    assert store.run(run_id).error == "nodes finished with failed tasks: 'a'"
    assert store.get_launched_node_indices(run_id) == {0, 1, 2}
    assert run.events == ["failed"]

    with store.run_lock(run_id):
        store.reopen_run(run_id)
        boundary = plan_retry(store, run_id, run.nodes)
        result = retry_run(store, run_id, run.nodes, boundary)
    # b's tasks still queued when the run failed were cancelled: b is redone too.
    assert boundary == RetryBoundary(failed=frozenset({1, 2}), downstream=frozenset())
    assert first_a.task_id in result.replacement_map
    assert result.wiped == frozenset()
    assert run.reconcile() == []
    run.drive()
    _assert_finished_cleanly(run)


def test_a_launch_that_failed_as_a_whole_is_launched_again() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky().plugins(), fan_out_limit=3).start().drive()
    assert run.status is RunStatus.FAILED
    [marker] = [t for t in run.store.tasks(run.run_id) if t.node_index == 1]
    assert marker.status is TaskStatus.FAILED and marker.input_artifact_id is None
    run.fan_out_limit = 200
    result = _retry(run)
    assert 1 in result.relaunched
    assert result.relaunched <= {1, 2}
    assert result.replacement_map == {}
    run.drive()
    _assert_finished_cleanly(run)


def test_retry_refuses_a_run_that_is_not_reopened() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky(("a", 1)).plugins()).start().drive()
    boundary = plan_retry(run.store, run.run_id, run.nodes)
    with pytest.raises(RetryError) as caught:
        retry_run(run.store, run.run_id, run.nodes, boundary)
    assert str(caught.value) == (
        "run 'run-1' is failed; reopen it with store.reopen_run(run_id) before retrying"
    )
    with pytest.raises(RetryError) as unknown:
        retry_run(run.store, "run-404", run.nodes, boundary)
    assert str(unknown.value) == "unknown run 'run-404'"


def test_retry_refuses_a_boundary_outside_the_pipeline() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky(("a", 1)).plugins()).start().drive()
    run.store.reopen_run(run.run_id)
    with pytest.raises(RetryError) as caught:
        retry_run(
            run.store,
            run.run_id,
            run.nodes,
            RetryBoundary(failed=frozenset({9}), downstream=frozenset()),
        )
    assert str(caught.value) == ("boundary.failed holds 9, not node indices of a 5-node pipeline")


def test_a_completed_run_cannot_be_reopened() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky().plugins()).start().drive()
    assert run.status is RunStatus.COMPLETED
    with pytest.raises(StoreError, match="completed and cannot be reopened"):
        run.store.reopen_run(run.run_id)


def test_cancelled_before_any_failure_redoes_only_the_cancelled_tasks() -> None:
    run = WorkerRun(SCATTER_GATHER, Flaky().plugins()).start()
    run.execute(run.store.queued_tasks(run.run_id)[0])
    with run.store.run_lock(run.run_id):
        abort_run(
            run.store,
            run_id=run.run_id,
            reason="stop",
            callbacks=run.callbacks,
            status=RunStatus.CANCELLED,
        )
    # Cancelled before anything failed: only the cancelled branch tasks are redone.
    result = _retry(run)
    assert result.wiped == frozenset()
    assert len(result.replacement_map) == 2 * ITEMS
    run.drive()
    _assert_finished_cleanly(run)
