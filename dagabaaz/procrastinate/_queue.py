"""Procrastinate jobs for dispatched tasks, deferred on the store's own connection."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import procrastinate
from procrastinate.types import JSONValue

from dagabaaz.postgres import QueuedTask

__all__ = ["DEFAULT_QUEUE", "SWEEP_TASK", "TASK", "ProcrastinateQueue"]

TASK: Final = "dagabaaz.run_task"
"""The procrastinate task that runs one dagabaaz task (job arguments: ``task_id``, ``run_id``)."""

SWEEP_TASK: Final = "dagabaaz.sweep"
"""The periodic task that recovers stalled jobs and reconciles idle runs."""

DEFAULT_QUEUE: Final = "dagabaaz"
"""The procrastinate queue dagabaaz jobs go to unless told otherwise."""


_DEFER_SQL = """procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(%s, %s, %s, NULL, NULL, a.arguments, NULL)::procrastinate_job_to_defer_v1
      FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS a(arguments, position)
     ORDER BY a.position))"""
"""procrastinate's function for deferring jobs (what ``batch_defer`` calls), one row per task:
queue, task name, priority, no lock, no queueing lock, the arguments, no schedule."""


class ProcrastinateQueue:
    """A :class:`~dagabaaz.postgres.SqlTaskQueue` that defers one procrastinate job per task.

    The jobs are inserted in the store's transaction, so they become visible
    to workers exactly when the state change that decided them commits: by
    procrastinate's own SQL function for deferring jobs, called in the
    statement that inserts the tasks (:meth:`enqueue_sql`), or by its
    ``batch_defer`` on the store's connection (:meth:`enqueue`).

    Args:
        queue: The procrastinate queue the jobs go to.
        priority: The jobs' priority (higher runs first).
    """

    def __init__(self, *, queue: str = DEFAULT_QUEUE, priority: int = 0) -> None:
        self.queue = queue
        self.priority = priority
        # Never opened: with an external connection the sync connector needs no pool.
        self._app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())

    def enqueue(self, connection: Any, tasks: Sequence[QueuedTask]) -> list[int]:
        """Defer one job per task on ``connection``; return the job ids in order."""
        deferrer = self._app.configure_task(
            TASK, queue=self.queue, priority=self.priority, connection=connection
        )
        arguments: list[dict[str, JSONValue]] = [
            {"task_id": task.task_id, "run_id": task.run_id} for task in tasks
        ]
        ids: list[int] = deferrer.batch_defer(*arguments)
        return ids

    def enqueue_sql(self, tasks: Sequence[QueuedTask]) -> tuple[str, Sequence[Any]]:
        """Return the SQL deferring one job per task (ids in order), as ``batch_defer`` does."""
        arguments = json.dumps([{"task_id": task.task_id, "run_id": task.run_id} for task in tasks])
        return _DEFER_SQL, (self.queue, TASK, self.priority, arguments)

    def cancel(self, connection: Any, job_ids: Sequence[int]) -> None:
        """Cancel the jobs still waiting (``todo``); running ones finish and are ignored."""
        for job_id in job_ids:
            self._app.job_manager.cancel_job_by_id(job_id, connection=connection)
