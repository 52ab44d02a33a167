"""Run a pipeline inside the current process: the quickest way to see dagabaaz work.

:class:`LocalRunner` plays the application's part: it keeps the run in an
:class:`~dagabaaz.memory.InMemoryStore`, calls plugins (plain functions) on a
thread pool, and feeds their results back to the orchestrator::

    from dagabaaz.models import DagNode
    from dagabaaz.runner import LocalRunner

    def hello(task):
        return [{"file_name": "hello.txt", "metadata": {"greeting": "hi " + task["name"]}}]

    runner = LocalRunner({"hello": hello})
    print(runner.run([DagNode(slug="hi", plugin="hello")], {"name": "Ada"}))
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagabaaz._base.arguments import (
    check_callable,
    check_count,
    check_mapping,
    check_names,
    check_nodes,
    missing_members,
    type_name,
)
from dagabaaz._base.suggest import Suggester
from dagabaaz._worker.plugin_calls import PluginFunction, PluginResult, TaskOutcome
from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT, RunStatus
from dagabaaz.environment import Environment, environment_of
from dagabaaz.errors import NodeConfigError, RetryError, StoreError
from dagabaaz.expressions import Limits
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Pipeline
from dagabaaz.orchestrator import OrchestratorCallbacks, abort_run
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta
from dagabaaz.runner._cancel import DEFAULT_CANCEL_REASON, CancelToken
from dagabaaz.runner._deadlines import check_timeout
from dagabaaz.runner._events import (
    NodeFinished,
    NodeStarted,
    ProgressCallback,
    RunEvent,
    RunFinished,
    TaskFinished,
)
from dagabaaz.runner._loop import Execution, LocalStore, RunPlan
from dagabaaz.runner._result import Cause, NodeResult, NodeStatus, RunResult
from dagabaaz.schema import InputFieldSpec, get_pipeline_input_schema, merge_run_input
from dagabaaz.store import DagRetryStore
from dagabaaz.validation import validate_or_raise

__all__ = [
    "CancelToken",
    "Cause",
    "LocalRunner",
    "LocalStore",
    "NodeFinished",
    "NodeResult",
    "NodeStarted",
    "NodeStatus",
    "PluginFunction",
    "PluginResult",
    "ProgressCallback",
    "RunEvent",
    "RunFinished",
    "RunResult",
    "TaskFinished",
    "TaskOutcome",
]


class LocalRunner:
    """Runs pipelines in this process, plugins on a thread pool.

    Args:
        plugins: Plugin name -> function. A function takes the task's input dict
            (built by :func:`dagabaaz.task_input.assemble_task_input`: artifact
            fields, or ``{"artifacts": [...]}``, or the run input for a root, with
            the node's bindings applied) and returns outputs
            (:class:`~dagabaaz.models.Output` objects or equivalent dicts), one
            output, or None. A function that is also a
            :class:`~dagabaaz.plugins.PluginMeta` declares run inputs.
        passthrough: Names of routing plugins. A routing plugin with no function
            in ``plugins`` forwards the artifacts it receives unchanged.
        max_workers: Size of the thread pool (tasks running at once).
        store: Where runs are kept; a new :class:`~dagabaaz.memory.InMemoryStore`
            when None. Any store with InMemoryStore's extras fits (:class:`LocalStore`).
        fan_out_limit: Most tasks one node may get in one run; more fails the run.
        pipes: The pipe registry bindings and validation use (a copy of
            :data:`~dagabaaz.pipes.DEFAULT_PIPES` with custom pipes registered);
            the built-ins when None.
        limits: The evaluation limits of binding expressions; the defaults when None.
        environment: ``passthrough``, ``pipes``, ``limits`` and ``strict`` in
            one :class:`~dagabaaz.environment.Environment` (give each in one
            place).
        strict: Evaluate bindings strictly: a binding expression or ``when``
            clause reading a reference that has no value fails its task,
            naming the reference (see
            :attr:`Environment.strict <dagabaaz.environment.Environment>`).
        task_timeout: Seconds one task may run (from the moment a worker picks
            it up); past it the task fails, and with it the run. The plugin's
            thread cannot be stopped: it is left to finish on its own and what
            it returns is ignored. None: no limit.
        run_timeout: Seconds a run (or a retry) may take; past it the run
            fails and :meth:`run` returns at once, leaving plugins still
            running to finish on their own. None: no limit.

    Raises:
        TypeError: An argument is of the wrong kind (the message names it):
            ``plugins`` not a mapping of name to function, ``passthrough`` a
            single string, ``max_workers`` not an int, ``store`` lacking a
            method the runner calls, a timeout that is not a number.
        ValueError: ``max_workers`` or ``fan_out_limit`` is below 1, or a
            timeout is not a positive number.
    """

    def __init__(
        self,
        plugins: Mapping[str, PluginFunction],
        *,
        passthrough: Iterable[str] = (),
        max_workers: int = 4,
        store: LocalStore | None = None,
        fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
        pipes: PipeRegistry | None = None,
        limits: Limits | None = None,
        environment: Environment | None = None,
        strict: bool | None = None,
        task_timeout: float | None = None,
        run_timeout: float | None = None,
    ) -> None:
        check_mapping(plugins, "plugins", "a mapping of plugin name to function")
        for name, function in plugins.items():
            if not isinstance(name, str):
                raise TypeError(f"plugin names must be strings, got {type_name(name)}")
            if not callable(function):
                raise TypeError(f"plugin '{name}' must be a function, got {type_name(function)}")
        passthrough = check_names(passthrough, "passthrough", "plugin names")
        check_count(max_workers, "max_workers")
        check_count(fan_out_limit, "fan_out_limit")
        if store is not None:
            lacking = missing_members(store, LocalStore)
            if lacking:
                raise TypeError(
                    f"store must be a LocalStore such as InMemoryStore; "
                    f"{type_name(store)} has no {', '.join(lacking)}"
                )
        if pipes is not None and not isinstance(pipes, PipeRegistry):
            raise TypeError(f"pipes must be a PipeRegistry, got {type_name(pipes)}")
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type_name(limits)}")
        if strict is not None and not isinstance(strict, bool):
            raise TypeError(f"strict must be a bool, got {type_name(strict)}")
        if environment is not None:
            environment = environment_of(
                environment, pipes=pipes, limits=limits, passthrough=passthrough or None
            )
            if strict is not None:
                raise TypeError(
                    "strict given both in the environment and as an argument; give it in one place"
                )
            pipes, limits, passthrough, strict = (
                environment.pipes,
                environment.limits,
                environment.passthrough,
                environment.strict,
            )
        self.plugins: Mapping[str, PluginFunction] = dict(plugins)
        self.passthrough = frozenset(passthrough)
        self.max_workers = max_workers
        self.store: LocalStore = InMemoryStore() if store is None else store
        self.fan_out_limit = fan_out_limit
        self.pipes = pipes
        self.limits = limits
        self.strict = bool(strict)
        self.task_timeout = check_timeout(task_timeout, "task_timeout")
        self.run_timeout = check_timeout(run_timeout, "run_timeout")
        self._lock = threading.Lock()
        self._active: dict[str, Execution] = {}  # run id -> the run this runner is driving
        # Run id -> the node configs it ran with, for retry(): the store does not keep them.
        self._node_configs: dict[str, Mapping[str, Mapping[str, Any]]] = {}

    @property
    def environment(self) -> Environment:
        """The pipes, limits, routing plugins and strictness this runner checks and runs with."""
        chosen = environment_of(
            None, pipes=self.pipes, limits=self.limits, passthrough=self.passthrough
        )
        return dataclasses.replace(chosen, strict=True) if self.strict else chosen

    @property
    def plugin_names(self) -> frozenset[str]:
        """Every plugin name a node may use: the functions and the routing plugins."""
        return frozenset(self.plugins) | self.passthrough

    def run(
        self,
        nodes: Sequence[DagNode] | Pipeline,
        run_input: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        node_configs: Mapping[str, Mapping[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Run a pipeline to the end and return what happened.

        A plugin exception fails its task and the run (the result keeps the
        traceback). Ctrl-C (KeyboardInterrupt), :meth:`cancel` or ``cancel``
        cancels the run; the call returns once the tasks already running
        have ended (or timed out).

        Args:
            nodes: The pipeline: its nodes, or a :class:`~dagabaaz.models.Pipeline`
                whose ``default_input`` fills what ``run_input`` leaves out.
            run_input: The run's input values (``input.`` in expressions).
            run_id: The run's id (one not yet used in the runner's store); a
                fresh one when None.
            node_configs: Node slug -> config values (``config.`` in expressions).
            progress: Called with each :data:`RunEvent`, on this thread.
            cancel: A :class:`CancelToken` whose ``cancel()`` cancels this run,
                from any thread.

        Raises:
            TypeError: An argument is of the wrong kind; the message names it.
            PipelineValidationError: The pipeline is invalid (an unknown plugin
                included); the error lists every diagnostic.
            RunInputError: A required run input has no value.
            NodeConfigError: ``node_configs`` names a node the pipeline does
                not have, or a config is not a mapping.
            StoreError: ``run_id`` is already used in the runner's store: a run
                id names one run, so nothing is run and the earlier run is
                left as it was.
        """
        default_input: Mapping[str, Any] = {}
        if isinstance(nodes, Pipeline):
            default_input = nodes.default_input
            nodes = nodes.nodes
        node_list = _node_tuple(nodes)
        if run_input is not None:
            check_mapping(run_input, "run_input", "a mapping of input name to value")
        if run_id is not None and not isinstance(run_id, str):
            raise TypeError(f"run_id must be a string, got {type_name(run_id)}")
        if progress is not None:
            check_callable(progress, "progress")
        _check_token(cancel)
        validate_or_raise(node_list, plugins=self.plugin_names, pipes=self.pipes)
        configs = _checked_node_configs(node_configs, node_list)
        values = merge_run_input(self.input_schema(node_list), default_input, run_input)
        run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
        if self.store.get_run_status(run_id) is not None:
            raise StoreError(
                f"run id '{run_id}' is already used in this runner's store; "
                "pass another run_id (or none, for a fresh one)"
            )
        self.store.create_run(run_id, node_list, values)
        with self._lock:
            self._node_configs[run_id] = configs
        return self._execute(run_id, node_list, configs, progress, cancel, retry=False)

    def retry(
        self,
        run_id: str,
        *,
        node_configs: Mapping[str, Mapping[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Retry a failed, crashed or cancelled run of this runner's store, in place.

        Completed work is kept; only what :mod:`dagabaaz.retry` re-dispatches
        runs: the failed nodes' unfinished tasks, then the nodes downstream of
        them (see docs/concepts/retry.md). The run keeps its id, its input and
        its pipeline (as the store holds it). The result describes the whole
        run: kept outputs first, then those of this attempt.

        Args:
            run_id: The run to retry.
            node_configs: The node configs to run with; None for the ones the
                run last ran with on this runner.
            progress: Called with each :data:`RunEvent`, on this thread.
            cancel: A :class:`CancelToken` that cancels this attempt.

        Raises:
            TypeError: An argument is of the wrong kind, or the store cannot
                retry (it lacks a method of :class:`~dagabaaz.store.DagRetryStore`
                or ``reopen_run``).
            StoreError: The store has no run ``run_id``.
            RetryError: The run completed (nothing to retry), is still
                running, or was not run by this runner and ``node_configs``
                is not given (the store does not keep them).
            PipelineValidationError: The stored pipeline names a plugin this
                runner lacks, or is otherwise invalid.
        """
        if not isinstance(run_id, str):
            raise TypeError(f"run_id must be a string, got {type_name(run_id)}")
        if progress is not None:
            check_callable(progress, "progress")
        _check_token(cancel)
        lacking = missing_members(self.store, DagRetryStore)
        if not callable(getattr(self.store, "reopen_run", None)):
            lacking.append("reopen_run")
        if lacking:
            raise TypeError(
                f"retry needs a store that can retry; {type_name(self.store)} has no "
                + ", ".join(lacking)
            )
        status = self.store.get_run_status(run_id)
        if status is None:
            raise StoreError(f"retry: this runner's store has no run '{run_id}'")
        _check_retryable(run_id, status)
        nodes = tuple(self.store.get_run_nodes(run_id))
        validate_or_raise(nodes, plugins=self.plugin_names, pipes=self.pipes)
        with self._lock:
            remembered = self._node_configs.get(run_id)
        if node_configs is not None:
            configs = _checked_node_configs(node_configs, nodes)
        elif remembered is not None:
            configs = dict(remembered)
        else:
            raise RetryError(
                f"retry: run '{run_id}' was not run by this runner, and the store does not "
                "keep node configs; pass node_configs (an empty dict when it had none)"
            )
        with self._lock:
            self._node_configs[run_id] = configs
        return self._execute(run_id, nodes, configs, progress, cancel, retry=True)

    def cancel(self, run_id: str, reason: str = DEFAULT_CANCEL_REASON) -> bool:
        """Cancel a run of this runner's store, from any thread.

        Tasks that have not started never start. The thread running the run
        (in :meth:`run` or :meth:`retry`) waits for the plugins still running,
        up to ``task_timeout`` each, and returns a result with status
        ``cancelled`` and the error ``run cancelled: <reason>``.

        Returns:
            True when this call ended the run; False when it had already
            ended (a second cancel, a run that completed or failed first).

        Raises:
            TypeError: ``run_id`` or ``reason`` is not a string.
            StoreError: The store has no run ``run_id`` (not yet created, or
                never); a :class:`CancelToken` given to :meth:`run` has no
                such race.
        """
        if not isinstance(run_id, str):
            raise TypeError(f"run_id must be a string, got {type_name(run_id)}")
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a string, got {type_name(reason)}")
        with self._lock:
            execution = self._active.get(run_id)
        if execution is not None:
            return execution.cancel(reason)
        if self.store.get_run_status(run_id) is None:
            raise StoreError(f"cancel: this runner's store has no run '{run_id}'")
        with self.store.run_lock(run_id):
            return abort_run(
                self.store,
                run_id=run_id,
                reason=reason,
                callbacks=OrchestratorCallbacks(),
                status=RunStatus.CANCELLED,
            )

    def _execute(
        self,
        run_id: str,
        nodes: tuple[DagNode, ...],
        configs: Mapping[str, Mapping[str, Any]],
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        *,
        retry: bool,
    ) -> RunResult:
        plan = RunPlan(
            store=self.store,
            run_id=run_id,
            nodes=nodes,
            plugins=self.plugins,
            passthrough=self.passthrough,
            node_configs=configs,
            max_workers=self.max_workers,
            fan_out_limit=self.fan_out_limit,
            progress=progress,
            pipes=self.pipes,
            limits=self.limits,
            strict=self.strict,
            task_timeout=self.task_timeout,
            run_timeout=self.run_timeout,
            cancel=cancel,
            retry=retry,
        )
        execution = Execution(plan)
        with self._lock:
            if run_id in self._active:
                raise RetryError(f"retry: run '{run_id}' is still running in this runner")
            self._active[run_id] = execution
        try:
            if retry:
                self._reopen(run_id)
            return execution.run()
        finally:
            with self._lock:
                del self._active[run_id]

    def _reopen(self, run_id: str) -> None:
        """Put a failed, crashed or cancelled run back to running, or say why not."""
        with self.store.run_lock(run_id):
            _check_retryable(run_id, self.store.get_run_status(run_id))
            self.store.reopen_run(run_id)  # type: ignore[attr-defined]

    def input_schema(self, nodes: Sequence[DagNode] | Pipeline) -> list[InputFieldSpec]:
        """Return the run-input form of a pipeline as this runner runs it.

        :func:`~dagabaaz.schema.get_pipeline_input_schema` with the inputs
        the runner's plugins declare (a plugin function that is also a
        :class:`~dagabaaz.plugins.PluginMeta`) and the runner's pipes.

        Raises:
            TypeError: ``nodes`` is not a pipeline.
            BindingError: An expression does not compile.
            PluginError: A plugin declares a malformed input.
        """
        node_list = _node_tuple(nodes.nodes if isinstance(nodes, Pipeline) else nodes)
        return get_pipeline_input_schema(node_list, self._plugin_meta, pipes=self.pipes)

    def _plugin_meta(self, name: str) -> PluginMeta | None:
        function = self.plugins.get(name)
        return function if isinstance(function, PluginMeta) else None


_RETRYABLE = frozenset({RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED})


def _check_retryable(run_id: str, status: RunStatus | None) -> None:
    if status is RunStatus.COMPLETED:
        raise RetryError(f"retry: run '{run_id}' completed; there is nothing to retry")
    if status not in _RETRYABLE:
        state = "gone" if status is None else f"still {status}"
        raise RetryError(f"retry: run '{run_id}' is {state}; wait for it to end, or cancel it")


def _check_token(cancel: object) -> None:
    if cancel is not None and not isinstance(cancel, CancelToken):
        raise TypeError(f"cancel must be a CancelToken, got {type_name(cancel)}")


def _node_tuple(nodes: object) -> tuple[DagNode, ...]:
    return check_nodes(nodes, "nodes", "a Pipeline or a list of DagNode")


def _checked_node_configs(
    node_configs: object, nodes: Sequence[DagNode]
) -> dict[str, Mapping[str, Any]]:
    """Return the node configs as given, refusing what the run would silently ignore."""
    if node_configs is None:
        return {}
    if not isinstance(node_configs, Mapping):
        raise NodeConfigError(
            f"node configs must be a mapping of node slug to config, got {type_name(node_configs)}"
        )
    slugs = {node.slug for node in nodes}
    unknown = [slug for slug in node_configs if slug not in slugs]
    if unknown:
        suggest = Suggester(slugs)
        described = []
        for slug in unknown:
            hint = suggest.hint(slug) if isinstance(slug, str) else None
            described.append(f"{slug!r}" + (f" ({hint})" if hint else ""))
        plural = "s" if len(unknown) != 1 else ""
        raise NodeConfigError(
            f"node configs name {len(unknown)} node{plural} the pipeline does not have: "
            + ", ".join(described)
        )
    for slug, config in node_configs.items():
        if not isinstance(config, Mapping):
            raise NodeConfigError(
                f"the config of node '{slug}' must be a mapping of values, got {type_name(config)}"
            )
    return dict(node_configs)
