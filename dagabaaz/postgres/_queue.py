"""The seam between the store and a job queue living in the same database.

A :class:`TaskQueue` turns dispatched tasks into queue jobs on the
connection of the transaction that dispatched them, so a task and its job
commit together or not at all: no job for a task that was rolled back, no
task without its job. :class:`dagabaaz.procrastinate.ProcrastinateQueue` is
the one shipped; without a queue the store keeps tasks as ``queued`` rows for
the application to poll (:meth:`PostgresStore.queued_tasks`).

A queue that is also a :class:`SqlTaskQueue` gives the SQL that enqueues the
jobs instead of running it: the store then writes the tasks and their jobs in
one statement, one round trip fewer for every transaction that dispatches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["QueuedTask", "SqlTaskQueue", "TaskQueue"]


@dataclass(frozen=True, slots=True)
class QueuedTask:
    """A task the store just dispatched, as the queue needs it."""

    task_id: str
    run_id: str
    node_index: int
    plugin_name: str


@runtime_checkable
class TaskQueue(Protocol):
    """Enqueues and cancels the jobs of tasks, inside the store's transaction."""

    def enqueue(self, connection: Any, tasks: Sequence[QueuedTask]) -> Sequence[int]:
        """Create one job per task on ``connection`` (a psycopg connection in a transaction).

        Returns:
            The jobs' ids, in the order of ``tasks``.
        """
        ...

    def cancel(self, connection: Any, job_ids: Sequence[int]) -> None:
        """Withdraw the jobs that no worker took yet; leave the others alone."""
        ...


@runtime_checkable
class SqlTaskQueue(TaskQueue, Protocol):
    """A :class:`TaskQueue` whose jobs can be enqueued by a SQL expression."""

    def enqueue_sql(self, tasks: Sequence[QueuedTask]) -> tuple[str, Sequence[Any]]:
        """Return the SQL that enqueues one job per task, with its parameters.

        The SQL (``%s`` placeholders) is an expression of type ``bigint[]``
        evaluating to the jobs' ids in the order of ``tasks``. The store
        evaluates it once, in the statement that inserts the tasks.
        """
        ...
