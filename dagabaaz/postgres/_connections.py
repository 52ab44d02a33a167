"""Which connection a store call uses: the caller's transaction, its session, or its own.

A :class:`Connections` owns a psycopg pool of autocommit connections whose
``search_path`` is the store's schema. Inside :meth:`Connections.transaction`
every call of the same store on the same thread (or asyncio task) uses the
transaction's connection, so an engine call and all the writes it makes
commit together. Inside :meth:`Connections.session` calls share one
connection without a transaction (one pool checkout for a worker's whole
task). Otherwise each call borrows a connection for its one statement.

A transaction is lazy: it sends nothing until a store call needs the
database. Then ``BEGIN``, the run locks asked for and the writes held back
(dispatched tasks, launch claims, a run's progress or end, reasons) travel
in one round trip; at the end the writes still held back travel with
``COMMIT``. Reasons recorded in a session outside any transaction wait for
the session's next transaction (a worker's: the one recording its task's
outcome), or for the session's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, NamedTuple

import psycopg
import psycopg.conninfo
import psycopg_pool

from dagabaaz.models import TaskContext
from dagabaaz.postgres._checks import IdleCheck
from dagabaaz.postgres._rows import ArtifactRow
from dagabaaz.postgres._snapshot import RunSnapshot

__all__ = [
    "Connections",
    "PendingReason",
    "PendingTask",
    "RunWrite",
    "Transaction",
    "session_options",
]


def session_options(conninfo: str, schema: str) -> str:
    """Return the ``options`` connection parameter: the DSN's own, then the schema's search_path.

    Settings given in the DSN (``options=-c synchronous_commit=off``) are kept.
    """
    given = psycopg.conninfo.conninfo_to_dict(conninfo).get("options") or ""
    return f"{given} -c search_path={schema}".strip()


class PendingTask(NamedTuple):
    """A task dispatched in a transaction, not yet inserted."""

    task_id: int
    run_id: str
    node_index: int
    plugin_name: str
    status: str
    input_artifact_id: str | None
    origin_artifact_id: str | None
    error: str | None


class PendingReason(NamedTuple):
    """A reason recorded and not written yet."""

    run_id: str
    node_index: int
    element: str
    """The reason as ``dagabaaz_record_reasons`` takes it: one JSON object, as text."""


class RunWrite(NamedTuple):
    """A change to a run's row decided under its lock and not sent yet."""

    progress: int | None = None
    status: str | None = None
    error: str | None = None


