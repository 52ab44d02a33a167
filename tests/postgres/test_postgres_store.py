"""PostgresStore beyond the conformance suite: migrations, JSON values, errors, transactions."""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pg_support import reset, sql, store

from dagabaaz.constants import FanMode, NodeSummaryStatus, RunStatus
from dagabaaz.errors import StoreError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, start_run
from dagabaaz.postgres import PostgresStore, migrate, migrations
from dagabaaz.runner import LocalRunner

NODES = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="each", plugin="work", depends_on=["source"]),
    DagNode(slug="all", plugin="index", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
]


@pytest.fixture
def pg(postgres_dsn: str, postgres_schema: str) -> Iterator[PostgresStore]:
    reset(postgres_dsn, postgres_schema)
    made = store(postgres_dsn, postgres_schema)
    try:
        yield made
    finally:
        made.close()


# --- migrations -------------------------------------------------------------------


def _migrate_in_child(dsn: str, schema: str) -> tuple[str, ...]:
    return migrate(dsn, schema, procrastinate=True).applied


@pytest.fixture
def fresh_schema(postgres_dsn: str) -> Iterator[str]:
    schema = f"dagabaaz_test_migrate_{secrets.token_hex(4)}"
    try:
        yield schema
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_migrating_from_several_processes_at_once_applies_each_version_once(
    postgres_dsn: str, fresh_schema: str
) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        reports = pool.starmap(_migrate_in_child, [(postgres_dsn, fresh_schema)] * 4)
    applied = [name for report in reports for name in report]
    expected = [m.name for m in migrations()]
    assert sorted(n for n in applied if not n.startswith("procrastinate")) == expected
    assert len([n for n in applied if n.startswith("procrastinate")]) == 1
    assert migrate(postgres_dsn, fresh_schema, procrastinate=True).applied == ()
    rows = sql(postgres_dsn, fresh_schema, "SELECT version FROM dagabaaz_schema_migrations")
    assert len(rows) == len(expected) + 1


def test_a_store_on_a_schema_not_upgraded_says_to_migrate(
    postgres_dsn: str, fresh_schema: str
) -> None:
    first = migrations()[0]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn, conn.transaction():
        conn.execute(f"CREATE SCHEMA {fresh_schema}")
        conn.execute(f"SET LOCAL search_path TO {fresh_schema}")
        conn.execute(first.sql)
    old = store(postgres_dsn, fresh_schema)
    try:
        old.create_run("r", NODES)
        with pytest.raises(StoreError, match=r"dagabaaz db migrate"):
            old.dispatch_task("r", 0, "fetch", None)
        with pytest.raises(StoreError, match=r"dagabaaz db migrate"), old.run_lock("r"):
            pass
        assert old.tasks("r") == []  # nothing half-written
    finally:
        old.close()


def test_a_schema_newer_than_the_package_is_refused(postgres_dsn: str, fresh_schema: str) -> None:
    migrate(postgres_dsn, fresh_schema)
    sql(
        postgres_dsn,
        fresh_schema,
        "INSERT INTO dagabaaz_schema_migrations (version) VALUES ('9999_from_the_future')",
    )
    with pytest.raises(StoreError, match="newer than this package knows"):
        migrate(postgres_dsn, fresh_schema)


@pytest.mark.parametrize("schema", ["Public", "a-b", "x; DROP TABLE y", "", "1abc", "a" * 64])
def test_schema_names_must_be_plain_identifiers(postgres_dsn: str, schema: str) -> None:
    with pytest.raises(StoreError, match="not a plain identifier"):
        migrate(postgres_dsn, schema)
    with pytest.raises(StoreError, match="not a plain identifier"):
        PostgresStore(postgres_dsn, schema=schema)


# --- values round trip ---------------------------------------------------------------


ROUND_TRIP: dict[str, Any] = {
    "text": "héllo ✓ \U0001f600",
    "big": 2**80,
    "negative": -7,
    "float": 0.1,
    "tiny": 5e-324,
    "flags": [True, False, None],
    "nested": {"a": [{"b": [1, 2.5, "x"]}], "": "empty key"},
    "deep": [[[[["bottom"]]]]],
}


