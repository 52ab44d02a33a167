"""Workers on procrastinate against the real server: submit, run, kill, cancel, retry, recover."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import worker_plugins
from kill_harness import _die_with_parent, run_fault_test
from pg_support import reset, sql

from dagabaaz.cli import main
from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.errors import PipelineValidationError, StoreError
from dagabaaz.models import (
    BindingsReason,
    DagNode,
    EdgeFilter,
    FailedReason,
    FilterRule,
    NodeReason,
    Output,
    RuntimeSource,
    parse_reason,
)
from dagabaaz.orchestrator import OrchestratorCallbacks, start_run
from dagabaaz.postgres import PostgresStore
from dagabaaz.procrastinate import (
    TaskExecutor,
    cancel_run,
    connect,
    retry_run,
    submit_run,
    sweep,
    worker_name,
)
from dagabaaz.runner import LocalRunner

HERE = Path(__file__).resolve().parent
PLUGINS = HERE / "worker_plugins.py"

FAN = [
    DagNode(slug="start", plugin="start"),
    DagNode(slug="each", plugin="hang_once", depends_on=["start"]),
    DagNode(slug="all", plugin="collect", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
]


@pytest.fixture
def pg(postgres_dsn: str, postgres_schema: str) -> Iterator[PostgresStore]:
    reset(postgres_dsn, postgres_schema)
    store = connect(postgres_dsn, schema=postgres_schema, max_size=4)
    try:
        yield store
    finally:
        store.close()


class WorkerProcess:
    """One ``dagabaaz worker`` process, always stopped at the end of the test."""

    def __init__(self, dsn: str, schema: str, markers: Path, *extra: str) -> None:
        env = {**os.environ, "DAGABAAZ_TEST_MARKERS": str(markers)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagabaaz",
                "worker",
                "--dsn",
                dsn,
                "--schema",
                schema,
                "--plugins",
                str(PLUGINS),
                "--heartbeat",
                "0.5",
                "--stalled-after",
                "2",
                "--sweep-every",
                "1",
                "--idle-after",
                "2",
                *extra,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stdout is not None
        return self.process.stdout.read().decode(errors="replace")


@pytest.fixture
def workers(postgres_dsn: str, postgres_schema: str, tmp_path: Path) -> Iterator[Any]:
    started: list[WorkerProcess] = []

    def start(*extra: str) -> WorkerProcess:
        worker = WorkerProcess(postgres_dsn, postgres_schema, tmp_path, *extra)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def wait_until(check: Any, seconds: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(0.1)


def ended(store: PostgresStore, run_id: str) -> bool:
    return store.get_run_status(run_id) not in (RunStatus.RUNNING, RunStatus.PENDING)


# --- the fault test ---------------------------------------------------------------------


@pytest.mark.slow
def test_workers_killed_with_sigkill_lose_nothing_and_repeat_nothing(
    postgres_dsn: str, postgres_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGABAAZ_FAULT_PAUSE", "0,0.05")
    report = run_fault_test(
        postgres_dsn, postgres_schema, workers=4, runs=80, seconds=40.0, seed=15
    )
    assert report.anomalies == []
    assert report.kills >= 10 and report.restarts == report.kills
    assert report.completed and report.failed and report.cancelled
    assert report.completed + report.failed + report.cancelled == report.runs


# --- one worker, one kill --------------------------------------------------------------------


def test_the_task_of_a_killed_worker_runs_again_and_is_recorded_once(
    pg: PostgresStore, workers: Any
) -> None:
    first = workers()
    run_id = submit_run(pg, FAN, {"count": 2})
    wait_until(
        lambda: (
            sum(t.status == "running" for t in pg.tasks(run_id)) == 2
            and all(t.status != "queued" for t in pg.tasks(run_id))
        ),
        what="both hang_once tasks running",
    )
    first.kill()
    workers()
    wait_until(lambda: ended(pg, run_id), what="the run ending after the kill")
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED
    attempts = sql(
        pg.conninfo,
        pg.schema,
        "SELECT attempts FROM dagabaaz_tasks WHERE node_index = 1 ORDER BY id",
    )
    assert attempts == [(2,), (2,)]
    names = sorted(a.file_name for a in pg.get_artifacts_by_node_indices(run_id, [1]))
    assert names == ["item0.txt.done", "item1.txt.done"]
    [collected] = pg.get_artifacts_by_node_indices(run_id, [2])
    assert collected.file_name == "2 collected"


# --- reasons ---------------------------------------------------------------------------------


def _rule(field: str, value: str) -> EdgeFilter:
    return EdgeFilter(rules=[FilterRule(field=field, operator=FilterOperator.EQ, value=value)])


REASONED = [
    DagNode(slug="start", plugin="start"),
    # Launched, one task of three inputs (its filter keeps one), then completed.
    DagNode(
        slug="one",
        plugin="echo",
        depends_on=["start"],
        edge_filters={"start": _rule("file_name", "item1.txt")},
    ),
    # Filtered: its edge filter rejects every input.
    DagNode(
        slug="none",
        plugin="echo",
        depends_on=["start"],
        edge_filters={"start": _rule("file_name", "nothing")},
    ),
    # Skipped: an aggregate edge rejecting everything; its dependent skipped in cascade.
    DagNode(
        slug="gate",
        plugin="collect",
        depends_on=["start"],
        fan_mode=FanMode.AGGREGATE,
        edge_filters={"start": _rule("file_name", "nothing")},
    ),
    DagNode(slug="after_gate", plugin="echo", depends_on=["gate"]),
    # One task per input, each with a binding its `when` gates off.
    DagNode(
        slug="each",
        plugin="echo",
        depends_on=["start"],
        bindings={"title": RuntimeSource(key="title", when="{input.titled}")},
    ),
    # Fails once every `each` task is done: the run fails last.
    DagNode(slug="all", plugin="explode", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
]


def _comparable(reasons: list[NodeReason]) -> dict[str, list[str]]:
    """Each node's reasons as JSON, without the ids a store chooses, in a stable order."""
    by_node: dict[str, list[str]] = {}
    for reason in reasons:
        fields = reason.model_dump(mode="json", exclude={"task_id", "input_artifact_id"})
        by_node.setdefault(reason.node, []).append(json.dumps(fields, sort_keys=True))
    return {node: sorted(found) for node, found in by_node.items()}


