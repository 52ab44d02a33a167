"""What PostgresStore sends, and when: BEGIN, locks and writes held back, batched round trips.

The store holds back what it decides under a run's lock (dispatched tasks,
launch claims, progress, the run's end) and sends it with the transaction's
next statement; these tests check that every reader still sees it, that a
failure leaves nothing, and how many statements a worker's task costs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pg_support import reset, sql

from dagabaaz.constants import FanMode, NodeSummaryStatus, RunStatus
from dagabaaz.errors import StoreError
from dagabaaz.models import DagNode, Output
from dagabaaz.postgres import PostgresStore
from dagabaaz.procrastinate import TaskExecutor, connect, submit_run

NODES = [
    DagNode(slug="fetch", plugin="fetch"),
    DagNode(slug="work", plugin="work", depends_on=["fetch"]),
    DagNode(slug="all", plugin="all", depends_on=["work"], fan_mode=FanMode.AGGREGATE),
]


@pytest.fixture
def pg(postgres_dsn: str, postgres_schema: str) -> Iterator[PostgresStore]:
    reset(postgres_dsn, postgres_schema)
    store = connect(postgres_dsn, schema=postgres_schema, max_size=4)
    try:
        yield store
    finally:
        store.close()


def step(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": "out.txt", "metadata": {"size": 1.0, "tags": ["a"]}}


def test_a_chain_task_costs_three_statements(pg: PostgresStore, statements: list[str]) -> None:
    chain = [DagNode(slug="s0", plugin="step")] + [
        DagNode(slug=f"s{i}", plugin="step", depends_on=[f"s{i - 1}"]) for i in range(1, 4)
    ]
    run_id = submit_run(pg, chain)
    executor = TaskExecutor(pg, {"step": step})
    executor.execute(pg.queued_tasks(run_id)[0].task_id)  # reads the run's definition once
    while queued := pg.queued_tasks(run_id):
        statements.clear()
        report = executor.execute(queued[0].task_id)
        assert report.recorded
        # A pooled connection idle for a second is tested first (an empty query):
        # on a loaded machine that can happen between two steps, and it is not the
        # task's own cost (tests/postgres/test_pool_checks.py covers it).
        sent = [statement for statement in statements if statement != ""]
        # Start the task; BEGIN, lock the run and complete the task; write what the
        # engine dispatched (tasks and jobs) and COMMIT.
        assert len(sent) == 3, statements
        assert sent[1].startswith("BEGIN; SELECT dagabaaz_complete_task(")
        assert sent[2].endswith("; COMMIT")
    assert pg.get_run_status(run_id) == RunStatus.COMPLETED


def test_writes_held_back_are_seen_by_every_later_read(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    with pg.run_lock("r"):
        task = pg.dispatch_task("r", 0, "fetch", None)
        assert pg.try_claim_node_launch("r", 0)
        assert not pg.try_claim_node_launch("r", 0)
        pg.set_run_progress("r", 1)
        # Raw SQL in the same transaction sees them: they are sent first.
        with pg.transaction() as conn:
            row = conn.execute(
                """SELECT n.launched, n.total, r.progress FROM dagabaaz_nodes n
                     JOIN dagabaaz_runs r ON r.id = n.run_id
                    WHERE n.run_id = 'r' AND n.node_index = 0"""
            ).fetchone()
        assert row == (True, 1, 1)
        assert [t.task_id for t in pg.queued_tasks("r")] == [task]
        assert pg.try_claim_run_terminal("r", RunStatus.FAILED, "boom")
        assert not pg.try_claim_run_terminal("r", RunStatus.COMPLETED)
        assert pg.get_run_status("r") == RunStatus.FAILED
    assert pg.run("r").status == RunStatus.FAILED
    assert pg.run("r").error == "boom"
    assert pg.run("r").progress == 1
    assert pg.get_launched_node_indices("r") == {0}
    events = sql(
        pg.conninfo, pg.schema, "SELECT status, error FROM dagabaaz_run_events ORDER BY id"
    )
    assert events == [("running", None), ("failed", "boom")]


def test_writes_held_back_are_dropped_with_the_transaction(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    with pytest.raises(RuntimeError), pg.run_lock("r"):
        pg.dispatch_task("r", 0, "fetch", None)
        assert pg.try_claim_node_launch("r", 0)
        assert pg.try_claim_run_terminal("r", RunStatus.CANCELLED, "stop")
        raise RuntimeError("the engine call failed")
    assert pg.get_launched_node_indices("r") == set()
    assert pg.tasks("r") == []
    assert pg.run("r").status == RunStatus.RUNNING


def test_a_duplicate_found_when_the_writes_are_sent_leaves_nothing(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    task = pg.dispatch_task("r", 0, "fetch", None)
    pg.complete_task(task, [Output(file_name="a")])
    [artifact] = pg.get_artifacts_by_node_indices("r", [0])
    pg.dispatch_task("r", 1, "work", artifact.id)
    refused = pytest.raises(StoreError, match="already has a task for input artifact")
    with refused, pg.run_lock("r"):
        assert pg.try_claim_node_launch("r", 2)
        pg.dispatch_task("r", 1, "work", artifact.id)
    assert pg.get_launched_node_indices("r") == set()
    assert len(pg.tasks("r")) == 2


def test_artifacts_known_to_the_transaction_read_as_the_database_has_them(
    pg: PostgresStore,
) -> None:
    pg.create_run("r", NODES)
    task = pg.dispatch_task("r", 0, "fetch", None)
    outputs = [
        Output(file_name="a.mp4", file_size=2**40, metadata={"x": 1.0, "k": {"b": 1, "a": [2]}}),
        Output(file_name="b.srt", file_path="/b", mime_type="text/srt"),
    ]
    with pg.run_lock("r", lazy=True):
        assert pg.complete_task(task, outputs)
        known = pg.get_artifacts_by_node_indices("r", [0, 0])
        grouped = pg.get_grouped_artifacts("r", [0], known[1].origin_artifact_id or "")
        broadcast = pg.get_broadcast_artifacts("r", [0])
    assert known == pg.get_artifacts_by_node_indices("r", [0, 0])
    assert grouped == pg.get_grouped_artifacts("r", [0], known[1].origin_artifact_id or "")
    assert broadcast == pg.get_broadcast_artifacts("r", [0]) == []
    assert [a.file_name for a in known] == ["a.mp4", "b.srt"] * 2


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (Output(file_name="a\x00b"), r"output 1 file_name: text holds a NUL character"),
        (Output(file_name="a", file_path="\ud800"), r"output 1 file_path: text holds a lone"),
        (Output(file_name="a", mime_type="x\x00"), r"output 1 mime_type: text holds a NUL"),
        (Output(file_name="a", file_size=2**63), r"output 1 file_size: .* does not fit in 64"),
    ],
    ids=["nul-name", "surrogate-path", "nul-mime", "size"],
)
def test_outputs_postgresql_cannot_store_are_refused_before_anything_is_written(
    pg: PostgresStore, output: Output, message: str
) -> None:
    pg.create_run("r", NODES)
    task = pg.dispatch_task("r", 0, "fetch", None)
    with pytest.raises(StoreError, match=message):
        pg.complete_task(task, [Output(file_name="fine"), output])
    assert pg.get_artifacts_by_node_indices("r", [0]) == []
    assert pg.tasks("r")[0].status == "queued"


def test_a_lazy_run_lock_is_taken_with_the_first_statement(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    first, second = (pg.dispatch_task("r", 0, "fetch", None) for _ in range(2))
    locked, seen = threading.Event(), []

    def waiter() -> None:
        locked.wait()
        with pg.run_lock("r"):  # blocks until the holder commits
            seen.append(pg.get_node_summary("r"))

    thread = threading.Thread(target=waiter)
    thread.start()
    with pg.run_lock("r", lazy=True):
        assert pg.complete_task(first, [])  # takes the lock, completes the task
        locked.set()
        time.sleep(0.3)  # the waiter is blocked on the lock by now
        pg.mark_task_failed(second, "boom")
    thread.join()
    assert seen == [{0: NodeSummaryStatus.PARTIAL}]


def test_a_lazy_lock_for_a_task_of_another_run_still_completes_it(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    pg.create_run("other", NODES)
    task = pg.dispatch_task("other", 0, "fetch", None)
    with pg.run_lock("r", lazy=True):
        assert pg.complete_task(task, [Output(file_name="a")])
        assert pg.get_barrier_state("r", 0) == (RunStatus.RUNNING, 0, 0)
    assert pg.get_barrier_state("other", 0) == (RunStatus.RUNNING, 1, 1)
    with pg.run_lock("r", lazy=True):
        assert not pg.complete_task(task, [])
    with pytest.raises(StoreError, match="unknown task"), pg.run_lock("nope", lazy=True):
        pg.complete_task("999999", [])
