"""The engine records a reason for each decision, at the moment it decides, best effort."""

from __future__ import annotations

import random

import pytest
from engine_harness import EngineRun, out

from dagabaaz.constants import REASON_CHAIN_LENGTH, FanMode, FilterOperator, RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    DagNode,
    EdgeFilter,
    FailedReason,
    FilterRule,
    LaunchedReason,
    NodeReason,
    SkippedReason,
)

ARCHIVES_ONLY = {
    "fetch": EdgeFilter(
        rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="archive")]
    )
}


def reasons(run: EngineRun, slug: str) -> list[NodeReason]:
    return run.store.get_reasons(run.run_id, run.index[slug])


def test_reasons_are_recorded_in_decision_order() -> None:
    run = EngineRun(
        [
            DagNode(slug="fetch", plugin="f"),
            DagNode(slug="each", plugin="e", depends_on=["fetch"]),
        ]
    )
    run.start()
    run.drive({"fetch": [out("a.mp4"), out("b.mp4")]})
    recorded = run.store.get_reasons(run.run_id)
    assert [(r.node, r.outcome) for r in recorded] == [("fetch", "launched"), ("each", "launched")]
    each = recorded[1]
    assert isinstance(each, LaunchedReason)
    # The common case (one unfiltered SINGLE edge) is kept cheap: no edge report.
    assert (each.tasks, each.delivered, each.edges) == (2, 2, ())


def test_a_failure_is_recorded_once_with_its_input_file() -> None:
    run = EngineRun(
        [DagNode(slug="fetch", plugin="f"), DagNode(slug="probe", plugin="p", depends_on=["fetch"])]
    )
    run.start()
    run.complete(run.queued("fetch")[0].task_id, [out("movie.mkv"), out("clip.mp4")])
    first, second = run.queued("probe")
    run.fail(first.task_id, "ValueError: no video stream")
    run.fail(first.task_id, "ValueError: no video stream")  # a repeated report
    run.crash(second.task_id)  # the run is over: the task was cancelled, nothing to record
    failures = [r for r in reasons(run, "probe") if isinstance(r, FailedReason)]
    assert len(failures) == 1
    [failure] = failures
    assert (failure.task_id, failure.cause, failure.input_file_name) == (
        first.task_id,
        "task_failed",
        "movie.mkv",
    )
    assert failure.input_artifact_id == first.input_artifact_id


def test_a_crash_is_recorded_as_one() -> None:
    run = EngineRun([DagNode(slug="fetch", plugin="f")])
    run.start()
    run.crash(run.queued("fetch")[0].task_id, "worker died")
    [_launched, crashed] = reasons(run, "fetch")
    assert isinstance(crashed, FailedReason)
    assert (crashed.cause, crashed.input_file_name, crashed.error) == (
        "task_crashed",
        None,
        "worker died",
    )


class _BrokenDispatch(InMemoryStore):
    def dispatch_task(
        self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
    ) -> str:
        if node_index == 1:
            raise ConnectionError("queue is down")
        return super().dispatch_task(run_id, node_index, plugin_name, input_artifact_id)


def test_a_launch_that_raised_is_recorded_with_its_marker() -> None:
    run = EngineRun(
        [DagNode(slug="fetch", plugin="f"), DagNode(slug="each", plugin="e", depends_on=["fetch"])],
        store=_BrokenDispatch(),
    )
    run.start()
    run.drive({"fetch": [out("a.mp4")]})
    assert run.status is RunStatus.FAILED
    [failed] = reasons(run, "each")  # no launched reason: the launch never happened
    assert isinstance(failed, FailedReason)
    assert failed.cause == "launch_failed"
    assert failed.task_id == run.tasks("each")[0].task_id
    assert "ConnectionError: queue is down" in failed.error