def test_the_reasons_of_a_run_on_workers_equal_the_in_memory_run(
    pg: PostgresStore, workers: Any
) -> None:
    run_input = {"count": 3, "titled": False, "title": "t"}
    run_id = submit_run(pg, REASONED, run_input)
    # One task at a time: the aggregate's error lists its inputs in the order they were made.
    workers("--burst", "--concurrency", "1").process.wait(60)
    assert pg.get_run_status(run_id) == RunStatus.FAILED
    replay = LocalRunner(worker_plugins.PLUGINS, max_workers=1).run(REASONED, run_input)
    assert replay.status == RunStatus.FAILED
    kept = pg.get_reasons(run_id)
    assert _comparable(kept) == _comparable(
        [
            reason
            for node in replay.nodes.values()
            for reason in node.reasons
            if reason.outcome != "not_run"
        ]
    )
    outcomes = {(reason.node, reason.outcome) for reason in kept}
    assert outcomes == {
        ("start", "launched"),
        ("one", "launched"),
        ("none", "filtered"),
        ("gate", "skipped"),
        ("after_gate", "skipped"),
        ("each", "launched"),
        ("each", "bindings_gated"),
        ("all", "launched"),
        ("all", "failed"),
    }
    # The task-level reasons name the store's own tasks and artifacts.
    [failure] = [reason for reason in kept if isinstance(reason, FailedReason)]
    [all_task] = [t for t in pg.tasks(run_id) if t.node_index == 6]
    assert failure.task_id == all_task.task_id
    assert "explode refuses 3 artifacts" in failure.error
    gated = [reason for reason in kept if isinstance(reason, BindingsReason)]
    each_tasks = {t.task_id for t in pg.tasks(run_id) if t.node_index == 5}
    assert {reason.task_id for reason in gated} == each_tasks and len(gated) == 3


