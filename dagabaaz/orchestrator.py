"""The orchestrator: what runs next, decided from the state a store persists.

The application owns the database, the queue and the workers. It calls these
entry points and the engine answers through the store (tasks dispatched,
markers recorded, the run's terminal state claimed) and the callbacks:

* :func:`start_run` validates the pipeline and launches its roots.
* :func:`on_task_complete` launches whatever the finished task made ready.
* :func:`on_task_failed` / :func:`on_task_crashed` end the run.
* :func:`abort_run` ends a run from outside (cancel, fail or crash it).
* :func:`reconcile_run` launches everything the persisted state says is
  ready; it is idempotent and safe at any time (after a restart, a retry, or
  a lost message).

Calls for one run must not interleave: hold a per-run lock around each call
(:meth:`dagabaaz.memory.InMemoryStore.run_lock` in one process, a row or
advisory lock in a database). Duplicate, late and unknown-task calls are
harmless: nothing launches twice and no callback fires twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dagabaaz._engine import cache
from dagabaaz._engine.callbacks import OrchestratorCallbacks, RunCallback
from dagabaaz._engine.reasons import record_failure
from dagabaaz._engine.session import (
    RunSession,
    check_node_index,
    end_run,
    entry_for,
    unheard_of,
)
from dagabaaz._pipeline.compiled import CompiledGraph, compile_graph
from dagabaaz.constants import (
    DEFAULT_FAN_OUT_LIMIT,
    TERMINAL_RUN_STATUSES,
    TERMINAL_TASK_STATUSES,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import ArgumentTypeError, DagabaazError, PipelineValidationError, StoreError
from dagabaaz.models import DagNode, TaskContext
from dagabaaz.store import DagStore

if TYPE_CHECKING:
    from dagabaaz.pipes import PipeRegistry

__all__ = [
    "OnRunCancelled",
    "OnRunCompleted",
    "OnRunCrashed",
    "OnRunFailed",
    "OrchestratorCallbacks",
    "RunCallback",
    "abort_run",
    "on_task_complete",
    "on_task_crashed",
    "on_task_failed",
    "reconcile_run",
    "start_run",
]

# The README's version's names for the callback types.
OnRunCompleted = RunCallback
OnRunFailed = RunCallback
OnRunCrashed = RunCallback
OnRunCancelled = RunCallback

_ABORT_STATUSES = frozenset({RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED})


def start_run(
    store: DagStore,
    run_id: str,
    nodes: Sequence[DagNode],
    *,
    callbacks: OrchestratorCallbacks | None = None,
    pipes: PipeRegistry | None = None,
    fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
) -> list[int]:
    """Validate ``nodes`` and launch the run's root nodes.

    The run must already exist in the store. Each root gets one task with no
    input artifact; a root whose launch was claimed before (a repeated call,
    or :func:`reconcile_run`) is not launched again. Nothing is dispatched for
    a run that is already terminal.

    Args:
        store: The application's store.
        run_id: The run to start.
        nodes: The pipeline, in node-index order (the run's nodes in the store).
        callbacks: Told if the run fails while its roots are dispatched; None
            (the default) for no callbacks.
        pipes: Pipe registry used to validate expressions (None: the built-ins).
        fan_out_limit: Accepted for symmetry with the other entry points.

    Returns:
        The indices of the root nodes.

    Raises:
        PipelineValidationError: The pipeline is invalid; the message lists
            every error and nothing was dispatched.
        StoreError: The store does not know ``run_id``, or holds a pipeline
            for it that schedules differently from ``nodes`` (the message
            says where); nothing was dispatched.
    """
    _check_fan_out_limit(fan_out_limit)
    _check_callbacks(callbacks)
    _validate(nodes, pipes)
    graph = compile_graph(nodes)
    status = store.get_run_status(run_id)
    if status is None:
        raise StoreError(f"start_run: the store has no run '{run_id}'; create it first")
    _check_stored_graph(store, run_id, nodes, graph)
    if status in TERMINAL_RUN_STATUSES:
        return list(graph.roots)
    entry = cache.install(store, run_id, graph)
    RunSession(store, run_id, entry, callbacks, _no_passthrough, fan_out_limit).launch_roots()
    return list(graph.roots)


def on_task_complete(
    store: DagStore,
    *,
    task_id: str,
    callbacks: OrchestratorCallbacks | None = None,
    resolve_passthrough: Callable[[str], bool],
    fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
) -> None:
    """React to a completed task: launch what became ready, or complete the run.

    Call it after the store recorded the task as completed (with its outputs).
    Readiness is checked over the whole graph: a node whose dependencies all
    finished in earlier events but which was never launched (a worker died
    between recording a task and calling this) is launched now.
    An unknown task, or one the store reports as terminal but not completed
    (failed or cancelled meanwhile), launches nothing. When the task's node
    is done but holds a failed, crashed or cancelled task (a failure whose
    handling was cut short), the run fails instead of launching what follows.

    Args:
        store: The application's store.
        task_id: The task that completed.
        callbacks: Told when the run ends; None (the default) for no callbacks,
            as with every entry point.
        resolve_passthrough: Plugin name -> whether it is a routing node.
        fan_out_limit: Most tasks one node may get; more fails the node.

    Raises:
        StoreError: The store reports the task as queued, pending or running:
            its outputs were never recorded, so the call is a mistake that
            would otherwise leave the run waiting forever.
    """
    _check_fan_out_limit(fan_out_limit)
    _check_callbacks(callbacks)
    context = store.get_task_context(task_id)
    if context is None:
        return
    status = context.status
    if status is not None and status != TaskStatus.COMPLETED:
        if status in TERMINAL_TASK_STATUSES:
            return
        raise StoreError(
            f"on_task_complete: task '{task_id}' of run '{context.run_id}' is "
            f"{TaskStatus(status).value}, not completed; record its outputs (complete_task) "
            "before calling on_task_complete"
        )
    run_id, index = context.run_id, context.node_index
    run_status, total, terminal = store.get_barrier_state(run_id, index)
    if run_status in TERMINAL_RUN_STATUSES:
        return
    entry = entry_for(store, run_id)
    check_node_index(len(entry.graph), run_id, task_id, index)
    if not 0 < total <= terminal:
        total = 0
    # Readiness over the whole graph: one read of the done nodes finds any
    # whose completion was never reported (see RunSession.task_completed).
    unheard = unheard_of(store, run_id, entry, index, total)
    if not total and not unheard:
        return  # the usual completion of a node with tasks still running
    session = RunSession(store, run_id, entry, callbacks, resolve_passthrough, fan_out_limit)
    session.task_completed(index, total, unheard)


def on_task_failed(
    store: DagStore,
    *,
    task_id: str,
    error_message: str,
    callbacks: OrchestratorCallbacks | None = None,
) -> None:
    """Record a task failure and fail the run, cancelling its remaining tasks.

    A task that is unknown, or already completed, cancelled, skipped or
    filtered, is left alone, and so is a run that already ended. A task
    already failed or crashed in a run still live (the first report marked it
    but could not end the run, say the store went down in between) ends the
    run now, as the first report would have: repeating a report is safe.
    """
    _end_with_task(store, task_id, error_message, callbacks, TaskStatus.FAILED)


def on_task_crashed(
    store: DagStore,
    *,
    task_id: str,
    error_message: str,
    callbacks: OrchestratorCallbacks | None = None,
) -> None:
    """Record a task crash (the worker died) and crash the run.

    Same rules as :func:`on_task_failed`; the run ends as crashed (or as
    failed, when the repeated report is of a task recorded as failed).
    """
    _end_with_task(store, task_id, error_message, callbacks, TaskStatus.CRASHED)


def abort_run(
    store: DagStore,
    *,
    run_id: str,
    reason: str,
    callbacks: OrchestratorCallbacks | None = None,
    status: RunStatus = RunStatus.FAILED,
) -> bool:
    """End a live run from outside with ``status`` (failed by default, crashed or cancelled).

    Remaining tasks are cancelled with ``reason`` and the matching callback
    fires.

    Returns:
        True when this call ended the run; False when the run is unknown or
        had already ended.

    Raises:
        DagabaazError: ``status`` is not failed, crashed or cancelled.
    """
    _check_callbacks(callbacks)
    if status not in _ABORT_STATUSES:
        raise DagabaazError(
            f"abort_run: status must be failed, crashed or cancelled, not {str(status)!r}"
        )
    current = store.get_run_status(run_id)
    if current is None or current in TERMINAL_RUN_STATUSES:
        return False
    return end_run(store, run_id, RunStatus(status), reason, callbacks)


def reconcile_run(
    store: DagStore,
    run_id: str,
    *,
    callbacks: OrchestratorCallbacks | None = None,
    resolve_passthrough: Callable[[str], bool],
    pipes: PipeRegistry | None = None,
    fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
) -> list[int]:
    """Bring a run up to date with what its persisted state says.

    Launches every node whose dependencies are done and that was not
    launched (roots included, so it also starts a run), re-launches a node
    whose launch was claimed but that has no task (its launcher died), fails
    the run when a launched node holds another number of tasks than its
    launch plan (its dispatch was cut short, for example by a store outage
    that also prevented recording the failure) or when a done node holds
    failed tasks, and completes the run when every node is done. Safe to
    call at any time and any number of times.

    Returns:
        The indices of the nodes this call launched, in launch order.

    Raises:
        PipelineValidationError: The run's stored pipeline is invalid.
        StoreError: The store does not know ``run_id``.
    """
    _check_fan_out_limit(fan_out_limit)
    _check_callbacks(callbacks)
    status = store.get_run_status(run_id)
    if status is None:
        raise StoreError(f"reconcile_run: the store has no run '{run_id}'")
    if status in TERMINAL_RUN_STATUSES:
        return []
    nodes = store.get_run_nodes(run_id)
    _validate(nodes, pipes)
    graph = compile_graph(nodes)
    entry = cache.lookup(store, run_id)
    if entry is None or entry.graph != graph:
        entry = cache.install(store, run_id, graph)
    else:
        entry.forget_hints()
    session = RunSession(store, run_id, entry, callbacks, resolve_passthrough, fan_out_limit)
    session.reconcile()
    if store.get_run_status(run_id) not in TERMINAL_RUN_STATUSES:
        # Every done node's dependents were just looked at.
        entry.known_done = set(store.get_completed_node_indices(run_id))
    return session.launched


def _check_stored_graph(
    store: DagStore, run_id: str, nodes: Sequence[DagNode], graph: CompiledGraph
) -> None:
    # The engine later reads the store's nodes (after a cache miss, in
    # reconcile_run): launching from different nodes now would mix two pipelines.
    stored = store.get_run_nodes(run_id)
    if stored == list(nodes):
        return  # the usual case, decided without compiling the stored copy
    try:
        difference = graph.difference(compile_graph(stored))
    except PipelineValidationError as error:
        difference = f"the store's cannot run ({error.diagnostics[0].message})"
    else:
        if difference is not None:
            difference = f"the nodes given and the store's differ: {difference}"
    if difference is not None:
        raise StoreError(
            f"start_run: run '{run_id}' was created with another pipeline than the nodes "
            f"given; {difference}"
        )


def _end_with_task(
    store: DagStore,
    task_id: str,
    error_message: str,
    callbacks: OrchestratorCallbacks | None,
    task_status: TaskStatus,
) -> None:
    _check_callbacks(callbacks)
    context = store.get_task_context(task_id)
    if context is None:
        return
    recorded = context.status
    if recorded not in TERMINAL_TASK_STATUSES:
        failing = task_status is TaskStatus.FAILED
        mark = store.mark_task_failed if failing else store.mark_task_crashed
        if mark(task_id, error_message) is not None:
            recorded = task_status
            _record_failure(store, context, task_id, error_message, task_status)
        elif recorded is not None:
            return  # it became terminal meanwhile, without this report
    # ``recorded`` is None only for a store that does not report task statuses
    # and a task it would not mark: already terminal, in some state unknown.
    run_id, index = context.run_id, context.node_index
    current = store.get_run_status(run_id)
    if current is None or current in TERMINAL_RUN_STATUSES:
        return
    if recorded is None:
        if store.get_node_summary(run_id).get(index) != NodeSummaryStatus.PARTIAL:
            return
        recorded = task_status
    if recorded not in _FAILED_TASK:
        return
    run_status, verb = _FAILED_TASK[TaskStatus(recorded)]
    error = f"node '{_slug_of(store, run_id, index)}' {verb}: {error_message}"
    end_run(store, run_id, run_status, error, callbacks)


def _record_failure(
    store: DagStore,
    context: TaskContext,
    task_id: str,
    error_message: str,
    task_status: TaskStatus,
) -> None:
    """Record why the task failed, for a store that keeps reasons (best effort)."""
    run_id, index = context.run_id, context.node_index
    record_failure(
        store,
        run_id,
        index,
        lambda: _slug_of(store, run_id, index),
        task_id,
        error_message,
        "task_failed" if task_status is TaskStatus.FAILED else "task_crashed",
        context.input_artifact_id,
    )


_FAILED_TASK = {
    TaskStatus.FAILED: (RunStatus.FAILED, "failed"),
    TaskStatus.CRASHED: (RunStatus.CRASHED, "crashed"),
}


def _slug_of(store: DagStore, run_id: str, index: int) -> str:
    # Only for the run's error message: the task is already marked, so the
    # run must end even if the stored pipeline could not be compiled.
    entry = cache.lookup(store, run_id)
    if entry is not None and 0 <= index < len(entry.graph):
        return entry.graph.slugs[index]
    nodes = store.get_run_nodes(run_id)
    return nodes[index].slug if 0 <= index < len(nodes) else f"#{index}"


def _validate(nodes: Sequence[DagNode], pipes: PipeRegistry | None) -> None:
    # The seam to save-time validation; imported late because validation
    # pulls in the expression toolkit.
    from dagabaaz.validation import validate_or_raise

    validate_or_raise(list(nodes), pipes=pipes)


_CALLBACK_NAMES = ("on_run_completed", "on_run_failed", "on_run_crashed", "on_run_cancelled")


def _check_callbacks(callbacks: object) -> None:
    """Refuse, before anything changes, callbacks the engine could not call when the run ends.

    Any object with the four callback attributes fits (a store's own class,
    a mock), each None or a function.
    """
    if callbacks is None or isinstance(callbacks, OrchestratorCallbacks):
        return
    lacking = [name for name in _CALLBACK_NAMES if not hasattr(callbacks, name)]
    if lacking:
        raise ArgumentTypeError(
            f"callbacks must be an OrchestratorCallbacks (or None for none), got "
            f"{type(callbacks).__name__}, which has no {', '.join(lacking)}"
        )
    for name in _CALLBACK_NAMES:
        callback = getattr(callbacks, name)
        if callback is not None and not callable(callback):
            raise ArgumentTypeError(
                f"callbacks.{name} must be a function or None, got {type(callback).__name__}"
            )


def _check_fan_out_limit(limit: int) -> None:
    if type(limit) is not int:
        raise ArgumentTypeError(f"fan_out_limit must be a positive integer, not {limit!r}")
    if limit < 1:
        raise DagabaazError(f"fan_out_limit must be a positive integer, not {limit!r}")


def _no_passthrough(_plugin: str) -> bool:
    return False
