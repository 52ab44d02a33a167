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

import copy
import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dagabaaz.constants import (
    TERMINAL_RUN_STATUSES,
    TERMINAL_TASK_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import StoreError
from dagabaaz.models import DagArtifact, DagNode, Output, TaskArtifact, TaskContext
from dagabaaz.store import RetryableTask

__all__ = ["InMemoryStore", "RunRecord", "TaskRecord"]


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """A snapshot of one task, as :meth:`InMemoryStore.tasks` returns it."""

    task_id: str
    run_id: str
    node_index: int
    plugin_name: str
    status: TaskStatus
    input_artifact_id: str | None = None
    origin_artifact_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A snapshot of one run, as :meth:`InMemoryStore.run` returns it."""

    run_id: str
    status: RunStatus
    error: str | None
    progress: int


class _Artifact:
    __slots__ = (
        "file_name",
        "file_path",
        "file_size",
        "id",
        "metadata",
        "mime_type",
        "node_index",
        "origin",
    )

    def __init__(
        self, artifact_id: str, node_index: int, output: Output, origin: str | None
    ) -> None:
        self.id = artifact_id
        self.node_index = node_index
        self.file_name = output.file_name
        self.file_path = output.file_path
        self.file_size = output.file_size
        self.mime_type = output.mime_type
        self.metadata = _copy_value(output.metadata)
        self.origin = origin

    def to_dag(self) -> DagArtifact:
        return DagArtifact(
            id=self.id,
            file_name=self.file_name,
            file_size=self.file_size,
            mime_type=self.mime_type,
            metadata=_copy_value(self.metadata),
            origin_artifact_id=self.origin,
        )

    def to_task(self) -> TaskArtifact:
        return TaskArtifact(
            file_path=self.file_path,
            file_name=self.file_name,
            file_size=self.file_size,
            mime_type=self.mime_type,
            metadata=_copy_value(self.metadata),
            origin_artifact_id=self.origin,
        )


class _Node:
    """Per (run, node) indexes: its tasks, status counts and artifacts."""

    __slots__ = (
        "artifacts",
        "by_origin",
        "counts",
        "fan_mode",
        "index",
        "root",
        "tasks",
        "terminal",
    )

    def __init__(self, index: int, node: DagNode) -> None:
        self.index = index
        self.root = not node.depends_on
        self.fan_mode = FanMode(node.fan_mode)
        self.tasks: dict[str, _Task] = {}
        self.counts: dict[TaskStatus, int] = dict.fromkeys(TaskStatus, 0)
        self.terminal = 0
        self.artifacts: list[_Artifact] = []
        self.by_origin: dict[str | None, list[_Artifact]] = {}

    def is_done(self) -> bool:
        return bool(self.tasks) and self.terminal == len(self.tasks)


class _Run:
    __slots__ = (
        "active",
        "done",
        "error",
        "input",
        "launched",
        "nodes",
        "progress",
        "run_id",
        "states",
        "status",
        "tasks",
    )

    def __init__(self, run_id: str, nodes: tuple[DagNode, ...], run_input: dict[str, Any]) -> None:
        self.run_id = run_id
        self.nodes = nodes
        self.input = run_input
        self.status = RunStatus.RUNNING
        self.error: str | None = None
        self.progress = 0
        self.launched: set[int] = set()
        self.states = tuple(_Node(i, node) for i, node in enumerate(nodes))
        self.done: set[int] = set()
        # Insertion-ordered indexes: every task in creation order, and the
        # non-terminal ones (what a worker polls and what a cancel touches).
        self.tasks: dict[str, _Task] = {}
        self.active: dict[str, _Task] = {}


class _Task:
    __slots__ = (
        "artifact_ids",
        "error",
        "input_artifact_id",
        "node",
        "origin_artifact_id",
        "plugin_name",
        "run",
        "status",
        "task_id",
    )

    def __init__(
        self,
        task_id: str,
        run: _Run,
        node: _Node,
        plugin_name: str,
        status: TaskStatus,
        input_artifact_id: str | None,
        origin_artifact_id: str | None,
        error: str | None,
    ) -> None:
        self.task_id = task_id
        self.run = run
        self.node = node
        self.plugin_name = plugin_name
        self.status = status
        self.input_artifact_id = input_artifact_id
        self.origin_artifact_id = origin_artifact_id
        self.error = error
        self.artifact_ids: list[str] = []

    def record(self) -> TaskRecord:
        return TaskRecord(
            task_id=self.task_id,
            run_id=self.run.run_id,
            node_index=self.node.index,
            plugin_name=self.plugin_name,
            status=self.status,
            input_artifact_id=self.input_artifact_id,
            origin_artifact_id=self.origin_artifact_id,
            error=self.error,
        )


class InMemoryStore:
    """A complete, thread-safe store held in memory.

    Implements :class:`~dagabaaz.store.DagStore`,
    :class:`~dagabaaz.store.TaskInputStore` and
    :class:`~dagabaaz.store.DagRetryStore`, plus the writes an application
    makes outside the engine: :meth:`create_run`, :meth:`complete_task`,
    :meth:`reopen_run`, and :meth:`run_lock` for the per-run serialization
    the orchestrator requires.

    One re-entrant lock guards all state, so each method is atomic.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._task_ids = itertools.count(1)
        self._artifact_ids = itertools.count(1)
        self._runs: dict[str, _Run] = {}
        self._tasks: dict[str, _Task] = {}
        self._artifacts: dict[str, _Artifact] = {}
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
        if isinstance(nodes, (str, bytes)) or not all(isinstance(n, DagNode) for n in nodes):
            raise StoreError(f"create_run('{run_id}'): nodes must be a list of DagNode")
        if run_input is not None and not isinstance(run_input, Mapping):
            raise StoreError(
                f"create_run('{run_id}'): run_input must be a mapping, "
                f"not {type(run_input).__name__}"
            )
        copies = tuple(node.model_copy(deep=True) for node in nodes)
        values = _copy_value(dict(run_input or {}))
        with self._lock:
            if run_id in self._runs:
                raise StoreError(f"create_run: run '{run_id}' already exists")
            self._runs[run_id] = _Run(run_id, copies, values)

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
            StoreError: The task is unknown, or an output is malformed (the
                message names the task and the output's position).
        """
        prepared = _prepare_outputs(task_id, outputs)
        with self._lock:
            task = self._task(task_id)
            if task.status in TERMINAL_TASK_STATUSES:
                return False
            node = task.node
            inherited = self._inherited_origin(task)
            for output in prepared:
                artifact_id = f"artifact-{next(self._artifact_ids)}"
                origin = artifact_id if node.root else inherited
                artifact = _Artifact(artifact_id, node.index, output, origin)
                self._artifacts[artifact_id] = artifact
                task.artifact_ids.append(artifact_id)
                node.artifacts.append(artifact)
                node.by_origin.setdefault(artifact.origin, []).append(artifact)
            self._set_status(task, TaskStatus.COMPLETED, None)
            return True

    def tasks(self, run_id: str) -> list[TaskRecord]:
        """Return a snapshot of every task of the run, in creation order."""
        with self._lock:
            return [task.record() for task in self._run(run_id).tasks.values()]

    def queued_tasks(self, run_id: str) -> list[TaskRecord]:
        """Return a snapshot of the run's queued tasks, in dispatch order."""
        with self._lock:
            return [
                task.record()
                for task in self._run(run_id).active.values()
                if task.status is TaskStatus.QUEUED
            ]

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
            node = _node(run, node_index)
            return run.status, len(node.tasks), node.terminal

    def get_run_nodes(self, run_id: str) -> list[DagNode]:
        """Return deep copies of the run's nodes, in node-index order."""
        with self._lock:
            nodes = self._run(run_id).nodes
        return [node.model_copy(deep=True) for node in nodes]

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
        """Record how many nodes are done."""
        with self._lock:
            self._run(run_id).progress = completed_count

    def get_task_context(self, task_id: str) -> TaskContext | None:
        """Return the task's run, node and current status, or None for an unknown task."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            return TaskContext(
                run_id=task.run.run_id, node_index=task.node.index, status=task.status
            )

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes that have tasks, all of them terminal (kept as an index)."""
        with self._lock:
            return set(self._run(run_id).done)

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes whose launch has been claimed."""
        with self._lock:
            return set(self._run(run_id).launched)

    def get_node_summary(self, run_id: str) -> dict[int, NodeSummaryStatus]:
        """Return, per done node: skipped, completed (completed or filtered) or partial."""
        with self._lock:
            run = self._run(run_id)
            return {index: _summary(run.states[index]) for index in sorted(run.done)}

    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        """Claim the launch of one node; True for exactly one caller."""
        with self._lock:
            run = self._run(run_id)
            _node(run, node_index)
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
            active = list(self._run(run_id).active.values())
            for task in active:
                self._set_status(task, TaskStatus.CANCELLED, reason)
            return len(active)

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        with self._lock:
            run = self._run(run_id)
            found = [a for i in node_indices for a in _node(run, i).artifacts]
        return [artifact.to_dag() for artifact in found]

    # --- TaskInputStore ------------------------------------------------------

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        """Return one artifact as a worker sees it, or None."""
        with self._lock:
            artifact = self._artifacts.get(artifact_id)
        return None if artifact is None else artifact.to_task()

    def get_task_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes: node order, then production order."""
        with self._lock:
            run = self._run(run_id)
            found = [a for i in node_indices for a in _node(run, i).artifacts]
        return [artifact.to_task() for artifact in found]

    def get_grouped_artifacts(
        self, run_id: str, dep_indices: Sequence[int], origin_id: str
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that descend from ``origin_id``."""
        return self._by_origin(run_id, dep_indices, origin_id)

    def get_broadcast_artifacts(
        self, run_id: str, dep_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that have no origin."""
        return self._by_origin(run_id, dep_indices, None)

    def get_run_input(self, run_id: str) -> dict[str, Any]:
        """Return a deep copy of the run's input values."""
        with self._lock:
            values = self._run(run_id).input
            return _copy_value(values)  # type: ignore[no-any-return]

    def get_artifacts_partitioned(
        self, run_id: str, node_indices: Sequence[int]
    ) -> dict[int, list[TaskArtifact]]:
        """Return the artifacts of each given node (an empty list for a node without any)."""
        with self._lock:
            run = self._run(run_id)
            found = {i: list(_node(run, i).artifacts) for i in node_indices}
        return {i: [a.to_task() for a in artifacts] for i, artifacts in found.items()}

    def get_artifact_producing_node(self, artifact_id: str) -> int | None:
        """Return the index of the node that produced the artifact, or None."""
        with self._lock:
            artifact = self._artifacts.get(artifact_id)
            return None if artifact is None else artifact.node_index

    # --- DagRetryStore -------------------------------------------------------

    def delete_node_launches(self, run_id: str, node_indices: Sequence[int]) -> None:
        """Forget the launch claims of the given nodes."""
        with self._lock:
            run = self._run(run_id)
            for index in node_indices:
                _node(run, index)
                run.launched.discard(index)

    def delete_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete every task and artifact at the given nodes; return how many tasks."""
        with self._lock:
            run = self._run(run_id)
            doomed = [t for i in node_indices for t in _node(run, i).tasks.values()]
            for task in doomed:
                self._delete_task(task)
            return len(doomed)

    def get_retryable_tasks(self, run_id: str, node_indices: Sequence[int]) -> list[RetryableTask]:
        """Return the tasks at the given nodes whose status is not completed."""
        with self._lock:
            run = self._run(run_id)
            return [
                RetryableTask(
                    task_id=t.task_id,
                    node_index=t.node.index,
                    plugin_name=t.plugin_name,
                    input_artifact_id=t.input_artifact_id,
                    origin_artifact_id=t.origin_artifact_id,
                )
                for i in node_indices
                for t in _node(run, i).tasks.values()
                if t.status is not TaskStatus.COMPLETED
            ]

    def delete_non_completed_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete the tasks at the given nodes whose status is not completed."""
        with self._lock:
            run = self._run(run_id)
            doomed = [
                t
                for i in node_indices
                for t in _node(run, i).tasks.values()
                if t.status is not TaskStatus.COMPLETED
            ]
            for task in doomed:
                self._delete_task(task)
            return len(doomed)

    # --- internals -------------------------------------------------------------

    def _run(self, run_id: str) -> _Run:
        run = self._runs.get(run_id)
        if run is None:
            raise StoreError(f"unknown run '{run_id}'")
        return run

    def _task(self, task_id: str) -> _Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise StoreError(f"unknown task '{task_id}'")
        return task

    def _inherited_origin(self, task: _Task) -> str | None:
        mode = task.node.fan_mode
        if mode is FanMode.GROUPED:
            return task.origin_artifact_id
        if mode is FanMode.SINGLE and task.input_artifact_id is not None:
            source = self._artifacts.get(task.input_artifact_id)
            return None if source is None else source.origin
        return None

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
        with self._lock:
            run = self._run(run_id)
            node = _node(run, node_index)
            task_id = f"task-{next(self._task_ids)}"
            task = _Task(task_id, run, node, plugin_name, status, input_artifact_id, origin, error)
            self._tasks[task_id] = task
            run.tasks[task_id] = task
            node.tasks[task_id] = task
            node.counts[status] += 1
            if status in TERMINAL_TASK_STATUSES:
                node.terminal += 1
            else:
                run.active[task_id] = task
            _refresh_done(run, node)
            return task_id

    def _finish_task(self, task_id: str, status: TaskStatus, error: str) -> str | None:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.status in TERMINAL_TASK_STATUSES:
                return None
            self._set_status(task, status, error)
            return task.run.run_id

    def _set_status(self, task: _Task, status: TaskStatus, error: str | None) -> None:
        """Move a non-terminal task to ``status``, keeping every counter in step."""
        node = task.node
        node.counts[task.status] -= 1
        node.counts[status] += 1
        task.status = status
        task.error = error
        if status in TERMINAL_TASK_STATUSES:
            node.terminal += 1
            task.run.active.pop(task.task_id, None)
            _refresh_done(task.run, node)

    def _delete_task(self, task: _Task) -> None:
        node, run = task.node, task.run
        del self._tasks[task.task_id]
        del run.tasks[task.task_id]
        del node.tasks[task.task_id]
        node.counts[task.status] -= 1
        if task.status in TERMINAL_TASK_STATUSES:
            node.terminal -= 1
        else:
            run.active.pop(task.task_id, None)
        if task.artifact_ids:
            gone = set(task.artifact_ids)
            for artifact_id in gone:
                del self._artifacts[artifact_id]
            node.artifacts = [a for a in node.artifacts if a.id not in gone]
            node.by_origin = {}
            for artifact in node.artifacts:
                node.by_origin.setdefault(artifact.origin, []).append(artifact)
        _refresh_done(run, node)

    def _by_origin(
        self, run_id: str, node_indices: Sequence[int], origin: str | None
    ) -> list[TaskArtifact]:
        with self._lock:
            run = self._run(run_id)
            found = [a for i in node_indices for a in _node(run, i).by_origin.get(origin, ())]
        return [artifact.to_task() for artifact in found]


def _node(run: _Run, node_index: int) -> _Node:
    if type(node_index) is not int or not 0 <= node_index < len(run.states):
        raise StoreError(
            f"run '{run.run_id}' has no node {node_index!r} "
            f"(it has {len(run.states)} nodes, indices 0 to {len(run.states) - 1})"
        )
    return run.states[node_index]


def _refresh_done(run: _Run, node: _Node) -> None:
    if node.is_done():
        run.done.add(node.index)
    else:
        run.done.discard(node.index)


def _summary(node: _Node) -> NodeSummaryStatus:
    total = len(node.tasks)
    if node.counts[TaskStatus.SKIPPED] == total:
        return NodeSummaryStatus.SKIPPED
    if node.counts[TaskStatus.COMPLETED] + node.counts[TaskStatus.FILTERED] == total:
        return NodeSummaryStatus.COMPLETED
    return NodeSummaryStatus.PARTIAL


def _prepare_outputs(task_id: str, outputs: Iterable[Output | Mapping[str, Any]]) -> list[Output]:
    if isinstance(outputs, (str, bytes, Mapping)) or not isinstance(outputs, Iterable):
        raise StoreError(
            f"complete_task('{task_id}'): outputs must be a list of Output or dicts, "
            f"not {type(outputs).__name__}"
        )
    prepared: list[Output] = []
    for position, output in enumerate(outputs):
        if isinstance(output, Output):
            prepared.append(output)
        elif isinstance(output, Mapping):
            try:
                prepared.append(Output.model_validate(dict(output)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'output'}: {e['msg']}"
                    for e in exc.errors()
                )
                raise StoreError(
                    f"complete_task('{task_id}'): output {position} is invalid: {problems}"
                ) from None
        else:
            raise StoreError(
                f"complete_task('{task_id}'): output {position} must be an Output or a dict, "
                f"not {type(output).__name__}"
            )
    return prepared


def _copy_value(value: Any) -> Any:
    """Copy JSON-shaped data fast; anything else goes through ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_value(item) for key, item in value.items()}
    if kind is list:
        return [_copy_value(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})
