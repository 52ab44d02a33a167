"""A failure the engine could not finish handling still ends the run, whoever notices first.

The store goes down right after ``on_task_failed`` (or ``on_task_crashed``)
marked the task: the run is left running with a failed task in it. The next
event that sees the failure ends the run: the failed task's node finishing
(a sibling completing), ``reconcile_run``, or the failure reported again.
Nothing downstream ever launches on part of the node's inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_harness import EngineRun, out
from test_engine_outages import Outage

from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.errors import StoreError
from dagabaaz.models import DagNode, TaskContext
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete


class DownAfterMarking(Outage):
    """Goes down the moment a task is marked failed or crashed."""

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        marked = super().mark_task_failed(task_id, error)
        self.down = marked is not None
        return marked

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        marked = super().mark_task_crashed(task_id, error)
        self.down = marked is not None
        return marked


def node(slug: str, *deps: str, mode: FanMode = FanMode.SINGLE) -> DagNode:
    return DagNode(slug=slug, plugin=slug, depends_on=list(deps), fan_mode=mode)


MODES = [FanMode.SINGLE, FanMode.GROUPED, FanMode.AGGREGATE]


def half_failed(mode: FanMode, *, crash: bool = False) -> tuple[EngineRun, list[str]]:
    """a makes two files; b fails (or crashes) one task and the store dies before the run ends.

    Returns the run and b's task ids, the failed one first.
    """
    store = DownAfterMarking()
    run = EngineRun([node("a"), node("b", "a", mode=mode), node("c", "b")], store=store)
    run.start()
    run.complete(run.tasks("a")[0].task_id, [out("1.mp4"), out("2.mp4")])
    tasks = [t.task_id for t in run.tasks("b")]
    report = run.crash if crash else run.fail
    with pytest.raises(ConnectionError):
        report(tasks[0], "boom")
    store.restore()
    assert run.status is RunStatus.RUNNING
    assert run.statuses("b")[0] is (TaskStatus.CRASHED if crash else TaskStatus.FAILED)
    return run, tasks


@pytest.mark.parametrize("mode", [FanMode.SINGLE, FanMode.GROUPED], ids=str)
def test_the_sibling_completing_fails_the_run_instead_of_launching_on_half_the_inputs(
    mode: FanMode,
) -> None:
    run, (_, sibling) = half_failed(mode)
    run.complete(sibling, [out("b.txt")])
    assert run.status is RunStatus.FAILED
    assert run.store.run(run.run_id).error == "nodes finished with failed tasks: 'b'"
    assert run.tasks("c") == []
    assert run.events == [("failed", "run-1")]
    assert run.reconcile() == []
    assert run.events == [("failed", "run-1")]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_the_same_failure_reported_again_ends_the_run(mode: FanMode) -> None:
    run, tasks = half_failed(mode)
    run.fail(tasks[0], "boom")
    assert run.status is RunStatus.FAILED
    assert run.store.run(run.run_id).error == "node 'b' failed: boom"
    assert run.tasks("c") == []
    # The rest of the node is cancelled, as for a failure handled in one go.
    assert run.statuses("b")[1:] == [TaskStatus.CANCELLED] * (len(tasks) - 1)
    run.fail(tasks[0], "boom")  # a third report changes nothing
    assert run.events == [("failed", "run-1")]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_a_crash_reported_again_crashes_the_run(mode: FanMode) -> None:
    run, tasks = half_failed(mode, crash=True)
    run.crash(tasks[0], "worker died")
    assert run.status is RunStatus.CRASHED
    assert run.store.run(run.run_id).error == "node 'b' crashed: worker died"
    assert run.events == [("crashed", "run-1")]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_reconcile_once_the_node_finished_fails_the_run(mode: FanMode) -> None:
    run, tasks = half_failed(mode)
    for task_id in tasks[1:]:
        run.store.complete_task(task_id, [out("b.txt")])  # the worker died before notifying
    assert run.reconcile() == []
    assert run.status is RunStatus.FAILED
    assert run.tasks("c") == []
    assert run.events == [("failed", "run-1")]


def test_a_node_finished_by_its_failed_task_keeps_another_completion_from_ending_the_run() -> None:
    # b's only task failed and the store died before the run ended: b is done,
    # holding a failed task, and nothing of b is left to complete. a, another
    # sink, completing last must not complete the run.
    store = DownAfterMarking()
    run = EngineRun([node("a"), node("b")], store=store)
    run.start()
    a, b = run.tasks("a")[0], run.tasks("b")[0]
    with pytest.raises(ConnectionError):
        run.fail(b.task_id, "boom")
    store.restore()
    run.complete(a.task_id, [out("a.txt")])
    assert run.status is RunStatus.FAILED
    assert run.store.run(run.run_id).error == "nodes finished with failed tasks: 'b'"
    assert run.events == [("failed", "run-1")]


def test_a_repeated_report_of_a_completed_task_is_still_ignored() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    [a] = run.tasks("a")
    run.complete(a.task_id, [out("1.txt")])
    run.fail(a.task_id, "late")
    assert run.status is RunStatus.RUNNING
    assert run.events == []


def test_a_repeated_report_after_the_run_ended_changes_nothing() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    [a] = run.tasks("a")
    run.fail(a.task_id, "boom")
    run.fail(a.task_id, "boom again")
    run.crash(a.task_id, "and a crash")
    assert run.status is RunStatus.FAILED
    assert run.store.run(run.run_id).error == "node 'a' failed: boom"
    assert run.events == [("failed", "run-1")]


class NoStatus(DownAfterMarking):
    """A store that does not fill TaskContext.status (the protocol allows it)."""

    def get_task_context(self, task_id: str) -> TaskContext | None:
        context = super().get_task_context(task_id)
        return (
            None
            if context is None
            else TaskContext(run_id=context.run_id, node_index=context.node_index)
        )


def test_a_repeated_report_ends_the_run_on_a_store_without_task_statuses() -> None:
    store = NoStatus()
    run = EngineRun([node("a"), node("b", "a", mode=FanMode.AGGREGATE)], store=store)
    run.start()
    [a] = run.tasks("a")
    run.complete(a.task_id, [out("1.txt")])
    [b] = run.tasks("b")
    with pytest.raises(ConnectionError):
        run.fail(b.task_id, "boom")
    store.restore()
    run.fail(b.task_id, "boom")
    assert run.status is RunStatus.FAILED
    assert run.events == [("failed", "run-1")]


# --- a completion the worker never recorded ------------------------------------


@pytest.mark.parametrize(
    "complete",
    [lambda run, task_id: None, lambda run, task_id: run.store.mark_task_failed(task_id, "x")],
    ids=["queued", "failed"],
)
def test_on_task_complete_for_a_task_not_recorded_as_complete(
    complete: Callable[[EngineRun, str], object],
) -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    [a] = run.tasks("a")
    complete(run, a.task_id)
    status = run.store.get_task_context(a.task_id)
    assert status is not None
    if status.status is TaskStatus.QUEUED:
        with pytest.raises(StoreError) as caught:
            run.notify(a.task_id)
        assert str(caught.value) == (
            f"on_task_complete: task '{a.task_id}' of run 'run-1' is queued, not completed; "
            "record its outputs (complete_task) before calling on_task_complete"
        )
    else:
        run.notify(a.task_id)  # a terminal task: a late or duplicate call, ignored
    assert run.tasks("b") == []
    assert run.events == []


def test_on_task_complete_names_a_running_task() -> None:
    class Running(Outage):
        def get_task_context(self, task_id: str) -> TaskContext | None:
            return TaskContext(run_id="run-1", node_index=0, status=TaskStatus.RUNNING)

    store = Running()
    run = EngineRun([node("a")], store=store)
    run.start()
    with pytest.raises(StoreError, match=r"task 'task-1' of run 'run-1' is running, not completed"):
        on_task_complete(
            store,
            task_id="task-1",
            callbacks=OrchestratorCallbacks(),
            resolve_passthrough=lambda plugin: False,
        )
