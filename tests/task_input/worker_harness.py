"""A tiny worker for tests: runs plugins (plain functions) on an InMemoryStore run.

Each queued task goes through exactly what an application's worker does:
``build_task_input``, ``resolve_task_bindings``, the plugin, then
``complete_task`` and ``on_task_complete`` under the run lock (or
``on_task_failed`` when the plugin raises).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz.constants import RunStatus
from dagabaaz.graph import resolve_dependency_indices
from dagabaaz.memory import InMemoryStore, TaskRecord
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    on_task_complete,
    on_task_failed,
    reconcile_run,
    start_run,
)
from dagabaaz.task_input import build_task_input, resolve_task_bindings

Plugin = Callable[[dict[str, Any]], Iterable[Output | Mapping[str, Any]] | None]


def out(
    file_name: str, size: int | None = None, mime: str | None = None, **metadata: Any
) -> Output:
    """One plugin output."""
    return Output(
        file_name=file_name,
        file_path=f"/data/{file_name}",
        file_size=size,
        mime_type=mime,
        metadata=metadata,
    )


@dataclass(frozen=True, slots=True)
class Execution:
    """One plugin call: which node and task, what it got, whether it raised."""

    slug: str
    task: TaskRecord
    input: dict[str, Any]
    failed: bool


class WorkerRun:
    """One run of ``nodes`` with a worker loop over ``plugins`` (keyed by plugin name)."""

    def __init__(
        self,
        nodes: Sequence[DagNode],
        plugins: Mapping[str, Plugin],
        *,
        run_input: Mapping[str, Any] | None = None,
        routing: Iterable[str] = (),
        node_configs: Mapping[str, Mapping[str, Any]] | None = None,
        run_id: str = "run-1",
        fan_out_limit: int = 200,
    ) -> None:
        self.nodes = list(nodes)
        self.plugins = plugins
        self.run_id = run_id
        self.store = InMemoryStore()
        self.store.create_run(run_id, self.nodes, run_input)
        self.routing = frozenset(routing)
        self.node_configs = node_configs or {}
        self.deps = resolve_dependency_indices(self.nodes)
        self.passthrough = {i for i, n in enumerate(self.nodes) if n.plugin in self.routing}
        self.events: list[str] = []
        self.callbacks = OrchestratorCallbacks(
            on_run_completed=lambda _r: self.events.append("completed"),
            on_run_failed=lambda _r: self.events.append("failed"),
            on_run_crashed=lambda _r: self.events.append("crashed"),
            on_run_cancelled=lambda _r: self.events.append("cancelled"),
        )
        self.executions: list[Execution] = []
        self.fan_out_limit = fan_out_limit

    def is_routing(self, plugin: str) -> bool:
        return plugin in self.routing

    def start(self) -> WorkerRun:
        with self.store.run_lock(self.run_id):
            start_run(
                self.store,
                self.run_id,
                self.nodes,
                callbacks=self.callbacks,
                fan_out_limit=self.fan_out_limit,
            )
        return self

    def reconcile(self) -> list[int]:
        with self.store.run_lock(self.run_id):
            return reconcile_run(
                self.store,
                self.run_id,
                callbacks=self.callbacks,
                resolve_passthrough=self.is_routing,
                fan_out_limit=self.fan_out_limit,
            )

    def task_input(self, task: TaskRecord) -> dict[str, Any]:
        """What the plugin of ``task`` receives: the built input with bindings applied."""
        built = build_task_input(
            self.store,
            run_id=self.run_id,
            node_index=task.node_index,
            input_artifact_id=task.input_artifact_id,
            nodes=self.nodes,
            deps=self.deps,
            origin_artifact_id=task.origin_artifact_id,
            passthrough_indices=self.passthrough,
        )
        return resolve_task_bindings(
            self.store,
            run_id=self.run_id,
            node_index=task.node_index,
            nodes=self.nodes,
            input_data=built,
            node_config=self.node_configs.get(self.nodes[task.node_index].slug),
            deps=self.deps,
            input_artifact_id=task.input_artifact_id,
            origin_artifact_id=task.origin_artifact_id,
            passthrough_indices=self.passthrough,
        )

    def execute(self, task: TaskRecord) -> None:
        slug = self.nodes[task.node_index].slug
        data = self.task_input(task)
        seen = copy.deepcopy(data)  # the plugin may mutate what it was given
        plugin = self.plugins[self.nodes[task.node_index].plugin]
        try:
            outputs = plugin(data)
        except Exception as error:  # a plugin failure fails its task, like a worker would
            self.executions.append(Execution(slug, task, seen, failed=True))
            with self.store.run_lock(self.run_id):
                on_task_failed(
                    self.store,
                    task_id=task.task_id,
                    error_message=str(error),
                    callbacks=self.callbacks,
                )
            return
        self.executions.append(Execution(slug, task, seen, failed=False))
        self.store.complete_task(task.task_id, list(outputs or ()))
        with self.store.run_lock(self.run_id):
            on_task_complete(
                self.store,
                task_id=task.task_id,
                callbacks=self.callbacks,
                resolve_passthrough=self.is_routing,
                fan_out_limit=self.fan_out_limit,
            )

    def drive(self, limit: int = 10_000) -> WorkerRun:
        """Execute queued tasks in dispatch order until none is left."""
        for _ in range(limit):
            queued = self.store.queued_tasks(self.run_id)
            if not queued:
                return self
            self.execute(queued[0])
        raise AssertionError("the run did not settle")

    @property
    def status(self) -> RunStatus:
        return self.store.run(self.run_id).status

    def inputs_of(self, slug: str) -> list[dict[str, Any]]:
        """The inputs every successful execution of ``slug`` received, in order."""
        return [e.input for e in self.executions if e.slug == slug and not e.failed]

    def runs_per_node(self) -> Counter[str]:
        return Counter(e.slug for e in self.executions)
