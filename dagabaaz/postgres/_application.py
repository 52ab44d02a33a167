"""The application's side of PostgresStore: runs in, outcomes in, state out for workers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from psycopg import errors

from dagabaaz._stores.rules import (
    STATUS_OF,
    RunRecord,
    TaskRecord,
    check_run_arguments,
    prepare_outputs,
)
from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.errors import StoreError, StoreTypeError
from dagabaaz.models import DagNode, Output, TaskContext
from dagabaaz.postgres._core import StoreCore
from dagabaaz.postgres._records import NodeProgress, RunDefinition, StartedTask
from dagabaaz.postgres._rows import ARTIFACT_COLUMNS, ArtifactRow, artifact_key, db_key
from dagabaaz.postgres._snapshot import RunSnapshot
from dagabaaz.postgres._values import check_text, encode_json

__all__ = ["ApplicationWrites"]

_REOPENABLE = ("cancelled", "crashed", "failed")

_COMPLETE = "SELECT dagabaaz_complete_task(%s, %s::jsonb, %s)"


def _completion(row: tuple[Any, ...] | None) -> dict[str, Any]:
    assert row is not None
    done: dict[str, Any] = row[0]
    return done


def _text(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


class ApplicationWrites(StoreCore):
    """Creating runs, recording outcomes, reopening, and the read-outs around them."""

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
        if not isinstance(run_id, str):
            raise StoreTypeError(f"create_run: run id must be a non-empty string, not {run_id!r}")
        if not run_id:
            raise StoreError(f"create_run: run id must be a non-empty string, not {run_id!r}")
        check_run_arguments(run_id, nodes, run_input)
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
            with self._db.transaction() as txn:
                txn.connection.execute(
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
                # The new row is this transaction's alone until it commits.
                txn.snapshots[run_id] = RunSnapshot(
                    "running", ((i, False, 0, 0, 0, 0) for i in range(len(nodes)))
                )
        except errors.UniqueViolation:
            raise StoreError(f"create_run: run '{run_id}' already exists") from None

    def complete_task(
        self, task_id: str, outputs: Sequence[Output | Mapping[str, Any]] = ()
    ) -> bool:
        """Record a task's outputs as artifacts and mark it completed, in one statement.

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
        document = self._outputs_document(task_id, prepared)
        key = db_key(task_id)
        if key is None:
            raise StoreError(f"unknown task '{task_id}'")
        txn = self._db.current
        if txn is not None and len(txn.locking) == 1 and not txn.owes_writes_but_reasons:
            # The run lock asked for travels with the completion (and BEGIN): one round
            # trip. Reasons held (a worker's task's gated bindings) wait for the next
            # statement, so that they too are written under the lock.
            [run_id] = txn.locking
            txn.locking = []
            reasons, txn.reasons = txn.reasons, []
            try:
                cursor = self._send(txn, [(_COMPLETE, (key, document, run_id))])
            finally:
                txn.reasons[:0] = reasons
            done = _completion(cursor.fetchone())
            if done["run"] is not None:
                txn.snapshots[run_id] = RunSnapshot.from_json(done["run"])
            if done["task"] is None:  # not a live task of that run: the general case
                done = self._complete(key, document)
        else:
            done = self._complete(key, document)
        if done["task"] is None:
            if self._row("SELECT 1 FROM dagabaaz_tasks WHERE id = %s", (key,)) is not None:
                return False
            raise StoreError(f"unknown task '{task_id}'")
        run_id, node_index = done["task"]
        if txn is not None:
            txn.completed[task_id] = TaskContext(
                run_id=run_id, node_index=node_index, status=TaskStatus.COMPLETED
            )
            snapshot = txn.snapshots.get(run_id)
            if snapshot is not None:
                snapshot.count(node_index, "running", "completed")
                if snapshot.total[node_index] == 1:
                    artifacts: list[ArtifactRow] = [tuple(row) for row in done["artifacts"]]
                    txn.node_artifacts[run_id, node_index] = artifacts
        return True

    def _complete(self, key: int, document: str) -> dict[str, Any]:
        return _completion(self._row(_COMPLETE, (key, document, None)))

    def _outputs_document(self, task_id: str, outputs: Sequence[Output]) -> str:
        """Return the outputs as ``dagabaaz_complete_task`` takes them, checked."""
        items = []
        for position, output in enumerate(outputs):
            what = f"complete_task('{task_id}'): output {position}"
            for name in ("file_name", "file_path", "mime_type"):
                text = getattr(output, name)
                if text is not None:
                    check_text(text, what, f" {name}")
            size = output.file_size
            if size is not None and not -(2**63) <= size < 2**63:
                raise StoreError(f"{what} file_size: {size} does not fit in 64 bits")
            metadata = (
                encode_json(output.metadata, f"{what} metadata", self.max_json_bytes)
                if output.metadata
                else "null"
            )
            items.append(
                f'{{"file_name":{_text(output.file_name)},"file_path":{_text(output.file_path)},'
                f'"file_size":{"null" if size is None else int(size)},'
                f'"mime_type":{_text(output.mime_type)},"metadata":{metadata}}}'
            )
        return f"[{','.join(items)}]"

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
            f"""WITH started AS (
                    UPDATE dagabaaz_tasks t SET status = 'running', attempts = t.attempts + 1
                      FROM dagabaaz_runs r
                     WHERE t.id = %s AND r.id = t.run_id AND t.status IN ('queued', 'running')
                 RETURNING t.run_id, r.seq, t.node_index, t.plugin_name, t.input_artifact_id,
                           t.origin_artifact_id, t.attempts)
                SELECT s.*, {ARTIFACT_COLUMNS}
                  FROM started s
                  LEFT JOIN dagabaaz_artifacts a ON a.id = {artifact_key("s.input_artifact_id")}""",
            (key,),
        )
        if row is None:
            return None
        started = StartedTask(task_id, *row[:7])
        memo = self._artifact_memo.get()
        if memo is not None and row[7] is not None and started.input_artifact_id is not None:
            memo[started.input_artifact_id] = row[7:]
        return started

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
                snapshot = self._snapshot(run_id)
                if snapshot is not None:
                    snapshot.status = "running"
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
                         WHERE t.run_id = r.id {condition}
                         ORDER BY t.created_at, t.id LIMIT %(limit)s
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

    def get_node_configs(self, run_id: str) -> dict[str, dict[str, Any]]:
        """Return the run's node configs, by node slug (a fresh copy)."""
        row = self._row("SELECT node_configs FROM dagabaaz_runs WHERE id = %s", (run_id,))
        if row is None:
            raise StoreError(f"unknown run '{run_id}'")
        configs: dict[str, dict[str, Any]] = row[0]
        return configs
