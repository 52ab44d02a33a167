"""After a retry, a node's deciding reason is the latest attempt's, never a stale one."""

from __future__ import annotations

import pytest
from engine_harness import EngineRun, out
from test_engine_outages import Outage

from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.models import (
    DagNode,
    EdgeFilter,
    FailedReason,
    FilteredReason,
    FilterRule,
    LaunchedReason,
    NodeReason,
)
from dagabaaz.retry import plan_retry, retry_run
from dagabaaz.runner import NodeStatus
from dagabaaz.runner._result import deciding_reason, node_status


def reasons(run: EngineRun, slug: str) -> list[NodeReason]:
    return run.store.get_reasons(run.run_id, run.index[slug])


def deciding(run: EngineRun, slug: str) -> NodeReason | None:
    status = node_status(run.statuses(slug))
    return deciding_reason(status, reasons(run, slug))


def retry(run: EngineRun) -> None:
    with run.store.run_lock(run.run_id):
        run.store.reopen_run(run.run_id)
        boundary = plan_retry(run.store, run.run_id, run.nodes, resolve_passthrough=run.is_routing)
        retry_run(run.store, run.run_id, run.nodes, boundary)
        run.reconcile()


def test_a_node_filtered_in_one_attempt_and_launched_in_the_next() -> None:
    # b's dispatch is cut short by an outage: of its three files one task
    # runs, its output is not a video, so c is filtered. The run then fails
    # (the dispatch was cut short); the retry launches b whole and c gets
    # the videos the missing tasks make. ('slow' keeps the run open until
    # reconcile finds the cut: see the xfail test below for a run without it.)
    videos = EdgeFilter(
        rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")]
    )
    store = Outage()
    run = EngineRun(
        [
            DagNode(slug="a", plugin="a"),
            DagNode(slug="slow", plugin="s", depends_on=["a"], fan_mode=FanMode.AGGREGATE),
            DagNode(slug="b", plugin="b", depends_on=["a"]),
            DagNode(slug="c", plugin="c", depends_on=["b"], edge_filters={"b": videos}),
        ],
        store=store,
    )
    run.start()
    store.fail_at = store.dispatches + 3  # slow's task, b's first, then down
    with pytest.raises(ConnectionError):
        run.complete(run.tasks("a")[0].task_id, [out("0.txt"), out("1.mp4"), out("2.mp4")])
    store.restore()
    [first] = run.tasks("b")
    run.complete(first.task_id, [out("0.json")])
    assert isinstance(deciding(run, "c"), FilteredReason)
    run.reconcile()
    assert run.status is RunStatus.FAILED

    retry(run)
    b_index = run.index["b"]
    run.drive(lambda task: [out(f"{task.task_id}.mp4")] if task.node_index == b_index else [])
    assert run.status is RunStatus.COMPLETED
    assert [type(r) for r in reasons(run, "c")] == [FilteredReason, LaunchedReason]
    c = deciding(run, "c")
    assert isinstance(c, LaunchedReason)
    assert c.tasks == len(run.tasks("c")) == 3
    b = deciding(run, "b")
    assert isinstance(b, LaunchedReason) and b.tasks == len(run.tasks("b")) == 3


def test_a_node_failed_then_completed_is_explained_by_its_launch() -> None:
    run = EngineRun(
        [
            DagNode(slug="fetch", plugin="f"),
            DagNode(slug="probe", plugin="p", depends_on=["fetch"]),
            DagNode(slug="sheet", plugin="s", depends_on=["probe"], fan_mode=FanMode.AGGREGATE),
        ]
    )
    run.start()
    run.complete(run.tasks("fetch")[0].task_id, [out("a.mp4"), out("b.mkv")])
    good, bad = run.queued("probe")
    run.complete(good.task_id, [out("a.json")])
    run.fail(bad.task_id, "ValueError: no video stream")
    assert isinstance(deciding(run, "probe"), FailedReason)
    retry(run)
    run.drive(lambda task: [out(f"{task.task_id}.json")])
    assert run.status is RunStatus.COMPLETED
    assert node_status(run.statuses("probe")) is NodeStatus.COMPLETED
    probe = deciding(run, "probe")
    assert isinstance(probe, LaunchedReason)
    assert probe.tasks == len(run.tasks("probe")) == 2
    assert any(isinstance(r, FailedReason) for r in reasons(run, "probe"))  # kept as history
    sheet = deciding(run, "sheet")
    assert isinstance(sheet, LaunchedReason) and sheet.delivered == 2
