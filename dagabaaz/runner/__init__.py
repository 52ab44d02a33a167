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
from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT
from dagabaaz.environment import Environment, environment_of
from dagabaaz.errors import NodeConfigError, StoreError
from dagabaaz.expressions import Limits
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Pipeline
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta
from dagabaaz.runner._events import (
    NodeFinished,
    NodeStarted,
    ProgressCallback,
    RunEvent,
    RunFinished,
    TaskFinished,
)
from dagabaaz.runner._loop import LocalStore, RunPlan, execute
from dagabaaz.runner._result import NodeResult, NodeStatus, RunResult
from dagabaaz.schema import InputFieldSpec, get_pipeline_input_schema, merge_run_input
from dagabaaz.validation import validate_or_raise

__all__ = [
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

    Raises:
        TypeError: An argument is of the wrong kind (the message names it):
            ``plugins`` not a mapping of name to function, ``passthrough`` a
            single string, ``max_workers`` not an int, ``store`` lacking a
            method the runner calls.
        ValueError: ``max_workers`` or ``fan_out_limit`` is below 1.
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
    ) -> RunResult:
        """Run a pipeline to the end and return what happened.

        A plugin exception fails its task and the run (the result keeps the
        traceback). Ctrl-C (KeyboardInterrupt) cancels the run; the call
        returns once the tasks already running have ended.

        Args:
            nodes: The pipeline: its nodes, or a :class:`~dagabaaz.models.Pipeline`
                whose ``default_input`` fills what ``run_input`` leaves out.
            run_input: The run's input values (``input.`` in expressions).
            run_id: The run's id (one not yet used in the runner's store); a
                fresh one when None.
            node_configs: Node slug -> config values (``config.`` in expressions).
            progress: Called with each :data:`RunEvent`, on this thread.

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
        plan = RunPlan(
            store=self.store,
            run_id=run_id,
            nodes=node_list,
            plugins=self.plugins,
            passthrough=self.passthrough,
            node_configs=configs,
            max_workers=self.max_workers,
            fan_out_limit=self.fan_out_limit,
            progress=progress,
            pipes=self.pipes,
            limits=self.limits,
            strict=self.strict,
        )
        return execute(plan)

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
