"""Which connection a store call uses: the caller's transaction, or one of its own.

A :class:`Connections` owns a psycopg pool of autocommit connections whose
``search_path`` is the store's schema. Inside :meth:`Connections.transaction`
every call of the same store on the same thread (or asyncio task) uses the
transaction's connection, so an engine call and all the writes it makes
commit together; outside one, each call borrows a connection, runs as its own
statement and gives it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg_pool

from dagabaaz.postgres._queue import QueuedTask

__all__ = ["Connections", "Transaction", "session_options"]


def session_options(conninfo: str, schema: str) -> str:
    """Return the ``options`` connection parameter: the DSN's own, then the schema's search_path.

    Settings given in the DSN (``options=-c synchronous_commit=off``) are kept.
    """
    given = psycopg.conninfo.conninfo_to_dict(conninfo).get("options") or ""
    return f"{given} -c search_path={schema}".strip()


@dataclass(slots=True)
class Transaction:
    """One open transaction of a store: its connection and what it must do before commit."""

    connection: psycopg.Connection[Any]
    jobs: list[QueuedTask] = field(default_factory=list)
    """Tasks dispatched in this transaction whose jobs are enqueued just before commit."""
    locked: set[str] = field(default_factory=set)
    """Runs whose lock this transaction holds."""
    dispatched: int = 0
    """Jobs this transaction enqueued (known once it committed)."""


class Connections:
    """A pool plus the transaction bound to the current thread or task."""

    def __init__(
        self,
        conninfo: str,
        schema: str,
        *,
        min_size: int,
        max_size: int,
        application_name: str,
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
        self._current: ContextVar[Transaction | None] = ContextVar("dagabaaz_txn", default=None)

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
        """Yield the bound transaction's connection, or a pooled autocommit one."""
        txn = self._current.get()
        if txn is not None:
            yield txn.connection
            return
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self, before_commit: Callable[[Transaction], None]) -> Iterator[Transaction]:
        """Bind a transaction here (or join the one already bound) for the block.

        ``before_commit`` runs when the outermost block ends without an error,
        inside the transaction.
        """
        txn = self._current.get()
        if txn is not None:
            yield txn
            return
        with self.pool.connection() as conn, conn.transaction():
            txn = Transaction(conn)
            token = self._current.set(txn)
            try:
                yield txn
                before_commit(txn)
            finally:
                self._current.reset(token)
