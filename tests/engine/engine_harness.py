"""A small driver for engine tests: an InMemoryStore run plus recorded callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.memory import InMemoryStore, TaskRecord
from dagabaaz.models import DagArtifact, DagNode, Output
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_crashed,
    on_task_failed,
    reconcile_run,
    start_run,
)

Produce = Callable[[TaskRecord], Iterable[Output | Mapping[str, Any]]]


def out(
    file_name: str, size: int | None = None, mime: str | None = None, **metadata: Any
) -> Output:
    return Output(file_name=file_name, file_size=size, mime_type=mime, metadata=metadata)


class EngineRun:
    """One run of ``nodes`` in an InMemoryStore, driven step by step or to the end."""

    def __init__(
        self,
        nodes: Sequence[DagNode],
        *,
        run_id: str = "run-1",
        store: InMemoryStore | None = None,
        routing: Iterable[str] = (),
        fan_out_limit: int = 200,
        run_input: Mapping[str, Any] | None = None,
    ) -> None:
        self.nodes = list(nodes)
        self.run_id = run_id
        self.store = store if store is not None else InMemoryStore()
        self.store.create_run(run_id, self.nodes, run_input)
        self.routing = frozenset(routing)
        self.fan_out_limit = fan_out_limit
        self.events: list[tuple[str, str]] = []
        self.callbacks = OrchestratorCallbacks(
            on_run_completed=lambda r: self.events.append(("completed", r)),
            on_run_failed=lambda r: self.events.append(("failed", r)),
            on_run_crashed=lambda r: self.events.append(("crashed", r)),
            on_run_cancelled=lambda r: self.events.append(("cancelled", r)),
        )
        self.index = {node.slug: i for i, node in enumerate(self.nodes)}

    # --- entry points ------------------------------------------------------

    def start(self) -> list[int]:
        return start_run(
            self.store,
            self.run_id,
            self.nodes,
            callbacks=self.callbacks,
            fan_out_limit=self.fan_out_limit,
        )

    def is_routing(self, plugin: str) -> bool:
        return plugin in self.routing

    def notify(self, task_id: str) -> None:
        on_task_complete(
            self.store,
            task_id=task_id,
            callbacks=self.callbacks,
            resolve_passthrough=self.is_routing,
            fan_out_limit=self.fan_out_limit,
        )

    def complete(self, task_id: str, outputs: Iterable[Output | Mapping[str, Any]] = ()) -> bool:
        changed = self.store.complete_task(task_id, list(outputs))
        self.notify(task_id)
        return changed

    def fail(self, task_id: str, error: str = "boom") -> None:
        on_task_failed(self.store, task_id=task_id, error_message=error, callbacks=self.callbacks)

    def crash(self, task_id: str, error: str = "worker died") -> None:
        on_task_crashed(self.store, task_id=task_id, error_message=error, callbacks=self.callbacks)

    def abort(self, reason: str = "stop", status: RunStatus = RunStatus.CANCELLED) -> bool:
        return abort_run(
            self.store, run_id=self.run_id, reason=reason, callbacks=self.callbacks, status=status
        )

    def reconcile(self) -> list[int]:
        return reconcile_run(
            self.store,
            self.run_id,
            callbacks=self.callbacks,
            resolve_passthrough=self.is_routing,
            fan_out_limit=self.fan_out_limit,
        )

    def drive(self, produce: Mapping[str, Sequence[Output]] | Produce, limit: int = 10_000) -> None:
        """Complete queued tasks (in dispatch order) until none is left."""
        make = produce if callable(produce) else self._by_slug(produce)
        for _ in range(limit):
            queued = self.store.queued_tasks(self.run_id)
            if not queued:
                return
            for task in queued:
                self.complete(task.task_id, make(task))
        raise AssertionError("the run did not settle")

    def _by_slug(self, table: Mapping[str, Sequence[Output]]) -> Produce:
        def make(task: TaskRecord) -> Sequence[Output]:
            return table.get(self.nodes[task.node_index].slug, ())

        return make

    # --- observations ------------------------------------------------------

    @property
    def status(self) -> RunStatus:
        return self.store.run(self.run_id).status

    def tasks(self, slug: str) -> list[TaskRecord]:
        index = self.index[slug]
        return [t for t in self.store.tasks(self.run_id) if t.node_index == index]

    def statuses(self, slug: str) -> list[TaskStatus]:
        return [t.status for t in self.tasks(slug)]

    def outcome(self) -> dict[str, list[str]]:
        """Every node's task statuses, as plain strings, by slug."""
        return {node.slug: [str(s) for s in self.statuses(node.slug)] for node in self.nodes}

    def queued(self, slug: str) -> list[TaskRecord]:
        return [t for t in self.tasks(slug) if t.status is TaskStatus.QUEUED]

    def artifacts(self, slug: str) -> list[DagArtifact]:
        return self.store.get_artifacts_by_node_indices(self.run_id, [self.index[slug]])

    def input_names(self, slug: str) -> list[str | None]:
        """The input artifact's file name of each task of ``slug``."""
        names: list[str | None] = []
        for task in self.tasks(slug):
            data = (
                None
                if task.input_artifact_id is None
                else self.store.get_artifact_data(task.input_artifact_id)
            )
            names.append(None if data is None else data.file_name)
        return names
