"""One test (or table) per scheduling rule of the orchestrator."""

from __future__ import annotations

from typing import Any

import pytest
from engine_harness import EngineRun, out

from dagabaaz.constants import (
    ArtifactSelector,
    FanMode,
    FilterOperator,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import PipelineValidationError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.orchestrator import start_run


def rule(field: str, operator: str, value: Any = None) -> FilterRule:
    return FilterRule(field=field, operator=FilterOperator(operator), value=value)


def node(slug: str, *deps: str, mode: FanMode = FanMode.SINGLE, **filters: EdgeFilter) -> DagNode:
    return DagNode(
        slug=slug, plugin=slug, depends_on=list(deps), fan_mode=mode, edge_filters=filters
    )


def files(*names: str) -> list[Output]:
    return [out(name) for name in names]


# --- barrier sync ------------------------------------------------------------


def test_a_node_waits_until_every_dependency_has_only_terminal_tasks() -> None:
    run = EngineRun([node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")])
    run.start()
    run.complete(run.tasks("a")[0].task_id, files("1.txt", "2.txt", "3.txt"))
    b_tasks, c_tasks = run.tasks("b"), run.tasks("c")
    assert (len(b_tasks), len(c_tasks)) == (3, 3)

    for task in [*b_tasks[:2], *c_tasks]:
        run.complete(task.task_id, files("x.txt"))
    assert run.tasks("d") == []

    run.complete(b_tasks[2].task_id, files("x.txt"))
    assert len(run.tasks("d")) == 6  # SINGLE over 3 + 3 artifacts


def test_a_node_whose_launch_was_claimed_elsewhere_is_not_launched_again() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    assert run.store.try_claim_node_launch(run.run_id, 1)  # another worker won the claim
    run.complete(run.tasks("a")[0].task_id, files("1.txt"))
    assert run.tasks("b") == []


def test_a_node_is_launched_once_even_when_its_last_dependencies_finish_together() -> None:
    run = EngineRun([node("a"), node("b"), node("c", "a", "b")])
    run.start()
    a, b = run.tasks("a")[0], run.tasks("b")[0]
    run.store.complete_task(a.task_id, files("a.txt"))
    run.store.complete_task(b.task_id, files("b.txt"))
    run.notify(a.task_id)
    run.notify(b.task_id)
    assert run.input_names("c") == ["a.txt", "b.txt"]


# --- fan modes ---------------------------------------------------------------


def test_a_root_gets_one_task_without_input() -> None:
    run = EngineRun([node("a"), node("b")])
    assert run.start() == [0, 1]
    assert [(t.node_index, t.input_artifact_id) for t in run.store.tasks(run.run_id)] == [
        (0, None),
        (1, None),
    ]


@pytest.mark.parametrize(
    ("mode", "expected_tasks"),
    [(FanMode.SINGLE, 3), (FanMode.AGGREGATE, 1), (FanMode.GROUPED, 3)],
    ids=["single-one-per-artifact", "aggregate-one-for-all", "grouped-one-per-origin"],
)
def test_fan_mode_decides_the_number_of_tasks(mode: FanMode, expected_tasks: int) -> None:
    run = EngineRun([node("a"), node("b", "a", mode=mode)])
    run.start()
    run.drive({"a": files("1.mp4", "2.mp4", "3.mp4"), "b": files("r.txt")})
    assert len(run.tasks("b")) == expected_tasks
    assert run.status is RunStatus.COMPLETED


def test_single_tasks_each_take_one_upstream_artifact() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    run.drive({"a": files("1.mp4", "2.mp4")})
    assert run.input_names("b") == ["1.mp4", "2.mp4"]


def test_grouped_adds_broadcast_artifacts_to_every_group() -> None:
    # "each" keeps the origins; "all" aggregates, so its output is a broadcast.
    run = EngineRun(
        [
            node("src"),
            node("each", "src"),
            node("all", "src", mode=FanMode.AGGREGATE),
            node("merge", "each", "all", mode=FanMode.GROUPED),
        ]
    )
    run.start()
    run.drive({"src": files("1.mp4", "2.mp4"), "each": files("e.txt"), "all": files("index.txt")})

    merge = run.tasks("merge")
    assert len(merge) == 2
    origins = [a.id for a in run.artifacts("src")]
    assert [t.origin_artifact_id for t in merge] == origins
    broadcast = run.store.get_broadcast_artifacts(run.run_id, [1, 2])
    assert [a.file_name for a in broadcast] == ["index.txt"]


def test_grouped_with_only_broadcast_artifacts_gets_one_task() -> None:
    run = EngineRun(
        [
            node("src"),
            node("all", "src", mode=FanMode.AGGREGATE),
            node("m", "all", mode=FanMode.GROUPED),
        ]
    )
    run.start()
    run.drive({"src": files("1.mp4", "2.mp4"), "all": files("a.txt", "b.txt")})
    merge = run.tasks("m")
    assert [(t.origin_artifact_id, t.input_artifact_id) for t in merge] == [(None, None)]


@pytest.mark.parametrize(
    ("mode", "produced", "limit", "fails"),
    [
        (FanMode.SINGLE, 200, 200, False),
        (FanMode.SINGLE, 201, 200, True),
        (FanMode.SINGLE, 3, 2, True),
        (FanMode.GROUPED, 3, 2, True),
        (FanMode.GROUPED, 2, 2, False),
        (FanMode.AGGREGATE, 300, 2, False),
    ],
    ids=[
        "single-at-default-limit",
        "single-over-default-limit",
        "single-over-custom-limit",
        "grouped-over-limit",
        "grouped-at-limit",
        "aggregate-is-one-task",
    ],
)
def test_fan_out_limit(mode: FanMode, produced: int, limit: int, fails: bool) -> None:
    run = EngineRun([node("a"), node("b", "a", mode=mode)], fan_out_limit=limit)
    run.start()
    run.complete(run.tasks("a")[0].task_id, [out(f"{i}.txt") for i in range(produced)])
    if not fails:
        assert run.status is RunStatus.RUNNING
        assert run.queued("b")
        return
    [marker] = run.tasks("b")
    assert marker.status is TaskStatus.FAILED
    assert marker.error is not None
    assert marker.error.startswith("node 'b': fan-out limit exceeded: ")
    assert f"more than the limit of {limit}" in marker.error
    assert run.status is RunStatus.FAILED
    assert run.events == [("failed", "run-1")]


# --- edge filters ------------------------------------------------------------


def test_edge_filters_apply_to_their_own_edge_only() -> None:
    videos_only = EdgeFilter(rules=[rule("file_type", "eq", "video")])
    run = EngineRun([node("a"), node("b"), node("c", "a", "b", a=videos_only)])
    run.start()
    run.drive({"a": files("1.mp4", "1.srt"), "b": files("2.mp4", "2.srt")})
    assert run.input_names("c") == ["1.mp4", "2.mp4", "2.srt"]


@pytest.mark.parametrize(
    ("selector", "sizes", "expected"),
    [
        (ArtifactSelector.LARGEST, [10, 30, 20], ["1.mp4"]),
        (ArtifactSelector.SMALLEST, [10, 30, 20], ["0.mp4"]),
        (ArtifactSelector.LARGEST, [None, 5, None], ["1.mp4"]),
        (ArtifactSelector.SMALLEST, [None, None], []),
    ],
    ids=["largest", "smallest", "unsized-never-wins", "nothing-sized-keeps-nothing"],
)
def test_select_keeps_one_artifact_by_size(
    selector: ArtifactSelector, sizes: list[int | None], expected: list[str]
) -> None:
    pick = EdgeFilter(rules=[rule("extension", "eq", ".mp4")], select=selector)
    run = EngineRun([node("a"), node("b", "a", a=pick)])
    run.start()
    run.drive({"a": [out(f"{i}.mp4", size) for i, size in enumerate(sizes)] + files("x.srt")})
    if expected:
        assert run.input_names("b") == expected
    else:
        assert run.statuses("b") == [TaskStatus.FILTERED]


def test_rules_read_metadata_for_non_virtual_fields() -> None:
    english = EdgeFilter(rules=[rule("language", "in", ["en", "en-GB"])])
    run = EngineRun([node("a"), node("b", "a", a=english)])
    run.start()
    run.drive(
        {
            "a": [
                out("1.srt", language="en"),
                out("2.srt", language="fr"),
                out("3.srt", language="en-GB"),
                out("4.srt"),
            ]
        }
    )
    assert run.input_names("b") == ["1.srt", "3.srt"]


# --- skip and filter ---------------------------------------------------------

NOTHING = EdgeFilter(rules=[rule("file_type", "eq", "archive")])


def test_a_skipped_dependency_skips_the_node_and_the_skip_cascades() -> None:
    run = EngineRun(
        [
            node("a"),
            node("b", "a", mode=FanMode.AGGREGATE, a=NOTHING),
            node("c", "b"),
            node("d", "c", "a"),
        ]
    )
    run.start()
    run.drive({"a": files("1.mp4")})
    assert run.outcome() == {
        "a": ["completed"],
        "b": ["skipped"],
        "c": ["skipped"],
        "d": ["skipped"],
    }
    assert run.status is RunStatus.COMPLETED
    assert run.events == [("completed", "run-1")]
    assert run.store.get_node_summary(run.run_id) == {
        0: "completed",
        1: "skipped",
        2: "skipped",
        3: "skipped",
    }


def test_a_node_without_artifacts_is_filtered_and_that_does_not_cascade() -> None:
    run = EngineRun(
        [
            node("a"),
            node("b", "a", a=NOTHING),  # SINGLE: filtered
            node("c", "b", "a"),  # still gets a's artifacts
            node("d", "b"),  # nothing to work on: filtered too, not skipped
        ]
    )
    run.start()
    run.drive({"a": files("1.mp4", "2.mp4")})
    assert run.outcome() == {
        "a": ["completed"],
        "b": ["filtered"],
        "c": ["completed", "completed"],
        "d": ["filtered"],
    }
    assert run.input_names("c") == ["1.mp4", "2.mp4"]
    assert run.events == [("completed", "run-1")]


@pytest.mark.parametrize(
    ("produced", "expected"),
    [(["1.mp4"], "skipped"), ([], "filtered"), (["1.zip"], "completed")],
    ids=["rejected-non-empty-edge-skips", "empty-edge-filters", "accepted-runs"],
)
def test_aggregate_with_a_rejecting_filter(produced: list[str], expected: str) -> None:
    run = EngineRun([node("a"), node("b", "a", mode=FanMode.AGGREGATE, a=NOTHING)])
    run.start()
    run.drive({"a": files(*produced)})
    assert [str(s) for s in run.statuses("b")] == [expected]
    assert run.status is RunStatus.COMPLETED


def test_grouped_rejected_edge_only_removes_its_own_groups() -> None:
    run = EngineRun(
        [
            node("src1"),
            node("src2"),
            node("m", "src1", "src2", mode=FanMode.GROUPED, src2=NOTHING),
        ]
    )
    run.start()
    run.drive({"src1": files("1.mp4", "2.mp4"), "src2": files("3.mp4")})
    merge = run.tasks("m")
    assert [t.origin_artifact_id for t in merge] == [a.id for a in run.artifacts("src1")]
    assert all(t.status is TaskStatus.COMPLETED for t in merge)


# --- passthrough ---------------------------------------------------------------


def test_collection_walks_past_routing_nodes_that_produced_nothing() -> None:
    run = EngineRun([node("a"), node("route", "a"), node("b", "route")], routing=["route"])
    run.start()
    run.drive({"a": files("1.mp4", "2.mp4")})
    assert run.statuses("route") == [TaskStatus.COMPLETED] * 2
    assert run.input_names("b") == ["1.mp4", "2.mp4"]


def test_a_routing_node_with_outputs_is_not_walked_past() -> None:
    run = EngineRun([node("a"), node("route", "a"), node("b", "route")], routing=["route"])
    run.start()
    run.drive({"a": files("1.mp4"), "route": files("chosen.mp4")})
    assert run.input_names("b") == ["chosen.mp4"]


def test_a_processing_node_stops_the_walk() -> None:
    run = EngineRun(
        [node("a"), node("work", "a"), node("route", "work"), node("b", "route")],
        routing=["route"],
    )
    run.start()
    run.drive({"a": files("1.mp4")})
    assert run.outcome()["b"] == ["filtered"]
    assert run.status is RunStatus.COMPLETED


def test_a_filtered_routing_node_is_walked_past() -> None:
    run = EngineRun(
        [node("a"), node("route", "a", a=NOTHING), node("b", "route")], routing=["route"]
    )
    run.start()
    run.drive({"a": files("1.mp4")})
    assert run.outcome()["route"] == ["filtered"]
    assert run.input_names("b") == ["1.mp4"]


def test_the_walk_applies_the_edge_filter_of_the_edge_it_started_from() -> None:
    videos = EdgeFilter(rules=[rule("file_type", "eq", "video")])
    run = EngineRun(
        [node("a"), node("route", "a"), node("b", "route", route=videos)], routing=["route"]
    )
    run.start()
    run.drive({"a": files("1.mp4", "1.srt")})
    assert run.input_names("b") == ["1.mp4"]


# --- completion, failure, crash, abort -----------------------------------------


@pytest.mark.parametrize(
    ("end", "status", "event"),
    [
        ("fail", RunStatus.FAILED, "failed"),
        ("crash", RunStatus.CRASHED, "crashed"),
        ("abort", RunStatus.CANCELLED, "cancelled"),
    ],
    ids=["task-failure", "task-crash", "abort"],
)
def test_an_ended_run_cancels_its_remaining_tasks_and_fires_one_callback(
    end: str, status: RunStatus, event: str
) -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    run.complete(run.tasks("a")[0].task_id, files("1.txt", "2.txt", "3.txt"))
    first, *others = run.tasks("b")
    if end == "fail":
        run.fail(first.task_id, "disk full")
    elif end == "crash":
        run.crash(first.task_id, "worker died")
    else:
        assert run.abort("user asked")

    assert run.status is status
    assert run.events == [(event, "run-1")]
    assert {t.status for t in others} == {TaskStatus.QUEUED}  # snapshots from before
    assert {t.status for t in run.tasks("b")[1:]} == {TaskStatus.CANCELLED}
    assert run.store.queued_tasks(run.run_id) == []


@pytest.mark.parametrize(
    ("end", "error"),
    [
        ("fail", "node 'b' failed: disk full"),
        ("crash", "node 'b' crashed: disk full"),
    ],
    ids=["failed", "crashed"],
)
def test_the_run_error_names_the_node(end: str, error: str) -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    run.complete(run.tasks("a")[0].task_id, files("1.txt"))
    task_id = run.tasks("b")[0].task_id
    run.fail(task_id, "disk full") if end == "fail" else run.crash(task_id, "disk full")
    assert run.store.run(run.run_id).error == error
    assert run.tasks("b")[0].error == "disk full"


@pytest.mark.parametrize(
    "status",
    [RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED],
    ids=["failed", "crashed", "cancelled"],
)
def test_abort_run_ends_the_run_once_with_the_given_status(status: RunStatus) -> None:
    run = EngineRun([node("a")])
    run.start()
    assert run.abort("operator", status) is True
    assert run.abort("again", status) is False
    assert run.status is status
    assert run.events == [(str(status), "run-1")]
    assert run.tasks("a")[0].error == "operator"


def test_progress_is_written_before_the_terminal_claim() -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []

    class Recording(InMemoryStore):
        def set_run_progress(self, run_id: str, completed_count: int) -> None:
            calls.append(("progress", (completed_count,)))
            super().set_run_progress(run_id, completed_count)

        def try_claim_run_terminal(
            self, run_id: str, status: RunStatus, error: str | None = None
        ) -> bool:
            calls.append(("claim", (str(status),)))
            return super().try_claim_run_terminal(run_id, status, error)

    completed = EngineRun([node("a"), node("b", "a")], store=Recording())
    completed.start()
    completed.drive({"a": files("1.txt")})
    assert calls == [("progress", (2,)), ("claim", ("completed",))]

    calls.clear()
    failed = EngineRun([node("a"), node("b", "a")], run_id="run-2", store=completed.store)
    failed.start()
    failed.complete(failed.tasks("a")[0].task_id, files("1.txt"))
    failed.fail(failed.tasks("b")[0].task_id)
    assert calls == [("progress", (1,)), ("claim", ("failed",))]


# --- duplicates, late and unknown calls --------------------------------------------


def test_duplicate_completions_launch_nothing_twice_and_fire_nothing_twice() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    a = run.tasks("a")[0].task_id
    run.complete(a, files("1.txt"))
    run.notify(a)
    assert len(run.tasks("b")) == 1
    b = run.tasks("b")[0].task_id
    run.complete(b)
    for _ in range(3):
        run.notify(b)
        run.notify(a)
        run.reconcile()
    assert run.events == [("completed", "run-1")]
    assert len(run.store.tasks(run.run_id)) == 2


def test_unknown_tasks_are_ignored() -> None:
    run = EngineRun([node("a")])
    run.start()
    run.notify("no-such-task")
    run.fail("no-such-task")
    run.crash("no-such-task")
    assert run.status is RunStatus.RUNNING
    assert run.events == []


def test_late_failure_after_the_run_completed_changes_nothing() -> None:
    run = EngineRun([node("a")])
    run.start()
    a = run.tasks("a")[0].task_id
    run.complete(a)
    run.fail(a, "too late")
    run.crash(a, "too late")
    assert run.statuses("a") == [TaskStatus.COMPLETED]
    assert run.status is RunStatus.COMPLETED
    assert run.events == [("completed", "run-1")]


def test_start_run_twice_launches_the_roots_once() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    assert run.start() == [0]
    assert run.start() == [0]
    assert len(run.store.tasks(run.run_id)) == 1


# --- isolation between stores ----------------------------------------------------


def test_two_stores_holding_the_same_run_id_never_share_a_graph() -> None:
    first = EngineRun([node("a"), node("b", "a")])
    second = EngineRun([node("x"), node("y", "x", mode=FanMode.AGGREGATE), node("z", "y")])
    first.start()
    second.start()
    first.complete(first.tasks("a")[0].task_id, files("1.txt", "2.txt"))
    second.complete(second.tasks("x")[0].task_id, files("1.txt", "2.txt"))
    assert len(first.tasks("b")) == 2
    assert len(second.tasks("y")) == 1
    first.drive({})
    second.drive({"y": files("y.txt")})
    assert first.outcome() == {"a": ["completed"], "b": ["completed", "completed"]}
    assert second.outcome() == {"x": ["completed"], "y": ["completed"], "z": ["completed"]}


# --- validation gate -------------------------------------------------------------


def test_start_run_refuses_an_invalid_pipeline_before_dispatching_anything() -> None:
    nodes = [node("a", "ghost"), node("a"), node("c", "c")]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    with pytest.raises(PipelineValidationError) as caught:
        start_run(store, "run-1", nodes)
    codes = {d.code for d in caught.value.diagnostics}
    assert {"unknown-dependency", "duplicate-slug", "self-dependency"} <= codes
    assert str(caught.value).startswith("pipeline is invalid (")
    assert store.tasks("run-1") == []
    assert store.get_launched_node_indices("run-1") == set()
