"""The seam between the store and a job queue living in the same database.

A :class:`TaskQueue` turns dispatched tasks into queue jobs on the
connection of the transaction that dispatched them, so a task and its job
commit together or not at all: no job for a task that was rolled back, no
task without its job. :class:`dagabaaz.procrastinate.ProcrastinateQueue` is
the one shipped; without a queue the store keeps tasks as ``queued`` rows for
the application to poll (:meth:`PostgresStore.queued_tasks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["QueuedTask", "TaskQueue"]


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
