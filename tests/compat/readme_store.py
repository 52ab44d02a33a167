"""A store as an application wrote it for the README's version (v0.4.1).

It implements exactly that version's protocols (``DagStore`` with ``fail_run``,
``TaskInputStore``, ``DagRetryStore``) and that version's conventions, none of
the additions since:

* ``get_task_context`` reports no task status;
* ``get_node_summary`` reports every node with tasks, running ones as
  ``partial``;
* ``get_run_nodes`` answers None for an unknown run;
* ``get_artifact_producing_node`` answers None: this application never
  recorded which node produced an artifact;
* ``get_retryable_tasks`` returns ``RetryableTaskInfo`` with a ``status``;
* no ``get_artifact_run``, no ``run_lock``, no ``reopen_run``.

The application's own side (creating a run, recording a task's outputs,
listing queued tasks) is plain methods of its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from dagabaaz.constants import (
    TASK_TERMINAL_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.models import DagArtifact, DagNode, TaskArtifact, TaskContext
from dagabaaz.retry import RetryableTaskInfo


@dataclass
class Task:
    task_id: str
    run_id: str
    node_index: int
    plugin_name: str
    status: TaskStatus
    input_artifact_id: str | None = None
    origin_artifact_id: str | None = None
    error: str = ""


@dataclass
class Artifact:
    artifact_id: str
    run_id: str
    node_index: int
    file_name: str
    file_size: int | None = None
    mime_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    origin_artifact_id: str | None = None

    def dag(self) -> DagArtifact:
        return DagArtifact(
            id=self.artifact_id,
            file_name=self.file_name,
            file_size=self.file_size,
            mime_type=self.mime_type,
            metadata=self.metadata,
            origin_artifact_id=self.origin_artifact_id,
        )

    def task(self) -> TaskArtifact:
        return TaskArtifact(
            file_path=f"/data/{self.file_name}",
            file_name=self.file_name,
            file_size=self.file_size,
            mime_type=self.mime_type,
            metadata=self.metadata,
            origin_artifact_id=self.origin_artifact_id,
        )


class ReadmeStore:
    """The README's version's store contract, kept in dicts."""

    def __init__(self) -> None:
        self.status: dict[str, RunStatus] = {}
        self.errors: dict[str, str | None] = {}
        self.nodes: dict[str, list[DagNode]] = {}
        self.inputs: dict[str, dict[str, object]] = {}
        self.progress: dict[str, int] = {}
        self.tasks: dict[str, Task] = {}
        self.launches: set[tuple[str, int]] = set()
        self.artifacts: dict[str, Artifact] = {}
        self._ids = itertools.count(1)

    # --- the application's side ------------------------------------------------

    def create_run(
        self, run_id: str, nodes: list[DagNode], run_input: dict[str, object] | None = None
    ) -> None:
        self.status[run_id] = RunStatus.RUNNING
        self.nodes[run_id] = [node.model_copy(deep=True) for node in nodes]
        self.inputs[run_id] = dict(run_input or {})

    def record_outputs(self, task_id: str, outputs: list[dict[str, Any]]) -> None:
        """Store a finished task's outputs and mark it completed (the worker's job)."""
        task = self.tasks[task_id]
        node = self.nodes[task.run_id][task.node_index]
        for output in outputs:
            artifact_id = f"art-{next(self._ids)}"
            if not node.depends_on:
                origin: str | None = artifact_id
            elif node.fan_mode == FanMode.GROUPED:
                origin = task.origin_artifact_id
            elif node.fan_mode == FanMode.SINGLE and task.input_artifact_id:
                origin = self.artifacts[task.input_artifact_id].origin_artifact_id
            else:
                origin = None
            self.artifacts[artifact_id] = Artifact(
                artifact_id, task.run_id, task.node_index, origin_artifact_id=origin, **output
            )
        task.status = TaskStatus.COMPLETED

    def queued(self, run_id: str) -> list[Task]:
        return [
            t for t in self.tasks.values() if t.run_id == run_id and t.status == TaskStatus.QUEUED
        ]

    def _new_task(
        self, run_id: str, node_index: int, plugin_name: str, status: TaskStatus, **extra: Any
    ) -> str:
        task_id = f"task-{next(self._ids)}"
        self.tasks[task_id] = Task(task_id, run_id, node_index, plugin_name, status, **extra)
        self.launches.add((run_id, node_index))
        return task_id

    def _node_tasks(self, run_id: str) -> dict[int, list[Task]]:
        by_node: dict[int, list[Task]] = {}
        for task in self.tasks.values():
            if task.run_id == run_id:
                by_node.setdefault(task.node_index, []).append(task)
        return by_node

    def _artifacts_of(self, run_id: str, node_indices: list[int]) -> list[Artifact]:
        return [
            a for i in node_indices for a in self.artifacts.values()
            if a.run_id == run_id and a.node_index == i
        ]  # fmt: skip

    # --- DagStore ---------------------------------------------------------------

    def get_run_status(self, run_id: str) -> RunStatus | None:
        return self.status.get(run_id)

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus | None, int, int]:
        tasks = self._node_tasks(run_id).get(node_index, [])
        finished = sum(1 for t in tasks if t.status in TASK_TERMINAL_STATUSES)
        return self.status.get(run_id), len(tasks), finished

    def get_run_nodes(self, run_id: str) -> list[DagNode] | None:
        return self.nodes.get(run_id)

    def try_claim_run_terminal(
        self, run_id: str, status: RunStatus, error: str | None = None
    ) -> bool:
        if self.status[run_id] in (
            RunStatus.COMPLETED,
            RunStatus.FAILED,
            RunStatus.CRASHED,
            RunStatus.CANCELLED,
        ):
            return False
        self.status[run_id] = status
        self.errors[run_id] = error
        return True

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        self.progress[run_id] = completed_count

    def get_task_context(self, task_id: str) -> TaskContext | None:
        task = self.tasks.get(task_id)
        return None if task is None else TaskContext(run_id=task.run_id, node_index=task.node_index)

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        return {
            index
            for index, tasks in self._node_tasks(run_id).items()
            if all(t.status in TASK_TERMINAL_STATUSES for t in tasks)
        }

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        return {index for rid, index in self.launches if rid == run_id}

    def get_node_summary(self, run_id: str) -> dict[int, NodeSummaryStatus]:
        summary: dict[int, NodeSummaryStatus] = {}
        for index, tasks in self._node_tasks(run_id).items():
            if any(t.status not in TASK_TERMINAL_STATUSES for t in tasks):
                summary[index] = NodeSummaryStatus.PARTIAL
            elif all(t.status == TaskStatus.SKIPPED for t in tasks):
                summary[index] = NodeSummaryStatus.SKIPPED
            elif all(t.status in (TaskStatus.COMPLETED, TaskStatus.FILTERED) for t in tasks):
                summary[index] = NodeSummaryStatus.COMPLETED
            else:
                summary[index] = NodeSummaryStatus.PARTIAL
        return summary

    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        if (run_id, node_index) in self.launches:
            return False
        self.launches.add((run_id, node_index))
        return True

    def dispatch_task(
        self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
    ) -> str:
        return self._new_task(
            run_id, node_index, plugin_name, TaskStatus.QUEUED, input_artifact_id=input_artifact_id
        )

    def dispatch_skipped_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        return self._new_task(run_id, node_index, plugin_name, TaskStatus.SKIPPED)

    def dispatch_filtered_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        return self._new_task(run_id, node_index, plugin_name, TaskStatus.FILTERED)

    def dispatch_failed_task(
        self, run_id: str, node_index: int, plugin_name: str, error: str
    ) -> str:
        return self._new_task(run_id, node_index, plugin_name, TaskStatus.FAILED, error=error)

    def fail_run(self, run_id: str, error: str) -> bool:
        claimed = self.try_claim_run_terminal(run_id, RunStatus.FAILED, error)
        if claimed:
            self.cancel_remaining_tasks(run_id, error)
        return claimed

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        return self._mark(task_id, TaskStatus.FAILED, error)

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        return self._mark(task_id, TaskStatus.CRASHED, error)

    def _mark(self, task_id: str, status: TaskStatus, error: str) -> str | None:
        task = self.tasks.get(task_id)
        if task is None:
            return None
        task.status, task.error = status, error
        return task.run_id

    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        count = 0
        for task in self.tasks.values():
            if task.run_id == run_id and task.status not in TASK_TERMINAL_STATUSES:
                task.status, task.error = TaskStatus.CANCELLED, reason
                count += 1
        return count

    def dispatch_grouped_task(
        self, run_id: str, node_index: int, plugin_name: str, origin_artifact_id: str
    ) -> str:
        return self._new_task(
            run_id,
            node_index,
            plugin_name,
            TaskStatus.QUEUED,
            origin_artifact_id=origin_artifact_id,
        )

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: list[int]
    ) -> list[DagArtifact]:
        return [a.dag() for a in self._artifacts_of(run_id, node_indices)]

    # --- TaskInputStore ---------------------------------------------------------

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        artifact = self.artifacts.get(artifact_id)
        return None if artifact is None else artifact.task()

    def get_task_artifacts_by_node_indices(
        self, run_id: str, node_indices: list[int]
    ) -> list[TaskArtifact]:
        return [a.task() for a in self._artifacts_of(run_id, node_indices)]

    def get_grouped_artifacts(
        self, run_id: str, dep_indices: list[int], origin_id: str
    ) -> list[TaskArtifact]:
        return [
            a.task()
            for a in self._artifacts_of(run_id, dep_indices)
            if a.origin_artifact_id == origin_id
        ]

    def get_broadcast_artifacts(self, run_id: str, dep_indices: list[int]) -> list[TaskArtifact]:
        return [
            a.task()
            for a in self._artifacts_of(run_id, dep_indices)
            if a.origin_artifact_id is None
        ]

    def get_run_input(self, run_id: str) -> dict[str, object]:
        return self.inputs[run_id]

    def get_artifacts_partitioned(
        self, run_id: str, node_indices: list[int]
    ) -> dict[int, list[TaskArtifact]]:
        return {i: self.get_task_artifacts_by_node_indices(run_id, [i]) for i in node_indices}

    def get_artifact_producing_node(self, artifact_id: str) -> int | None:
        return None  # this application never recorded it

    # --- DagRetryStore ------------------------------------------------------------

    def delete_node_launches(self, run_id: str, node_indices: list[int]) -> None:
        self.launches -= {(run_id, i) for i in node_indices}

    def delete_tasks_at_nodes(self, run_id: str, node_indices: list[int]) -> None:
        self._delete(run_id, node_indices, lambda task: True)
        for artifact_id in [
            a.artifact_id
            for a in self.artifacts.values()
            if a.run_id == run_id and a.node_index in node_indices
        ]:
            del self.artifacts[artifact_id]

    def get_retryable_tasks(self, run_id: str, node_indices: list[int]) -> list[RetryableTaskInfo]:
        return [
            RetryableTaskInfo(
                t.task_id,
                t.node_index,
                t.plugin_name,
                t.input_artifact_id,
                t.origin_artifact_id,
                t.status.value,
            )
            for t in self.tasks.values()
            if t.run_id == run_id
            and t.node_index in node_indices
            and t.status != TaskStatus.COMPLETED
        ]

    def delete_non_completed_tasks_at_nodes(self, run_id: str, node_indices: list[int]) -> None:
        self._delete(run_id, node_indices, lambda task: task.status != TaskStatus.COMPLETED)

    def _delete(self, run_id: str, node_indices: list[int], doomed: Any) -> None:
        for task_id in [
            t.task_id
            for t in self.tasks.values()
            if t.run_id == run_id and t.node_index in node_indices and doomed(t)
        ]:
            del self.tasks[task_id]
