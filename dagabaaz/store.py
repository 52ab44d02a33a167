"""The persistence contract: what the engine and the workers ask of a store.

dagabaaz owns no database. The application implements these protocols over its
own tables and queue; :class:`dagabaaz.memory.InMemoryStore` is the reference
implementation and :mod:`dagabaaz.testing` checks any implementation.

Two guarantees the engine relies on:

* **Atomic claims.** :meth:`DagStore.try_claim_node_launch` and
  :meth:`DagStore.try_claim_run_terminal` return True to exactly one caller,
  however many race (a unique row insert, or ``UPDATE ... WHERE status IS NULL``).
* **Per-run serialization.** The orchestrator's entry points for one run
  (``start_run``, ``on_task_complete``, ``on_task_failed``, ``on_task_crashed``,
  ``abort_run``, ``reconcile_run``) must not interleave: hold a lock per run id
  around each call (a row lock, an advisory lock, or a mutex in one process).

A store may return plain strings where a status enum is declared: every
status enum is a ``StrEnum`` and the engine normalizes what it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from dagabaaz.constants import NodeSummaryStatus, RunStatus
from dagabaaz.models import DagArtifact, DagNode, NodeReason, TaskArtifact, TaskContext

__all__ = [
    "DagRetryStore",
    "DagStore",
    "ReasonStore",
    "RetryableTask",
    "TaskInputStore",
    "reason_store",
]


@runtime_checkable
class DagStore(Protocol):
    """Run and task state the orchestrator reads and writes."""

    def get_run_status(self, run_id: str) -> RunStatus | None:
        """Return the run's status, or None for an unknown run."""
        ...

    def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus, int, int]:
        """Return ``(run_status, total_tasks, terminal_tasks)`` for one node."""
        ...

    def get_run_nodes(self, run_id: str) -> list[DagNode]:
        """Return the pipeline the run executes, in node-index order."""
        ...

    def try_claim_run_terminal(
        self, run_id: str, status: RunStatus, error: str | None = None
    ) -> bool:
        """Atomically move the run to terminal ``status``; True for exactly one caller."""
        ...

    def set_run_progress(self, run_id: str, completed_count: int) -> None:
        """Record how many nodes finished without a failure; called before every terminal claim.

        The count covers nodes whose summary is completed or skipped (see
        :meth:`get_node_summary`); for a completed run it is the node count.
        """
        ...

    def get_task_context(self, task_id: str) -> TaskContext | None:
        """Return the run and node of a task, or None for an unknown task.

        A store may fill :attr:`TaskContext.status`; when it does, the engine
        ignores completions of tasks that are not completed.
        """
        ...

    def get_completed_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes that have tasks and whose tasks are all terminal."""
        ...

    def get_launched_node_indices(self, run_id: str) -> set[int]:
        """Return the nodes whose launch has been claimed."""
        ...

    def get_node_summary(self, run_id: str) -> dict[int, NodeSummaryStatus]:
        """Return, per finished node (one in :meth:`get_completed_node_indices`), its outcome.

        * ``skipped``: every task of the node is skipped;
        * ``completed``: every task is completed or filtered;
        * ``partial``: anything else (some task failed, crashed or was cancelled).
        """
        ...

    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        """Atomically claim the launch of one node; True for exactly one caller."""
        ...

    def dispatch_task(
        self, run_id: str, node_index: int, plugin_name: str, input_artifact_id: str | None
    ) -> str:
        """Create a task, enqueue it for a worker and return its id.

        The task must not be able to complete before this method returns.
        """
        ...

    def dispatch_skipped_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal ``skipped`` marker task (no queue job); return its id."""
        ...

    def dispatch_filtered_task(self, run_id: str, node_index: int, plugin_name: str) -> str:
        """Record a terminal ``filtered`` marker task (no queue job); return its id."""
        ...

    def dispatch_failed_task(
        self, run_id: str, node_index: int, plugin_name: str, error: str
    ) -> str:
        """Record a terminal ``failed`` marker task carrying ``error``; return its id."""
        ...

    def mark_task_failed(self, task_id: str, error: str) -> str | None:
        """Fail a non-terminal task; return its run id, or None if nothing changed."""
        ...

    def mark_task_crashed(self, task_id: str, error: str) -> str | None:
        """Crash a non-terminal task; return its run id, or None if nothing changed."""
        ...

    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        """Cancel every pending, queued or running task of the run; return how many."""
        ...

    def dispatch_grouped_task(
        self, run_id: str, node_index: int, plugin_name: str, origin_artifact_id: str
    ) -> str:
        """Create and enqueue the task of one origin group; return its id."""
        ...

    def get_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[DagArtifact]:
        """Return the artifacts produced by the given nodes in this run."""
        ...


