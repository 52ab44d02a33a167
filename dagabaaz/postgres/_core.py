"""The machinery under PostgresStore: connections, transactions, the run lock, pending writes.

Round trips are what a worker's task costs most, so a transaction sends
nothing until a store call needs the database, and then sends everything it
owes in one round trip: ``BEGIN``, the run locks asked for, the writes held
back, and the statement the call needs (:meth:`StoreCore._send`). These
batches are simple-protocol queries with their parameters bound on the
client; the statements in them are calls of functions (migration 0003),
whose own statements the server plans once per connection.
"""

from __future__ import annotations

import json
import logging
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

from dagabaaz.constants import REASON_TASK_REASONS_PER_NODE
from dagabaaz.errors import StoreError
from dagabaaz.postgres._connections import Connections, PendingReason, RunWrite, Transaction
from dagabaaz.postgres._migrate import check_schema_name
from dagabaaz.postgres._queue import QueuedTask, SqlTaskQueue, TaskQueue
from dagabaaz.postgres._rows import ArtifactRow, check_indices
from dagabaaz.postgres._snapshot import RunSnapshot
from dagabaaz.postgres._values import DEFAULT_MAX_JSON_BYTES

__all__ = ["StoreCore"]

_ID_BLOCK = 256
"""Task ids reserved per round trip (a task's id is known at dispatch, before its insert)."""

_LOCK = "SELECT dagabaaz_lock_run(%s)"
_WRITE = "SELECT dagabaaz_write("

logger = logging.getLogger("dagabaaz.postgres")

