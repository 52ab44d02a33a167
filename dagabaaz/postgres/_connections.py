"""Which connection a store call uses: the caller's transaction, its session, or its own.

A :class:`Connections` owns a psycopg pool of autocommit connections whose
``search_path`` is the store's schema. Inside :meth:`Connections.transaction`
every call of the same store on the same thread (or asyncio task) uses the
transaction's connection, so an engine call and all the writes it makes
commit together. Inside :meth:`Connections.session` calls share one
connection without a transaction (one pool checkout for a worker's whole
task). Otherwise each call borrows a connection for its one statement.

A transaction also holds what it wrote but did not send yet: tasks are
inserted (and their jobs enqueued) in one statement when the transaction
next talks to the database, or commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import psycopg
import psycopg.conninfo
import psycopg_pool

from dagabaaz.models import TaskContext
from dagabaaz.postgres._snapshot import RunSnapshot

__all__ = ["Connections", "PendingTask", "Transaction", "session_options"]


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


@dataclass(slots=True)
class Transaction:
    """One open transaction of a store and what it knows and owes."""

    connection: psycopg.Connection[Any]
    pending: list[PendingTask] = field(default_factory=list)
    """Tasks dispatched here and not inserted yet."""
    snapshots: dict[str, RunSnapshot] = field(default_factory=dict)
    """The runs whose lock this transaction holds, with their counters."""
    completed: dict[str, TaskContext] = field(default_factory=dict)
    """Tasks this transaction completed (the engine asks about them next)."""
    node_counts: dict[str, int] = field(default_factory=dict)
    dispatched: int = 0
    """Jobs this transaction enqueued (final once it committed)."""


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
        flush: Callable[[Transaction], None],
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
    ) -> None:
        if pool is None:
            pool = psycopg_pool.ConnectionPool(
                conninfo,
                min_size=min_size,
                max_size=max_size,
                kwargs={
                    "autocommit": True,
                    "options": session_options(conninfo, schema),
                    "application_name": application_name,
                },
                check=psycopg_pool.ConnectionPool.check_connection,
                open=False,
                name=f"dagabaaz-{schema}",
            )
            pool.open(wait=True, timeout=30)
            self.owned = True
        else:
            self.owned = False
        self.pool = pool
        self._flush = flush
        self._current: ContextVar[Transaction | None] = ContextVar("dagabaaz_txn", default=None)
        self._session: ContextVar[psycopg.Connection[Any] | None] = ContextVar(
            "dagabaaz_session", default=None
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
        """Yield the bound transaction's connection (writes sent first), the session's, or one."""
        txn = self._current.get()
        if txn is not None:
            if txn.pending:
                self._flush(txn)
            yield txn.connection
            return
        session = self._session.get()
        if session is not None:
            yield session
            return
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run the block's calls on one pooled connection (re-entrant)."""
        if self._session.get() is not None or self._current.get() is not None:
            yield
            return
        with self.pool.connection() as conn:
            token = self._session.set(conn)
            try:
                yield
            finally:
                self._session.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Bind a transaction here (or join the one already bound) for the block.

        Pending writes are sent when the outermost block ends without an
        error, inside the transaction.
        """
        txn = self._current.get()
        if txn is not None:
            yield txn
            return
        session = self._session.get()
        # No pipeline mode: it saves round trips, but with several worker
        # threads per process its client loop halved throughput (measured).
        with self._borrow(session) as conn, conn.transaction():
            txn = Transaction(conn)
            token = self._current.set(txn)
            try:
                yield txn
                self._flush(txn)
            finally:
                self._current.reset(token)

    @contextmanager
    def _borrow(self, session: psycopg.Connection[Any] | None) -> Iterator[psycopg.Connection[Any]]:
        if session is not None:
            yield session
        else:
            with self.pool.connection() as conn:
                yield conn
