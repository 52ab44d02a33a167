"""One local run: tasks on a thread pool, orchestration on the calling thread.

The calling thread owns every orchestrator call (under the store's run lock)
and every store write that follows a task; worker threads only build task
inputs and call plugins. So the engine never sees two calls for the run at
once, outputs are recorded before the engine looks for the next nodes, and
a KeyboardInterrupt lands where it can cancel the run cleanly. The one
exception is :meth:`Execution.cancel`, made from another thread: it takes
the same run lock, then wakes the calling thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol, TypeVar, cast

from dagabaaz._pipeline.index import dependency_indices
from dagabaaz._runtime.limits import DEFAULT_LIMITS
from dagabaaz._worker.plugin_calls import PluginFunction, TaskOutcome, call_plugin, forwarded
from dagabaaz.constants import (
    TERMINAL_RUN_STATUSES,
    TERMINAL_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from dagabaaz.environment import Environment
from dagabaaz.expressions import Limits
from dagabaaz.memory import TaskRecord
from dagabaaz.models import DagNode, NodeReason, NotRunReason, Output
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_failed,
    reconcile_run,
    start_run,
)
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry
from dagabaaz.retry import plan_retry, retry_run
from dagabaaz.runner._cancel import CancelToken
from dagabaaz.runner._deadlines import Deadlines, run_timeout_error, task_timeout_error
from dagabaaz.runner._events import (
    NodeFinished,
    NodeStarted,
    ProgressCallback,
    RunEvent,
    RunFinished,
    TaskFinished,
)
from dagabaaz.runner._pool import TaskPool
from dagabaaz.runner._result import NodeResult, NodeStatus, RunResult, node_status
from dagabaaz.store import DagRetryStore, DagStore, TaskInputStore, reason_store
from dagabaaz.task_input import assemble_task_input, task_artifacts, task_error_message

__all__ = ["Execution", "LocalStore", "RunPlan", "execute"]

logger = logging.getLogger("dagabaaz.runner")

T = TypeVar("T")

INTERRUPTED = "interrupted (KeyboardInterrupt)"
STALLED = "run stalled: no task is queued or running, yet the run has not ended"
_WINDOW_PER_WORKER = 16
"""Tasks handed to the pool per worker: enough to keep workers busy, few enough for cheap waits."""
_LONGEST_WAIT = 1.0
"""Seconds the runner's thread sleeps at most between looks around.

A SIGINT that lands just as the thread blocks on a lock is handled only when
it wakes (CPython checks for signals before blocking, not during): waking now
and then makes Ctrl-C work within this time, whatever the plugins do.
"""


class LocalStore(DagStore, TaskInputStore, Protocol):
    """What the local runner needs of a store: the protocols plus InMemoryStore's extras."""

    def create_run(
        self, run_id: str, nodes: Sequence[DagNode], run_input: Mapping[str, Any] | None = None
    ) -> None:
        """Register a run."""
        ...

    def complete_task(self, task_id: str, outputs: Sequence[Output] = ()) -> bool:
        """Record outputs and complete the task; False if it was already terminal."""
        ...

    def tasks(self, run_id: str) -> list[TaskRecord]:
        """Return every task of the run, in creation order."""
        ...

    def queued_tasks(self, run_id: str) -> list[TaskRecord]:
        """Return the run's queued tasks, in dispatch order."""
        ...

    def run_lock(self, run_id: str) -> Any:
        """Return a context manager that serializes orchestration calls for the run."""
        ...


@dataclass(frozen=True, slots=True)
class RunPlan:
    """Everything one run needs, fixed before it starts."""

    store: LocalStore
    run_id: str
    nodes: tuple[DagNode, ...]
    plugins: Mapping[str, PluginFunction]
    passthrough: frozenset[str]
    node_configs: Mapping[str, Mapping[str, Any]]
    max_workers: int
    fan_out_limit: int
    progress: ProgressCallback | None
    pipes: PipeRegistry | None = None
    limits: Limits | None = None
    strict: bool = False
    task_timeout: float | None = None
    run_timeout: float | None = None
    cancel: CancelToken | None = None
    retry: bool = False
    """Resume a reopened run (plan_retry, retry_run, reconcile_run) instead of starting it."""