class Transaction:
    """One transaction of a store: what it knows, and what it still owes the database."""

    __slots__ = (
        "_open",
        "begun",
        "claims",
        "completed",
        "dispatched",
        "locking",
        "node_artifacts",
        "node_counts",
        "pending",
        "raw",
        "reason_errors",
        "reasons",
        "run_writes",
        "sent_reasons",
        "snapshots",
    )

    def __init__(
        self, connection: psycopg.Connection[Any], open_: Callable[[Transaction], None]
    ) -> None:
        self.raw = connection
        """The connection, as it is (the store sends BEGIN, locks and writes itself)."""
        self._open = open_
        self.begun = False
        """Whether BEGIN was sent."""
        self.locking: list[str] = []
        """Runs whose lock was asked for and not taken yet (taken with the next statement)."""
        self.pending: list[PendingTask] = []
        """Tasks dispatched here and not inserted yet."""
        self.claims: list[tuple[str, int]] = []
        """Launch claims (run, node) won under the run's lock and not written yet."""
        self.run_writes: dict[str, RunWrite] = {}
        """Progress and terminal claims decided under the run's lock and not written yet."""
        self.reasons: list[PendingReason] = []
        """Reasons recorded here (or held by the session before) and not written yet."""
        self.reason_errors: list[str] | None = None
        """Where the errors of reasons that could not be written go; None: logged."""
        self.sent_reasons: list[PendingReason] = []
        """The reasons of the write statement in flight."""
        self.snapshots: dict[str, RunSnapshot] = {}
        """The runs whose lock this transaction holds, with their counters."""
        self.completed: dict[str, TaskContext] = {}
        """Tasks this transaction completed (the engine asks about them next)."""
        self.node_artifacts: dict[tuple[str, int], list[ArtifactRow]] = {}
        """All the artifacts of a locked run's node, where this transaction wrote them all."""
        self.node_counts: dict[str, int] = {}
        self.dispatched = 0
        """Jobs this transaction enqueued (final once it committed)."""

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The connection, with the transaction begun and everything held back sent."""
        self._open(self)
        return self.raw

    @property
    def owes_writes(self) -> bool:
        """Whether writes are held back."""
        return bool(self.reasons) or self.owes_writes_but_reasons

    @property
    def owes_writes_but_reasons(self) -> bool:
        """Whether writes other than reasons are held back (reasons may wait longer)."""
        return bool(self.pending or self.claims or self.run_writes)


class Connections:
    """A pool plus the session and transaction bound to the current thread or task."""

    def __init__(
        self,
        conninfo: str,
        schema: str,
        *,
        min_size: int,
        max_size: int,
        application_name: str,
        open_: Callable[[Transaction], None],
        finish: Callable[[Transaction], None],
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
    ) -> None:
        if pool is None:
            idle_check = IdleCheck()
            pool = psycopg_pool.ConnectionPool(
                conninfo,
                min_size=min_size,
                max_size=max_size,
                kwargs={
                    "autocommit": True,
                    "options": session_options(conninfo, schema),
                    "application_name": application_name,
                },
                check=idle_check.check,
                reset=idle_check.reset,
                open=False,
                name=f"dagabaaz-{schema}",
            )
            pool.open(wait=True, timeout=30)
            self.owned = True
        else:
            self.owned = False
        self.pool = pool
        self._open = open_
        self._finish = finish
        self._current: ContextVar[Transaction | None] = ContextVar("dagabaaz_txn", default=None)
        self._session: ContextVar[psycopg.Connection[Any] | None] = ContextVar(
            "dagabaaz_session", default=None
        )
        self._held: ContextVar[list[PendingReason] | None] = ContextVar(
            "dagabaaz_held_reasons", default=None
        )

    def close(self) -> None:
        """Close the pool if this object created it."""
        if self.owned:
            self.pool.close()

    @property
    def current(self) -> Transaction | None:
        """The transaction bound here, if any."""
        return self._current.get()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Yield the bound transaction's connection (opened, writes sent), the session's, or one."""
        txn = self._current.get()
        if txn is not None:
            yield txn.connection
            return
        session = self._session.get()
        if session is not None:
            yield session
            return
        with self.pool.connection() as conn:
            yield conn

    @property
    def held(self) -> list[PendingReason] | None:
        """The reasons the session bound here holds for its next transaction (None: no session)."""
        return self._held.get()

    @contextmanager
    def session(self) -> Iterator[list[PendingReason] | None]:
        """Run the block's calls on one pooled connection (re-entrant).

        The outermost session yields the list of the reasons it holds: what
        is left in it when the block ends was not taken by a transaction.
        """
        if self._session.get() is not None or self._current.get() is not None:
            yield None
            return
        held: list[PendingReason] = []
        with self.pool.connection() as conn:
            token, held_token = self._session.set(conn), self._held.set(held)
            try:
                yield held
            finally:
                self._held.reset(held_token)
                self._session.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Bind a transaction here (or join the one already bound) for the block.

        The outermost block ends by sending the writes held back with
        ``COMMIT``; an exception rolls back whatever was sent.
        """
        txn = self._current.get()
        if txn is not None:
            yield txn
            return
        session = self._session.get()
        # BEGIN and COMMIT are sent by the store, each with other statements
        # (no pipeline mode: with several threads per process it cost more
        # client CPU than the round trips it saved, measured).
        with self._borrow(session) as conn:
            txn = Transaction(conn, self._open)
            held = self._held.get()
            if held:
                # Written with this transaction, or lost with it (best effort).
                txn.reasons.extend(held)
                held.clear()
            token = self._current.set(txn)
            try:
                yield txn
                self._finish(txn)
            except BaseException:
                _roll_back(conn)
                raise
            finally:
                self._current.reset(token)

    @contextmanager
    def _borrow(self, session: psycopg.Connection[Any] | None) -> Iterator[psycopg.Connection[Any]]:
        if session is not None:
            yield session
        else:
            with self.pool.connection() as conn:
                yield conn


def _roll_back(conn: psycopg.Connection[Any]) -> None:
    """End an open or failed transaction; a broken connection is left for the pool to drop."""
    if conn.info.transaction_status in (
        psycopg.pq.TransactionStatus.INTRANS,
        psycopg.pq.TransactionStatus.INERROR,
    ):
        with suppress(psycopg.Error):
            conn.execute("ROLLBACK", prepare=False)
