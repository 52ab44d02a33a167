"""Running one dagabaaz task in a worker: input, plugin, then one transaction for the rest.

The plugin runs outside any transaction (it may take minutes and must not
hold the run's lock). Then one transaction takes the run lock, records the
outputs (or the failure), calls the engine, and defers the jobs of whatever
the engine dispatched on that same connection, before it commits. A worker
killed at any point leaves either nothing of that transaction or all of it:
its job is retried (procrastinate's stalled-job recovery), the plugin runs
again, and the conditional update that records the outcome lets exactly one
attempt through.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from dagabaaz._worker.plugin_calls import PluginFunction, TaskOutcome, call_plugin, forwarded
from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT, TaskStatus
from dagabaaz.errors import StoreError
from dagabaaz.expressions import Limits
from dagabaaz.graph import resolve_dependency_indices
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, on_task_failed
from dagabaaz.pipes import PipeRegistry
from dagabaaz.postgres import PostgresStore, RunDefinition, StartedTask
from dagabaaz.task_input import assemble_task_input, task_artifacts, task_error_message

__all__ = ["TaskExecutor", "TaskReport"]

_RUNS_CACHED = 256
_DATABASE_ERRORS = (psycopg.Error, psycopg_pool.PoolTimeout)
T = TypeVar("T")
_LIVE = frozenset({TaskStatus.PENDING, TaskStatus.QUEUED, TaskStatus.RUNNING})


@dataclass(frozen=True, slots=True)
class TaskReport:
    """What one execution of a task did (see :attr:`TaskExecutor.on_report`)."""

    task_id: str
    outcome: str
    """``completed`` or ``failed`` (a plugin error, or outputs the store refused), or
    ``not-live`` when the task was no longer waiting to run."""
    attempt: int
    plugin_seconds: float
    """Building the input and calling the plugin."""
    record_seconds: float
    """From the plugin's return to the commit: how long before the next jobs are visible."""
    recorded: bool
    """False when the task had been cancelled (or recorded by another attempt) meanwhile."""
    dispatched: int = 0
    """Jobs of successor tasks the recording transaction made visible."""


@dataclass(frozen=True, slots=True)
class _Run:
    definition: RunDefinition
    deps: list[list[int]]
    passthrough_indices: frozenset[int]


