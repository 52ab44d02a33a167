"""Recovery that no single worker can do for itself: dead jobs and idle runs.

A worker killed mid-task leaves its job ``doing``; procrastinate's stalled-job
recovery (worker heartbeats) puts it back to ``todo`` and another worker
runs the task again. What remains is rarer and is found by :func:`sweep`:

* a live task whose job ended without recording it (its retries ran out, or
  someone cancelled the job by hand) is crashed, and its run with it;
* a live run that has had no engine call for ``idle_seconds`` and has no live
  task is reconciled: whatever its state says is ready is launched, and the
  run ends if it is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from dagabaaz.errors import DagabaazError
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_crashed, reconcile_run
from dagabaaz.pipes import PipeRegistry
from dagabaaz.postgres import PostgresStore
from dagabaaz.task_input import task_error_message

__all__ = ["SweepReport", "sweep"]

logger = logging.getLogger("dagabaaz.procrastinate")

LOST = "its queue job ended without the task's outcome being recorded"


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep did."""

    crashed_tasks: tuple[str, ...]
    reconciled_runs: tuple[str, ...]
    launched: int
    """Nodes the reconciles launched."""


def sweep(
    store: PostgresStore,
    *,
    idle_seconds: float = 60.0,
    callbacks: OrchestratorCallbacks | None = None,
    pipes: PipeRegistry | None = None,
    fan_out_limit: int | None = None,
) -> SweepReport:
    """Crash tasks whose job is gone, then reconcile live runs idle with no live task."""
    callbacks = callbacks or OrchestratorCallbacks()
    with store.transaction() as conn:
        lost = conn.execute(
            """SELECT t.id, t.run_id, t.node_index, t.input_artifact_id, t.origin_artifact_id
                 FROM dagabaaz_tasks t
                 LEFT JOIN procrastinate_jobs j ON j.id = t.job_id
                WHERE t.status IN ('pending', 'queued', 'running') AND t.job_id IS NOT NULL
                  AND (j.id IS NULL OR j.status NOT IN ('todo', 'doing'))
                ORDER BY t.id"""
        ).fetchall()
    crashed = []
    for task_id, run_id, node_index, input_artifact_id, origin_artifact_id in lost:
        error = _lost_error(store, run_id, node_index, input_artifact_id, origin_artifact_id)
        with store.run_lock(run_id):
            on_task_crashed(store, task_id=str(task_id), error_message=error, callbacks=callbacks)
        crashed.append(str(task_id))
    with store.transaction() as conn:
        idle = conn.execute(
            """SELECT r.id FROM dagabaaz_runs r
                WHERE r.status IN ('pending', 'running')
                  AND r.touched_at < now() - make_interval(secs => %s)
                  AND NOT EXISTS (SELECT 1 FROM dagabaaz_tasks t
                                   WHERE t.run_id = r.id
                                     AND t.status IN ('pending', 'queued', 'running'))
                ORDER BY r.touched_at""",
            (idle_seconds,),
        ).fetchall()
    reconciled, launched = [], 0
    for (run_id,) in idle:
        passthrough: Callable[[str], bool] = store.run_definition(run_id).passthrough.__contains__
        try:
            with store.run_lock(run_id):
                options = {} if fan_out_limit is None else {"fan_out_limit": fan_out_limit}
                launched += len(
                    reconcile_run(
                        store,
                        run_id,
                        callbacks=callbacks,
                        resolve_passthrough=passthrough,
                        pipes=pipes,
                        **options,
                    )
                )
        except DagabaazError:
            logger.exception("reconciling run '%s' failed", run_id)
            continue
        reconciled.append(run_id)
    if crashed or reconciled:
        logger.info("sweep: crashed tasks %s, reconciled runs %s", crashed, reconciled)
    return SweepReport(tuple(crashed), tuple(reconciled), launched)


def _lost_error(
    store: PostgresStore,
    run_id: str,
    node_index: int,
    input_artifact_id: str | None,
    origin_artifact_id: str | None,
) -> str:
    """Return the error of a task whose job is gone, naming the input it was given."""
    try:
        definition = store.run_definition(run_id)
    except DagabaazError:  # the run is being deleted: the crash needs no input to be recorded
        return LOST
    routing = definition.passthrough
    return task_error_message(
        store,
        LOST,
        run_id=run_id,
        node_index=node_index,
        nodes=definition.nodes,
        input_artifact_id=input_artifact_id,
        origin_artifact_id=origin_artifact_id,
        passthrough_indices={
            i for i, node in enumerate(definition.nodes) if node.plugin in routing
        },
    )