def test_metadata_and_run_input_read_back_equal(pg: PostgresStore) -> None:
    pg.create_run("r", NODES, ROUND_TRIP)
    assert pg.get_run_input("r") == ROUND_TRIP
    task = pg.dispatch_task("r", 0, "fetch", None)
    pg.complete_task(task, [Output(file_name="a", metadata=ROUND_TRIP), Output(file_name="b")])
    first, second = pg.get_task_artifacts_by_node_indices("r", [0])
    assert first.metadata == ROUND_TRIP
    assert second.metadata == {}
    first.metadata["nested"]["a"].append("mutated")
    assert pg.get_task_artifacts_by_node_indices("r", [0])[0].metadata == ROUND_TRIP


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"t": (1, 2)}, r"\['t'\]: a tuple cannot be stored as JSON .*use a list"),
        ({"s": {1}}, r"\['s'\]: a set cannot be stored"),
        ({"n": float("nan")}, r"\['n'\]: nan is not a JSON number"),
        ({"i": [float("inf")]}, r"\['i'\]\[0\]: inf is not a JSON number"),
        ({"k": {1: "x"}}, r"\['k'\]: key 1 is a int; JSON keys are strings"),
        ({"z": "a\x00b"}, r"\['z'\]: text holds a NUL character"),
        ({"u": "\ud800"}, r"\['u'\]: text holds a lone surrogate"),
        ({"o": object()}, r"\['o'\]: a object cannot be stored"),
    ],
    ids=["tuple", "set", "nan", "inf", "int-key", "nul", "surrogate", "object"],
)
def test_values_json_would_change_are_refused_before_anything_is_written(
    pg: PostgresStore, value: dict[Any, Any], message: str
) -> None:
    pg.create_run("r", NODES)
    task = pg.dispatch_task("r", 0, "fetch", None)
    with pytest.raises(StoreError, match=message):
        pg.complete_task(task, [Output(file_name="ok"), Output(file_name="bad", metadata=value)])
    assert pg.get_artifacts_by_node_indices("r", [0]) == []
    assert pg.get_task_context(task).status == "queued"  # type: ignore[union-attr]
    with pytest.raises(StoreError, match=message):
        pg.create_run("r2", NODES, value)
    assert pg.get_run_status("r2") is None


def test_depth_and_size_limits_match_the_in_memory_store(pg: PostgresStore) -> None:
    deep: Any = "x"
    for _ in range(101):
        deep = [deep]
    memory = InMemoryStore()
    with pytest.raises(StoreError, match="nested more than 100 levels") as in_memory:
        memory.create_run("r", NODES, {"v": deep})
    with pytest.raises(StoreError, match="nested more than 100 levels") as in_postgres:
        pg.create_run("r", NODES, {"v": deep})
    assert str(in_memory.value) == str(in_postgres.value)
    small = store(pg.conninfo, pg.schema, max_json_bytes=100)
    try:
        with pytest.raises(StoreError, match="more than the limit of 100"):
            small.create_run("r", NODES, {"v": "x" * 200})
    finally:
        small.close()


# --- errors name what is wrong -----------------------------------------------------------


def test_unknown_runs_tasks_and_nodes_read_like_the_in_memory_store(pg: PostgresStore) -> None:
    memory = InMemoryStore()
    for made in (memory, pg):
        made.create_run("r", NODES)
    calls = [
        lambda s: s.get_barrier_state("nope", 0),
        lambda s: s.get_barrier_state("r", 3),
        lambda s: s.try_claim_node_launch("r", -1),
        lambda s: s.dispatch_task("r", 7, "x", None),
        lambda s: s.get_artifacts_by_node_indices("r", [0, 5]),
        lambda s: s.get_completed_node_indices("nope"),
        lambda s: s.set_run_progress("nope", 1),
        lambda s: s.create_run("r", NODES),
        lambda s: s.complete_task("task-999999", []),
    ]
    for call in calls:
        with pytest.raises(StoreError) as expected:
            call(memory)
        with pytest.raises(StoreError) as got:
            call(pg)
        assert str(got.value).replace("999999", "") == str(expected.value).replace("999999", "")
    assert pg.get_task_context("999999") is None
    assert pg.mark_task_failed("not-a-number", "x") is None
    assert pg.get_artifact_data("42") is None


# --- transactions --------------------------------------------------------------------------


