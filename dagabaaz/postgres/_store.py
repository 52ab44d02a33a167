"""PostgresStore: every store protocol over PostgreSQL, through psycopg 3 and its pool.

How it keeps the engine's guarantees:

* **Per-run serialization.** :meth:`PostgresStore.run_lock` opens one
  transaction and locks the run's row (``UPDATE ... RETURNING``, which also
  stamps ``touched_at`` and reads the run's counters); every store call
  inside uses that transaction, so an engine call and every write it makes,
  queue jobs included, commit together.
* **Atomic claims.** A launch claim is ``UPDATE dagabaaz_nodes SET launched =
  true WHERE ... AND NOT launched``; a terminal claim is an ``UPDATE`` guarded
  by the run's status; a task changes state only ``WHERE status`` is live.
* **Counters, not counts.** A trigger keeps per-node counters (tasks, terminal,
  skipped, succeeded) in step with every insert, status change and delete of
  a task; the barrier, the summary and the done nodes read them, and within a
  locked transaction a copy kept in step answers without a round trip.
* **Reasons never cost the run.** A reason rides with the transaction's
  other writes and is inserted in a subtransaction of its own: one the
  server refuses is logged and dropped, the rest commits. A retry keeps a
  node's earlier reasons, as :class:`~dagabaaz.memory.InMemoryStore` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dagabaaz._stores.rules import STATUS_OF
from dagabaaz.constants import TERMINAL_RUN_STATUSES, NodeSummaryStatus, RunStatus
from dagabaaz.errors import StoreError, StoreTypeError
from dagabaaz.models import DagArtifact, DagNode, TaskArtifact, TaskContext
from dagabaaz.postgres._application import ApplicationWrites
from dagabaaz.postgres._connections import PendingTask
from dagabaaz.postgres._reasons import ReasonRecords
from dagabaaz.postgres._records import STATUS_OF_RUN
from dagabaaz.postgres._rows import (
    ARTIFACT_COLUMNS,
    ArtifactRow,
    check_indices,
    dag_artifact,
    db_key,
    task_artifact,
)
from dagabaaz.postgres._snapshot import LIVE
from dagabaaz.store import RetryableTask

__all__ = ["PostgresStore"]

_TERMINAL_RUNS = sorted(status.value for status in TERMINAL_RUN_STATUSES)

_ARTIFACTS_OF_NODES = f"""
    SELECT r.node_count, {ARTIFACT_COLUMNS}
      FROM dagabaaz_runs r
      LEFT JOIN LATERAL (
            SELECT a.*, q.position
              FROM unnest(%(nodes)s::integer[]) WITH ORDINALITY AS q(node_index, position)
              JOIN dagabaaz_artifacts a
                ON a.run_id = r.id AND a.node_index = q.node_index {{extra}}
           ) a ON true
     WHERE r.id = %(run)s
     ORDER BY a.position, a.id"""


class PostgresStore(ApplicationWrites, ReasonRecords):
    """A store over PostgreSQL: DagStore, TaskInputStore, DagRetryStore and ReasonStore.

    Also the application's writes (:meth:`create_run`, :meth:`complete_task`,
    :meth:`reopen_run`), :meth:`run_lock` and the read-outs of
    :class:`~dagabaaz.memory.InMemoryStore` (:meth:`tasks`,
    :meth:`queued_tasks`, :meth:`run`), so it also serves the local runner.

    Args:
        conninfo: A libpq connection string or URI (``postgresql:///app``).
        schema: The schema holding the tables (see :func:`dagabaaz.postgres.migrate`).
        queue: Turns dispatched tasks into jobs in the same transaction; without
            one, tasks wait as ``queued`` rows.
        min_size: Connections the pool keeps open.
        max_size: Most connections the pool opens (one per concurrent call).
        pool: Use this psycopg pool instead of creating one; its connections
            must be in autocommit mode with ``search_path`` set to ``schema``.
        max_json_bytes: Largest run input, node config or output metadata, as JSON.
        application_name: What ``pg_stat_activity`` shows for the connections.

    Raises:
        StoreError: ``schema`` is not a plain identifier.
    """

    # --- DagStore ----------------------------------------------------------------

    def get_run_status(self, run_id: str) -> RunStatus | None:
        """Return the run's status, or None for an unknown run."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            return STATUS_OF_RUN[snapshot.status]
        row = self._row("SELECT status FROM dagabaaz_runs WHERE id = %s", (run_id,))
        return None if row is None else STATUS_OF_RUN[row[0]]

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus, int, int]:
        """Return ``(run_status, total_tasks, terminal_tasks)`` from the node's counters."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            check_indices(run_id, [node_index], snapshot.node_count)
            return (
                STATUS_OF_RUN[snapshot.status],
                snapshot.total[node_index],
                snapshot.terminal[node_index],
            )
        row = self._row(
            """SELECT r.status, r.node_count, n.total, n.terminal
                 FROM dagabaaz_runs r
                 LEFT JOIN dagabaaz_nodes n ON n.run_id = r.id AND n.node_index = %s
                WHERE r.id = %s""",
            (node_index if type(node_index) is int else -1, run_id),
        )
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        status, count, total, terminal = row
        if total is None:
            check_indices(run_id, [node_index], count)
        return STATUS_OF_RUN[status], total, terminal

    def get_run_nodes(self, run_id: str) -> list[DagNode]:
        """Return the run's pipeline, in node-index order (fresh objects)."""
        row = self._row("SELECT nodes FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        return [DagNode.model_validate(fields) for fields in row[0]]

    def try_claim_run_terminal(
        self, run_id: str, status: RunStatus, error: str | None = None
    ) -> bool:
        """Move the run to terminal ``status`` unless it is terminal already; True once."""
        if status not in TERMINAL_RUN_STATUSES:
            raise StoreError(f"try_claim_run_terminal: '{status}' is not a terminal run status")
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            # Under the run's lock the outcome is known: written when the transaction next sends.
            if snapshot.status in _TERMINAL_RUNS:
                return False
            snapshot.status = str(status)
            self._hold_run_write(run_id, status=str(status), error=error)
            return True
        row = self._row(
            """WITH run AS (
                   UPDATE dagabaaz_runs SET status = %(status)s, error = %(error)s
                    WHERE id = %(id)s AND status <> ALL(%(terminal)s)
                RETURNING id)
               INSERT INTO dagabaaz_run_events (run_id, status, error)
               SELECT id, %(status)s, %(error)s FROM run
               RETURNING run_id""",
            {"status": str(status), "error": error, "id": run_id, "terminal": _TERMINAL_RUNS},
        )
        if row is None:
            self._node_count(run_id)  # raises for an unknown run
            return False
        return True

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        """Record how many nodes finished without a failure."""
        if self._snapshot(run_id) is not None:
            self._hold_run_write(run_id, progress=completed_count)
            return
        row = self._row(
            "UPDATE dagabaaz_runs SET progress = %s WHERE id = %s RETURNING 1",
            (completed_count, run_id),
        )
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")

    def get_task_context(self, task_id: str) -> TaskContext | None:
        """Return the task's run, node, status and input artifact, or None for an unknown task.

        (A task this transaction completed comes without its input artifact:
        only a failure's reason reads it.)
        """
        txn = self._db.current
        if txn is not None and task_id in txn.completed:
            return txn.completed[task_id]
        key = db_key(task_id)
        if key is None:
            return None
        row = self._row(
            """SELECT run_id, node_index, status, input_artifact_id
                 FROM dagabaaz_tasks WHERE id = %s""",
            (key,),
        )
        if row is None:
            return None
        return TaskContext(
            run_id=row[0],
            node_index=row[1],
            status=STATUS_OF[row[2]],
            input_artifact_id=row[3],
        )

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes that have tasks, all of them terminal (from the counters)."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            return set(snapshot.done())
        return self._node_indices(run_id, "n.total > 0 AND n.terminal = n.total")

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes whose launch has been claimed."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            return {i for i, launched in enumerate(snapshot.launched) if launched}
        return self._node_indices(run_id, "n.launched")

    def _node_indices(self, run_id: str, condition: str) -> set[int]:
        rows = self._rows(
            f"""SELECT n.node_index FROM dagabaaz_runs r
                  LEFT JOIN dagabaaz_nodes n ON n.run_id = r.id AND {condition}
                 WHERE r.id = %s""",
            (run_id,),
        )
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        return {row[0] for row in rows if row[0] is not None}

    def get_node_summary(self, run_id: str) -> dict[int, NodeSummaryStatus]:
        """Return, per done node: skipped, completed (completed or filtered) or partial."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            return snapshot.summary()
        rows = self._rows(
            """SELECT n.node_index, n.total, n.skipped, n.succeeded FROM dagabaaz_runs r
                 LEFT JOIN dagabaaz_nodes n
                   ON n.run_id = r.id AND n.total > 0 AND n.terminal = n.total
                WHERE r.id = %s ORDER BY n.node_index""",
            (run_id,),
        )
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        summary = {}
        for index, total, skipped, succeeded in rows:
            if index is None:
                continue
            if skipped == total:
                summary[index] = NodeSummaryStatus.SKIPPED
            elif succeeded == total:
                summary[index] = NodeSummaryStatus.COMPLETED
            else:
                summary[index] = NodeSummaryStatus.PARTIAL
        return summary

    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        """Claim the launch of one node; True for exactly one caller."""
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            # Under the run's lock the claim's outcome is known: written with the next statement.
            check_indices(run_id, [node_index], snapshot.node_count)
            if snapshot.launched[node_index]:
                return False
            snapshot.launched[node_index] = True
            self._hold_claim(run_id, node_index)
            return True
        row = self._row(
            """UPDATE dagabaaz_nodes SET launched = true
                WHERE run_id = %s AND node_index = %s AND NOT launched RETURNING 1""",
            (run_id, node_index if type(node_index) is int else -1),
        )
        if row is not None:
            return True
        check_indices(run_id, [node_index], self._node_count(run_id))
        return False

    def dispatch_task(
        self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
    ) -> str:
        """Create a queued task; its job is enqueued in the same transaction."""
        return self._add_task(run_id, node_index, plugin_name, "queued", input_artifact_id, None)

    def dispatch_grouped_task(
        self, run_id: str, node_index: int, plugin_name: str, origin_artifact_id: str
    ) -> str:
        """Create the queued task of one origin group; its job is enqueued with it."""
        return self._add_task(run_id, node_index, plugin_name, "queued", None, origin_artifact_id)

    def dispatch_skipped_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal skipped marker task (no job)."""
        return self._add_task(run_id, node_index, plugin_name, "skipped", None, None)

    def dispatch_filtered_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal filtered marker task (no job)."""
        return self._add_task(run_id, node_index, plugin_name, "filtered", None, None)

    def dispatch_failed_task(
        self, run_id: str, node_index: int, plugin_name: str, error: str
    ) -> str:
        """Record a terminal failed marker task carrying ``error`` (no job)."""
        return self._add_task(run_id, node_index, plugin_name, "failed", None, None, error)

    def _add_task(
        self,
        run_id: str,
        node_index: int,
        plugin_name: str,
        status: str,
        input_artifact_id: str | None,
        origin: str | None,
        error: str | None = None,
    ) -> str:
        # Written when the transaction next talks to the database, or commits
        # (a call on its own commits at once): a node's many dispatches become
        # one insert and one batch of jobs.
        with self._db.transaction() as txn:
            check_indices(run_id, [node_index], self._node_count(run_id))
            task_id = self._next_task_id()
            txn.pending.append(
                PendingTask(
                    task_id,
                    run_id,
                    node_index,
                    plugin_name,
                    status,
                    input_artifact_id,
                    origin,
                    error,
                )
            )
            snapshot = txn.snapshots.get(run_id)
            if snapshot is not None:
                snapshot.count(node_index, None, status)
        return str(task_id)

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        """Fail a live task; its run id, or None when unknown or already terminal."""
        return self._finish_task(task_id, "failed", error)

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        """Crash a live task; its run id, or None when unknown or already terminal."""
        return self._finish_task(task_id, "crashed", error)

    def _finish_task(self, task_id: str, status: str, error: str) -> str | None:
        key = db_key(task_id)
        if key is None:
            return None
        row = self._row(
            """UPDATE dagabaaz_tasks
                  SET status = %s, error = %s, finished_at = clock_timestamp()
                WHERE id = %s AND status IN ('pending', 'queued', 'running')
            RETURNING run_id, node_index""",
            (status, error, key),
        )
        if row is None:
            return None
        run_id: str = row[0]
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            snapshot.count(row[1], "running", status)
        return run_id

    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        """Cancel every pending, queued or running task, and withdraw their waiting jobs."""
        with self.transaction() as conn:
            rows = conn.execute(
                """UPDATE dagabaaz_tasks
                      SET status = 'cancelled', error = %s, finished_at = clock_timestamp()
                    WHERE run_id = %s AND status IN ('pending', 'queued', 'running')
                RETURNING job_id, node_index""",
                (reason, run_id),
            ).fetchall()
            self._withdraw(conn, [job for job, _ in rows if job is not None])
            snapshot = self._snapshot(run_id)
            if snapshot is not None:
                for _, node_index in rows:
                    snapshot.count(node_index, "running", "cancelled")
            return len(rows)

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        return [dag_artifact(row) for row in self._artifacts(run_id, node_indices)]

    def _artifacts(
        self,
        run_id: str,
        node_indices: Sequence[int],
        extra: str = "",
        keep: Callable[[ArtifactRow], bool] | None = None,
        **params: Any,
    ) -> list[ArtifactRow]:
        """Return the artifacts of the nodes, in node order then production order.

        ``extra`` narrows the query; ``keep`` is the same test in Python, for
        the artifacts this transaction knows already (see :meth:`_known_artifacts`).
        """
        known = self._known_artifacts(run_id, node_indices)
        if known is not None:
            return known if keep is None else [row for row in known if keep(row)]
        indices = [i if type(i) is int else -1 for i in _as_list(run_id, node_indices)]
        rows = self._rows(
            _ARTIFACTS_OF_NODES.format(extra=extra), {"nodes": indices, "run": run_id, **params}
        )
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        check_indices(run_id, node_indices, rows[0][0])
        return [row[1:] for row in rows if row[1] is not None]

    # --- TaskInputStore --------------------------------------------------------------

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        """Return one artifact as a worker sees it, or None."""
        row = self._artifact_row(artifact_id)
        return None if row is None else task_artifact(row)

    def _artifact_row(self, artifact_id: str) -> ArtifactRow | None:
        memo = self._artifact_memo.get()
        if memo is not None and artifact_id in memo:
            return memo[artifact_id]
        key = db_key(artifact_id)
        if key is None:
            return None
        row = self._row(
            f"SELECT {ARTIFACT_COLUMNS} FROM dagabaaz_artifacts a WHERE a.id = %s", (key,)
        )
        if memo is not None and row is not None:
            memo[artifact_id] = row
        return row

    def get_task_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        return [task_artifact(row) for row in self._artifacts(run_id, node_indices)]

    def get_grouped_artifacts(
        self, run_id: str, dep_indices: Sequence[int], origin_id: str
    ) -> list[TaskArtifact]:
        """Return the given nodes' artifacts that descend from ``origin_id``, oldest first."""
        rows = self._artifacts(
            run_id,
            dep_indices,
            "AND a.origin_artifact_id = %(origin)s",
            lambda row: row[6] == origin_id,
            origin=origin_id,
        )
        rows.sort(key=lambda row: row[0])
        return [task_artifact(row) for row in rows]

    def get_broadcast_artifacts(
        self, run_id: str, dep_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that have no origin."""
        rows = self._artifacts(
            run_id, dep_indices, "AND a.origin_artifact_id IS NULL", lambda row: row[6] is None
        )
        return [task_artifact(row) for row in rows]

    def get_run_input(self, run_id: str) -> dict[str, Any]:
        """Return the run's input values (a fresh copy)."""
        row = self._row("SELECT run_input FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        values: dict[str, Any] = row[0]
        return values

    def get_artifacts_partitioned(
        self, run_id: str, node_indices: Sequence[int]
    ) -> dict[int, list[TaskArtifact]]:
        """Return the artifacts of each given node (an empty list for a node without any)."""
        indices = _as_list(run_id, node_indices)
        found: dict[int, list[TaskArtifact]] = {index: [] for index in indices}
        for row in self._artifacts(run_id, list(dict.fromkeys(indices))):
            found[row[7]].append(task_artifact(row))
        return found

    def get_artifact_producing_node(self, artifact_id: str) -> int | None:
        """Return the index of the node that produced the artifact, or None."""
        row = self._artifact_row(artifact_id)
        return None if row is None else row[7]

    def get_artifact_run(self, artifact_id: str) -> str | None:
        """Return the id of the run holding the artifact, or None (workers check with it)."""
        row = self._artifact_row(artifact_id)
        return None if row is None else row[8]

    # --- DagRetryStore -----------------------------------------------------------------

    def delete_node_launches(self, run_id: str, node_indices: Sequence[int]) -> None:
        """Forget the launch claims of the given nodes."""
        indices = check_indices(run_id, node_indices, self._node_count(run_id))
        with self._db.connection() as conn:
            conn.execute(
                """UPDATE dagabaaz_nodes SET launched = false
                    WHERE run_id = %s AND node_index = ANY(%s)""",
                (run_id, indices),
            )
        snapshot = self._snapshot(run_id)
        if snapshot is not None:
            for index in indices:
                snapshot.launched[index] = False

    def delete_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete every task and artifact at the given nodes; return how many tasks."""
        return self._delete_tasks(run_id, node_indices, "")

    def delete_non_completed_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete the tasks at the given nodes whose status is not completed."""
        return self._delete_tasks(run_id, node_indices, "AND status <> 'completed'")

    def _delete_tasks(self, run_id: str, node_indices: Sequence[int], condition: str) -> int:
        indices = check_indices(run_id, node_indices, self._node_count(run_id))
        with self.transaction() as conn:
            rows = conn.execute(
                f"""DELETE FROM dagabaaz_tasks
                     WHERE run_id = %s AND node_index = ANY(%s) {condition}
                 RETURNING job_id, status""",
                (run_id, indices),
            ).fetchall()
            self._withdraw(
                conn, [job for job, status in rows if job is not None and status in LIVE]
            )
            txn = self._db.current
            if txn is not None:
                txn.completed.clear()
            self._forget_snapshot(run_id)
            return len(rows)

    def get_retryable_tasks(self, run_id: str, node_indices: Sequence[int]) -> list[RetryableTask]:
        """Return the tasks at the given nodes whose status is not completed."""
        indices = check_indices(run_id, node_indices, self._node_count(run_id))
        rows = self._rows(
            """SELECT t.id, t.node_index, t.plugin_name, t.input_artifact_id, t.origin_artifact_id
                 FROM unnest(%s::integer[]) WITH ORDINALITY AS q(node_index, position)
                 JOIN dagabaaz_tasks t ON t.run_id = %s AND t.node_index = q.node_index
                WHERE t.status <> 'completed'
                ORDER BY q.position, t.created_at, t.id""",
            (indices, run_id),
        )
        return [
            RetryableTask(str(task_id), node, plugin, input_id, origin)
            for task_id, node, plugin, input_id, origin in rows
        ]


def _as_list(run_id: str, indices: Sequence[int]) -> list[int]:
    if isinstance(indices, str | bytes):
        raise StoreTypeError(f"run '{run_id}': node indices must be a list of int, not a string")
    return list(indices)
