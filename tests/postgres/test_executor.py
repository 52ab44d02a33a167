"""TaskExecutor in this process: what a worker records for each way a task can end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pg_support import reset, sql

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.models import BindingsReason, DagNode, FailedReason, RuntimeSource
from dagabaaz.postgres import PostgresStore
from dagabaaz.procrastinate import TaskExecutor, TaskReport, cancel_run, connect, submit_run


@pytest.fixture
def pg(postgres_dsn: str, postgres_schema: str) -> Iterator[PostgresStore]:
    reset(postgres_dsn, postgres_schema)
    store = connect(postgres_dsn, schema=postgres_schema, max_size=4)
    try:
        yield store
    finally:
        store.close()


def drain(executor: TaskExecutor, run_id: str) -> list[TaskReport]:
    """Run every queued task of the run, as workers would, until none is left."""
    reports = []
    while queued := executor.store.queued_tasks(run_id):
        reports.extend(executor.execute(task.task_id) for task in queued)
    return reports


def files(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file_name": "a.mp4", "metadata": {"n": 1}}, {"file_name": "b.srt"}]


def test_outputs_the_store_refuses_fail_the_task_naming_the_plugin(pg: PostgresStore) -> None:
    plugins = {"fetch": files, "bad": lambda task: {"file_name": "x", "metadata": {"t": (1, 2)}}}
    nodes = [DagNode(slug="s", plugin="fetch"), DagNode(slug="b", plugin="bad", depends_on=["s"])]
    run_id = submit_run(pg, nodes)
    reports = drain(TaskExecutor(pg, plugins), run_id)
    # The first failure fails the run, which cancels the other task before it runs.
    assert [r.outcome for r in reports] == ["completed", "failed", "not-live"]
    assert pg.get_run_status(run_id) == RunStatus.FAILED
    error = pg.run(run_id).error or ""
    assert "the store refused the outputs of plugin 'bad'" in error
    assert "a tuple cannot be stored as JSON" in error
    assert pg.get_artifacts_by_node_indices(run_id, [1]) == []


def test_a_plugin_the_worker_lacks_fails_the_task_saying_so(pg: PostgresStore) -> None:
    run_id = submit_run(pg, [DagNode(slug="s", plugin="elsewhere")])
    [report] = drain(TaskExecutor(pg, {"fetch": files}), run_id)
    assert report.outcome == "failed"
    assert "this worker has no plugin 'elsewhere' (it has: fetch)" in (pg.run(run_id).error or "")


def test_a_routing_node_forwards_what_it_was_given(pg: PostgresStore) -> None:
    nodes = [
        DagNode(slug="s", plugin="fetch"),
        DagNode(slug="r", plugin="route", depends_on=["s"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="e", plugin="route", depends_on=["s"]),
    ]
    run_id = submit_run(pg, nodes, passthrough=["route"])
    drain(TaskExecutor(pg, {"fetch": files}), run_id)
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED
    for index in (1, 2):
        forwarded = pg.get_task_artifacts_by_node_indices(run_id, [index])
        assert [(a.file_name, a.metadata) for a in forwarded] == [
            ("a.mp4", {"n": 1}),
            ("b.srt", {}),
        ]


def test_running_a_task_again_records_nothing_twice(pg: PostgresStore) -> None:
    nodes = [DagNode(slug="s", plugin="fetch"), DagNode(slug="e", plugin="fetch", depends_on=["s"])]
    run_id = submit_run(pg, nodes)
    executor = TaskExecutor(pg, {"fetch": files})
    [root] = pg.queued_tasks(run_id)
    first = executor.execute(root.task_id)
    again = executor.execute(root.task_id)  # a job delivered twice
    assert (first.recorded, first.dispatched) == (True, 2)
    assert (again.outcome, again.recorded) == ("not-live", False)
    assert len(pg.get_artifacts_by_node_indices(run_id, [0])) == 2
    assert sql(pg.conninfo, pg.schema, "SELECT count(*) FROM dagabaaz_tasks")[0][0] == 3


def test_a_task_cancelled_while_its_plugin_ran_is_not_recorded(pg: PostgresStore) -> None:
    run_id = submit_run(pg, [DagNode(slug="s", plugin="slow")])
    [task] = pg.queued_tasks(run_id)

    def slow(data: dict[str, Any]) -> dict[str, Any]:
        cancel_run(pg, run_id, "stop")  # what another process does meanwhile
        return {"file_name": "late.txt"}

    report = TaskExecutor(pg, {"slow": slow}).execute(task.task_id)
    assert (report.outcome, report.recorded) == ("completed", False)
    assert pg.get_run_status(run_id) == RunStatus.CANCELLED
    assert pg.get_artifacts_by_node_indices(run_id, [0]) == []
    assert [t.status for t in pg.tasks(run_id)] == ["cancelled"]


def test_a_database_error_while_reading_the_input_is_raised_for_a_retry(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = submit_run(pg, [DagNode(slug="s", plugin="fetch")])
    [task] = pg.queued_tasks(run_id)

    def lost(run: str) -> dict[str, Any]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pg, "get_run_input", lost)
    executor = TaskExecutor(pg, {"fetch": files})
    with pytest.raises(psycopg.OperationalError, match="server closed"):
        executor.execute(task.task_id)
    assert pg.get_run_status(run_id) == RunStatus.RUNNING  # not failed: the job runs again
    monkeypatch.undo()
    assert executor.execute(task.task_id).outcome == "completed"
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED


# --- a failed task's error names its input ---------------------------------------------------


def _task_errors(pg: PostgresStore, run_id: str) -> list[str]:
    return [t.error for t in pg.tasks(run_id) if t.status == "failed" and t.error]


def test_a_plugin_failing_on_one_file_names_it_in_the_task_and_the_run(pg: PostgresStore) -> None:
    def probe(task: dict[str, Any]) -> None:
        if task["file_name"] == "b.srt":
            raise ValueError("bad header")

    nodes = [DagNode(slug="s", plugin="fetch"), DagNode(slug="p", plugin="probe", depends_on=["s"])]
    run_id = submit_run(pg, nodes)
    drain(TaskExecutor(pg, {"fetch": files, "probe": probe}), run_id)
    assert _task_errors(pg, run_id) == ["b.srt: ValueError: bad header"]
    assert pg.run(run_id).error == "node 'p' failed: b.srt: ValueError: bad header"


def test_a_refused_output_and_an_aggregate_task_name_their_inputs(pg: PostgresStore) -> None:
    plugins = {"fetch": files, "bad": lambda task: {"file_name": "x", "metadata": {"t": (1, 2)}}}
    nodes = [
        DagNode(slug="s", plugin="fetch"),
        DagNode(slug="b", plugin="bad", depends_on=["s"], fan_mode=FanMode.AGGREGATE),
    ]
    run_id = submit_run(pg, nodes)
    drain(TaskExecutor(pg, plugins), run_id)
    assert (pg.run(run_id).error or "").startswith(
        "node 'b' failed: 2 inputs (a.mp4, b.srt): the store refused the outputs of plugin 'bad': "
    )


def test_a_grouped_task_names_its_origin(pg: PostgresStore) -> None:
    def mux(task: dict[str, Any]) -> None:
        if any(a["file_name"].startswith("b.srt") for a in task["artifacts"]):
            raise RuntimeError("out of sync")

    def copy(task: dict[str, Any]) -> dict[str, Any]:
        return {"file_name": task["file_name"] + ".copy"}

    nodes = [
        DagNode(slug="s", plugin="fetch"),
        DagNode(slug="x", plugin="copy", depends_on=["s"]),
        DagNode(slug="y", plugin="copy", depends_on=["s"]),
        DagNode(slug="m", plugin="mux", depends_on=["x", "y"], fan_mode=FanMode.GROUPED),
    ]
    run_id = submit_run(pg, nodes)
    drain(TaskExecutor(pg, {"fetch": files, "copy": copy, "mux": mux}), run_id)
    assert (
        pg.run(run_id).error
        == "node 'm' failed: group of b.srt (2 inputs): RuntimeError: out of sync"
    )


# --- reasons ---------------------------------------------------------------------------------

GATED = [
    DagNode(slug="s", plugin="fetch"),
    DagNode(
        slug="e",
        plugin="copy",
        depends_on=["s"],
        bindings={"title": RuntimeSource(key="title", when="{input.titled}")},
    ),
]


def copy(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": task["file_name"] + ".copy"}


def test_a_tasks_gated_bindings_travel_with_its_outcome(
    pg: PostgresStore, statements: list[str]
) -> None:
    sent = {}
    for titled in (True, False):
        run_id = submit_run(pg, GATED, {"titled": titled, "title": "t"})
        executor = TaskExecutor(pg, {"fetch": files, "copy": copy})
        executor.execute(pg.queued_tasks(run_id)[0].task_id)
        first = pg.queued_tasks(run_id)[0].task_id
        statements.clear()
        executor.execute(first)
        sent[titled] = list(statements)
    # As many statements as a task whose bindings all applied: the reason is
    # written with the task's other writes and COMMIT, after the run lock.
    assert len(sent[False]) == len(sent[True])
    assert "bindings_gated" in sent[False][-1] and sent[False][-1].endswith("; COMMIT")
    assert "dagabaaz_complete_task" in sent[False][-2]
    [reason] = pg.get_reasons(run_id, 1)[1:]
    assert isinstance(reason, BindingsReason)
    assert (reason.task_id, reason.gated[0].name) == (first, "title")
    assert reason.gated[0].value == "false"


def test_overlapping_attempts_of_a_task_record_its_reasons_once(pg: PostgresStore) -> None:
    run_id = submit_run(pg, GATED, {"titled": False, "title": "t"})
    [root] = pg.queued_tasks(run_id)
    executor = TaskExecutor(pg, {"fetch": files, "copy": copy})
    executor.execute(root.task_id)
    task = pg.queued_tasks(run_id)[0].task_id
    reports = []

    def slow_copy(data: dict[str, Any]) -> dict[str, Any]:
        # Another worker takes the same job meanwhile (its first one looked stalled).
        other = threading.Thread(target=lambda: reports.append(executor.execute(task)))
        other.start()
        other.join()
        return copy(data)

    first = TaskExecutor(pg, {"fetch": files, "copy": slow_copy}).execute(task)
    assert (reports[0].recorded, first.recorded) == (True, False)
    gated = [r for r in pg.get_reasons(run_id, 1) if r.outcome == "bindings_gated"]
    assert [r.task_id for r in gated] == [task]


def test_a_failed_tasks_reason_names_its_input(pg: PostgresStore) -> None:
    def probe(task: dict[str, Any]) -> None:
        if task["file_name"] == "b.srt":
            raise ValueError("bad header")

    nodes = [DagNode(slug="s", plugin="fetch"), DagNode(slug="p", plugin="probe", depends_on=["s"])]
    run_id = submit_run(pg, nodes)
    drain(TaskExecutor(pg, {"fetch": files, "probe": probe}), run_id)
    [failed] = [r for r in pg.get_reasons(run_id) if isinstance(r, FailedReason)]
    [srt] = [a for a in pg.get_artifacts_by_node_indices(run_id, [0]) if a.file_name == "b.srt"]
    assert (failed.cause, failed.input_artifact_id, failed.input_file_name) == (
        "task_failed",
        srt.id,
        "b.srt",
    )
    assert failed.error == "b.srt: ValueError: bad header"
