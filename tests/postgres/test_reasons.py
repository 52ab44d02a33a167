"""PostgresStore's reasons beyond the conformance suite.

Where they are written (with the transaction's other writes, no round trip
of their own), that a reason the server refuses never costs the run, the
bounds InMemoryStore keeps, and what a retry or a deleted run does to them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from pg_support import reset, sql, store

from dagabaaz.constants import REASON_TASK_REASONS_PER_NODE, FanMode
from dagabaaz.errors import StoreError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    BindingsReason,
    ChainLink,
    DagNode,
    FailedReason,
    GatedBinding,
    LaunchedReason,
    NodeReason,
    SkippedReason,
)
from dagabaaz.postgres import PostgresStore


def _nodes() -> list[DagNode]:
    return [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="each", plugin="work", depends_on=["source"]),
        DagNode(slug="all", plugin="index", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
    ]


@pytest.fixture
def pg(postgres_dsn: str, postgres_schema: str) -> Iterator[PostgresStore]:
    reset(postgres_dsn, postgres_schema)
    made = store(postgres_dsn, postgres_schema)
    made.create_run("r", _nodes())
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def refusing(pg: PostgresStore) -> Iterator[PostgresStore]:
    """The store, with a trigger that refuses every reason of node 'each'."""
    sql(
        pg.conninfo,
        pg.schema,
        """CREATE FUNCTION refuse_reason() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF NEW.node_index = 1 THEN
                   RAISE EXCEPTION 'no reasons for node 1, says the test';
               END IF;
               RETURN NEW;
           END $$""",
    )
    sql(
        pg.conninfo,
        pg.schema,
        """CREATE TRIGGER refuse_reason BEFORE INSERT ON dagabaaz_reasons
           FOR EACH ROW EXECUTE FUNCTION refuse_reason()""",
    )
    try:
        yield pg
    finally:
        sql(pg.conninfo, pg.schema, "DROP TRIGGER refuse_reason ON dagabaaz_reasons")
        sql(pg.conninfo, pg.schema, "DROP FUNCTION refuse_reason()")


def launched(index: int = 0, slug: str = "source", tasks: int = 1) -> LaunchedReason:
    return LaunchedReason(
        node=slug,
        node_index=index,
        tasks=tasks,
        fan_mode=FanMode.SINGLE,
        root=index == 0,
        fan_out_limit=200,
    )


def failed(task: str, index: int = 1, error: str = "ValueError: boom") -> FailedReason:
    return FailedReason(node="each", node_index=index, task_id=task, error=error)


def gated(task: str, index: int = 1) -> BindingsReason:
    return BindingsReason(
        node="each",
        node_index=index,
        task_id=task,
        gated_count=1,
        gated=(GatedBinding(name="title", when="{input.named}", value='""'),),
    )


def skipped(index: int = 2) -> SkippedReason:
    return SkippedReason(
        node="all",
        node_index=index,
        dependency="each",
        cause="dependency_skipped",
        chain=(ChainLink(node="all", cause="dependency_skipped", dependency="each"),),
    )


def rows(pg: PostgresStore) -> list[tuple[object, ...]]:
    return sql(
        pg.conninfo,
        pg.schema,
        "SELECT run_id, node_index, outcome, task_id FROM dagabaaz_reasons ORDER BY id",
    )


# --- where reasons are written -------------------------------------------------------


def test_a_reason_rides_with_the_writes_of_the_engine_transaction(
    pg: PostgresStore,
    statements: list[str],
) -> None:
    with pg.run_lock("r"):
        assert pg.try_claim_node_launch("r", 0)
        task = pg.dispatch_task("r", 0, "fetch", None)
        pg.record_reason("r", launched())
        statements.clear()
    # Nothing but the COMMIT batch: the reason travels in dagabaaz_write with the task.
    assert len(statements) == 1, statements
    assert "dagabaaz_write(" in statements[0] and "launched" in statements[0]
    assert pg.get_reasons("r") == [launched()]
    assert [t.task_id for t in pg.queued_tasks("r")] == [task]


def test_reasons_of_a_transaction_that_rolls_back_are_gone(pg: PostgresStore) -> None:
    with pytest.raises(RuntimeError), pg.run_lock("r"):
        pg.record_reason("r", launched())
        pg.get_reasons("r")  # sends them
        raise RuntimeError("the engine call failed")
    assert pg.get_reasons("r") == []


def test_reads_in_the_transaction_see_the_reasons_held_back(pg: PostgresStore) -> None:
    recorded = [launched(), launched(1, "each", 3), skipped(), failed("7")]
    with pg.run_lock("r"):
        for reason in recorded:
            pg.record_reason("r", reason)
        assert pg.get_reasons("r") == recorded
        assert pg.get_reasons("r", 1) == [recorded[1], recorded[3]]
        pg.record_reason("r", gated("8"))
        assert pg.get_reasons("r", 1) == [recorded[1], recorded[3], gated("8")]
    assert pg.get_reasons("r") == [*recorded, gated("8")]


def test_a_session_holds_its_reasons_for_its_next_transaction(pg: PostgresStore) -> None:
    with pg.session():
        pg.record_reason("r", gated("5"))
        assert rows(pg) == []  # not written yet
        with pg.run_lock("r"):
            pg.record_reason("r", launched())
        assert rows(pg) == [("r", 1, "bindings_gated", "5"), ("r", 0, "launched", None)]
    with pg.session():
        pg.record_reason("r", gated("6"))
        assert pg.get_reasons("r", 1) == [gated("5"), gated("6")]  # a read writes them first
        pg.record_reason("r", gated("9"))
    assert pg.get_reasons("r", 1) == [gated("5"), gated("6"), gated("9")]  # the session's end


def test_a_session_that_raises_drops_the_reasons_it_held(pg: PostgresStore) -> None:
    with pytest.raises(RuntimeError), pg.session():
        pg.record_reason("r", gated("5"))
        raise RuntimeError("the worker lost its database")
    assert pg.get_reasons("r") == []


# --- best effort -----------------------------------------------------------------------------


def test_a_refused_reason_never_costs_the_engine_its_writes(
    refusing: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    pg = refusing
    with caplog.at_level(logging.WARNING, logger="dagabaaz.postgres"), pg.run_lock("r"):
        assert pg.try_claim_node_launch("r", 1)
        pg.record_reason("r", launched())
        task = pg.dispatch_task("r", 1, "work", None)
        pg.record_reason("r", launched(1, "each"))  # refused by the trigger
        assert pg.get_launched_node_indices("r") == {1}  # the transaction goes on
        pg.record_reason("r", launched(2, "all"))
        pg.set_run_progress("r", 1)
    # Everything but the refused reason committed: the tasks, the claim, the other reasons.
    assert [t.task_id for t in pg.queued_tasks("r")] == [task]
    assert pg.get_launched_node_indices("r") == {1}
    assert pg.run("r").progress == 1
    assert pg.get_reasons("r") == [launched(), launched(2, "all")]
    [warning] = [r for r in caplog.records if r.name == "dagabaaz.postgres"]
    # (how many travelled with it depends on when the transaction talked to the server)
    assert re.search(
        r"^1 of [23] reason\(s\) of run\(s\) 'r' were not recorded", warning.getMessage()
    )
    assert "no reasons for node 1, says the test" in warning.getMessage()


def test_a_refused_reason_written_on_its_own_raises(refusing: PostgresStore) -> None:
    with pytest.raises(StoreError, match=r"launched reason of node 1 was not recorded: P0001"):
        refusing.record_reason("r", launched(1, "each"))
    refusing.record_reason("r", launched())
    assert refusing.get_reasons("r") == [launched()]


def test_the_engine_logs_a_refused_reason_and_the_run_goes_on(
    refusing: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    from dagabaaz.models import Output
    from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run

    pg = refusing
    callbacks = OrchestratorCallbacks()
    with caplog.at_level(logging.WARNING), pg.run_lock("r"):
        start_run(pg, "r", _nodes(), callbacks=callbacks)
    while queued := pg.queued_tasks("r"):
        for task in queued:
            pg.complete_task(task.task_id, [Output(file_name="a")])
            with caplog.at_level(logging.WARNING), pg.run_lock("r"):
                on_task_complete(
                    pg,
                    task_id=task.task_id,
                    callbacks=callbacks,
                    resolve_passthrough=lambda plugin: False,
                )
    assert pg.run("r").status == "completed"
    # Every reason but node 1's was recorded; node 1's refusal was logged.
    assert [(r.node, r.outcome) for r in pg.get_reasons("r")] == [
        ("source", "launched"),
        ("all", "launched"),
    ]
    assert any(
        "no reasons for node 1, says the test" in record.getMessage()
        for record in caplog.records
        if record.name == "dagabaaz.postgres"
    )


def test_unknown_runs_and_nodes_are_refused_as_in_memory(pg: PostgresStore) -> None:
    memory = InMemoryStore()
    memory.create_run("r", _nodes())
    for target in (memory, pg):
        with pytest.raises(StoreError, match="unknown run 'nope'"):
            target.record_reason("nope", launched())
        with pytest.raises(StoreError, match="unknown run 'nope'"):
            target.get_reasons("nope")
        with pytest.raises(StoreError, match="has no node 3"):
            target.record_reason("r", launched(3, "ghost"))
        assert target.get_reasons("r", 3) == []
    with pg.run_lock("r"), pytest.raises(StoreError, match="has no node 3"):
        pg.record_reason("r", launched(3, "ghost"))
    with pg.transaction(), pytest.raises(StoreError, match="unknown run 'nope'"):
        pg.record_reason("nope", launched())
    assert pg.get_reasons("r") == []


# --- bounds, as InMemoryStore keeps them --------------------------------------------------


def test_a_node_keeps_its_first_task_reasons_and_every_node_reason(pg: PostgresStore) -> None:
    many: list[NodeReason] = [launched(1, "each", 40)]
    many += [
        failed(str(i)) if i % 2 else gated(str(i)) for i in range(REASON_TASK_REASONS_PER_NODE + 5)
    ]
    many += [launched(1, "each", 2), launched(2, "all"), failed("x", 2)]
    for reason in many[:10]:
        pg.record_reason("r", reason)  # one at a time
    with pg.run_lock("r"):  # the rest in one batch
        for reason in many[10:]:
            pg.record_reason("r", reason)
    memory = InMemoryStore()
    memory.create_run("r", _nodes())
    for reason in many:
        memory.record_reason("r", reason)
    assert pg.get_reasons("r") == memory.get_reasons("r")
    # Each kind has a cap of its own: 13 gated and 12 failed are all kept.
    assert len(pg.get_reasons("r", 1)) == 2 + REASON_TASK_REASONS_PER_NODE + 5
    assert pg.get_reasons("r", 2) == [launched(2, "all"), failed("x", 2)]


@pytest.mark.parametrize("batched", [False, True], ids=["one-at-a-time", "one-batch"])
def test_a_node_keeps_its_latest_failure_past_the_cap(pg: PostgresStore, batched: bool) -> None:
    many = [gated(f"g{i}") for i in range(REASON_TASK_REASONS_PER_NODE + 3)]
    many += [failed(f"f{i}") for i in range(REASON_TASK_REASONS_PER_NODE + 3)]
    memory = InMemoryStore()
    memory.create_run("r", _nodes())
    for reason in many:
        memory.record_reason("r", reason)
    if batched:
        with pg.run_lock("r"):
            for reason in many:
                pg.record_reason("r", reason)
    else:
        for reason in many:
            pg.record_reason("r", reason)
    kept = pg.get_reasons("r", 1)
    assert kept == memory.get_reasons("r", 1)
    failures = [r.task_id for r in kept if isinstance(r, FailedReason)]
    assert failures == [
        *(f"f{i}" for i in range(REASON_TASK_REASONS_PER_NODE)),
        f"f{REASON_TASK_REASONS_PER_NODE + 2}",
    ]


def test_a_task_reason_recorded_again_is_kept_once(pg: PostgresStore) -> None:
    # What a task run again after its worker was killed does: its bindings, its failure.
    for _ in range(2):
        with pg.run_lock("r"):
            pg.record_reason("r", gated("5"))
            pg.record_reason("r", failed("5"))
    pg.record_reason("r", gated("5"))
    assert pg.get_reasons("r") == [gated("5"), failed("5")]


def test_text_postgresql_cannot_hold_in_jsonb_comes_back_equal(pg: PostgresStore) -> None:
    odd = failed("5", error="NUL \x00 here, \U0001f600 and \\u0000 spelled")
    memory = InMemoryStore()
    memory.create_run("r", _nodes())
    memory.record_reason("r", odd)
    pg.record_reason("r", odd)
    assert pg.get_reasons("r") == memory.get_reasons("r")


# --- retries and deleted runs ---------------------------------------------------------------


def test_a_retry_keeps_the_reasons_of_the_nodes_it_resets_as_in_memory(
    pg: PostgresStore,
) -> None:
    memory = InMemoryStore()
    memory.create_run("r", _nodes())
    for target in (memory, pg):
        target.dispatch_task("r", 1, "work", None)
        target.record_reason("r", launched(1, "each"))
        target.record_reason("r", failed("7"))
        target.delete_non_completed_tasks_at_nodes("r", [1])
        target.delete_tasks_at_nodes("r", [1])
        target.delete_node_launches("r", [1])
        target.record_reason("r", launched(1, "each", 2))
    assert pg.get_reasons("r") == memory.get_reasons("r")
    assert [reason.outcome for reason in pg.get_reasons("r", 1)] == [
        "launched",
        "failed",
        "launched",
    ]


def test_a_deleted_run_takes_its_reasons_along(pg: PostgresStore) -> None:
    pg.record_reason("r", launched())
    pg.create_run("other", _nodes())
    pg.record_reason("other", launched())
    sql(pg.conninfo, pg.schema, "DELETE FROM dagabaaz_runs WHERE id = 'r'")
    assert rows(pg) == [("other", 0, "launched", None)]
    pg.create_run("r", _nodes())  # the id again: a new run, no reasons
    assert pg.get_reasons("r") == []


def test_a_session_reason_for_an_unknown_run_is_logged_not_raised(
    pg: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dagabaaz.postgres"), pg.session():
        pg.record_reason("nope", launched())  # not checked yet: it waits for a transaction
        pg.record_reason("r", launched())
    assert pg.get_reasons("r") == [launched()]  # the other one's refusal cost it nothing
    [warning] = [r for r in caplog.records if r.name == "dagabaaz.postgres"]
    assert "1 of 2 reason(s) of run(s) 'nope', 'r' were not recorded" in warning.getMessage()