def test_an_engine_call_that_raises_leaves_nothing_behind(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    with pytest.raises(RuntimeError, match="boom"), pg.run_lock("r"):
        start_run(pg, "r", NODES, callbacks=OrchestratorCallbacks())
        assert pg.queued_tasks("r")  # visible inside the transaction
        raise RuntimeError("boom")
    assert pg.queued_tasks("r") == []
    assert pg.get_launched_node_indices("r") == set()
    assert tuple(pg.get_barrier_state("r", 0)) == (RunStatus.RUNNING, 0, 0)


def test_counters_always_equal_the_task_rows(pg: PostgresStore, postgres_dsn: str) -> None:
    pg.create_run("r", NODES)
    done = pg.dispatch_task("r", 0, "fetch", None)
    pg.complete_task(done, [Output(file_name="a"), Output(file_name="b")])
    a, b = pg.get_artifacts_by_node_indices("r", [0])
    pg.mark_task_failed(pg.dispatch_task("r", 1, "work", a.id), "boom")
    pg.dispatch_task("r", 1, "work", b.id)
    pg.dispatch_skipped_task("r", 2, "index")
    pg.cancel_remaining_tasks("r", "stop")
    pg.delete_non_completed_tasks_at_nodes("r", [1])
    mismatches = sql(
        postgres_dsn,
        pg.schema,
        """SELECT n.node_index, n.total, count(t.id), n.terminal,
                  count(t.id) FILTER (WHERE t.status NOT IN ('pending', 'queued', 'running'))
             FROM dagabaaz_nodes n
             LEFT JOIN dagabaaz_tasks t ON t.run_id = n.run_id AND t.node_index = n.node_index
            GROUP BY n.run_id, n.node_index, n.total, n.terminal
           HAVING n.total <> count(t.id)
               OR n.terminal <> count(t.id) FILTER (
                      WHERE t.status NOT IN ('pending', 'queued', 'running'))""",
    )
    assert mismatches == []
    assert [tuple(pg.get_barrier_state("r", i))[1:] for i in range(3)] == [(1, 1), (0, 0), (1, 1)]


def test_a_dispatch_repeated_for_the_same_input_is_refused(pg: PostgresStore) -> None:
    pg.create_run("r", NODES)
    pg.dispatch_task("r", 1, "work", "17")
    with pytest.raises(StoreError, match="already has a task for input artifact '17'"):
        pg.dispatch_task("r", 1, "work", "17")
    pg.dispatch_grouped_task("r", 2, "index", "o")
    with pytest.raises(StoreError, match="already has a task for origin group 'o'"):
        pg.dispatch_grouped_task("r", 2, "index", "o")


def test_the_local_runner_runs_on_postgres_with_the_same_result(pg: PostgresStore) -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="a", plugin="process_a", depends_on=["source"]),
        DagNode(slug="b", plugin="process_b", depends_on=["source"]),
        DagNode(slug="merge", plugin="merge", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
    ]
    plugins = {
        "fetch": lambda task: [Output(file_name=f"file{i}.mp4") for i in range(5)],
        "process_a": lambda task: Output(file_name=task["file_name"] + ".a"),
        "process_b": lambda task: Output(file_name=task["file_name"] + ".b"),
        "merge": lambda task: Output(
            file_name="+".join(sorted(a["file_name"] for a in task["artifacts"]))
        ),
    }
    on_postgres = LocalRunner(plugins, store=pg).run(nodes, run_id="local")
    in_memory = LocalRunner(plugins).run(nodes, run_id="local")
    assert on_postgres.status == in_memory.status == RunStatus.COMPLETED
    for slug in ("source", "a", "b", "merge"):
        got = sorted(o.file_name for o in on_postgres.nodes[slug].outputs)
        assert got == sorted(o.file_name for o in in_memory.nodes[slug].outputs)
    assert pg.run("local").progress == 4


def test_a_transaction_that_waited_for_the_run_lock_sees_what_the_holder_committed(
    pg: PostgresStore,
) -> None:
    pg.create_run("r", NODES)
    first, second = (pg.dispatch_task("r", 0, "fetch", None) for _ in range(2))
    holding, seen = threading.Event(), []

    def waiter() -> None:
        holding.wait()
        with pg.run_lock("r"):  # blocks until the holder commits
            seen.append(tuple(pg.get_barrier_state("r", 0)))
            seen.append(pg.get_node_summary("r"))

    thread = threading.Thread(target=waiter)
    thread.start()
    with pg.run_lock("r"):
        holding.set()
        time.sleep(0.3)  # the waiter is blocked on the lock by now
        pg.complete_task(first, [])
        pg.mark_task_failed(second, "boom")
    thread.join()
    assert seen == [(RunStatus.RUNNING, 2, 2), {0: NodeSummaryStatus.PARTIAL}]


def test_an_older_schema_is_upgraded_in_place_and_keeps_counting(
    postgres_dsn: str, fresh_schema: str
) -> None:
    first = migrations()[0]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn, conn.transaction():
        conn.execute(f"CREATE SCHEMA {fresh_schema}")
        conn.execute(f"SET LOCAL search_path TO {fresh_schema}")
        conn.execute(
            "CREATE TABLE dagabaaz_schema_migrations ("
            "version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(first.sql)
        conn.execute("INSERT INTO dagabaaz_schema_migrations VALUES (%s)", (first.name,))
    # What a release at that version wrote (this package's store needs the newest schema).
    old = store(postgres_dsn, fresh_schema)
    try:
        old.create_run("r", NODES)
    finally:
        old.close()
    [[(kept,)], _] = [
        sql(
            postgres_dsn,
            fresh_schema,
            """INSERT INTO dagabaaz_tasks (run_id, node_index, plugin_name, status)
               VALUES ('r', %s, %s, %s) RETURNING id::text""",
            task,
        )
        for task in ((0, "fetch", "queued"), (2, "index", "skipped"))
    ]
    report = migrate(postgres_dsn, fresh_schema)
    assert report.applied == tuple(m.name for m in migrations()[1:])
    new = store(postgres_dsn, fresh_schema)
    try:
        new.complete_task(kept, [Output(file_name="a"), Output(file_name="b")])
        a, b = new.get_artifacts_by_node_indices("r", [0])
        with new.transaction():
            new.dispatch_task("r", 1, "work", a.id)
            new.dispatch_task("r", 1, "work", b.id)
        assert [tuple(new.get_barrier_state("r", i))[1:] for i in range(3)] == [
            (1, 1),
            (2, 0),
            (1, 1),
        ]
        assert new.delete_tasks_at_nodes("r", [1]) == 2
        assert tuple(new.get_barrier_state("r", 1))[1:] == (0, 0)
        assert new.get_node_summary("r") == {
            0: NodeSummaryStatus.COMPLETED,
            2: NodeSummaryStatus.SKIPPED,
        }
    finally:
        new.close()
