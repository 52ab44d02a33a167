"""PostgresStore: every store protocol over PostgreSQL, through psycopg 3 and its pool.

How it keeps the engine's guarantees:

* **Per-run serialization.** :meth:`PostgresStore.run_lock` opens one
  transaction and locks the run's row (``UPDATE ... RETURNING``, which also
  stamps ``touched_at``); every store call inside uses that transaction, so an
  engine call and every write it makes, queue jobs included, commit together.
* **Atomic claims.** A launch claim is ``UPDATE dagabaaz_nodes SET launched =
  true WHERE ... AND NOT launched``; a terminal claim is an ``UPDATE`` guarded
  by the run's status; a task changes state only ``WHERE status`` is live.
* **Counters, not counts.** A trigger keeps per-node counters (tasks, terminal,
  skipped, succeeded) in step with every insert, status change and delete of
  a task; the barrier, the summary and the done nodes read them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

import psycopg
import psycopg_pool
from psycopg import errors

from dagabaaz._memory_state import (
    STATUS_OF,
    RunRecord,
    TaskRecord,
    check_depth,
    prepare_outputs,
)
from dagabaaz.constants import (
    TERMINAL_RUN_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
)
from dagabaaz.errors import StoreError
from dagabaaz.models import DagArtifact, DagNode, Output, TaskArtifact, TaskContext
from dagabaaz.postgres._connections import Connections, Transaction
from dagabaaz.postgres._migrate import check_schema_name
from dagabaaz.postgres._queue import QueuedTask, TaskQueue
from dagabaaz.postgres._rows import (
    ARTIFACT_COLUMNS,
    ArtifactRow,
    check_indices,
    dag_artifact,
    db_key,
    task_artifact,
)
from dagabaaz.postgres._values import DEFAULT_MAX_JSON_BYTES, encode_json
from dagabaaz.store import RetryableTask

__all__ = ["NodeProgress", "PostgresStore", "RunDefinition", "StartedTask"]

_LIVE = ("pending", "queued", "running")
_TERMINAL_RUNS = tuple(sorted(status.value for status in TERMINAL_RUN_STATUSES))
_REOPENABLE = ("cancelled", "crashed", "failed")

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


class PostgresStore:
    """A store over PostgreSQL: DagStore, TaskInputStore and DagRetryStore.

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
            pool=pool,
        )
        self._artifact_memo: ContextVar[dict[str, ArtifactRow] | None] = ContextVar(
            "dagabaaz_artifact_memo", default=None
        )

    def close(self) -> None:
        """Close the connection pool (when the store created it)."""
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transactions ----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """Run the block's store calls in one transaction on one connection (re-entrant).

        Queue jobs of the tasks dispatched inside are enqueued on that
        connection just before it commits; an exception rolls everything back.
        """
        with self._db.transaction(self._before_commit) as txn:
            yield txn.connection

    @contextmanager
    def run_lock(self, run_id: str) -> Iterator[Transaction]:
        """Serialize engine calls for one run: a transaction holding the run's row lock.

        Re-entrant. Other runs are not blocked. The lock also stamps the run's
        ``touched_at``, which the stalled-run sweep reads. Yields the
        transaction (its ``dispatched`` count is final once the block ends).
        """
        with self._db.transaction(self._before_commit) as txn:
            if run_id not in txn.locked:
                txn.connection.execute(
                    "UPDATE dagabaaz_runs SET touched_at = now() WHERE id = %s", (run_id,)
                )
                txn.locked.add(run_id)
            yield txn

    def _before_commit(self, txn: Transaction) -> None:
        if not txn.jobs or self.queue is None:
            return
        tasks, txn.jobs = txn.jobs, []
        job_ids = self.queue.enqueue(txn.connection, tasks)
        txn.dispatched += len(tasks)
        txn.connection.execute(
            """UPDATE dagabaaz_tasks t SET job_id = j.job_id
                 FROM unnest(%s::bigint[], %s::bigint[]) AS j(task_id, job_id)
                WHERE t.id = j.task_id""",
            ([int(task.task_id) for task in tasks], list(job_ids)),
        )

    @contextmanager
    def task_reads(self) -> Iterator[None]:
        """Remember artifacts read in the block, so a worker reads each at most once."""
        token = self._artifact_memo.set({})
        try:
            yield
        finally:
            self._artifact_memo.reset(token)

    def _rows(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self._db.connection() as conn:
            return conn.execute(query, params).fetchall()

    def _row(self, query: str, params: Any = None) -> tuple[Any, ...] | None:
        with self._db.connection() as conn:
            return conn.execute(query, params).fetchone()

    # --- application side ------------------------------------------------------

    def create_run(
        self,
        run_id: str,
        nodes: Sequence[DagNode],
        run_input: Mapping[str, Any] | None = None,
        *,
        node_configs: Mapping[str, Mapping[str, Any]] | None = None,
        passthrough: Iterable[str] = (),
    ) -> None:
        """Register a run of ``nodes``, status running, with no tasks yet.

        ``node_configs`` (node slug -> config) and ``passthrough`` (the
        routing plugins) are kept with the run for the workers that run it.

        Raises:
            StoreError: The run id is taken, an argument has the wrong type,
                or the input or a node config cannot be stored as JSON.
        """
        if not isinstance(run_id, str) or not run_id:
            raise StoreError(f"create_run: run id must be a non-empty string, not {run_id!r}")
        if isinstance(nodes, str | bytes) or not all(isinstance(n, DagNode) for n in nodes):
            raise StoreError(f"create_run('{run_id}'): nodes must be a list of DagNode")
        if run_input is not None and not isinstance(run_input, Mapping):
            raise StoreError(
                f"create_run('{run_id}'): run_input must be a mapping, "
                f"not {type(run_input).__name__}"
            )
        check_depth(run_input, f"create_run('{run_id}'): run_input")
        values = encode_json(
            dict(run_input or {}), f"create_run('{run_id}'): run_input", self.max_json_bytes
        )
        configs = encode_json(
            {slug: dict(config) for slug, config in (node_configs or {}).items()},
            f"create_run('{run_id}'): node_configs",
            self.max_json_bytes,
        )
        pipeline = json.dumps([node.model_dump(mode="json") for node in nodes])
        try:
            with self.transaction() as conn:
                conn.execute(
                    """WITH run AS (
                           INSERT INTO dagabaaz_runs (id, status, nodes, node_count, run_input,
                                                      node_configs, passthrough)
                           VALUES (%(id)s, 'running', %(nodes)s::jsonb, %(count)s,
                                   %(input)s::jsonb, %(configs)s::jsonb, %(passthrough)s)
                           RETURNING id),
                       node_rows AS (
                           INSERT INTO dagabaaz_nodes (run_id, node_index)
                           SELECT run.id, i FROM run, generate_series(0, %(count)s - 1) AS i)
                       INSERT INTO dagabaaz_run_events (run_id, status)
                       SELECT id, 'running' FROM run""",
                    {
                        "id": run_id,
                        "nodes": pipeline,
                        "count": len(nodes),
                        "input": values,
                        "configs": configs,
                        "passthrough": sorted(set(passthrough)),
                    },
                )
        except errors.UniqueViolation:
            raise StoreError(f"create_run: run '{run_id}' already exists") from None

    def complete_task(
        self, task_id: str, outputs: Sequence[Output | Mapping[str, Any]] = ()
    ) -> bool:
        """Record a task's outputs as artifacts and mark it completed, in one transaction.

        Origins follow scatter-gather: a root task's outputs are their own
        origin; a SINGLE task's inherit its input artifact's; a GROUPED task's
        carry its group's; an AGGREGATE task's have none.

        Returns:
            True when the task completed; False when it was already terminal
            (nothing changes).

        Raises:
            StoreError: The task is unknown, or an output is malformed or
                cannot be stored as JSON (nothing is written).
        """
        prepared = prepare_outputs(task_id, outputs)
        metadata = [
            None
            if not output.metadata
            else encode_json(
                output.metadata,
                f"complete_task('{task_id}'): output {position} metadata",
                self.max_json_bytes,
            )
            for position, output in enumerate(prepared)
        ]
        key = db_key(task_id)
        if key is None:
            raise StoreError(f"unknown task '{task_id}'")
        with self.transaction() as conn:
            row = conn.execute(
                """UPDATE dagabaaz_tasks t
                      SET status = 'completed', finished_at = clock_timestamp()
                     FROM dagabaaz_runs r
                    WHERE t.id = %s AND r.id = t.run_id
                      AND t.status IN ('pending', 'queued', 'running')
                RETURNING t.run_id, t.node_index, t.origin_artifact_id,
                          r.nodes -> t.node_index ->> 'fan_mode',
                          jsonb_array_length(r.nodes -> t.node_index -> 'depends_on') = 0,
                          (SELECT a.origin_artifact_id FROM dagabaaz_artifacts a
                            WHERE t.input_artifact_id ~ '^[0-9]{1,18}$'
                              AND a.id = t.input_artifact_id::bigint)""",
                (key,),
            ).fetchone()
            if row is None:
                if conn.execute("SELECT 1 FROM dagabaaz_tasks WHERE id = %s", (key,)).fetchone():
                    return False
                raise StoreError(f"unknown task '{task_id}'")
            run_id, node_index, group_origin, fan_mode, root, input_origin = row
            if not prepared:
                return True
            if root:
                inherited = None
            elif fan_mode == FanMode.GROUPED:
                inherited = group_origin
            elif fan_mode == FanMode.SINGLE:
                inherited = input_origin
            else:
                inherited = None
            conn.execute(
                """INSERT INTO dagabaaz_artifacts
                          (id, run_id, node_index, task_id, file_name, file_path, file_size,
                           mime_type, metadata, origin_artifact_id)
                   SELECT o.id, %(run)s, %(node)s, %(task)s, o.file_name, o.file_path,
                          o.file_size, o.mime_type, o.metadata,
                          CASE WHEN %(root)s THEN o.id::text ELSE %(origin)s END
                     FROM (SELECT nextval('dagabaaz_artifact_ids') AS id, u.*
                             FROM unnest(%(names)s::text[], %(paths)s::text[],
                                         %(sizes)s::bigint[], %(mimes)s::text[],
                                         %(metadata)s::jsonb[])
                                  AS u(file_name, file_path, file_size, mime_type, metadata)
                          ) o""",
                {
                    "run": run_id,
                    "node": node_index,
                    "task": key,
                    "root": bool(root),
                    "origin": inherited,
                    "names": [o.file_name for o in prepared],
                    "paths": [o.file_path for o in prepared],
                    "sizes": [o.file_size for o in prepared],
                    "mimes": [o.mime_type for o in prepared],
                    "metadata": metadata,
                },
            )
            return True

    def start_task(self, task_id: str) -> StartedTask | None:
        """Mark a queued (or already running) task running for a worker and say what it is.

        Counts the attempt. Returns None when the task is unknown or no
        longer live (completed, failed or cancelled meanwhile): there is
        nothing to run.
        """
        key = db_key(task_id)
        if key is None:
            return None
        row = self._row(
            """UPDATE dagabaaz_tasks t SET status = 'running', attempts = t.attempts + 1
                 FROM dagabaaz_runs r
                WHERE t.id = %s AND r.id = t.run_id AND t.status IN ('queued', 'running')
            RETURNING t.run_id, r.seq, t.node_index, t.plugin_name, t.input_artifact_id,
                      t.origin_artifact_id, t.attempts""",
            (key,),
        )
        return None if row is None else StartedTask(task_id, *row)

    def run_definition(self, run_id: str) -> RunDefinition:
        """Return what workers need to know about a run: pipeline, configs, routing plugins.

        Raises:
            StoreError: The run is unknown.
        """
        row = self._row(
            "SELECT seq, nodes, node_configs, passthrough FROM dagabaaz_runs WHERE id = %s",
            (run_id,),
        )
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        seq, nodes, configs, passthrough = row
        return RunDefinition(
            run_id,
            seq,
            tuple(DagNode.model_validate(fields) for fields in nodes),
            configs,
            frozenset(passthrough),
        )

    def reopen_run(self, run_id: str) -> None:
        """Move a failed, crashed or cancelled run back to running for a retry.

        Raises:
            StoreError: The run is unknown or completed.
        """
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT status FROM dagabaaz_runs WHERE id = %s FOR NO KEY UPDATE", (run_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"unknown run '{run_id}'")
            if row[0] == RunStatus.COMPLETED:
                raise StoreError(f"reopen_run: run '{run_id}' completed and cannot be reopened")
            if row[0] in _REOPENABLE:
                conn.execute(
                    """WITH run AS (UPDATE dagabaaz_runs SET status = 'running', error = NULL
                                     WHERE id = %(id)s RETURNING id)
                       INSERT INTO dagabaaz_run_events (run_id, status)
                       SELECT id, 'running' FROM run""",
                    {"id": run_id},
                )

    def run(self, run_id: str) -> RunRecord:
        """Return a snapshot of the run's status, error and progress."""
        row = self._row(
            "SELECT status, error, progress FROM dagabaaz_runs WHERE id = %s", (run_id,)
        )
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        return RunRecord(run_id, RunStatus(row[0]), row[1], row[2])

    def node_progress(self, run_id: str) -> list[NodeProgress]:
        """Return every node's launch claim and task counters, in node order (for watching)."""
        rows = self._rows(
            """SELECT n.node_index, n.launched, n.total, n.terminal, n.skipped, n.succeeded
                 FROM dagabaaz_runs r
                 LEFT JOIN dagabaaz_nodes n ON n.run_id = r.id
                WHERE r.id = %s ORDER BY n.node_index""",
            (run_id,),
        )
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        return [NodeProgress(*row) for row in rows if row[0] is not None]

    def list_runs(self, *, live_only: bool = False, limit: int = 50) -> list[RunRecord]:
        """Return the most recently created runs, newest first."""
        condition = "WHERE status IN ('pending', 'running')" if live_only else ""
        rows = self._rows(
            f"""SELECT id, status, error, progress FROM dagabaaz_runs {condition}
                 ORDER BY seq DESC LIMIT %s""",
            (limit,),
        )
        return [
            RunRecord(run_id, RunStatus(status), error, done)
            for run_id, status, error, done in rows
        ]

    def tasks(self, run_id: str) -> list[TaskRecord]:
        """Return a snapshot of every task of the run, in creation order."""
        return self._task_records(run_id, "", None)

    def queued_tasks(self, run_id: str, limit: int | None = None) -> list[TaskRecord]:
        """Return the run's queued tasks, oldest first (at most ``limit``)."""
        return self._task_records(run_id, "AND t.status = 'queued'", limit)

    def _task_records(self, run_id: str, condition: str, limit: int | None) -> list[TaskRecord]:
        rows = self._rows(
            f"""SELECT r.id, t.id, t.node_index, t.plugin_name, t.status, t.input_artifact_id,
                       t.origin_artifact_id, t.error
                  FROM dagabaaz_runs r
                  LEFT JOIN LATERAL (
                        SELECT * FROM dagabaaz_tasks t
                         WHERE t.run_id = r.id {condition} ORDER BY t.id LIMIT %(limit)s
                       ) t ON true
                 WHERE r.id = %(run)s""",
            {"run": run_id, "limit": limit},
        )
        if not rows:
            raise StoreError(f"unknown run '{run_id}'")
        return [
            TaskRecord(
                str(task_id), run_id, node, plugin, STATUS_OF[status], input_id, origin, error
            )
            for _, task_id, node, plugin, status, input_id, origin, error in rows
            if task_id is not None
        ]

    # --- DagStore ----------------------------------------------------------------

    def get_run_status(self, run_id: str) -> RunStatus | None:
        """Return the run's status, or None for an unknown run."""
        row = self._row("SELECT status FROM dagabaaz_runs WHERE id = %s", (run_id,))
        return None if row is None else STATUS_OF_RUN[row[0]]

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus, int, int]:
        """Return ``(run_status, total_tasks, terminal_tasks)`` from the node's counters."""
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
        row = self._row(
            """WITH run AS (
                   UPDATE dagabaaz_runs SET status = %(status)s, error = %(error)s
                    WHERE id = %(id)s AND status <> ALL(%(terminal)s)
                RETURNING id)
               INSERT INTO dagabaaz_run_events (run_id, status, error)
               SELECT id, %(status)s, %(error)s FROM run
               RETURNING run_id""",
            {"status": str(status), "error": error, "id": run_id, "terminal": list(_TERMINAL_RUNS)},
        )
        if row is None:
            self._require_run(run_id)
            return False
        return True

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        """Record how many nodes finished without a failure."""
        row = self._row(
            "UPDATE dagabaaz_runs SET progress = %s WHERE id = %s RETURNING 1",
            (completed_count, run_id),
        )
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")

    def get_task_context(self, task_id: str) -> TaskContext | None:
        """Return the task's run, node and status, or None for an unknown task."""
        key = db_key(task_id)
        if key is None:
            return None
        row = self._row(
            "SELECT run_id, node_index, status FROM dagabaaz_tasks WHERE id = %s", (key,)
        )
        if row is None:
            return None
        return TaskContext(run_id=row[0], node_index=row[1], status=STATUS_OF[row[2]])

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes that have tasks, all of them terminal (from the counters)."""
        return self._node_indices(run_id, "n.total > 0 AND n.terminal = n.total")

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes whose launch has been claimed."""
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
        """Create a queued task and enqueue its job in the same transaction."""
        return self._add_task(run_id, node_index, plugin_name, "queued", input_artifact_id, None)

    def dispatch_grouped_task(
        self, run_id: str, node_index: int, plugin_name: str, origin_artifact_id: str
    ) -> str:
        """Create the queued task of one origin group and enqueue its job."""
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
        if type(node_index) is not int:
            check_indices(run_id, [node_index], self._node_count(run_id))
        joined, bad_node = self._db.current is not None, False
        with self.transaction() as conn:
            try:
                row = conn.execute(
                    """INSERT INTO dagabaaz_tasks (run_id, node_index, plugin_name, status,
                                                  input_artifact_id, origin_artifact_id, error,
                                                  finished_at)
                       VALUES (%s, %s, %s, %s, %s, %s, %s,
                               CASE WHEN %s THEN NULL ELSE clock_timestamp() END)
                       RETURNING id""",
                    (
                        run_id,
                        node_index,
                        plugin_name,
                        status,
                        input_artifact_id,
                        origin,
                        error,
                        status == "queued",
                    ),
                ).fetchone()
            except errors.ForeignKeyViolation:
                if joined:  # the caller's transaction is aborted: no query can say more
                    raise StoreError(f"run '{run_id}' has no node {node_index!r}") from None
                bad_node = True
            except errors.UniqueViolation:
                what = (
                    f"input artifact '{input_artifact_id}'"
                    if origin is None
                    else f"origin group '{origin}'"
                )
                raise StoreError(
                    f"run '{run_id}', node {node_index} already has a task for {what}"
                ) from None
            if bad_node:
                row = None
            else:
                assert row is not None
                task_id = str(row[0])
                if status == "queued" and self.queue is not None:
                    txn = self._db.current
                    assert txn is not None
                    txn.jobs.append(QueuedTask(task_id, run_id, node_index, plugin_name))
        if bad_node:
            raise self._no_node(run_id, node_index)
        return task_id

    def _no_node(self, run_id: str, node_index: int) -> StoreError:
        count = self._node_count(run_id)
        try:
            check_indices(run_id, [node_index], count)
        except StoreError as error:
            return error
        return StoreError(f"run '{run_id}' has no node {node_index}")

    def _node_count(self, run_id: str) -> int:
        row = self._row("SELECT node_count FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        count: int = row[0]
        return count

    def _require_run(self, run_id: str) -> None:
        self._node_count(run_id)

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
            """UPDATE dagabaaz_tasks SET status = %s, error = %s, finished_at = clock_timestamp()
                WHERE id = %s AND status IN ('pending', 'queued', 'running')
            RETURNING run_id""",
            (status, error, key),
        )
        return None if row is None else str(row[0])

    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        """Cancel every pending, queued or running task, and withdraw their waiting jobs."""
        with self.transaction() as conn:
            rows = conn.execute(
                """UPDATE dagabaaz_tasks
                      SET status = 'cancelled', error = %s, finished_at = clock_timestamp()
                    WHERE run_id = %s AND status IN ('pending', 'queued', 'running')
                RETURNING job_id""",
                (reason, run_id),
            ).fetchall()
            self._withdraw(conn, [job for (job,) in rows if job is not None])
            return len(rows)

    def _withdraw(self, conn: psycopg.Connection[Any], job_ids: list[int]) -> None:
        if job_ids and self.queue is not None:
            self.queue.cancel(conn, job_ids)

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        return [dag_artifact(row) for row in self._artifacts(run_id, node_indices)]

    def _artifacts(
        self, run_id: str, node_indices: Sequence[int], extra: str = "", **params: Any
    ) -> list[ArtifactRow]:
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
            run_id, dep_indices, "AND a.origin_artifact_id = %(origin)s", origin=origin_id
        )
        rows.sort(key=lambda row: row[0])
        return [task_artifact(row) for row in rows]

    def get_broadcast_artifacts(
        self, run_id: str, dep_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that have no origin."""
        rows = self._artifacts(run_id, dep_indices, "AND a.origin_artifact_id IS NULL")
        return [task_artifact(row) for row in rows]

    def get_run_input(self, run_id: str) -> dict[str, Any]:
        """Return the run's input values (a fresh copy)."""
        row = self._row("SELECT run_input FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        values: dict[str, Any] = row[0]
        return values

    def get_node_configs(self, run_id: str) -> dict[str, dict[str, Any]]:
        """Return the run's node configs, by node slug (a fresh copy)."""
        row = self._row("SELECT node_configs FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        configs: dict[str, dict[str, Any]] = row[0]
        return configs

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
                conn, [job for job, status in rows if job is not None and status in _LIVE]
            )
            return len(rows)

    def get_retryable_tasks(self, run_id: str, node_indices: Sequence[int]) -> list[RetryableTask]:
        """Return the tasks at the given nodes whose status is not completed."""
        indices = check_indices(run_id, node_indices, self._node_count(run_id))
        rows = self._rows(
            """SELECT t.id, t.node_index, t.plugin_name, t.input_artifact_id, t.origin_artifact_id
                 FROM unnest(%s::integer[]) WITH ORDINALITY AS q(node_index, position)
                 JOIN dagabaaz_tasks t ON t.run_id = %s AND t.node_index = q.node_index
                WHERE t.status <> 'completed'
                ORDER BY q.position, t.id""",
            (indices, run_id),
        )
        return [
            RetryableTask(str(task_id), node, plugin, input_id, origin)
            for task_id, node, plugin, input_id, origin in rows
        ]


class StartedTask(NamedTuple):
    """A task a worker is about to run, as :meth:`PostgresStore.start_task` returns it."""

    task_id: str
    run_id: str
    run_seq: int
    """Tells apart two runs that had the same id (one deleted, one created after)."""
    node_index: int
    plugin_name: str
    input_artifact_id: str | None
    origin_artifact_id: str | None
    attempt: int
    """1 the first time; more when a worker died while running it."""


class NodeProgress(NamedTuple):
    """One node of a run as :meth:`PostgresStore.node_progress` reports it."""

    node_index: int
    launched: bool
    total: int
    terminal: int
    skipped: int
    succeeded: int
    """Tasks completed or filtered."""


class RunDefinition(NamedTuple):
    """A run as workers need it, from :meth:`PostgresStore.run_definition`."""

    run_id: str
    run_seq: int
    nodes: tuple[DagNode, ...]
    node_configs: dict[str, dict[str, Any]]
    passthrough: frozenset[str]


STATUS_OF_RUN: dict[str, RunStatus] = {status.value: status for status in RunStatus}
"""Plain run status string -> the enum member."""


def _as_list(run_id: str, indices: Sequence[int]) -> list[int]:
    if isinstance(indices, str | bytes):
        raise StoreError(f"run '{run_id}': node indices must be a list of int, not a string")
    return list(indices)
