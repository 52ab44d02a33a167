"""The machinery under PostgresStore: connections, transactions, the run lock, pending writes."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
import psycopg_pool
from psycopg import errors

from dagabaaz.errors import StoreError
from dagabaaz.postgres._connections import Connections, PendingTask, Transaction
from dagabaaz.postgres._migrate import check_schema_name
from dagabaaz.postgres._queue import QueuedTask, TaskQueue
from dagabaaz.postgres._rows import ArtifactRow
from dagabaaz.postgres._snapshot import RunSnapshot
from dagabaaz.postgres._values import DEFAULT_MAX_JSON_BYTES

__all__ = ["StoreCore"]

_ID_BLOCK = 256
"""Task ids reserved per round trip (a task's id is known at dispatch, before its insert)."""

_LOCK = "UPDATE dagabaaz_runs SET touched_at = now() WHERE id = %s RETURNING status"
# A separate statement: one that waited for the lock would read with the
# snapshot it started with, before the previous holder's commit.
_READ_NODES = """
    SELECT node_index, launched, total, terminal, skipped, succeeded
      FROM dagabaaz_nodes WHERE run_id = %s"""


class StoreCore:
    """Connections, transactions and the pending writes of a PostgresStore."""

    def __init__(
        self,
        conninfo: str = "",
        *,
        schema: str = "dagabaaz",
        queue: TaskQueue | None = None,
        min_size: int = 1,
        max_size: int = 8,
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
        max_json_bytes: int = DEFAULT_MAX_JSON_BYTES,
        application_name: str = "dagabaaz",
    ) -> None:
        self.schema = check_schema_name(schema)
        self.conninfo = conninfo
        self.queue = queue
        self.max_json_bytes = max_json_bytes
        self._db = Connections(
            conninfo,
            schema,
            min_size=min_size,
            max_size=max_size,
            application_name=application_name,
            flush=self._flush,
            pool=pool,
        )
        self._artifact_memo: ContextVar[dict[str, ArtifactRow] | None] = ContextVar(
            "dagabaaz_artifact_memo", default=None
        )
        self._ids: deque[int] = deque()
        self._id_sequence: str | None = None
        self._ids_lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool (when the store created it)."""
        self._db.close()

    def __enter__(self) -> StoreCore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- scopes ------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """Run the block's store calls in one transaction on one connection (re-entrant).

        Tasks dispatched inside are inserted, and their queue jobs enqueued, on
        that connection before it commits; an exception rolls everything back.
        """
        with self._db.transaction(), self._db.connection() as conn:
            yield conn

    @contextmanager
    def run_lock(self, run_id: str) -> Iterator[Transaction]:
        """Serialize engine calls for one run: a transaction holding the run's row lock.

        Re-entrant. Other runs are not blocked. The statement that takes the
        lock also stamps the run's ``touched_at`` (read by the stalled-run
        sweep) and reads its counters, which answer the engine's questions
        for the rest of the transaction. Yields the transaction (its
        ``dispatched`` count is final once the block ends).
        """
        with self._db.transaction() as txn:
            if run_id not in txn.snapshots:
                self._lock(txn, run_id)
            yield txn

    def _lock(self, txn: Transaction, run_id: str) -> None:
        """Lock the run's row, then read its counters."""
        conn = txn.connection
        status = conn.execute(_LOCK, (run_id,)).fetchone()
        if status is not None:
            nodes = conn.execute(_READ_NODES, (run_id,)).fetchall()
            txn.snapshots[run_id] = RunSnapshot(status[0], nodes)

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run the block's calls on one pooled connection: one checkout for many calls."""
        with self._db.session():
            yield

    @contextmanager
    def task_reads(self) -> Iterator[None]:
        """Remember artifacts read in the block, so a worker reads each at most once."""
        token = self._artifact_memo.set({})
        try:
            yield
        finally:
            self._artifact_memo.reset(token)

    # --- statements ------------------------------------------------------------------

    def _rows(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self._db.connection() as conn:
            return conn.execute(query, params).fetchall()

    def _row(self, query: str, params: Any = None) -> tuple[Any, ...] | None:
        with self._db.connection() as conn:
            return conn.execute(query, params).fetchone()

    def _snapshot(self, run_id: str) -> RunSnapshot | None:
        """Return the run's counters when this transaction holds its lock, else None."""
        txn = self._db.current
        if txn is None:
            return None
        return txn.snapshots.get(run_id)

    def _forget_snapshot(self, run_id: str) -> None:
        """Read the run's counters again (after a write they cannot follow)."""
        txn = self._db.current
        if txn is not None and run_id in txn.snapshots:
            del txn.snapshots[run_id]
            with self._db.connection():  # sends pending writes first
                self._lock(txn, run_id)

    def _node_count(self, run_id: str) -> int:
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            return snapshot.node_count
        txn = self._db.current
        if txn is not None and run_id in txn.node_counts:
            return txn.node_counts[run_id]
        row = self._row("SELECT node_count FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        count: int = row[0]
        if txn is not None:
            txn.node_counts[run_id] = count
        return count

    def _next_task_id(self) -> int:
        with self._ids_lock:
            if not self._ids:
                with self._db.connection() as conn:
                    if self._id_sequence is None:
                        row = conn.execute(
                            "SELECT pg_get_serial_sequence('dagabaaz_tasks', 'id')"
                        ).fetchone()
                        assert row is not None
                        self._id_sequence = row[0]
                    rows = conn.execute(
                        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                        (self._id_sequence, _ID_BLOCK),
                    ).fetchall()
                self._ids.extend(row[0] for row in rows)
            return self._ids.popleft()

    def _flush(self, txn: Transaction) -> None:
        """Insert the pending tasks in one statement, after enqueuing their jobs."""
        rows, txn.pending = txn.pending, []
        if not rows:
            return
        jobs: dict[int, int] = {}
        queued = [row for row in rows if row.status == "queued"]
        if queued and self.queue is not None:
            job_ids = self.queue.enqueue(
                txn.connection,
                [
                    QueuedTask(str(row.task_id), row.run_id, row.node_index, row.plugin_name)
                    for row in queued
                ],
            )
            jobs = {row.task_id: job for row, job in zip(queued, job_ids, strict=True)}
            txn.dispatched += len(queued)
        columns = [list(column) for column in zip(*rows, strict=True)]
        try:
            self._insert_tasks(txn, rows, columns, jobs)
        except errors.UniqueViolation as error:
            raise StoreError(_duplicate(error)) from None

    def _insert_tasks(
        self,
        txn: Transaction,
        rows: Sequence[PendingTask],
        columns: list[list[Any]],
        jobs: dict[int, int],
    ) -> None:
        txn.connection.execute(
            """INSERT INTO dagabaaz_tasks
                      (id, run_id, node_index, plugin_name, status, input_artifact_id,
                       origin_artifact_id, error, job_id, finished_at)
               OVERRIDING SYSTEM VALUE
               SELECT u.id, u.run_id, u.node_index, u.plugin_name, u.status, u.input_id,
                      u.origin, u.error, u.job_id,
                      CASE WHEN u.status IN ('pending', 'queued', 'running') THEN NULL
                           ELSE clock_timestamp() END
                 FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::text[], %s::text[],
                             %s::text[], %s::text[], %s::text[], %s::bigint[])
                      AS u(id, run_id, node_index, plugin_name, status, input_id, origin,
                           error, job_id)""",
            (*columns, [jobs.get(row.task_id) for row in rows]),
        )

    def _withdraw(self, conn: psycopg.Connection[Any], job_ids: Sequence[int]) -> None:
        if job_ids and self.queue is not None:
            self.queue.cancel(conn, job_ids)


def _duplicate(error: errors.UniqueViolation) -> str:
    """Say which task was dispatched twice, from the violated index's key."""
    detail = error.diag.message_detail or ""
    match = re.search(r"\)=\((.*)\) already exists", detail)
    what = (
        "origin group" if (error.diag.constraint_name or "").endswith("group") else "input artifact"
    )
    if match is None:
        return f"a node already has a task for that {what}: {detail.strip()}"
    run_id, node, key = match[1].rsplit(", ", 2)
    return (
        f"run '{run_id}', node {node} already has a task for {what} '{key}'; "
        "nothing of this transaction was written"
    )
