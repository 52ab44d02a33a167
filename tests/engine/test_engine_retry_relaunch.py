"""Retrying a run gives what a fresh launch would: cut-short dispatches and failed launches.

* A node whose dispatch was cut short (a store outage mid-launch) holds fewer
  tasks than its launch plans; ``plan_retry`` finds it and ``retry_run``
  relaunches it whole, so the same reconcile does not fail the run again.
* A node whose launch failed as a whole holds a failure marker; retrying it
  is a fresh launch (filtered, skipped or real tasks, whatever the plan now
  says), never the marker run as a task, in every fan mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from engine_harness import EngineRun, out
from test_engine_outages import CUT_SHORT, Outage, three_files_then_outage

from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.retry import RetryBoundary, RetryResult, plan_retry, retry_run


def node(slug: str, *deps: str, mode: FanMode = FanMode.SINGLE, plugin: str = "") -> DagNode:
    return DagNode(slug=slug, plugin=plugin or slug, depends_on=list(deps), fan_mode=mode)


def retry(run: EngineRun) -> tuple[RetryBoundary, RetryResult]:
    with run.store.run_lock(run.run_id):
        run.store.reopen_run(run.run_id)
        boundary = plan_retry(run.store, run.run_id, run.nodes, resolve_passthrough=run.is_routing)
        result = retry_run(run.store, run.run_id, run.nodes, boundary)
        run.reconcile()
    return boundary, result


def names(outputs: int) -> list[Output]:
    return [out(f"{i}.txt") for i in range(outputs)]


# --- a dispatch cut short -------------------------------------------------------


@pytest.mark.parametrize("mode", [FanMode.SINGLE, FanMode.GROUPED], ids=str)
def test_a_run_failed_for_a_cut_short_dispatch_retries_to_completion(mode: FanMode) -> None:
    run, _ = three_files_then_outage(mode)
    run.reconcile()
    assert run.store.run(run.run_id).error == CUT_SHORT
    boundary, result = retry(run)
    assert boundary == RetryBoundary(
        failed=frozenset({1}), downstream=frozenset(), cut_short=frozenset({1})
    )
    assert result.relaunched == {1} and result.replacement_map == {}
    assert run.status is RunStatus.RUNNING
    assert len(run.queued("b")) == 3
    run.drive({"b": [out("b.txt")]})
    assert run.status is RunStatus.COMPLETED
    assert [len(run.tasks(s)) for s in "abc"] == [1, 3, 3]
    assert run.events == [("failed", "run-1"), ("completed", "run-1")]


def test_a_cut_short_node_that_finished_is_relaunched_with_its_downstream() -> None:
    run, _ = three_files_then_outage(FanMode.SINGLE)
    [b] = run.tasks("b")
    run.complete(b.task_id, [out("b.txt")])  # c launches on one of b's three inputs
    run.reconcile()
    assert run.status is RunStatus.FAILED
    boundary, result = retry(run)
    assert boundary == RetryBoundary(
        failed=frozenset({1}), downstream=frozenset({2}), cut_short=frozenset({1})
    )
    assert result.wiped == {1, 2}
    run.drive({"b": [out("b.txt")]})
    assert run.status is RunStatus.COMPLETED
    assert run.input_names("b") == ["0.txt", "1.txt", "2.txt"]
    assert len(run.tasks("c")) == 3


def test_a_cut_short_node_behind_a_routing_node_is_found_with_the_resolver() -> None:
    store = Outage()
    route = node("route", "a", plugin="router", mode=FanMode.AGGREGATE)
    nodes = [node("a"), route, node("b", "route"), node("c", "b")]
    run = EngineRun(nodes, store=store, routing=["router"])
    run.start()
    run.complete(run.tasks("a")[0].task_id, names(3))
    store.fail_at = store.dispatches + 2  # route's one task, then b's first input: down
    with pytest.raises(ConnectionError):
        run.complete(run.tasks("route")[0].task_id, [])
    store.restore()
    run.reconcile()
    assert run.status is RunStatus.FAILED
    boundary, _ = retry(run)
    assert boundary.cut_short == {2}
    run.drive({})
    assert run.status is RunStatus.COMPLETED
    assert run.input_names("b") == ["0.txt", "1.txt", "2.txt"]


def test_without_the_resolver_a_missed_cut_short_node_fails_the_run_again_loudly() -> None:
    store = Outage()
    route = node("route", "a", plugin="router", mode=FanMode.AGGREGATE)
    run = EngineRun([node("a"), route, node("b", "route")], store=store, routing=["router"])
    run.start()
    run.complete(run.tasks("a")[0].task_id, names(3))
    store.fail_at = store.dispatches + 2
    with pytest.raises(ConnectionError):
        run.complete(run.tasks("route")[0].task_id, [])
    store.restore()
    run.reconcile()
    with run.store.run_lock(run.run_id):
        run.store.reopen_run(run.run_id)
        boundary = plan_retry(run.store, run.run_id, run.nodes)  # no resolver: b looks whole
        retry_run(run.store, run.run_id, run.nodes, boundary)
        run.reconcile()
    assert boundary.cut_short == frozenset()
    assert run.status is RunStatus.FAILED
    assert "its dispatch was cut short" in str(run.store.run(run.run_id).error)


def test_a_node_claimed_but_never_dispatched_is_relaunched() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    [a] = run.tasks("a")
    run.store.complete_task(a.task_id, names(2))
    assert run.store.try_claim_node_launch(run.run_id, 1)  # the launcher died here
    run.abort(status=RunStatus.FAILED)
    boundary, _ = retry(run)
    assert boundary.cut_short == {1}
    run.drive({})
    assert run.status is RunStatus.COMPLETED
    assert run.input_names("b") == ["0.txt", "1.txt"]


def test_a_healthy_failed_node_keeps_its_completed_tasks() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    run.complete(run.tasks("a")[0].task_id, names(3))
    first, second, _ = run.tasks("b")
    run.complete(first.task_id, [out("b0.txt")])
    run.fail(second.task_id)
    boundary, result = retry(run)
    assert boundary == RetryBoundary(failed=frozenset({1}), downstream=frozenset())
    assert len(result.replacement_map) == 2 and result.relaunched == frozenset()
    run.drive({})
    assert run.status is RunStatus.COMPLETED
    assert [t.status for t in run.tasks("b")] == [TaskStatus.COMPLETED] * 3


# --- a launch that failed as a whole -------------------------------------------------


class FailingReads(InMemoryStore):
    """Its next ``failures`` reads of artifacts by the engine raise."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("read timed out")
        return super().get_artifacts_by_node_indices(run_id, node_indices)