def test_runs_show_says_why_and_lists_every_reason(
    pg: PostgresStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # Task ids from 1, as on the page (a long id would cut the lines elsewhere).
    sql(pg.conninfo, pg.schema, "ALTER TABLE dagabaaz_tasks ALTER COLUMN id RESTART")
    run_id = submit_run(pg, REASONED, {"count": 3, "titled": False, "title": "t"}, run_id="r1")
    executor = TaskExecutor(pg, worker_plugins.PLUGINS)
    while queued := pg.queued_tasks(run_id):
        for task in queued:
            executor.execute(task.task_id)
    db = ["--dsn", pg.conninfo, "--schema", pg.schema]
    assert main(["runs", "show", run_id, *db]) == 1
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == f"run {run_id}: failed"
    why = {line.split()[0]: line for line in shown[2:]}
    assert why["none"].endswith('filtered ← start: edge rejected all 3 (file_name eq "nothing": 3)')
    assert why["gate"].endswith(
        'skipped ← start: aggregate edge rejected all 3 (file_name eq "nothing": 3)'
    )
    assert why["after_gate"].endswith("skipped ← gate skipped (its edge from start rejected all)")
    assert "failed task " in why["all"] and "RuntimeError: explode refuses" in why["all"]
    assert why["one"].endswith("1/1 tasks finished")  # completed: nothing to explain
    assert main(["runs", "show", run_id, *db, "--reasons"]) == 1
    listed = capsys.readouterr().out
    page = (HERE.parents[1] / "docs" / "scale.md").read_text(encoding="utf-8")
    shown_on_page = page.split("runs show r1 --reasons`", 1)[1].split("```text\n", 1)[1]
    assert listed == shown_on_page.split("```")[0]
    each = listed[listed.index("  each ") : listed.index("  all ")].splitlines()
    assert each[1] == "    launched 3 tasks (single)"
    gated_tasks = sorted(t.task_id for t in pg.tasks(run_id) if t.node_index == 5)
    assert sorted(each[2:]) == [f"    task {t}: bindings gated off: title" for t in gated_tasks]
    assert main(["runs", "show", run_id, *db, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [parse_reason(r) for node in report["nodes"] for r in node["reasons"]] == sorted(
        pg.get_reasons(run_id), key=lambda reason: reason.node_index
    )


# --- cancellation -----------------------------------------------------------------------------


def test_cancelling_withdraws_the_waiting_jobs(pg: PostgresStore, workers: Any) -> None:
    nodes = [DagNode(slug="start", plugin="start")]
    run_id = submit_run(pg, nodes, {"count": 1})
    [task] = pg.queued_tasks(run_id)
    assert cancel_run(pg, run_id, "not needed") is True
    assert cancel_run(pg, run_id) is False
    jobs = sql(
        pg.conninfo,
        pg.schema,
        """SELECT j.status FROM procrastinate_jobs j
             JOIN dagabaaz_tasks t ON t.job_id = j.id WHERE t.id = %s""",
        (int(task.task_id),),
    )
    assert jobs == [("cancelled",)]
    workers("--burst").process.wait(30)
    assert [t.status for t in pg.tasks(run_id)] == ["cancelled"]
    assert pg.get_artifacts_by_node_indices(run_id, [0]) == []
    assert pg.run(run_id).error == "not needed"
    with pytest.raises(StoreError, match="unknown run 'nope'"):
        cancel_run(pg, "nope")


# --- retry ------------------------------------------------------------------------------------


def test_a_failed_run_is_retried_from_where_it_failed(pg: PostgresStore, workers: Any) -> None:
    nodes = [
        DagNode(slug="start", plugin="start"),
        DagNode(slug="each", plugin="fail_once", depends_on=["start"]),
        DagNode(slug="all", plugin="collect", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
    ]
    run_id = submit_run(pg, nodes, {"count": 3})
    workers("--burst").process.wait(60)
    assert pg.get_run_status(run_id) == RunStatus.FAILED
    assert "first attempt at item0.txt fails" in (pg.run(run_id).error or "")
    result = retry_run(pg, run_id)
    assert len(result.replacement_map) >= 1
    second = workers("--burst")
    second.process.wait(60)
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED, (
        [(t.task_id, t.node_index, t.status, t.input_artifact_id) for t in pg.tasks(run_id)],
        pg.node_progress(run_id),
        sql(pg.conninfo, pg.schema, "SELECT id, status, args FROM procrastinate_jobs ORDER BY id"),
        second.stop(),
    )
    names = sorted(a.file_name for a in pg.get_artifacts_by_node_indices(run_id, [1]))
    assert names == ["item0.txt.ok", "item1.txt.ok", "item2.txt.ok"]
    statuses = [
        s
        for (s,) in sql(
            pg.conninfo,
            pg.schema,
            "SELECT status FROM dagabaaz_run_events WHERE run_id = %s ORDER BY id",
            (run_id,),
        )
    ]
    assert statuses == ["running", "failed", "running", "completed"]


# --- submission -------------------------------------------------------------------------------


def test_submit_refuses_what_no_worker_could_run_and_writes_nothing(pg: PostgresStore) -> None:
    nodes = [DagNode(slug="a", plugin="nowhere")]
    with pytest.raises(PipelineValidationError, match="nowhere"):
        submit_run(pg, nodes, plugins={"start": lambda task: None}, run_id="r")
    assert pg.get_run_status("r") is None
    bare = PostgresStore(pg.conninfo, schema=pg.schema, max_size=1)
    try:
        with pytest.raises(StoreError, match="the store has no queue"):
            submit_run(bare, nodes)
    finally:
        bare.close()
    submit_run(pg, [DagNode(slug="a", plugin="start")], run_id="r")
    with pytest.raises(StoreError, match="run 'r' already exists"):
        submit_run(pg, [DagNode(slug="a", plugin="start")], run_id="r")


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_crashes_a_task_whose_job_was_lost(pg: PostgresStore) -> None:
    run_id = submit_run(pg, [DagNode(slug="a", plugin="start")])
    sql(pg.conninfo, pg.schema, "UPDATE procrastinate_jobs SET status = 'failed'")
    report = sweep(pg, idle_seconds=3600)
    assert len(report.crashed_tasks) == 1
    assert pg.get_run_status(run_id) == RunStatus.CRASHED
    assert "queue job ended without the task's outcome" in (pg.run(run_id).error or "")
    assert sweep(pg, idle_seconds=3600).crashed_tasks == ()


def test_the_sweep_reconciles_a_run_left_idle_between_two_steps(pg: PostgresStore) -> None:
    nodes = [
        DagNode(slug="a", plugin="start"),
        DagNode(slug="b", plugin="collect", depends_on=["a"]),
    ]
    pg.create_run("idle", nodes)
    with pg.run_lock("idle"):
        start_run(pg, "idle", nodes, callbacks=OrchestratorCallbacks())
    [task] = pg.queued_tasks("idle")
    # The worker recorded the outcome and died before calling the engine.
    pg.complete_task(task.task_id, [Output(file_name="x")])
    assert sweep(pg, idle_seconds=3600).reconciled_runs == ()
    report = sweep(pg, idle_seconds=0)
    assert report.reconciled_runs == ("idle",) and report.launched == 1
    assert [t.node_index for t in pg.queued_tasks("idle")] == [1]


# --- the database going away -----------------------------------------------------------------


def test_a_worker_whose_connections_are_cut_reconnects(pg: PostgresStore, workers: Any) -> None:
    worker = workers()
    name = worker_name(pg.schema)
    wait_until(
        lambda: (
            sql(
                pg.conninfo,
                pg.schema,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (name,),
            )[0][0]
            >= 2
        ),
        what="the worker connecting",
    )
    sql(
        pg.conninfo,
        pg.schema,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        (name,),
    )
    run_id = submit_run(pg, [DagNode(slug="a", plugin="start")], {"count": 1})
    wait_until(lambda: ended(pg, run_id), seconds=60, what="the run ending after the cut")
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED
    assert worker.process.poll() is None


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_migrates_submits_shows_and_retries(
    pg: PostgresStore, workers: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--dsn", pg.conninfo, "--schema", pg.schema]
    assert main(["db", "migrate", pg.conninfo, "--schema", pg.schema]) == 0
    assert "up to date" in capsys.readouterr().out
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        "nodes:\n"
        "  - {slug: start, plugin: start}\n"
        "  - {slug: each, plugin: fail_once, depends_on: [start]}\n"
    )
    assert (
        main(["submit", str(pipeline), *db, "--plugins", str(PLUGINS), "--input", "count=2"]) == 0
    )
    run_id = capsys.readouterr().out.strip()
    assert main(["runs", "show", run_id, *db]) == 1  # not completed (yet)
    assert f"run {run_id}: running" in capsys.readouterr().out
    workers("--burst").process.wait(60)
    assert main(["runs", "show", run_id, *db, "--json"]) == 1
    assert '"status": "failed"' in capsys.readouterr().out
    assert main(["runs", "retry", run_id, *db]) == 0
    assert "is running again" in capsys.readouterr().out
    workers("--burst").process.wait(60)
    assert main(["runs", "show", run_id, *db]) == 0
    shown = capsys.readouterr().out
    assert f"run {run_id}: completed" in shown and "2/2 tasks finished" in shown
    assert main(["runs", "list", *db]) == 0
    assert run_id in capsys.readouterr().out
    assert main(["runs", "cancel", run_id, *db]) == 1
    assert "had already ended" in capsys.readouterr().out
    unknown = tmp_path / "bad.yaml"
    unknown.write_text("nodes:\n  - {slug: x, plugin: nowhere}\n")
    assert main(["submit", str(unknown), *db, "--plugins", str(PLUGINS)]) == 1
    assert "not submitted, the pipeline is invalid" in capsys.readouterr().err


PIPES_PLUGINS = '''\
from pathlib import Path

from dagabaaz.pipes import DEFAULT_PIPES

PIPES = DEFAULT_PIPES.copy()


@PIPES.register("shout")
def shout(text: str) -> str:
    """Upper-case the text and add an exclamation mark."""
    return text.upper() + "!"


FAILED_ONCE = Path(__file__).with_suffix(".failed")


def start(task):
    return [{"file_name": "a.txt"}, {"file_name": "b.txt"}]


def greet(task):
    if not FAILED_ONCE.exists():
        FAILED_ONCE.write_text("once")
        raise RuntimeError("the first greeting fails")
    return {"file_name": task["text"]}


PLUGINS = {"start": start, "greet": greet}
'''


def test_the_plugins_files_pipes_reach_submit_worker_and_retry(
    pg: PostgresStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--dsn", pg.conninfo, "--schema", pg.schema]
    plugins = tmp_path / "pipes_plugins.py"
    plugins.write_text(PIPES_PLUGINS)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        "nodes:\n"
        "  - {slug: start, plugin: start}\n"
        "  - slug: greet\n"
        "    plugin: greet\n"
        "    depends_on: [start]\n"
        "    bindings: {text: {source: expression, expression: '{start.file_name | shout}'}}\n"
    )
    assert main(["submit", str(pipeline), *db]) == 1  # without the plugins file: unknown pipe
    assert "unknown pipe 'shout'" in capsys.readouterr().err
    assert main(["submit", str(pipeline), *db, "-p", str(plugins)]) == 0
    run_id = capsys.readouterr().out.strip()

    def work() -> None:
        worker = [sys.executable, "-m", "dagabaaz", "worker", *db, "-p", str(plugins)]
        subprocess.run([*worker, "--burst", "--fan-out-limit", "2"], check=True, timeout=120)

    work()
    assert pg.get_run_status(run_id) is RunStatus.FAILED
    assert main(["runs", "retry", run_id, *db]) == 1  # its expressions need the custom pipe
    assert "a pipeline with custom pipes needs --plugins FILE" in capsys.readouterr().err
    assert pg.get_run_status(run_id) is RunStatus.FAILED  # refused as a whole
    assert main(["runs", "retry", run_id, *db, "-p", str(plugins)]) == 0
    work()
    assert pg.get_run_status(run_id) is RunStatus.COMPLETED
    assert main(["runs", "show", run_id, *db]) == 0
    greeted = {artifact.file_name for artifact in pg.get_artifacts_by_node_indices(run_id, [1])}
    assert greeted == {"A.TXT!", "B.TXT!"}


def test_the_sweep_names_the_input_of_a_task_whose_job_was_lost(pg: PostgresStore) -> None:
    nodes = [DagNode(slug="a", plugin="start"), DagNode(slug="b", plugin="each", depends_on=["a"])]
    run_id = submit_run(pg, nodes)
    [root] = pg.queued_tasks(run_id)
    TaskExecutor(pg, {"start": lambda task: {"file_name": "movie.mkv"}}).execute(root.task_id)
    sql(pg.conninfo, pg.schema, "UPDATE procrastinate_jobs SET status = 'failed'")
    assert len(sweep(pg, idle_seconds=3600).crashed_tasks) == 1
    assert pg.run(run_id).error == (
        "node 'b' crashed: movie.mkv: its queue job ended without the task's outcome being recorded"
    )