def test_a_long_skip_chain_is_bounded_and_keeps_its_first_cause() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="f"),
        DagNode(
            slug="n0",
            plugin="p",
            depends_on=["fetch"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters=ARCHIVES_ONLY,
        ),
        *(DagNode(slug=f"n{i}", plugin="p", depends_on=[f"n{i - 1}"]) for i in range(1, 50)),
    ]
    run = EngineRun(nodes)
    run.start()
    run.drive({"fetch": [out("a.mp4")]})
    assert run.status is RunStatus.COMPLETED
    [last] = reasons(run, "n49")
    assert isinstance(last, SkippedReason)
    assert len(last.chain) == REASON_CHAIN_LENGTH
    assert last.omitted_links == 50 - REASON_CHAIN_LENGTH
    assert [link.node for link in last.chain[:3]] == ["n49", "n48", "n47"]
    assert (last.chain[-1].node, last.chain[-1].cause) == ("n0", "edge_rejected_all")


class _SkipsReadBack(InMemoryStore):
    """Forgets nothing, but every session starts without the skips it made."""

    reads = 0

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        self.reads += 1
        return super().get_reasons(run_id, node_index)


def test_a_skip_chain_is_read_back_across_calls() -> None:
    # bundle is skipped in one call; publish (which also waits on a slow node) in a later one.
    nodes = [
        DagNode(slug="fetch", plugin="f"),
        DagNode(slug="slow", plugin="s", depends_on=["fetch"]),
        DagNode(
            slug="bundle",
            plugin="b",
            depends_on=["fetch"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters=ARCHIVES_ONLY,
        ),
        DagNode(slug="publish", plugin="p", depends_on=["bundle", "slow"]),
    ]
    store = _SkipsReadBack()
    run = EngineRun(nodes, store=store)
    run.start()
    run.complete(run.queued("fetch")[0].task_id, [out("a.mp4")])
    assert store.reads == 0
    run.complete(run.queued("slow")[0].task_id, [out("a.json")])
    [publish] = reasons(run, "publish")
    assert isinstance(publish, SkippedReason)
    assert [link.node for link in publish.chain] == ["publish", "bundle"]
    assert store.reads == 2  # the chain's one read, and this test's


class _FlakyReasons(InMemoryStore):
    def __init__(self, seed: int) -> None:
        super().__init__()
        self.random = random.Random(seed)

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        if self.random.random() < 0.5:
            raise ConnectionError("reasons table is gone")
        super().record_reason(run_id, reason)

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        if self.random.random() < 0.5:
            raise ConnectionError("reasons table is gone")
        return super().get_reasons(run_id, node_index)


CASCADE = [
    DagNode(slug="fetch", plugin="f"),
    DagNode(slug="each", plugin="e", depends_on=["fetch"]),
    DagNode(
        slug="bundle",
        plugin="b",
        depends_on=["fetch"],
        fan_mode=FanMode.AGGREGATE,
        edge_filters=ARCHIVES_ONLY,
    ),
    DagNode(slug="publish", plugin="p", depends_on=["bundle", "each"]),
    DagNode(slug="merge", plugin="m", depends_on=["each"], fan_mode=FanMode.GROUPED),
]


@pytest.mark.parametrize("seed", range(8))
def test_failing_reasons_never_change_the_run(seed: int, caplog: pytest.LogCaptureFixture) -> None:
    produce = {"fetch": [out("a.mp4"), out("b.mp4")], "each": [out("x.json")]}
    sound = EngineRun(CASCADE)
    sound.start()
    sound.drive(produce)
    flaky = EngineRun(CASCADE, store=_FlakyReasons(seed))
    with caplog.at_level("WARNING", logger="dagabaaz.orchestrator"):
        flaky.start()
        flaky.drive(produce)
    assert flaky.status is sound.status is RunStatus.COMPLETED
    assert flaky.outcome() == sound.outcome()
    assert flaky.events == sound.events


# --- an artifact reaching a node over two edges counts once ---------------------------


@pytest.mark.parametrize("mode", [FanMode.AGGREGATE, FanMode.GROUPED])
def test_an_artifact_delivered_over_two_edges_is_delivered_once(mode: FanMode) -> None:
    # 'gate' is a routing node that produced nothing: its edge walks back to
    # 'fetch', so join collects fetch's artifacts over both of its edges.
    nodes = [
        DagNode(slug="fetch", plugin="f"),
        DagNode(slug="gate", plugin="g", depends_on=["fetch"]),
        DagNode(slug="sum", plugin="a", depends_on=["fetch"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="join", plugin="j", depends_on=["fetch", "gate", "sum"], fan_mode=mode),
    ]
    run = EngineRun(nodes, routing=["g"])
    run.start()
    run.drive({"fetch": [out("a.mp4"), out("b.mp4")], "sum": [out("all.txt")]})
    assert run.status is RunStatus.COMPLETED
    [join] = reasons(run, "join")
    assert isinstance(join, LaunchedReason)
    assert [(e.dependency, e.delivered) for e in join.edges] == [
        ("fetch", 2),
        ("gate", 2),
        ("sum", 1),
    ]
    # Three distinct artifacts; the task sees each once (the README's routing rule).
    assert join.delivered == 3
    assert join.broadcast == (1 if mode is FanMode.GROUPED else 0)
    assert join.tasks == len(run.tasks("join")) == (2 if mode is FanMode.GROUPED else 1)


# --- a failure report repeated after an outage: one failure reason, never none -----------


class _DownAfterMarking(InMemoryStore):
    """Goes down right after marking a task failed, until ``up`` is set again."""

    def __init__(self) -> None:
        super().__init__()
        self.up = True

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        marked = super().mark_task_failed(task_id, error)
        self.up = False
        return marked

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        if not self.up:
            raise ConnectionError("database is down")
        super().record_reason(run_id, reason)

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        if not self.up:
            raise ConnectionError("database is down")
        super().set_run_progress(run_id, completed_count)


@pytest.mark.parametrize("reason_lost", [True, False])
def test_a_repeated_failure_report_records_the_failure_exactly_once(reason_lost: bool) -> None:
    store = _DownAfterMarking()
    run = EngineRun(
        [
            DagNode(slug="fetch", plugin="f"),
            DagNode(slug="probe", plugin="p", depends_on=["fetch"]),
        ],
        store=store,
    )
    run.start()
    run.complete(run.queued("fetch")[0].task_id, [out("movie.mkv")])
    [task] = run.queued("probe")
    if not reason_lost:
        store.record_reason = InMemoryStore.record_reason.__get__(store)  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        run.fail(task.task_id, "ValueError: no video stream")  # marked, but the run lives on
    assert run.status is RunStatus.RUNNING
    store.up = True
    run.fail(task.task_id, "ValueError: no video stream")  # the worker reports again
    assert run.status is RunStatus.FAILED
    failures = [r for r in reasons(run, "probe") if isinstance(r, FailedReason)]
    assert [(f.task_id, f.input_file_name) for f in failures] == [(task.task_id, "movie.mkv")]
    run.fail(task.task_id, "ValueError: no video stream")  # and once more, after the end
    assert len([r for r in reasons(run, "probe") if isinstance(r, FailedReason)]) == 1


def test_explaining_a_launch_that_raises_never_fails_the_launch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dagabaaz._routing import reports

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("tally broke")

    monkeypatch.setattr(reports, "tally_rules", broken)
    run = EngineRun(
        [
            DagNode(slug="fetch", plugin="f"),
            DagNode(slug="each", plugin="e", depends_on=["fetch"], edge_filters=ARCHIVES_ONLY),
        ]
    )
    with caplog.at_level("WARNING", logger="dagabaaz.orchestrator"):
        run.start()
        run.drive({"fetch": [out("a.zip"), out("b.mp4")]})
    assert run.status is RunStatus.COMPLETED
    assert run.input_names("each") == ["a.zip"]
    assert reasons(run, "each") == []  # no reason rather than a wrong one
    assert "tally broke" in caplog.text


def test_a_grouped_node_of_broadcast_artifacts_only_has_no_group() -> None:
    run = EngineRun(
        [
            DagNode(slug="fetch", plugin="f"),
            DagNode(slug="index", plugin="i", depends_on=["fetch"], fan_mode=FanMode.AGGREGATE),
            DagNode(slug="merge", plugin="m", depends_on=["index"], fan_mode=FanMode.GROUPED),
        ]
    )
    run.start()
    run.drive({"fetch": [out("a.mp4")], "index": [out("a.txt"), out("b.txt")]})
    [merge] = reasons(run, "merge")
    assert isinstance(merge, LaunchedReason)
    assert (merge.tasks, merge.groups, merge.broadcast, merge.delivered) == (1, 0, 2, 2)