Statement = tuple[str, Sequence[Any] | None]


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
            open_=self._open,
            finish=self._finish,
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
    def run_lock(self, run_id: str, *, lazy: bool = False) -> Iterator[Transaction]:
        """Serialize engine calls for one run: a transaction holding the run's row lock.

        Re-entrant. Other runs are not blocked. The statement that takes the
        lock (sent with ``BEGIN``, one round trip) reads the run's counters,
        which answer the engine's questions for the rest of the transaction,
        and stamps ``touched_at`` (read by the stalled-run sweep). Yields the
        transaction (its ``dispatched`` count is final once the block ends).

        Args:
            run_id: The run.
            lazy: Take the lock with the first statement the block sends
                rather than on entering it: for a block that starts with a
                store call, such as a worker's completion of a task (the lock
                then travels with that statement). Code before the first
                store call is not serialized.
        """
        with self._db.transaction() as txn:
            if run_id not in txn.snapshots and run_id not in txn.locking:
                txn.locking.append(run_id)
                if not lazy:
                    self._open(txn)
            yield txn

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run the block's calls on one pooled connection: one checkout for many calls.

        Reasons recorded in the block outside a transaction are written with
        the block's next transaction (a worker's: the one recording its
        task's outcome, so a task that runs again records them once), or
        when the block ends; dropped when it raises (best effort).
        """
        with self._db.session() as held:
            yield
            if held:
                self._write_held(held)

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
            try:
                return conn.execute(query, params).fetchone()
            except errors.UndefinedFunction as error:
                raise self._outdated(error) from None

    def _outdated(self, error: errors.UndefinedFunction) -> Exception:
        """Say that the schema needs migrating, when one of our functions is missing."""
        if "dagabaaz_" not in str(error):
            return error
        return StoreError(
            f"schema '{self.schema}' lacks a function this version of dagabaaz uses "
            f"({str(error).splitlines()[0]}): it was migrated by an older version; "
            "upgrade it with `dagabaaz db migrate` (or dagabaaz.postgres.migrate)"
        )

    def _snapshot(self, run_id: str) -> RunSnapshot | None:
        """Return the run's counters when this transaction holds its lock, else None."""
        txn = self._db.current
        if txn is None:
            return None
        if run_id in txn.locking:
            self._open(txn)
        return txn.snapshots.get(run_id)

    def _forget_snapshot(self, run_id: str) -> None:
        """Read the run's counters again (after a write they cannot follow)."""
        txn = self._db.current
        if txn is not None and run_id in txn.snapshots:
            del txn.snapshots[run_id]
            txn.node_artifacts = {
                key: rows for key, rows in txn.node_artifacts.items() if key[0] != run_id
            }
            txn.locking.append(run_id)
            self._open(txn)

    def _hold_claim(self, run_id: str, node_index: int) -> None:
        """Write a launch claim won under the run's lock with the transaction's next statement."""
        txn = self._db.current
        assert txn is not None
        txn.claims.append((run_id, node_index))

    def _hold_run_write(self, run_id: str, **change: Any) -> None:
        """Write a run's new progress or end, decided under its lock, with the next statement."""
        txn = self._db.current
        assert txn is not None
        txn.run_writes[run_id] = txn.run_writes.get(run_id, RunWrite())._replace(**change)

    def _known_artifacts(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[ArtifactRow] | None:
        """Return the artifacts of the nodes when this transaction wrote all of them, else None.

        A task completed under the run's lock at a node with no other task
        carries all of that node's artifacts: nobody else can add one before
        the lock is released.
        """
        txn = self._db.current
        if txn is None or not txn.node_artifacts or isinstance(node_indices, str | bytes):
            return None
        snapshot = txn.snapshots.get(run_id)
        if snapshot is None:
            return None
        indices = list(node_indices)
        check_indices(run_id, indices, snapshot.node_count)
        found: list[ArtifactRow] = []
        for index in indices:
            rows = txn.node_artifacts.get((run_id, index))
            if rows is None:
                return None
            found.extend(rows)
        return found

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

    # --- what a transaction sends ------------------------------------------------------

    def _open(self, txn: Transaction) -> None:
        """Send what the transaction owes (BEGIN, locks, writes) in one round trip, if anything."""
        if not txn.begun or txn.locking or txn.owes_writes:
            self._send(txn, [])

    def _finish(self, txn: Transaction) -> None:
        """Send the writes held back with COMMIT, in one round trip."""
        if txn.begun or txn.owes_writes:
            self._send(txn, [("COMMIT", None)])

    def _send(self, txn: Transaction, tail: list[Statement]) -> psycopg.ClientCursor[Any]:
        """Send BEGIN (once), the locks asked for, the writes held back, then ``tail``.

        One round trip (two when a queue without SQL of its own enqueues
        jobs). Returns the cursor, on the result of the last statement.
        """
        head: list[Statement] = [] if txn.begun else [("BEGIN", None)]
        locks, txn.locking = txn.locking, []
        head.extend((_LOCK, (run_id,)) for run_id in locks)
        txn.begun = True
        if head and self._enqueues_apart(txn):
            # The queue's own statements must run inside the transaction, after the locks.
            self._run(txn, head, locks)
            head, locks = [], []
        write = self._write_statement(txn)
        statements = head + ([] if write is None else [write]) + tail
        return self._run(txn, statements, locks)

    def _enqueues_apart(self, txn: Transaction) -> bool:
        """Whether the queue enqueues the held-back tasks' jobs with statements of its own."""
        return (
            self.queue is not None
            and not isinstance(self.queue, SqlTaskQueue)
            and any(row.status == "queued" for row in txn.pending)
        )

    def _run(
        self, txn: Transaction, statements: list[Statement], locks: list[str]
    ) -> psycopg.ClientCursor[Any]:
        cursor = psycopg.ClientCursor(txn.raw)
        query = "; ".join(
            text if params is None else cursor.mogrify(text, params) for text, params in statements
        )
        try:
            cursor.execute(query, prepare=False)
        except errors.UniqueViolation as error:
            raise StoreError(_duplicate(error)) from None
        except errors.UndefinedFunction as error:
            raise self._outdated(error) from None
        last = len(statements) - 1
        for position, (text, _) in enumerate(statements):
            if text == _LOCK:
                self._locked(txn, locks.pop(0), cursor)
            elif text.startswith(_WRITE):
                self._written(txn, cursor)
            if position < last:
                cursor.nextset()
        return cursor

    def _written(self, txn: Transaction, cursor: psycopg.ClientCursor[Any]) -> None:
        """Report the reasons of the write just sent that could not be written, if any."""
        row = cursor.fetchone()
        sent, txn.sent_reasons = txn.sent_reasons, []
        if row is None or row[0] is None:
            return
        failed, error = row[0]["failed"], row[0]["error"]
        if txn.reason_errors is not None:
            txn.reason_errors.append(error)
            return
        logger.warning(
            "%d of %d reason(s) of run(s) %s were not recorded, the runs go on without them: %s",
            len(sent) if failed < 0 else failed,
            len(sent),
            ", ".join(f"'{run}'" for run in dict.fromkeys(reason.run_id for reason in sent)),
            error,
        )

    def _locked(self, txn: Transaction, run_id: str, cursor: psycopg.ClientCursor[Any]) -> None:
        row = cursor.fetchone()
        if row is not None and row[0] is not None:
            txn.snapshots[run_id] = RunSnapshot.from_json(row[0])

    def _write_statement(self, txn: Transaction) -> Statement | None:
        """Return the statement writing what the transaction holds back (and clear it), if any."""
        if not txn.owes_writes:
            return None
        rows, txn.pending = txn.pending, []
        claims, txn.claims = txn.claims, []
        runs, txn.run_writes = txn.run_writes, {}
        reasons, txn.reasons = txn.reasons, []
        txn.sent_reasons = reasons
        queued = [row for row in rows if row.status == "queued"]
        jobs = "NULL"
        job_ids: dict[int, int] = {}
        if queued and self.queue is not None:
            tasks = [
                QueuedTask(str(row.task_id), row.run_id, row.node_index, row.plugin_name)
                for row in queued
            ]
            if isinstance(self.queue, SqlTaskQueue):
                jobs = _literal(txn, *self.queue.enqueue_sql(tasks))
            else:
                ids = self.queue.enqueue(txn.raw, tasks)
                job_ids = {row.task_id: job for row, job in zip(queued, ids, strict=True)}
            txn.dispatched += len(queued)
        tasks_json = json.dumps(
            [
                {
                    "id": row.task_id,
                    "run_id": row.run_id,
                    "node_index": row.node_index,
                    "plugin_name": row.plugin_name,
                    "status": row.status,
                    "input_artifact_id": row.input_artifact_id,
                    "origin_artifact_id": row.origin_artifact_id,
                    "error": row.error,
                    "job_id": job_ids.get(row.task_id),
                }
                for row in rows
            ]
        )
        claims_json = json.dumps([{"run_id": run, "node_index": node} for run, node in claims])
        runs_json = json.dumps([{"id": run, **write._asdict()} for run, write in runs.items()])
        # Rendered piece by piece: text once bound is never parsed for placeholders again.
        tasks_sql, claims_sql, runs_sql = (
            _literal(txn, "%s::jsonb", (value,)) for value in (tasks_json, claims_json, runs_json)
        )
        # Text, parsed inside the function's subtransaction: a reason the
        # server refuses can never abort the writes it travels with.
        reasons_sql = (
            _literal(txn, "%s::text", ("[" + ",".join(r.element for r in reasons) + "]",))
            if reasons
            else "NULL"
        )
        return (
            f"{_WRITE}{tasks_sql}, {jobs}, {claims_sql}, {runs_sql}, {reasons_sql}, "
            f"{REASON_TASK_REASONS_PER_NODE})",
            None,
        )

    def _write_held(self, held: list[PendingReason]) -> None:
        """Write the reasons a session held, under their runs' locks, in one round trip."""
        count, runs = len(held), sorted({reason.run_id for reason in held})
        try:
            with self._db.transaction() as txn:  # takes the held reasons
                txn.locking.extend(runs)  # in one order everywhere: no deadlock between two
        except Exception:  # best effort: the session's own work is done
            logger.warning(
                "writing %d reason(s) of run(s) %s failed; the runs go on without them",
                count,
                ", ".join(f"'{run}'" for run in runs),
                exc_info=True,
            )

    def _withdraw(self, conn: psycopg.Connection[Any], job_ids: Sequence[int]) -> None:
        if job_ids and self.queue is not None:
            self.queue.cancel(conn, job_ids)


def _literal(txn: Transaction, sql: str, params: Sequence[Any]) -> str:
    """Return ``sql`` with its parameters bound as literals (for a simple-protocol batch)."""
    return psycopg.ClientCursor(txn.raw).mogrify(sql, params)


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
