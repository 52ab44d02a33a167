"""Retrying a run gives what a fresh launch would: cut-short dispatches and failed launches.

* A node whose dispatch was cut short (a store outage mid-launch) holds fewer
  tasks than its launch plans; ``plan_retry`` finds it and ``retry_run``
  relaunches it whole, so the same reconcile does not fail the run again.
* A node whose launch failed as a whole holds a failure marker; retrying it
  is a fresh launch (filtered, skipped or real tasks, whatever the plan now
  says), never the marker run as a task, in every fan mode.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest
from engine_harness import EngineRun, out
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_outages import CUT_SHORT, Outage, three_files_then_outage
from test_engine_properties import Case, cases, reference

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


# --- everything at once: random pipelines, failures, outages, retries -------------------


class Breaking(InMemoryStore):
    """Raises at each write whose number is in ``fail_at`` (every write the engine makes).

    With ``after_marking``, also at the first write after a task is marked failed
    or crashed: the failure is recorded, the run's end is not.
    """

    def __init__(self, fail_at: set[int], *, after_marking: bool = False) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.after_marking = after_marking
        self.marked = False
        self.writes = 0
        self.endings = 0

    def _write(self) -> None:
        self.writes += 1
        if self.writes in self.fail_at or self.marked:
            self.marked = False
            raise ConnectionError(f"database is down (write {self.writes})")

    def try_claim_run_terminal(
        self, run_id: str, status: RunStatus, error: str | None = None
    ) -> bool:
        self._write()
        won = InMemoryStore.try_claim_run_terminal(self, run_id, status, error)
        self.endings += won
        return won

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        self._write()
        marked = InMemoryStore.mark_task_failed(self, task_id, error)
        self.marked = self.after_marking and marked is not None
        return marked


for _name in (
    "dispatch_task",
    "dispatch_grouped_task",
    "dispatch_skipped_task",
    "dispatch_filtered_task",
    "dispatch_failed_task",
    "mark_task_crashed",
    "set_run_progress",
    "try_claim_node_launch",
    "cancel_remaining_tasks",
):

    def _breaking(self: Breaking, *args: object, __name: str = _name) -> object:
        self._write()
        return getattr(InMemoryStore, __name)(self, *args)

    setattr(Breaking, _name, _breaking)


@settings(max_examples=150, deadline=None)
@given(
    cases(),
    st.sets(st.integers(1, 60), max_size=4),
    st.sets(st.integers(1, 40), max_size=3),
    st.booleans(),
    st.sets(st.integers(1, 40), max_size=2),
    st.randoms(use_true_random=False),
)
def test_failures_outages_and_retries_end_as_a_clean_run_would(
    case: Case,
    outages: set[int],
    failing: set[int],
    after_marking: bool,
    dying: set[int],
    rng: random.Random,
) -> None:
    """Tasks fail (once each), the store goes down at any write, reports are repeated,
    a worker dies between recording a task and notifying the engine; the application
    retries every failed run and a sweeper reconciles when nothing is queued. The run ends
    completed, exactly as a run without any of that, and every ending fired one callback."""
    store = Breaking(outages, after_marking=after_marking)
    run = EngineRun(case.nodes, store=store)
    attempt = 0
    interrupted = False

    def guarded(call: Callable[[], object]) -> None:
        nonlocal interrupted
        try:
            call()
        except ConnectionError:
            interrupted = True  # as documented: reconcile once the store is back

    guarded(run.start)
    for _ in range(200):
        if interrupted:
            interrupted = False
            guarded(run.reconcile)
            continue
        status = run.status
        if status is RunStatus.COMPLETED:
            break
        if status is not RunStatus.RUNNING:
            guarded(lambda: retry(run))
            continue
        queued = store.queued_tasks(run.run_id)
        if not queued:
            guarded(run.reconcile)
            continue
        rng.shuffle(queued)
        for task in queued:
            attempt += 1
            if attempt in failing:
                guarded(lambda t=task: run.fail(t.task_id, "flaky"))
                guarded(lambda t=task: run.fail(t.task_id, "flaky"))  # reported twice
                continue
            outputs = [out(f"{task.task_id}-{k}.bin") for k in range(case.outputs[task.node_index])]
            recorded = store.complete_task(task.task_id, outputs)
            if recorded and attempt not in dying:  # a dying worker never notifies
                guarded(lambda t=task: run.notify(t.task_id))
            if interrupted:
                break
    else:
        raise AssertionError(f"the run never completed: {run.outcome()}")
    observed = []
    for node in case.nodes:
        statuses = {str(s) for s in run.statuses(node.slug)}
        assert len(statuses) == 1, f"{node.slug}: mixed statuses {statuses}"
        observed.append((len(run.tasks(node.slug)), statuses.pop()))
    assert observed == reference(case)
    # Every ending of the run fired its callback once: failures (one per retry), then
    # the completion.
    assert len(run.events) == store.endings
    assert run.events[-1] == ("completed", "run-1")
    assert all(event == ("failed", "run-1") for event in run.events[:-1])