@dataclass(slots=True)
class _NodeTrack:
    """What the runner saw of one node."""

    total: int = 0
    done: int = 0
    first_start: float | None = None
    last_end: float | None = None
    outputs: list[Output] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def elapsed(self) -> float:
        if self.first_start is None or self.last_end is None:
            return 0.0
        return self.last_end - self.first_start


def execute(plan: RunPlan) -> RunResult:
    """Run ``plan`` to a terminal state and return its result."""
    return Execution(plan).run()


class Execution:
    """One run of a plan, driven on the thread that calls :meth:`run`."""

    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        self.store = plan.store
        self.deps = dependency_indices(plan.nodes)
        self.passthrough_indices = frozenset(
            index for index, node in enumerate(plan.nodes) if node.plugin in plan.passthrough
        )
        # What each task's input is assembled with; the routing plugins give the indices above.
        self.environment = Environment(
            pipes=DEFAULT_PIPES if plan.pipes is None else plan.pipes,
            limits=DEFAULT_LIMITS if plan.limits is None else plan.limits,
            passthrough=plan.passthrough,
            strict=plan.strict,
        )
        self.tracks: dict[int, _NodeTrack] = {}
        self.submitted: set[str] = set()
        self.backlog: deque[TaskRecord] = deque()
        self.launch_count = -1  # launched nodes when the queue was last read
        self.running: dict[Future[tuple[int, TaskOutcome]], TaskRecord] = {}
        self.first_failure: tuple[str, TaskOutcome] | None = None  # the node's slug, the task
        self.interrupted = False
        self.abort_reason: str | None = None  # why the runner itself ended the run
        # Numbers tasks as they end, on the worker threads: results are handled in that order.
        self.ended = itertools.count()
        self.ended_lock = threading.Lock()
        # Set by a worker the moment a task fails: a failure ends the run, so tasks
        # that have not started yet must not call their plugins.
        self.stopping = threading.Event()
        self.callbacks = OrchestratorCallbacks()
        self.started = time.perf_counter()
        self.deadlines = Deadlines(plan.task_timeout, plan.run_timeout)
        self.cancel_reason: str | None = None  # set by cancel(), from any thread
        # Done when another thread needs the runner's thread to look again (a cancel).
        self.wake_lock = threading.Lock()
        self.wake: Future[None] = Future()

    # --- the loop ----------------------------------------------------------

    def run(self) -> RunResult:
        """Drive the run to its end on this thread and return its result."""
        plan = self.plan
        pool = TaskPool(plan.max_workers, "dagabaaz")
        if plan.cancel is not None:
            plan.cancel.subscribe(self.cancel)
        try:
            self._orchestrate(self._resume if plan.retry else self._start)
            self._drive(pool)
        except KeyboardInterrupt:
            self.interrupted = True
            self._abort(pool, INTERRUPTED, RunStatus.CANCELLED)
            # Every task is terminal now: each node started gets its NodeFinished.
            self._report_nodes()
        except BaseException as error:
            self._abort(pool, f"local runner error: {error}", RunStatus.FAILED)
            raise
        finally:
            if plan.cancel is not None:
                plan.cancel.unsubscribe(self.cancel)
            pool.close()
        result = self._result()
        self._emit(RunFinished(result))
        return result

    def cancel(self, reason: str) -> bool:
        """Cancel the run from any thread; True when this call ended it.

        Tasks not started never start; the runner's thread wakes up, waits for
        the plugins still running (up to their ``task_timeout``) and returns.
        """
        self.stopping.set()
        with self.wake_lock:
            if self.cancel_reason is None:
                self.cancel_reason = reason
        try:
            return self._orchestrate(
                lambda: self._end_run(reason, RunStatus.CANCELLED), report=False
            )
        finally:
            with self.wake_lock:
                if not self.wake.done():
                    self.wake.set_result(None)

    def _start(self) -> None:
        plan = self.plan
        start_run(
            self.store,
            plan.run_id,
            plan.nodes,
            callbacks=self.callbacks,
            pipes=plan.pipes,
            fan_out_limit=plan.fan_out_limit,
        )

    def _resume(self) -> None:
        """Retry a reopened run: re-dispatch what failed, then launch what is ready."""
        plan, store = self.plan, self.store
        if store.get_run_status(plan.run_id) in TERMINAL_RUN_STATUSES:
            return  # cancelled before it resumed
        retry_store = cast(DagRetryStore, store)
        boundary = plan_retry(
            retry_store, plan.run_id, plan.nodes, resolve_passthrough=self._is_passthrough
        )
        retry_run(retry_store, plan.run_id, plan.nodes, boundary)
        self._reconcile()
        self._count_kept_work()

    def _count_kept_work(self) -> None:
        """Seed the tracks with what the retry kept: finished tasks and their outputs."""
        finished: dict[int, int] = {}
        for task in self.store.tasks(self.plan.run_id):
            if TaskStatus(task.status) in TERMINAL_TASK_STATUSES:
                finished[task.node_index] = finished.get(task.node_index, 0) + 1
        for index, count in sorted(finished.items()):
            track = self._track(index)
            track.done = count
            artifacts = self.store.get_task_artifacts_by_node_indices(self.plan.run_id, [index])
            track.outputs.extend(forwarded(artifacts))

    def _drive(self, pool: TaskPool) -> None:
        stalled = False
        while True:
            self._submit_queued(pool)
            if not self.running:
                if self._run_status() in TERMINAL_RUN_STATUSES:
                    return
                if stalled:
                    # Nothing queued, nothing running, yet the run is live: never wait forever.
                    self.abort_reason = STALLED
                    self._orchestrate(lambda: self._end_run(STALLED, RunStatus.FAILED))
                    return
                stalled = True
                self._orchestrate(self._reconcile)
                continue
            stalled = False
            done = self._wait()
            # In the order the tasks ended: outputs are recorded, and seen downstream, so.
            for future in sorted(done, key=lambda f: f.result()[0]):
                record = self.running.pop(future)
                self.deadlines.task_ended(record.task_id)
                self._finish(record, future.result()[1])
            self._expire(pool)

    def _wait(self) -> set[Future[tuple[int, TaskOutcome]]]:
        """Wait for a task to end, a deadline to pass or a cancel; return the tasks that ended."""
        timeout = _bounded(self.deadlines.wait_timeout(r.task_id for r in self.running.values()))
        waited: list[Future[Any]] = [*self.running, self.wake]
        done = wait(waited, timeout=timeout, return_when=FIRST_COMPLETED)[0]
        woken = self.wake
        if woken in done:
            with self.wake_lock:
                self.wake = Future()
            done.discard(woken)
            self._report_nodes()  # a cancel ended the run: its nodes are finished
        return {f for f in done if f in self.running}

    def _expire(self, pool: TaskPool) -> None:
        """Give up on tasks past ``task_timeout``, and on the run past ``run_timeout``."""
        if self.deadlines.run_expired():
            self._run_timed_out(pool)
            return
        overdue = set(self.deadlines.overdue(r.task_id for r in self.running.values()))
        if not overdue:
            return
        self.stopping.set()  # a timed-out task fails the run: nothing else may start
        timeout = self.deadlines.task_timeout or 0.0
        for future, record in list(self.running.items()):
            if record.task_id not in overdue or future.done():
                continue
            pool.abandon(future)
            del self.running[future]
            started = self.deadlines.started.get(record.task_id, self.started)
            self.deadlines.task_ended(record.task_id)
            plugin = self.plan.nodes[record.node_index].plugin
            error = task_timeout_error(plugin, timeout)
            self._finish(
                record, TaskOutcome(error=error, started=started, ended=time.perf_counter())
            )

    def _run_timed_out(self, pool: TaskPool) -> None:
        timeout = self.deadlines.run_timeout or 0.0
        started = self.deadlines.started
        running = sorted(
            {
                self.plan.nodes[record.node_index].slug
                for record in self.running.values()
                if record.task_id in started
            }
        )
        reason = run_timeout_error(timeout, running)
        self.stopping.set()
        ended = self._orchestrate(lambda: self._end_run(reason, RunStatus.FAILED), report=False)
        if ended:
            self.abort_reason = reason
        self._let_go(pool)
        self._report_nodes()

    def _let_go(self, pool: TaskPool) -> None:
        """Stop waiting for every task handed to the pool; those running are left to finish."""
        for future in self.running:
            pool.abandon(future)
        self.running.clear()
        self.backlog.clear()

    def _submit_queued(self, pool: TaskPool) -> None:
        # Tasks are dispatched only when a node launches, so the queue is read
        # again only then (or when the run seems idle), not after every task.
        if self._run_status() in TERMINAL_RUN_STATUSES:
            # The engine cancelled whatever had not started: do not start it here either.
            self.backlog.clear()
            for future in [f for f in self.running if f.cancel()]:
                del self.running[future]
            return
        launched = len(self.store.get_launched_node_indices(self.plan.run_id))
        if launched != self.launch_count or not (self.running or self.backlog):
            self.launch_count = launched
            for record in self.store.queued_tasks(self.plan.run_id):
                if record.task_id not in self.submitted:
                    self.submitted.add(record.task_id)
                    self.backlog.append(record)
        # A small window in flight keeps each wait() cheap, however many tasks are queued.
        while self.backlog and len(self.running) < _WINDOW_PER_WORKER * self.plan.max_workers:
            record = self.backlog.popleft()
            self.running[pool.submit(self._work, record)] = record

    def _finish(self, record: TaskRecord, outcome: TaskOutcome) -> None:
        if outcome.not_run:
            return  # the engine cancels it with the rest of the run
        track = self._track(record.node_index)
        track.done += 1
        track.first_start = min(outcome.started, track.first_start or outcome.started)
        track.last_end = max(outcome.ended, track.last_end or outcome.ended)
        node = self.plan.nodes[record.node_index]
        if outcome.ok:
            outputs = outcome.outputs
            refused = self._orchestrate(
                lambda: self._complete(record.task_id, node.plugin, outputs, track), report=False
            )
            if refused is not None:
                outcome = replace(outcome, outputs=(), error=refused)
        if not outcome.ok:
            error = self._naming_input(record, outcome.error or "task failed")
            outcome = replace(outcome, error=error)
            # A task the run cancelled while its plugin ran did not fail the run: its error is moot.
            if self._orchestrate(lambda: self._fail(record.task_id, error), report=False):
                track.errors.append(error)
                if self.first_failure is None:
                    self.first_failure = (node.slug, outcome)
        self._emit(
            TaskFinished(
                node.slug, record.task_id, outcome.ok, track.done, track.total, outcome.error
            )
        )
        self._report_nodes()

    def _complete(
        self, task_id: str, plugin: str, outputs: Sequence[Output], track: _NodeTrack
    ) -> str | None:
        """Record the outputs and tell the engine; return why the store refused them, if it did."""
        try:
            recorded = self.store.complete_task(task_id, outputs)
        except (TypeError, ValueError) as error:  # StoreError is a ValueError
            return f"plugin '{plugin}' returned an output the store refused: {error}"
        # False when the task was cancelled while its plugin ran: nothing to record.
        if recorded:
            track.outputs.extend(outputs)
            on_task_complete(
                self.store,
                task_id=task_id,
                callbacks=self.callbacks,
                resolve_passthrough=self._is_passthrough,
                fan_out_limit=self.plan.fan_out_limit,
            )
        return None

    def _naming_input(self, record: TaskRecord, error: str) -> str:
        """Lead a failed task's error with the input it worked on (read only on failure)."""
        return task_error_message(
            self.store,
            error,
            run_id=self.plan.run_id,
            node_index=record.node_index,
            nodes=self.plan.nodes,
            input_artifact_id=record.input_artifact_id,
            origin_artifact_id=record.origin_artifact_id,
            deps=self.deps,
            passthrough_indices=self.passthrough_indices,
        )

    def _fail(self, task_id: str, error: str) -> bool:
        """Report a failed task; False when the run had already ended it (cancelled)."""
        context = self.store.get_task_context(task_id)
        if context is not None and context.status in TERMINAL_TASK_STATUSES:
            return False
        on_task_failed(self.store, task_id=task_id, error_message=error, callbacks=self.callbacks)
        return True

    def _reconcile(self) -> None:
        reconcile_run(
            self.store,
            self.plan.run_id,
            callbacks=self.callbacks,
            resolve_passthrough=self._is_passthrough,
            pipes=self.plan.pipes,
            fan_out_limit=self.plan.fan_out_limit,
        )

    def _abort(self, pool: TaskPool, reason: str, status: RunStatus) -> None:
        self.stopping.set()
        try:
            self._orchestrate(lambda: self._end_run(reason, status), report=False)
        finally:
            self._wait_out(pool)

    def _wait_out(self, pool: TaskPool) -> None:
        """Wait for the plugins still running to return, ignoring what they return.

        A plugin cannot be stopped from outside: the wait ends for each when it
        returns, or when its ``task_timeout`` or the run's deadline passes (the
        plugin is then left to finish on its own thread). A KeyboardInterrupt
        during the wait (a second Ctrl-C) stops waiting for all of them.
        """
        for future in [f for f in self.running if f.cancel()]:
            del self.running[future]
        try:
            while self.running:
                if self.deadlines.run_expired():
                    break
                timeout = _bounded(
                    self.deadlines.wait_timeout(r.task_id for r in self.running.values())
                )
                done = wait(self.running, timeout=timeout, return_when=FIRST_COMPLETED)[0]
                for future in done:
                    del self.running[future]
                overdue = set(self.deadlines.overdue(r.task_id for r in self.running.values()))
                for future in [f for f, r in self.running.items() if r.task_id in overdue]:
                    pool.abandon(future)
                    del self.running[future]
        except KeyboardInterrupt:
            pass
        finally:
            self._let_go(pool)

    def _end_run(self, reason: str, status: RunStatus) -> bool:
        return abort_run(
            self.store,
            run_id=self.plan.run_id,
            reason=reason,
            callbacks=self.callbacks,
            status=status,
        )

    def _orchestrate(self, call: Callable[[], T], *, report: bool = True) -> T:
        with self.store.run_lock(self.plan.run_id):
            result = call()
        if report:
            self._report_nodes()
        return result

    # --- worker side (runs on a pool thread) -------------------------------

    def _work(self, record: TaskRecord) -> tuple[int, TaskOutcome]:
        if self.stopping.is_set():
            return self._ended(TaskOutcome(not_run=True))
        self.deadlines.task_began(record.task_id)
        node = self.plan.nodes[record.node_index]
        plugin = self.plan.plugins.get(node.plugin)
        try:
            if plugin is None:  # a routing node without a function forwards what it was given
                outcome = call_plugin(node.plugin, self._forward, lambda: record)
            else:
                outcome = call_plugin(node.plugin, plugin, lambda: self._task_input(record))
        except BaseException:
            self.stopping.set()
            raise
        if not outcome.ok:
            self.stopping.set()
        return self._ended(outcome)

    def _ended(self, outcome: TaskOutcome) -> tuple[int, TaskOutcome]:
        with self.ended_lock:
            return next(self.ended), outcome

    def _task_input(self, record: TaskRecord) -> dict[str, Any]:
        slug = self.plan.nodes[record.node_index].slug
        return assemble_task_input(
            self.store,
            run_id=self.plan.run_id,
            node_index=record.node_index,
            nodes=self.plan.nodes,
            input_artifact_id=record.input_artifact_id,
            origin_artifact_id=record.origin_artifact_id,
            node_config=self.plan.node_configs.get(slug),
            deps=self.deps,
            environment=self.environment,
            task_id=record.task_id,
        )

    def _forward(self, record: TaskRecord) -> tuple[Output, ...]:
        """Return the artifacts the task was given, as its outputs, field for field.

        Read as artifacts, not through the task's input dict, where metadata
        and the standard fields share one namespace.
        """
        artifacts = task_artifacts(
            self.store,
            run_id=self.plan.run_id,
            node_index=record.node_index,
            nodes=self.plan.nodes,
            input_artifact_id=record.input_artifact_id,
            origin_artifact_id=record.origin_artifact_id,
            deps=self.deps,
            passthrough_indices=self.passthrough_indices,
        )
        return forwarded(artifacts)

    # --- progress and result -----------------------------------------------

    def _is_passthrough(self, plugin: str) -> bool:
        return plugin in self.plan.passthrough

    def _track(self, index: int) -> _NodeTrack:
        track = self.tracks.get(index)
        if track is None:
            track = self.tracks[index] = _NodeTrack()
        return track

    def _report_nodes(self) -> None:
        """Emit node-started and node-finished events for what changed since last time."""
        run_id = self.plan.run_id
        for index in sorted(self.store.get_launched_node_indices(run_id)):
            track = self._track(index)
            if track.finished:
                continue
            _, total, terminal = self.store.get_barrier_state(run_id, index)
            node = self.plan.nodes[index]
            if track.total == 0 and total:
                track.total = total
                self._emit(NodeStarted(node.slug, node.plugin, total))
            if total and terminal >= total:
                track.finished = True
                status = self._node_statuses().get(index, NodeStatus.NOT_RUN)
                reasons = self._node_reasons(index)
                self._emit(NodeFinished(node.slug, status, total, track.elapsed, reasons))

    def _node_statuses(self) -> dict[int, NodeStatus]:
        by_node: dict[int, list[TaskStatus]] = {}
        for task in self.store.tasks(self.plan.run_id):
            by_node.setdefault(task.node_index, []).append(TaskStatus(task.status))
        return {index: node_status(statuses) for index, statuses in by_node.items()}

    def _emit(self, event: RunEvent) -> None:
        if self.plan.progress is not None:
            self.plan.progress(event)

    def _run_status(self) -> RunStatus | None:
        status = self.store.get_run_status(self.plan.run_id)
        return None if status is None else RunStatus(status)

    def _result(self) -> RunResult:
        tasks = self.store.tasks(self.plan.run_id)
        counts: dict[int, int] = {}
        # Marker tasks (a launch that failed, such as a node over the fan-out
        # limit) never reach a worker, so their errors come from the store.
        marker_errors: dict[int, list[str]] = {}
        for task in tasks:
            counts[task.node_index] = counts.get(task.node_index, 0) + 1
            if task.task_id not in self.submitted and _is_failure(task):
                marker_errors.setdefault(task.node_index, []).append(task.error or "task failed")
        statuses = self._node_statuses()
        reasons = self._reasons()
        status = self._run_status() or RunStatus.FAILED
        error = self._error(status, tasks)
        if status != RunStatus.COMPLETED:
            self._explain_not_run(statuses, reasons, status, error)
        nodes = {}
        for index, node in enumerate(self.plan.nodes):
            track = self.tracks.get(index) or _NodeTrack()
            nodes[node.slug] = NodeResult(
                slug=node.slug,
                plugin=node.plugin,
                status=statuses.get(index, NodeStatus.NOT_RUN),
                task_count=counts.get(index, 0),
                outputs=tuple(track.outputs),
                elapsed_seconds=track.elapsed,
                errors=(*track.errors, *marker_errors.get(index, ())),
                reasons=tuple(reasons.get(index, ())),
            )
        return RunResult(
            run_id=self.plan.run_id,
            status=status,
            nodes=MappingProxyType(nodes),
            error=error,
            traceback=None if self.first_failure is None else self.first_failure[1].traceback,
            diagnostics=() if self.first_failure is None else self.first_failure[1].diagnostics,
            elapsed_seconds=time.perf_counter() - self.started,
            sinks=_sinks(self.plan.nodes),
        )

    def _node_reasons(self, index: int) -> tuple[NodeReason, ...]:
        """Return the reasons the store kept for one node, for its NodeFinished event."""
        if self.plan.progress is None:
            return ()
        store = reason_store(self.store)
        return () if store is None else tuple(store.get_reasons(self.plan.run_id, index))

    def _reasons(self) -> dict[int, list[NodeReason]]:
        """Return the reasons the store kept, by node (none when it keeps none).

        Best effort, like recording them: a store that fails to read them
        back leaves the result without reasons, and the failure is logged.
        """
        store = reason_store(self.store)
        by_node: dict[int, list[NodeReason]] = {}
        if store is None:
            return by_node
        try:
            recorded = store.get_reasons(self.plan.run_id)
        except Exception:
            logger.warning(
                "reading the reasons of run '%s' failed; its result has none",
                self.plan.run_id,
                exc_info=True,
            )
            return by_node
        for reason in recorded:
            by_node.setdefault(reason.node_index, []).append(reason)
        return by_node

    def _explain_not_run(
        self,
        statuses: Mapping[int, NodeStatus],
        reasons: dict[int, list[NodeReason]],
        status: RunStatus,
        error: str | None,
    ) -> None:
        """Add a not-run reason to each node the run's end left unrun or cancelled."""
        nodes = self.plan.nodes
        by_slug = {node.slug: statuses.get(i, NodeStatus.NOT_RUN) for i, node in enumerate(nodes)}
        ended_by = self.first_failure[0] if self.first_failure is not None else None
        if ended_by is None:
            ended_by = next((s for s, st in by_slug.items() if st in _FAILED_NODE), None)
        for index, node in enumerate(nodes):
            if by_slug[node.slug] not in _UNRUN_NODE:
                continue
            reasons.setdefault(index, []).append(
                NotRunReason(
                    node=node.slug,
                    node_index=index,
                    run_status=status,
                    ended_by=None if ended_by == node.slug else ended_by,
                    waiting_on=tuple(
                        dep for dep in node.depends_on if by_slug.get(dep) not in _FINISHED_NODE
                    ),
                    error=error,
                )
            )

    def _error(self, status: RunStatus, tasks: Sequence[TaskRecord]) -> str | None:
        if status == RunStatus.COMPLETED:
            return None
        if self.interrupted:
            return f"run cancelled: {INTERRUPTED}"
        if status is RunStatus.CANCELLED and self.cancel_reason is not None:
            return f"run cancelled: {self.cancel_reason}"
        if self.abort_reason is not None:
            return self.abort_reason
        if self.first_failure is not None:
            slug, outcome = self.first_failure
            return f"node '{slug}' failed: {outcome.error or 'task failed'}"
        for task in tasks:
            if task.error and _is_failure(task):
                slug = self.plan.nodes[task.node_index].slug
                # Engine markers already name their node ("node 'x': ...").
                detail = task.error.removeprefix(f"node '{slug}': ")
                return f"node '{slug}' failed: {detail}"
        # The engine ended the run for a reason no task carries as a failure
        # (a dispatch cut short, say); the tasks it cancelled carry the reason.
        for task in tasks:
            if task.error and TaskStatus(task.status) is TaskStatus.CANCELLED:
                return f"run {status.value}: {task.error}"
        return f"run {status.value}"


_FAILED_NODE = frozenset({NodeStatus.FAILED, NodeStatus.CRASHED})
_UNRUN_NODE = frozenset({NodeStatus.NOT_RUN, NodeStatus.CANCELLED})
_FINISHED_NODE = frozenset(
    {NodeStatus.COMPLETED, NodeStatus.MIXED, NodeStatus.SKIPPED, NodeStatus.FILTERED}
)


def _bounded(timeout: float | None) -> float:
    return _LONGEST_WAIT if timeout is None else min(timeout, _LONGEST_WAIT)


def _is_failure(task: TaskRecord) -> bool:
    return TaskStatus(task.status) in (TaskStatus.FAILED, TaskStatus.CRASHED)


def _sinks(nodes: Sequence[DagNode]) -> tuple[str, ...]:
    depended: Container[str] = {slug for node in nodes for slug in node.depends_on}
    return tuple(node.slug for node in nodes if node.slug not in depended)
