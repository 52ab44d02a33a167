"""Testing a pooled connection before lending it, only when it sat idle.

A pool that tests every connection it lends (an empty query) spends one round
trip per borrow: on a busy worker, one statement in every task. A connection
returned a moment ago is alive unless the server went away in that moment,
and then the statement that uses it fails and the caller's error path (a job
retried with a growing wait) covers it, as it must for a server lost in the
middle of a transaction anyway. So the test runs only for a connection that
sat in the pool for :data:`IDLE_SECONDS` or more, where a server restart or an
idle timeout of a proxy is likely to have closed it unseen.

procrastinate's own pool (the worker's job fetching) keeps its test of every
connection: without it, the pool reconnected while the server was shutting
down, and in 3 of 25 restarts of the test server the old server then waited
60 seconds for a connection attempt before it stopped.
"""

from __future__ import annotations

import time
from typing import Any, Final

import psycopg_pool

__all__ = ["IDLE_SECONDS", "IdleCheck"]

IDLE_SECONDS: Final = 1.0

_RETURNED_AT = "_dagabaaz_returned_at"


class IdleCheck:
    """The ``check`` and ``reset`` callbacks of a psycopg pool that test idle connections only.

    Args:
        idle_seconds: A connection idle this long is tested before it is lent.
    """

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds

    def _fresh(self, connection: Any) -> bool:
        returned: float | None = getattr(connection, _RETURNED_AT, None)
        return returned is not None and time.monotonic() - returned < self.idle_seconds

    def check(self, connection: Any) -> None:
        """Test the connection (one empty query) unless it was returned a moment ago."""
        if not self._fresh(connection):
            psycopg_pool.ConnectionPool.check_connection(connection)

    def reset(self, connection: Any) -> None:
        """Note when the connection came back to the pool."""
        setattr(connection, _RETURNED_AT, time.monotonic())