VIDEOS = EdgeFilter(rules=[FilterRule(field="file_type", operator="eq", value="video")])


def pipeline(mode: FanMode) -> list[DagNode]:
    """a -> b (``mode``, videos only) -> c: b's launch is the one that fails."""
    b = DagNode(slug="b", plugin="b", depends_on=["a"], fan_mode=mode, edge_filters={"a": VIDEOS})
    return [node("a"), b, node("c", "b")]


CASES = [
    (FanMode.AGGREGATE, ["1.mp4", "2.mp4"]),
    (FanMode.AGGREGATE, ["1.srt"]),  # fresh: skipped (a whole non-empty edge rejected)
    (FanMode.AGGREGATE, []),  # fresh: filtered
    (FanMode.SINGLE, ["1.mp4", "2.mp4"]),
    (FanMode.SINGLE, []),
    (FanMode.GROUPED, ["1.mp4", "2.mp4"]),
    (FanMode.GROUPED, ["1.srt"]),
]


def finish(run: EngineRun, produced: list[str]) -> None:
    run.drive({"a": [out(name) for name in produced], "b": [out("b.bin")], "c": [out("c.bin")]})


@pytest.mark.parametrize(("mode", "produced"), CASES, ids=lambda v: str(v))
def test_retrying_a_failed_launch_equals_a_fresh_launch(mode: FanMode, produced: list[str]) -> None:
    fresh = EngineRun(pipeline(mode))
    fresh.start()
    finish(fresh, produced)

    store = FailingReads()
    run = EngineRun(pipeline(mode), store=store)
    run.start()
    [a] = run.tasks("a")
    store.failures = 1
    run.complete(a.task_id, [out(name) for name in produced])
    assert run.status is RunStatus.FAILED
    [marker] = run.tasks("b")
    assert marker.status is TaskStatus.FAILED
    assert marker.error is not None and "could not be launched" in marker.error

    _, result = retry(run)
    assert result.relaunched == {1} and result.replacement_map == {}
    finish(run, produced)
    assert run.outcome() == fresh.outcome()
    assert run.status is fresh.status
    assert [t.input_artifact_id is None for t in run.tasks("b")] == [
        t.input_artifact_id is None for t in fresh.tasks("b")
    ]


def test_a_root_whose_launch_failed_is_launched_afresh() -> None:
    class FailingDispatch(InMemoryStore):
        failures = 1

        def dispatch_task(
            self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
        ) -> str:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("queue is down")
            return super().dispatch_task(run_id, node_index, plugin_name, input_artifact_id)

    run = EngineRun([node("a"), node("b", "a")], store=FailingDispatch())
    run.start()
    assert run.status is RunStatus.FAILED
    _, result = retry(run)
    assert result.relaunched == {0}
    finish(run, ["1.txt"])
    assert run.status is RunStatus.COMPLETED
    assert run.outcome() == {"a": ["completed"], "b": ["completed"]}