@runtime_checkable
class TaskInputStore(Protocol):
    """What a worker reads to assemble a task's input."""

    def get_artifact_data(self, artifact_id: str) -> TaskArtifact | None:
        """Return one artifact as a worker sees it, or None."""
        ...

    def get_task_artifacts_by_node_indices(
        self, run_id: str, node_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts produced by the given nodes."""
        ...

    def get_grouped_artifacts(
        self, run_id: str, dep_indices: Sequence[int], origin_id: str
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that descend from ``origin_id``."""
        ...

    def get_broadcast_artifacts(
        self, run_id: str, dep_indices: Sequence[int]
    ) -> list[TaskArtifact]:
        """Return the artifacts of the given nodes that have no origin."""
        ...

    def get_run_input(self, run_id: str) -> dict[str, Any]:
        """Return the run's input values."""
        ...

    def get_artifacts_partitioned(
        self, run_id: str, node_indices: Sequence[int]
    ) -> dict[int, list[TaskArtifact]]:
        """Return the artifacts of the given nodes, keyed by producing node."""
        ...

    def get_artifact_producing_node(self, artifact_id: str) -> int | None:
        """Return the index of the node that produced the artifact, or None."""
        ...


@dataclass(frozen=True, slots=True)
class RetryableTask:
    """A task a retry re-dispatches the way it was first dispatched."""

    task_id: str
    node_index: int
    plugin_name: str
    input_artifact_id: str | None = None
    origin_artifact_id: str | None = None


@runtime_checkable
class DagRetryStore(DagStore, Protocol):
    """The extra writes needed to retry a failed run from the point of failure."""

    def delete_node_launches(self, run_id: str, node_indices: Sequence[int]) -> None:
        """Forget the launch claims of the given nodes so they can launch again."""
        ...

    def delete_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete every task (and its artifacts) at the given nodes; return how many."""
        ...

    def get_retryable_tasks(self, run_id: str, node_indices: Sequence[int]) -> list[RetryableTask]:
        """Return the tasks at the given nodes whose status is not completed."""
        ...

    def delete_non_completed_tasks_at_nodes(self, run_id: str, node_indices: Sequence[int]) -> int:
        """Delete the tasks at the given nodes whose status is not completed; return how many."""
        ...


@runtime_checkable
class ReasonStore(Protocol):
    """Optional: keeps why each node of a run ended the way it did.

    A store with these two methods gets a :data:`~dagabaaz.models.NodeReason`
    for every decision the engine makes (a launch, a skip, a filter, a
    failure) and for every task whose bindings a ``when`` clause gated off;
    a store without them works exactly as before. Persist a reason as
    ``reason.model_dump(mode="json")`` (or ``reason.model_dump_json()``) in
    a row keyed by run, node index and recording order, and read it back
    with :func:`dagabaaz.models.parse_reason`.
    """

    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        """Keep ``reason`` after the run's earlier ones (``reason.node_index`` is its node)."""
        ...

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        """Return the run's reasons in recording order; only node ``node_index``'s when given."""
        ...


def reason_store(store: object) -> ReasonStore | None:
    """Return ``store`` when it keeps reasons (has both methods), else None."""
    record = getattr(store, "record_reason", None)
    read = getattr(store, "get_reasons", None)
    return store if callable(record) and callable(read) else None  # type: ignore[return-value]