class TaskExecutor:
    """Runs dagabaaz tasks against a :class:`~dagabaaz.postgres.PostgresStore`.

    Args:
        store: The store, with a queue (:func:`dagabaaz.procrastinate.connect`).
        plugins: Plugin name -> function, as for the local runner.
        pipes: The pipe registry bindings use (the built-ins when None).
        limits: The evaluation limits of binding expressions.
        fan_out_limit: Most tasks one node may get in one run.
        callbacks: Told when a run ends, inside the transaction that ends it
            (before it commits: keep them quick, and expect a repeat when that
            commit fails).
        on_report: Called with a :class:`TaskReport` after each task.
    """

    def __init__(
        self,
        store: PostgresStore,
        plugins: Mapping[str, PluginFunction],
        *,
        pipes: PipeRegistry | None = None,
        limits: Limits | None = None,
        fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
        callbacks: OrchestratorCallbacks | None = None,
        on_report: Callable[[TaskReport], object] | None = None,
    ) -> None:
        self.store = store
        self.plugins = dict(plugins)
        self.pipes = pipes
        self.limits = limits
        self.fan_out_limit = fan_out_limit
        self.callbacks = callbacks or OrchestratorCallbacks()
        self.on_report = on_report
        self._runs: OrderedDict[tuple[str, int], _Run] = OrderedDict()
        self._runs_lock = threading.Lock()

    def execute(self, task_id: str) -> TaskReport:
        """Run one task and record what happened; safe to call again for the same task."""
        with self.store.session():
            with self.store.task_reads():
                started = self.store.start_task(task_id)
                if started is None:
                    return self._report(TaskReport(task_id, "not-live", 0, 0.0, 0.0, False))
                run = self._run(started)
                node = run.definition.nodes[started.node_index]
                begin = time.perf_counter()
                outcome = self._call(started, run, node)
                if not outcome.ok:  # named here, while the input artifact is still at hand
                    error = self._naming_input(started, run, outcome.error or "task failed")
                    outcome = replace(outcome, error=error)
            finished = time.perf_counter()
            recorded, ok, dispatched = self._record(started, run, outcome)
        report = TaskReport(
            task_id,
            "completed" if ok else "failed",
            started.attempt,
            finished - begin,
            time.perf_counter() - finished,
            recorded,
            dispatched,
        )
        return self._report(report)

    def resolve_passthrough(self, run_id: str) -> Callable[[str], bool]:
        """Return the run's routing-plugin test, as the engine needs it."""
        passthrough = self.store.run_definition(run_id).passthrough
        return passthrough.__contains__

    def _report(self, report: TaskReport) -> TaskReport:
        if self.on_report is not None:
            self.on_report(report)
        return report

    def _run(self, started: StartedTask) -> _Run:
        key = (started.run_id, started.run_seq)
        with self._runs_lock:
            cached = self._runs.get(key)
            if cached is not None:
                self._runs.move_to_end(key)
                return cached
        definition = self.store.run_definition(started.run_id)
        run = _Run(
            definition,
            resolve_dependency_indices(list(definition.nodes)),
            frozenset(
                i
                for i, node in enumerate(definition.nodes)
                if node.plugin in definition.passthrough
            ),
        )
        with self._runs_lock:
            self._runs[key] = run
            while len(self._runs) > _RUNS_CACHED:
                self._runs.popitem(last=False)
        return run

    def _call(self, started: StartedTask, run: _Run, node: DagNode) -> TaskOutcome:
        """Call the plugin; a database error while reading its input is raised, not recorded.

        Such an error says nothing about the task (the database restarted, a
        connection dropped): the job is retried instead of failing the run.
        """
        lost: list[BaseException] = []

        def reading(read: Callable[[], T]) -> Callable[[], T]:
            def guarded() -> T:
                try:
                    return read()
                except _DATABASE_ERRORS as error:
                    lost.append(error)
                    raise

            return guarded

        function = self.plugins.get(node.plugin)
        if function is not None:
            outcome = call_plugin(
                node.plugin, function, reading(lambda: self._input(started, run, node))
            )
        elif node.plugin in run.definition.passthrough:
            forward = reading(lambda: self._forward((started, run)))
            outcome = call_plugin(node.plugin, lambda _: forward(), lambda: None)
        else:
            outcome = self._missing(node)
        if lost:
            raise lost[0]
        return outcome

    def _missing(self, node: DagNode) -> TaskOutcome:
        known = ", ".join(sorted(self.plugins)) or "none"
        return TaskOutcome(
            error=f"this worker has no plugin '{node.plugin}' (it has: {known}); "
            "start workers with the plugins the pipeline uses"
        )

    def _input(self, started: StartedTask, run: _Run, node: DagNode) -> dict[str, Any]:
        return assemble_task_input(
            self.store,
            run_id=started.run_id,
            node_index=started.node_index,
            nodes=run.definition.nodes,
            input_artifact_id=started.input_artifact_id,
            origin_artifact_id=started.origin_artifact_id,
            node_config=run.definition.node_configs.get(node.slug),
            deps=run.deps,
            passthrough_indices=run.passthrough_indices,
            pipes=self.pipes,
            limits=self.limits,
            task_id=started.task_id,
        )

    def _forward(self, task: tuple[StartedTask, _Run]) -> Iterable[Output]:
        """Forward what a routing node without a function was given, field for field."""
        started, run = task
        artifacts = task_artifacts(
            self.store,
            run_id=started.run_id,
            node_index=started.node_index,
            nodes=run.definition.nodes,
            input_artifact_id=started.input_artifact_id,
            origin_artifact_id=started.origin_artifact_id,
            deps=run.deps,
            passthrough_indices=run.passthrough_indices,
        )
        return forwarded(artifacts)

    def _naming_input(self, started: StartedTask, run: _Run, error: str) -> str:
        """Lead a failed task's error with the input it worked on (read only on failure)."""
        return task_error_message(
            self.store,
            error,
            run_id=started.run_id,
            node_index=started.node_index,
            nodes=run.definition.nodes,
            input_artifact_id=started.input_artifact_id,
            origin_artifact_id=started.origin_artifact_id,
            deps=run.deps,
            passthrough_indices=run.passthrough_indices,
        )

    def _record(
        self, started: StartedTask, run: _Run, outcome: TaskOutcome
    ) -> tuple[bool, bool, int]:
        """Record the outcome; return (recorded, completed, jobs dispatched)."""
        # Lazy: the lock travels with the completion, one round trip for both.
        with self.store.run_lock(started.run_id, lazy=True) as txn:
            recorded, ok = self._record_in(started, run, outcome)
        return recorded, ok, txn.dispatched

    def _record_in(
        self, started: StartedTask, run: _Run, outcome: TaskOutcome
    ) -> tuple[bool, bool]:
        store, task_id = self.store, started.task_id
        error = outcome.error
        if outcome.ok:
            try:
                if not store.complete_task(task_id, outcome.outputs):
                    return False, True
            except StoreError as refused:  # checked before anything is written
                error = self._naming_input(
                    started,
                    run,
                    f"the store refused the outputs of plugin '{started.plugin_name}': {refused}",
                )
            else:
                on_task_complete(
                    store,
                    task_id=task_id,
                    callbacks=self.callbacks,
                    resolve_passthrough=run.definition.passthrough.__contains__,
                    fan_out_limit=self.fan_out_limit,
                )
                return True, True
        context = store.get_task_context(task_id)
        if context is None or context.status not in _LIVE:
            return False, False  # cancelled meanwhile, or recorded by another attempt
        on_task_failed(
            store,
            task_id=task_id,
            error_message=error or "task failed",
            callbacks=self.callbacks,
        )
        return True, False
