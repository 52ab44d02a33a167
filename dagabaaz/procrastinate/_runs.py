"""Starting, cancelling and retrying runs from any process: each one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagabaaz._worker.plugin_calls import PluginFunction
from dagabaaz.constants import RunStatus
from dagabaaz.errors import StoreError
from dagabaaz.models import DagNode, Pipeline
from dagabaaz.orchestrator import OrchestratorCallbacks, abort_run, reconcile_run, start_run
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta
from dagabaaz.postgres import PostgresStore
from dagabaaz.retry import RetryResult, plan_retry
from dagabaaz.retry import retry_run as _retry_run
from dagabaaz.schema import get_pipeline_input_schema, merge_run_input
from dagabaaz.validation import validate_or_raise

__all__ = ["cancel_run", "retry_run", "submit_run"]


def submit_run(
    store: PostgresStore,
    nodes: Sequence[DagNode] | Pipeline,
    run_input: Mapping[str, Any] | None = None,
    *,
    run_id: str | None = None,
    node_configs: Mapping[str, Mapping[str, Any]] | None = None,
    plugins: Mapping[str, PluginFunction] | None = None,
    passthrough: Iterable[str] = (),
    pipes: PipeRegistry | None = None,
) -> str:
    """Validate a pipeline, create its run and queue its root tasks, in one transaction.

    Workers pick the root jobs up once this returns. Nothing is written when
    anything is refused.

    Args:
        store: A store with a queue (:func:`dagabaaz.procrastinate.connect`).
        nodes: The pipeline, or a :class:`~dagabaaz.models.Pipeline` whose
            ``default_input`` fills what ``run_input`` leaves out.
        run_input: The run's input values.
        run_id: The run's id; a fresh one when None.
        node_configs: Node slug -> config (``config.`` in expressions).
        plugins: The plugins workers run (name -> function); when given, a node
            using another is refused now rather than failing in a worker, and
            the run inputs the plugins declare (:class:`~dagabaaz.plugins.PluginMeta`)
            are checked and defaulted.
        passthrough: The routing plugins (kept with the run for every worker).
        pipes: The pipe registry expressions are checked against.

    Returns:
        The run id.

    Raises:
        PipelineValidationError: The pipeline is invalid.
        RunInputError: A required input has no value.
        StoreError: The store has no queue, the run id is taken, or a value
            cannot be stored.
    """
    if store.queue is None:
        raise StoreError(
            "submit_run: the store has no queue, so no worker would see the run; "
            "create it with dagabaaz.procrastinate.connect(...)"
        )
    default_input: Mapping[str, Any] = {}
    if isinstance(nodes, Pipeline):
        default_input, nodes = nodes.default_input, nodes.nodes
    node_list = list(nodes)
    routing = frozenset(passthrough)
    known = None if plugins is None else frozenset(plugins) | routing
    validate_or_raise(node_list, plugins=known, pipes=pipes)

    def declared(name: str) -> PluginMeta | None:
        function = None if plugins is None else plugins.get(name)
        return function if isinstance(function, PluginMeta) else None

    values = merge_run_input(
        get_pipeline_input_schema(node_list, declared, pipes=pipes), default_input, run_input
    )
    run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
    with store.run_lock(run_id):
        store.create_run(run_id, node_list, values, node_configs=node_configs, passthrough=routing)
        start_run(store, run_id, node_list, callbacks=OrchestratorCallbacks(), pipes=pipes)
    return run_id


def cancel_run(store: PostgresStore, run_id: str, reason: str = "cancelled") -> bool:
    """Cancel a live run: its live tasks are cancelled and their waiting jobs withdrawn.

    A task already running finishes, and its outcome is ignored.

    Returns:
        True when this call ended the run; False when it had ended already.

    Raises:
        StoreError: The run is unknown.
    """
    with store.run_lock(run_id):
        if store.get_run_status(run_id) is None:
            raise StoreError(f"unknown run '{run_id}'")
        return abort_run(
            store,
            run_id=run_id,
            reason=reason,
            callbacks=OrchestratorCallbacks(),
            status=RunStatus.CANCELLED,
        )


def retry_run(
    store: PostgresStore, run_id: str, *, pipes: PipeRegistry | None = None
) -> RetryResult:
    """Retry a failed, crashed or cancelled run from where it failed, in one transaction.

    Reopens the run, re-dispatches the failed nodes' unfinished tasks, wipes
    what lies downstream of them and launches what is ready (see
    :mod:`dagabaaz.retry`); completed work is kept.

    Raises:
        StoreError: The run is unknown or completed.
        RetryError: The retry cannot be planned.
    """
    with store.run_lock(run_id):
        store.reopen_run(run_id)
        definition = store.run_definition(run_id)
        nodes = list(definition.nodes)
        result = _retry_run(store, run_id, nodes, plan_retry(store, run_id, nodes))
        reconcile_run(
            store,
            run_id,
            callbacks=OrchestratorCallbacks(),
            resolve_passthrough=definition.passthrough.__contains__,
            pipes=pipes,
        )
    return result
