"""A thread-safe in-memory store: the reference implementation of the store protocols.

:class:`InMemoryStore` implements :class:`~dagabaaz.store.DagStore`,
:class:`~dagabaaz.store.TaskInputStore` and :class:`~dagabaaz.store.DagRetryStore`
in one process. Tests, the local runner and anyone writing a store for a real
database use it as the reference: each method's docstring says what a
production store has to guarantee.

Every read hands out fresh copies, so a caller mutating what it got never
changes the store, and every lookup goes through an index (by task, by
artifact, by run and by node): no method scans all tasks of a run where an
index would do.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from dagabaaz._base.copying import copy_value
from dagabaaz._stores.rules import (
    STATUS_OF,
    RunRecord,
    TaskRecord,
    check_run_arguments,
    prepare_outputs,
)
from dagabaaz.constants import (
    REASON_TASK_OUTCOMES,
    REASON_TASK_REASONS_PER_NODE,
    TERMINAL_RUN_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import StoreError
from dagabaaz.memory._state import (
    A_ID,
    A_NODE,
    A_ORIGIN,
    T_ARTIFACTS,
    T_ID,
    T_INPUT,
    T_NODE,
    T_ORIGIN,
    T_PLUGIN,
    T_RUN,
    T_STATUS,
    TERMINAL,
    ArtifactRow,
    NodeState,
    RunState,
    StoredReason,
    TaskRow,
    artifact_row,
    moved_row,
    stored_metadata,
    stored_reason,
    task_record,
    to_dag,
    to_task,
)
from dagabaaz.models import (
    REASON_ADAPTER,
    DagArtifact,
    DagNode,
    NodeReason,
    Output,
    TaskArtifact,
    TaskContext,
)
from dagabaaz.store import RetryableTask

__all__ = ["InMemoryStore", "RunRecord", "TaskRecord"]


class InMemoryStore:
    """A complete, thread-safe store held in memory.

    Implements :class:`~dagabaaz.store.DagStore`,
    :class:`~dagabaaz.store.TaskInputStore`,
    :class:`~dagabaaz.store.DagRetryStore` and the optional
    :class:`~dagabaaz.store.ReasonStore`, plus the writes an application
    makes outside the engine: :meth:`create_run`, :meth:`complete_task`,
    :meth:`reopen_run`, and :meth:`run_lock` for the per-run serialization
    the orchestrator requires.

    One re-entrant lock guards all state, so each method is atomic.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._task_ids = itertools.count(1)
        self._artifact_ids = itertools.count(1)
        self._runs: dict[str, RunState] = {}
        self._tasks: dict[str, TaskRow] = {}
        self._artifacts: dict[str, ArtifactRow] = {}
        self._artifact_runs: dict[str, str] = {}
        self._run_locks: dict[str, threading.RLock] = {}

    # --- application side ------------------------------------------------

    def create_run(
        self,
        run_id: str,
        nodes: Sequence[DagNode],
        run_input: Mapping[str, Any] | None = None,
    ) -> None:
        """Register a run of ``nodes`` with status running and no tasks yet.

        The store keeps deep copies of ``nodes`` and ``run_input``.

        Raises:
            StoreError: The run id is taken, or an argument has the wrong type.
        """
        check_run_arguments(run_id, nodes, run_input)
        state = RunState(run_id, nodes, copy_value(dict(run_input or {})))
        with self._lock:
            if run_id in self._runs:
                raise StoreError(f"create_run: run '{run_id}' already exists")
            self._runs[run_id] = state

    def complete_task(
        self, task_id: str, outputs: Iterable[Output | Mapping[str, Any]] = ()
    ) -> bool:
        """Record a task's outputs as artifacts and mark it completed.

        Origins follow scatter-gather: an output of a root task is its own
        origin; of a SINGLE task, its input artifact's origin; of a GROUPED
        task, its group's origin; of an AGGREGATE task, none (a broadcast).

        Returns:
            True when the task completed; False when it was already terminal,
            in which case nothing changes.

        Raises:
            StoreError: The task is unknown, or an output is malformed or
                holds metadata that cannot be copied (the message names the
                task and the output's position). Nothing is recorded then,
                not even the outputs before the bad one.
        """
        prepared = prepare_outputs(task_id, outputs)
        # Every copy is made before anything changes: a refused output leaves no trace.
        metadata = [stored_metadata(task_id, i, output) for i, output in enumerate(prepared)]
        with self._lock:
            row = self._task(task_id)
            if row[T_STATUS] in TERMINAL:
                return False
            run = self._runs[row[T_RUN]]
            node = run.states[row[T_NODE]]
            inherited = self._inherited_origin(row, node)
            created: list[str] = []
            for output, stored in zip(prepared, metadata, strict=True):
                artifact_id = f"artifact-{next(self._artifact_ids)}"
                origin = artifact_id if node.root else inherited
                artifact = artifact_row(artifact_id, node.index, output, stored, origin)
                self._artifacts[artifact_id] = artifact
                self._artifact_runs[artifact_id] = row[T_RUN]
                created.append(artifact_id)
                node.artifacts.append(artifact)
                if origin is not None:
                    run.by_origin.setdefault(origin, []).append(artifact)
            self._move(row, TaskStatus.COMPLETED, None, tuple(created))
            return True

    def tasks(self, run_id: str) -> list[TaskRecord]:
        """Return a snapshot of every task of the run, in creation order."""
        with self._lock:
            rows = self._tasks
            return [task_record(rows[t]) for t in self._run(run_id).task_ids]

    def queued_tasks(self, run_id: str, limit: int | None = None) -> list[TaskRecord]:
        """Return a snapshot of the run's queued tasks, in dispatch order.

        Args:
            run_id: The run.
            limit: Return at most this many (the oldest first), as a worker
                polling in batches would.
        """
        with self._lock:
            rows = self._tasks
            found = (rows[t] for t in self._run(run_id).active)
            queued = (row for row in found if row[T_STATUS] == TaskStatus.QUEUED)
            return [task_record(row) for row in itertools.islice(queued, limit)]

    def run(self, run_id: str) -> RunRecord:
        """Return a snapshot of the run's status, error and progress."""
        with self._lock:
            run = self._run(run_id)
            return RunRecord(run.run_id, run.status, run.error, run.progress)

    def run_lock(self, run_id: str) -> AbstractContextManager[Any]:
        """Return the re-entrant lock that serializes orchestration calls for one run.

        Hold it around every orchestrator entry point for ``run_id``::

            with store.run_lock(run_id):
                on_task_complete(store, task_id=..., callbacks=..., resolve_passthrough=...)
        """
        with self._lock:
            lock = self._run_locks.get(run_id)
            if lock is None:
                lock = self._run_locks[run_id] = threading.RLock()
            return lock

    def reopen_run(self, run_id: str) -> None:
        """Move a failed, crashed or cancelled run back to running for a retry.

        The terminal claim is cleared, so the run can end again exactly once.
        A run that is not terminal is left as it is.

        Raises:
            StoreError: The run is unknown or completed.
        """
        with self._lock:
            run = self._run(run_id)
            if run.status is RunStatus.COMPLETED:
                raise StoreError(f"reopen_run: run '{run_id}' completed and cannot be reopened")
            if run.status in TERMINAL_RUN_STATUSES:
                run.status = RunStatus.RUNNING
                run.error = None

    # --- DagStore ----------------------------------------------------------

    def get_run_status(self, run_id: str) -> RunStatus | None:
        """Return the run's status, or None for an unknown run."""
        with self._lock:
            run = self._runs.get(run_id)
            return None if run is None else run.status

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus, int, int]:
        """Return ``(run_status, total_tasks, terminal_tasks)`` from per-node counters."""
        with self._lock:
            run = self._run(run_id)
            node = run.node(node_index)
            return run.status, len(node.task_ids), node.terminal

    def get_run_nodes(self, run_id: str) -> list[DagNode]:
        """Return deep copies of the run's nodes, in node-index order."""
        with self._lock:
            data = self._run(run_id).node_data
        return [DagNode.model_validate(fields) for fields in data]

    def try_claim_run_terminal(
        self, run_id: str, status: RunStatus, error: str | None = None
    ) -> bool:
        """Move the run to terminal ``status`` unless it is terminal already.

        Check and write happen under one lock, so exactly one caller wins.
        """
        if status not in TERMINAL_RUN_STATUSES:
            raise StoreError(f"try_claim_run_terminal: '{status}' is not a terminal run status")
        with self._lock:
            run = self._run(run_id)
            if run.status in TERMINAL_RUN_STATUSES:
                return False
            run.status = RunStatus(status)
            run.error = error
            return True

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        """Record how many nodes finished without a failure."""
        with self._lock:
            self._run(run_id).progress = completed_count

    def get_task_context(self, task_id: str) -> TaskContext | None:
        """Return the task's run, node, current status and input artifact, or None if unknown."""
        with self._lock:
            row = self._tasks.get(task_id)
        if row is None:
            return None
        return TaskContext(
            run_id=row[T_RUN],
            node_index=row[T_NODE],
            status=STATUS_OF[row[T_STATUS]],
            input_artifact_id=row[T_INPUT],
        )

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes that have tasks, all of them terminal (kept as an index)."""
        with self._lock:
            return set(self._run(run_id).done)

    def get_completed_node_count(self, run_id: str) -> int:
        """Return how many nodes :meth:`get_completed_node_indices` would return.

        Optional for a store: the engine asks it on every completion to see,
        without building the set, whether a completion went unreported.
        """
        with self._lock:
            return len(self._run(run_id).done)

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes whose launch has been claimed."""
        with self._lock:
            return set(self._run(run_id).launched)

    def get_node_summary(self, run_id: str) -> dict[int, NodeSummaryStatus]:
        """Return, per done node: skipped, completed (completed or filtered) or partial."""
        with self._lock:
            run = self._run(run_id)
            return {index: run.states[index].summary() for index in sorted(run.done)}

    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        """Claim the launch of one node; True for exactly one caller."""
        with self._lock:
            run = self._run(run_id)
            run.node(node_index)
            if node_index in run.launched:
                return False
            run.launched.add(node_index)
            return True

    def dispatch_task(
        self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
    ) -> str:
        """Create a queued task; it cannot complete before this returns (same lock)."""
        return self._add_task(run_id, node_index, plugin_name, TaskStatus.QUEUED, input_artifact_id)

    def dispatch_grouped_task(
        self, run_id: str, node_index: int, plugin_name: str, origin_artifact_id: str
    ) -> str:
        """Create the queued task of one origin group."""
        return self._add_task(
            run_id, node_index, plugin_name, TaskStatus.QUEUED, origin=origin_artifact_id
        )

    def dispatch_skipped_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal skipped marker task."""
        return self._add_task(run_id, node_index, plugin_name, TaskStatus.SKIPPED)

    def dispatch_filtered_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal filtered marker task."""
        return self._add_task(run_id, node_index, plugin_name, TaskStatus.FILTERED)

    def dispatch_failed_task(
        self, run_id: str, node_index: int, plugin_name: str, error: str
    ) -> str:
        """Record a terminal failed marker task carrying ``error``."""
        return self._add_task(run_id, node_index, plugin_name, TaskStatus.FAILED, error=error)

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        """Fail a non-terminal task; None when it is unknown or already terminal."""
        return self._finish_task(task_id, TaskStatus.FAILED, error)

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        """Crash a non-terminal task; None when it is unknown or already terminal."""
        return self._finish_task(task_id, TaskStatus.CRASHED, error)

    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        """Cancel every pending, queued or running task of the run; return how many."""
        with self._lock:
            active = list(self._run(run_id).active)
            for task_id in active:
                self._move(self._tasks[task_id], TaskStatus.CANCELLED, reason)
            return len(active)

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        return [to_dag(artifact) for artifact in self._node_artifacts(run_id, node_indices)]

    # --- TaskInputStore ------------------------------------------------------

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        """Return one artifact as a worker sees it, or None."""
        with self._lock:
            artifact = self._artifacts.get(artifact_id)
        return None if artifact is None else to_task(artifact)

    def get_task_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        return [to_task(artifact) for artifact in self._node_artifacts(run_id, node_indices)]

    def get_grouped_artifacts(
        self, run_id: str, dep_indices: Sequence[int], origin_id: str
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that descend from ``origin_id``."""
        with self._lock:
            run = self._run(run_id)
            wanted = {run.node(i).index for i in dep_indices}
            found = [a for a in run.by_origin.get(origin_id, ()) if a[A_NODE] in wanted]
        return [to_task(artifact) for artifact in found]

    def get_broadcast_artifacts(
        self, run_id: str, dep_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that have no origin."""
        with self._lock:
            run = self._run(run_id)
            found = [a for i in dep_indices for a in run.node(i).artifacts if a[A_ORIGIN] is None]
        return [to_task(artifact) for artifact in found]

    def get_run_input(self, run_id: str) -> dict[str, Any]:
        """Return a deep copy of the run's input values."""
        with self._lock:
            values = self._run(run_id).input
            return copy_value(values)  # type: ignore[no-any-return]

    def get_artifacts_partitioned(
        self, run_id: str, node_indices: Sequence[int]
    ) -> dict[int, list[TaskArtifact]]:
        """Return the artifacts of each given node (an empty list for a node without any)."""
        with self._lock:
            run = self._run(run_id)
            found = {i: list(run.node(i).artifacts) for i in node_indices}
        return {i: [to_task(a) for a in artifacts] for i, artifacts in found.items()}

    def get_artifact_producing_node(self, artifact_id: str) -> int | None:
        """Return the index of the node that produced the artifact, or None."""
        with self._lock:
            artifact = self._artifacts.get(artifact_id)
            return None if artifact is None else artifact[A_NODE]

    def get_artifact_run(self, artifact_id: str) -> str | None:
        """Return the id of the run that holds the artifact, or None.

        Not part of the protocols: workers use it, when a store offers it, to
        refuse an input artifact of another run in O(1).
        """
        with self._lock:
            return self._artifact_runs.get(artifact_id)

    # --- ReasonStore (optional) ------------------------------------------------

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        """Keep ``reason`` after the run's others.

        Reasons are frozen, so one holding only immutable values is kept as
        it is; one holding a list or an object (a rule's value) is kept as
        its JSON text, an exact copy. Node-level reasons (launched, skipped,
        filtered) are always kept. So a node of many tasks cannot grow the
        run without bound, a node keeps the first
        :data:`~dagabaaz.constants.REASON_TASK_REASONS_PER_NODE` of its
        ``bindings_gated`` reasons, and of its ``failed`` ones the first as
        many plus the latest: the failure that decided the node's status
        (after a retry, say) is never the one left out.

        Raises:
            StoreError: The run is unknown or has no node ``reason.node_index``.
        """
        kept = stored_reason(reason)
        index = reason.node_index
        outcome = reason.outcome
        task_level = outcome in REASON_TASK_OUTCOMES
        with self._lock:
            run = self._run(run_id)
            if not 0 <= index < len(run.states):
                run.node(index)  # raises, naming the run's nodes
            if task_level and not self._keep_task_reason(run, index, outcome, kept):
                return
            run.reasons.append(kept)
            run.reasons_by_node.setdefault(index, []).append(kept)

    @staticmethod
    def _keep_task_reason(run: RunState, index: int, outcome: str, kept: StoredReason) -> bool:
        """Count a task-level reason; False when its node already has as many as it keeps."""
        count = run.task_reasons.get((index, outcome), 0)
        if count < REASON_TASK_REASONS_PER_NODE:
            run.task_reasons[(index, outcome)] = count + 1
            return True
        if outcome != "failed":
            return False
        replaced = run.last_failures.get(index)
        if replaced is not None:  # the latest failure past the cap gives way to this one
            _remove_last(run.reasons, replaced)
            _remove_last(run.reasons_by_node[index], replaced)
        run.last_failures[index] = kept
        return True

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        """Return the run's reasons in recording order, or only node ``node_index``'s.

        Raises:
            StoreError: The run is unknown.
        """
        with self._lock:
            run = self._run(run_id)
            if node_index is None:
                kept = list(run.reasons)
            else:
                kept = list(run.reasons_by_node.get(node_index, ()))
        return [REASON_ADAPTER.validate_json(r) if isinstance(r, str) else r for r in kept]

    # --- DagRetryStore -------------------------------------------------------

    def delete_node_launches(self, run_id: str, node_indices: Sequence[int]) -> None:
        """Forget the launch claims of the given nodes."""
        with self._lock:
            run = self._run(run_id)
            for index in node_indices:
                run.node(index)
                run.launched.discard(index)

    def delete_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete every task and artifact at the given nodes; return how many tasks."""
        with self._lock:
            run = self._run(run_id)
            doomed = [self._tasks[t] for i in node_indices for t in run.node(i).task_ids]
            self._delete_tasks(run, doomed)
            return len(doomed)

    def get_retryable_tasks(self, run_id: str, node_indices: Sequence[int]) -> list[RetryableTask]:
        """Return the tasks at the given nodes whose status is not completed."""
        with self._lock:
            return [
                RetryableTask(
                    task_id=row[T_ID],
                    node_index=row[T_NODE],
                    plugin_name=row[T_PLUGIN],
                    input_artifact_id=row[T_INPUT],
                    origin_artifact_id=row[T_ORIGIN],
                )
                for row in self._unfinished(self._run(run_id), node_indices)
            ]

    def delete_non_completed_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete the tasks at the given nodes whose status is not completed."""
        with self._lock:
            run = self._run(run_id)
            doomed = self._unfinished(run, node_indices)
            self._delete_tasks(run, doomed)
            return len(doomed)

    # --- internals -------------------------------------------------------------

    def _run(self, run_id: str) -> RunState:
        run = self._runs.get(run_id)
        if run is None:
            raise StoreError(f"unknown run '{run_id}'")
        return run

    def _task(self, task_id: str) -> TaskRow:
        row = self._tasks.get(task_id)
        if row is None:
            raise StoreError(f"unknown task '{task_id}'")
        return row

    def _unfinished(self, run: RunState, node_indices: Sequence[int]) -> list[TaskRow]:
        rows = self._tasks
        return [
            rows[t]
            for i in node_indices
            for t in run.node(i).task_ids
            if rows[t][T_STATUS] != TaskStatus.COMPLETED
        ]

    def _inherited_origin(self, row: TaskRow, node: NodeState) -> str | None:
        mode = node.fan_mode
        if mode is FanMode.GROUPED:
            return row[T_ORIGIN]
        input_id = row[T_INPUT]
        if mode is FanMode.SINGLE and input_id is not None:
            source = self._artifacts.get(input_id)
            return None if source is None else source[A_ORIGIN]
        return None

    def _node_artifacts(self, run_id: str, node_indices: Sequence[int]) -> list[ArtifactRow]:
        with self._lock:
            run = self._run(run_id)
            return [a for i in node_indices for a in run.node(i).artifacts]

    def _add_task(
        self,
        run_id: str,
        node_index: int,
        plugin_name: str,
        status: TaskStatus,
        input_artifact_id: str | None = None,
        *,
        origin: str | None = None,
        error: str | None = None,
    ) -> str:
        plain = status.value
        with self._lock:
            run = self._run(run_id)
            node = run.node(node_index)
            task_id = f"task-{next(self._task_ids)}"
            self._tasks[task_id] = (
                task_id,
                run_id,
                node_index,
                plugin_name,
                plain,
                input_artifact_id,
                origin,
                error,
                (),
            )
            run.task_ids[task_id] = None
            node.task_ids[task_id] = None
            node.counts[plain] += 1
            if plain in TERMINAL:
                node.terminal += 1
            else:
                run.active[task_id] = None
            run.refresh_done(node)
            return task_id

    def _finish_task(self, task_id: str, status: TaskStatus, error: str) -> str | None:
        with self._lock:
            row = self._tasks.get(task_id)
            if row is None or row[T_STATUS] in TERMINAL:
                return None
            self._move(row, status, error)
            return row[T_RUN]

    def _move(
        self,
        row: TaskRow,
        status: TaskStatus,
        error: str | None,
        artifact_ids: tuple[str, ...] | None = None,
    ) -> None:
        """Move a non-terminal task to ``status``, keeping every counter in step."""
        plain = status.value
        task_id = row[T_ID]
        run = self._runs[row[T_RUN]]
        node = run.states[row[T_NODE]]
        node.counts[row[T_STATUS]] -= 1
        node.counts[plain] += 1
        self._tasks[task_id] = moved_row(row, plain, error, artifact_ids)
        if plain in TERMINAL:
            node.terminal += 1
            run.active.pop(task_id, None)
            run.refresh_done(node)

    def _delete_tasks(self, run: RunState, doomed: Sequence[TaskRow]) -> None:
        """Delete tasks and their artifacts, rebuilding each touched index once."""
        gone: set[str] = set()
        touched: dict[int, NodeState] = {}
        for row in doomed:
            task_id, status = row[T_ID], row[T_STATUS]
            node = run.states[row[T_NODE]]
            touched[node.index] = node
            del self._tasks[task_id]
            del run.task_ids[task_id]
            del node.task_ids[task_id]
            node.counts[status] -= 1
            if status in TERMINAL:
                node.terminal -= 1
            else:
                run.active.pop(task_id, None)
            gone.update(row[T_ARTIFACTS])
        if gone:
            origins = {o for a in gone if (o := self._artifacts[a][A_ORIGIN]) is not None}
            for artifact_id in gone:
                del self._artifacts[artifact_id]
                del self._artifact_runs[artifact_id]
            for node in touched.values():
                node.artifacts = [a for a in node.artifacts if a[A_ID] not in gone]
            for origin in origins:
                kept = [a for a in run.by_origin.get(origin, ()) if a[A_ID] not in gone]
                if kept:
                    run.by_origin[origin] = kept
                else:
                    run.by_origin.pop(origin, None)
        for node in touched.values():
            run.refresh_done(node)


def _remove_last(items: list[StoredReason], item: StoredReason) -> None:
    """Remove ``item`` itself (not an equal one) from ``items``, looking from the end."""
    for position in range(len(items) - 1, -1, -1):
        if items[position] is item:
            del items[position]
            return
