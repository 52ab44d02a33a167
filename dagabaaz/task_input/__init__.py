"""The worker side: assemble exactly the data a task's plugin needs.

A worker that takes a task from the queue knows its run, node, and either its
input artifact (a fan-out task), its origin group (a grouped task) or neither.
:func:`build_task_input` turns that into the plugin's input dict and
:func:`resolve_task_bindings` overlays the node's bindings on it;
:func:`assemble_task_input` does both with one read of the upstream artifacts.

What a task sees follows the engine's routing exactly: per dependency edge,
passthrough-aware collection, then the edge's filter (see docs/concepts/task-input.md).
Everything returned is a fresh copy: a plugin may mutate its input freely.
"""

from __future__ import annotations

import logging
from collections.abc import (
    Callable,
    Container,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from contextlib import contextmanager
from typing import Any, TypeVar

from dagabaaz._base.copying import copy_value
from dagabaaz._pipeline.compiled import CompiledGraph
from dagabaaz._worker.gating import record_gated
from dagabaaz._worker.plugin_calls import error_text
from dagabaaz._worker.scope import BindingScope
from dagabaaz.bindings import apply_bindings
from dagabaaz.constants import ARTIFACT_STANDARD_FIELDS
from dagabaaz.environment import Environment, environment_of
from dagabaaz.errors import TaskInputError, TaskInputTypeError
from dagabaaz.expressions import Limits
from dagabaaz.graph import bfs_collect
from dagabaaz.models import DagNode, TaskArtifact
from dagabaaz.pipes import PipeRegistry
from dagabaaz.store import TaskInputStore
from dagabaaz.task_input._labels import (
    NAMES_SHOWN,
    group_label,
    many_label,
    single_label,
    with_input,
)
from dagabaaz.task_input._upstream import (
    Found,
    Upstream,
    edge_slots,
    fan_out_slots,
    flatten,
    graph_of,
    grouped_slots,
    input_artifact_producer,
)

__all__ = [
    "assemble_task_input",
    "build_task_input",
    "collect_upstream_task_artifacts_bfs",
    "describe_task_input",
    "resolve_task_bindings",
    "task_error_message",
]

logger = logging.getLogger("dagabaaz.task_input")


def build_task_input(
    store: TaskInputStore,
    *,
    run_id: str,
    node_index: int,
    input_artifact_id: str | None,
    nodes: Sequence[DagNode],
    deps: Sequence[Sequence[int]] | None = None,
    origin_artifact_id: str | None = None,
    passthrough_indices: Container[int] | None = None,
    environment: Environment | None = None,
) -> dict[str, Any]:
    """Return the input dict of one task, before bindings.

    * A fan-out task (``input_artifact_id``): the artifact's metadata, then its
      standard fields file_path, file_name, file_size and mime_type, which
      metadata never overwrites.
    * A grouped task (``origin_artifact_id``): ``{"artifacts": [...]}`` with the
      group's artifacts and the broadcast ones, through the edge filters.
    * A root task: a copy of the run input.
    * Any other task: ``{"artifacts": [...]}`` collected per dependency edge,
      through the edge filters; ``{"artifacts": []}`` when nothing is there.

    Each item of ``artifacts`` has the shape of a fan-out task's input.

    Args:
        store: Where the run's artifacts and input are read.
        run_id: The task's run.
        node_index: Index of the task's node in ``nodes``.
        input_artifact_id: The task's input artifact, or None.
        nodes: The pipeline, in node order.
        deps: Every node's dependency indices
            (:func:`dagabaaz.graph.resolve_dependency_indices`), or None.
            Routing reads the pipeline compiled once (a worker keeps the last
            few pipelines it saw), so this is only checked against it.
        origin_artifact_id: The task's origin group, or None.
        passthrough_indices: The routing nodes, as the orchestrator was told
            by ``resolve_passthrough``; None means there are none.
        environment: The :class:`~dagabaaz.environment.Environment` to work
            in; its routing plugins give ``passthrough_indices`` (give them in
            one place, not both).

    Raises:
        TaskInputError: An argument is of the wrong kind, the node index is
            out of range, the task has both an input artifact and an origin,
            a root task names an origin, or the coordinates cannot be the
            engine's: the input artifact does not exist, no dependency edge
            of the node leads to the node that produced it, or it belongs to
            another run (told by the store's optional ``get_artifact_run``,
            else by its origin group; an artifact without an origin cannot be
            checked that way), or the origin is not an artifact of the run;
            or ``deps`` is not the pipeline's.
        PipelineValidationError: ``nodes`` is not a pipeline the engine could
            run (an empty or repeated slug, an unknown dependency, an edge
            filter on a node that is not a dependency, a cycle).
    """
    view = _TaskView(
        _upstream(store, run_id, node_index, nodes, deps, passthrough_indices, environment),
        input_artifact_id,
        origin_artifact_id,
    )
    return view.input_dict()


InputData = TypeVar("InputData", bound=MutableMapping[str, Any])


def resolve_task_bindings(
    store: TaskInputStore,
    *,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    input_data: InputData,
    node_config: Mapping[str, Any] | None = None,
    deps: Sequence[Sequence[int]] | None = None,
    input_artifact_id: str | None = None,
    origin_artifact_id: str | None = None,
    passthrough_indices: Container[int] | None = None,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
    environment: Environment | None = None,
    task_id: str | None = None,
) -> InputData:
    """Apply the node's bindings to ``input_data`` in place, and return it.

    Both calling styles of a worker work: the README's version's, which
    ignores the return value and reads ``input_data``, and
    ``data = resolve_task_bindings(...)``. The bindings are all resolved
    before ``input_data`` changes, so a binding that fails leaves it as it was.

    Bindings see what the task sees: a fan-out task only its own artifact, a
    grouped task only its group plus the broadcast artifacts, any other task
    what each dependency edge delivers; edge filters apply as in routing. See
    :mod:`dagabaaz.bindings` for the sources and ``when``.

    Args:
        store: Where the run's artifacts and input are read (only if a
            binding needs them).
        run_id: The task's run.
        node_index: Index of the task's node in ``nodes``.
        nodes: The pipeline, in node order.
        input_data: The task input, usually from :func:`build_task_input`
            (a dict, or any mutable mapping); filled in place.
        node_config: The node's config, read by ``config.`` in expressions.
        deps: As in :func:`build_task_input`.
        input_artifact_id: The task's input artifact, or None.
        origin_artifact_id: The task's origin group, or None.
        passthrough_indices: As in :func:`build_task_input`.
        pipes: The pipe registry for expressions (custom pipes); the built-ins
            when None.
        limits: The limits expressions evaluate under; the defaults when None.
        environment: Pipes, limits and routing plugins in one object
            (:class:`~dagabaaz.environment.Environment`), instead of
            ``pipes``, ``limits`` and ``passthrough_indices``; giving a
            setting both ways is a TypeError.
        task_id: The task's id. When given and the store keeps reasons
            (:class:`~dagabaaz.store.ReasonStore`), the bindings a falsy
            ``when`` gated off are recorded as the task's
            :class:`~dagabaaz.models.BindingsReason`.

    Returns:
        ``input_data`` itself.

    Raises:
        BindingError: A binding failed (names the node, field and expression).
        TaskInputError: As in :func:`build_task_input`, or ``input_data`` is
            not a mutable mapping.
    """
    upstream = _upstream(store, run_id, node_index, nodes, deps, passthrough_indices, environment)
    _check_mapping(input_data, "input_data", run_id, upstream.node.slug, optional=False)
    if not isinstance(input_data, MutableMapping):
        raise TaskInputTypeError(
            f"run '{run_id}', node '{upstream.node.slug}': input_data is filled in place, so "
            f"it must be a mutable mapping such as a dict, not {type(input_data).__name__}"
        )
    _check_mapping(node_config, "node_config", run_id, upstream.node.slug)
    if not upstream.node.bindings:
        return input_data
    view = _TaskView(upstream, input_artifact_id, origin_artifact_id)
    bound = view.bind(
        input_data, node_config, *_expression_settings(environment, pipes, limits), task_id
    )
    # Written only once every binding resolved: a failing binding changes nothing.
    for field in [field for field in input_data if field not in bound]:
        del input_data[field]
    input_data.update(bound)
    return input_data


def assemble_task_input(
    store: TaskInputStore,
    *,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    input_artifact_id: str | None = None,
    origin_artifact_id: str | None = None,
    node_config: Mapping[str, Any] | None = None,
    deps: Sequence[Sequence[int]] | None = None,
    passthrough_indices: Container[int] | None = None,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
    environment: Environment | None = None,
    task_id: str | None = None,
) -> dict[str, Any]:
    """Build a task's input and apply its bindings, reading the upstream once.

    Equivalent to :func:`resolve_task_bindings` over :func:`build_task_input`
    with the same arguments (``task_id`` included: the gated bindings are
    recorded for a store that keeps reasons).

    Raises:
        BindingError: A binding failed.
        TaskInputError: As in :func:`build_task_input`.
    """
    view = _TaskView(
        _upstream(store, run_id, node_index, nodes, deps, passthrough_indices, environment),
        input_artifact_id,
        origin_artifact_id,
    )
    _check_mapping(node_config, "node_config", run_id, view.upstream.node.slug)
    input_data = view.input_dict()
    if not view.upstream.node.bindings:
        return input_data
    return view.bind(
        input_data, node_config, *_expression_settings(environment, pipes, limits), task_id
    )


def task_artifacts(
    store: TaskInputStore,
    *,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    input_artifact_id: str | None = None,
    origin_artifact_id: str | None = None,
    deps: Sequence[Sequence[int]] | None = None,
    passthrough_indices: Container[int] | None = None,
    environment: Environment | None = None,
) -> list[TaskArtifact]:
    """Return the artifacts a task was given, each once, in dependency order.

    What ``build_task_input`` turns into the input dict, as the artifacts
    themselves: a fan-out task's input artifact, or everything its edges
    deliver; none for a root task. The local runner forwards these from a
    routing node without a function.

    Raises:
        TaskInputError: As in :func:`build_task_input`.
    """
    view = _TaskView(
        _upstream(store, run_id, node_index, nodes, deps, passthrough_indices, environment),
        input_artifact_id,
        origin_artifact_id,
    )
    with view._copying():
        if input_artifact_id is not None:
            view.producer()
            return [view.artifact()]
        return flatten(view.slots())


def describe_task_input(
    store: TaskInputStore,
    *,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    input_artifact_id: str | None = None,
    origin_artifact_id: str | None = None,
    deps: Sequence[Sequence[int]] | None = None,
    passthrough_indices: Container[int] | None = None,
    environment: Environment | None = None,
) -> str | None:
    """Name what a task works on, for an error message; None for a root task.

    * A fan-out task: its input artifact's file name (``movie.mkv``).
    * A grouped task: its origin's file name and how many artifacts the
      group gave it (``group of movie.mkv (3 inputs)``).
    * Any other task with dependencies: how many artifacts it was given and
      the first three names (``250 inputs (a.txt, b.txt, c.txt and 247 more)``,
      or ``no inputs``).

    A file name is shown as it is, its control characters escaped and cut
    past 80 characters; an artifact without one (or missing from the
    store) is named by its id. It reads the store (a grouped or AGGREGATE
    task's artifacts again): call it for a task that failed, not for every
    task.

    Raises:
        TaskInputError: As in :func:`build_task_input`, for coordinates of
            the wrong kind.
    """
    view = _TaskView(
        _upstream(store, run_id, node_index, nodes, deps, passthrough_indices, environment),
        input_artifact_id,
        origin_artifact_id,
    )
    if input_artifact_id is not None:
        artifact = store.get_artifact_data(input_artifact_id)
        return single_label(None if artifact is None else artifact.file_name, input_artifact_id)
    if view.is_root:
        return None
    with view._copying():
        artifacts = flatten(view.slots())
    if origin_artifact_id is not None:
        origin = store.get_artifact_data(origin_artifact_id)
        name = single_label(None if origin is None else origin.file_name, origin_artifact_id)
        return group_label(name, len(artifacts))
    names = [artifact.file_name for artifact in artifacts[:NAMES_SHOWN]]
    return many_label(names, len(artifacts))


def task_error_message(
    store: TaskInputStore,
    error: BaseException | str,
    *,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    input_artifact_id: str | None = None,
    origin_artifact_id: str | None = None,
    deps: Sequence[Sequence[int]] | None = None,
    passthrough_indices: Container[int] | None = None,
    environment: Environment | None = None,
) -> str:
    """Return a failed task's error led by its input, for ``on_task_failed``.

    ``movie.mkv: ValueError: bad header``: the input as
    :func:`describe_task_input` names it, then the error (an exception as
    ``Type: message``, a string as it is). A root task's error is not led
    by anything. The engine then records the run's error as
    ``node 'probe' failed: movie.mkv: ValueError: bad header``.

    It never raises: it runs when something already went wrong, and the
    error matters more than its input. When the input cannot be named (the
    store fails, a coordinate is wrong) the error is returned alone, and
    why is logged on the ``dagabaaz.task_input`` logger.
    """
    message = error if isinstance(error, str) else error_text(error)
    try:
        label = describe_task_input(
            store,
            run_id=run_id,
            node_index=node_index,
            nodes=nodes,
            input_artifact_id=input_artifact_id,
            origin_artifact_id=origin_artifact_id,
            deps=deps,
            passthrough_indices=passthrough_indices,
            environment=environment,
        )
    except Exception:
        logger.warning(
            "run '%s': cannot name the input of a failed task of node %s",
            run_id,
            node_index,
            exc_info=True,
        )
        return message
    return with_input(label, message)


def collect_upstream_task_artifacts_bfs(
    store: TaskInputStore,
    run_id: str,
    dependency_indices: Sequence[int],
    dep_adjacency: Sequence[Sequence[int]] | Mapping[int, Sequence[int]],
    passthrough_indices: Container[int] | None = None,
) -> list[TaskArtifact]:
    """Collect upstream artifacts as a worker sees them, walking past empty routing nodes.

    :func:`dagabaaz.graph.bfs_collect` with
    ``store.get_task_artifacts_by_node_indices`` as the fetch; no edge filter
    is applied.
    """
    return bfs_collect(
        store.get_task_artifacts_by_node_indices,
        run_id,
        dependency_indices,
        dep_adjacency,
        passthrough_indices,
    )


class _TaskView:
    """One task's view of its upstream, read at most once and only when needed."""

    __slots__ = (
        "_artifact",
        "_producer",
        "_producer_read",
        "_slots",
        "input_artifact_id",
        "origin_artifact_id",
        "upstream",
    )

    def __init__(
        self, upstream: Upstream, input_artifact_id: str | None, origin_artifact_id: str | None
    ) -> None:
        if input_artifact_id is not None and origin_artifact_id is not None:
            raise TaskInputError(
                f"run '{upstream.run_id}', node '{upstream.node.slug}': a task has an input "
                f"artifact or an origin, not both (got '{input_artifact_id}' and "
                f"'{origin_artifact_id}')"
            )
        is_root = not upstream.dependencies
        if is_root and origin_artifact_id is not None:
            raise TaskInputError(
                f"run '{upstream.run_id}', node '{upstream.node.slug}' is a root node; "
                f"its task has no origin group (got '{origin_artifact_id}')"
            )
        self.upstream = upstream
        self.input_artifact_id = input_artifact_id
        self.origin_artifact_id = origin_artifact_id
        self._slots: dict[str, list[Found]] | None = None
        self._artifact: TaskArtifact | None = None
        self._producer: int | None = None
        self._producer_read = False

    @property
    def is_root(self) -> bool:
        return not self.upstream.dependencies

    def slots(self) -> dict[str, list[Found]]:
        if self._slots is None:
            upstream = self.upstream
            if self.input_artifact_id is not None:
                producer = self.producer()
                self._slots = (
                    {} if producer is None else fan_out_slots(upstream, producer, self.artifact())
                )
            elif self.is_root:
                self._slots = {}
            elif self.origin_artifact_id is not None:
                self._slots = grouped_slots(upstream, self.origin_artifact_id)
            else:
                self._slots = edge_slots(upstream)
        return self._slots

    def artifact(self) -> TaskArtifact:
        """Return the fan-out task's input artifact, read from the store once."""
        if self._artifact is None:
            upstream, artifact_id = self.upstream, self.input_artifact_id
            artifact = (
                None if artifact_id is None else upstream.store.get_artifact_data(artifact_id)
            )
            if artifact is None:
                raise TaskInputError(
                    f"run '{upstream.run_id}', node '{upstream.node.slug}': "
                    f"input artifact '{artifact_id}' does not exist"
                )
            self._artifact = artifact
        return self._artifact

    def producer(self) -> int | None:
        """Return the node that produced the input artifact, once checked to fit the task.

        None when the store does not know it.
        """
        if not self._producer_read:
            artifact_id = self.input_artifact_id
            assert artifact_id is not None  # only fan-out tasks have a producer
            self._producer = input_artifact_producer(self.upstream, artifact_id, self.artifact())
            self._producer_read = True
        return self._producer

    def input_dict(self) -> dict[str, Any]:
        with self._copying():
            return self._input_dict()

    def _input_dict(self) -> dict[str, Any]:
        upstream = self.upstream
        if self.input_artifact_id is not None:
            self.producer()  # refuses an artifact this task cannot have been given
            return self.artifact().to_input_dict()
        if self.is_root:
            return dict(copy_value(upstream.store.get_run_input(upstream.run_id)))
        return {"artifacts": [artifact.to_input_dict() for artifact in flatten(self.slots())]}

    def bind(
        self,
        input_data: Mapping[str, Any],
        node_config: Mapping[str, Any] | None,
        pipes: PipeRegistry | None,
        limits: Limits | None,
        strict: bool,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        upstream = self.upstream
        scope = BindingScope(
            node=upstream.node.slug,
            artifacts=_Lazy(self._artifacts_by_slug),
            readable=frozenset(upstream.graph.slugs[dep] for dep in upstream.dependencies),
            run_input=_Lazy(lambda: upstream.store.get_run_input(upstream.run_id)),
            node_config=node_config or {},
            pipes=pipes,
            limits=limits,
            node_index=upstream.node_index,
            strict=strict,
        )
        gated: list[tuple[str, str, Any]] | None = [] if task_id is not None else None
        with self._copying():
            bound = apply_bindings(
                upstream.node.bindings,
                input_data,
                scope,
                inherited=self._inherited_fields(),
                gated=gated,
            )
        if gated and task_id is not None:
            record_gated(
                upstream.store, upstream.run_id, upstream.node_index, scope.node, task_id, gated
            )
        return bound

    @contextmanager
    def _copying(self) -> Iterator[None]:
        """Refuse values too deeply nested to copy, naming the task, not the interpreter.

        Copies of what the store returns are recursive, and a store other than
        InMemoryStore (which refuses deep values on the way in) may hand back
        anything; the interpreter's RecursionError becomes our own error here.
        """
        try:
            yield
        except RecursionError:
            upstream = self.upstream
            raise TaskInputError(
                f"run '{upstream.run_id}', node '{upstream.node.slug}': a value read from "
                "the store (run input or artifact metadata) is nested too deeply to copy"
            ) from None

    def _inherited_fields(self) -> frozenset[str]:
        """Fields a fan-out task's input took from its artifact's metadata."""
        if self.input_artifact_id is None:
            return frozenset()
        return frozenset(self.artifact().metadata) - ARTIFACT_STANDARD_FIELDS

    def _artifacts_by_slug(self) -> dict[str, list[TaskArtifact]]:
        return {
            slug: [found.artifact for found in found_list]
            for slug, found_list in self.slots().items()
        }


class _Lazy(Mapping[str, Any]):
    """A mapping loaded on first use: bindings that never read it cost no store call."""

    __slots__ = ("_data", "_load")

    def __init__(self, load: Callable[[], Mapping[str, Any]]) -> None:
        self._load = load
        self._data: Mapping[str, Any] | None = None

    def _loaded(self) -> Mapping[str, Any]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def _upstream(
    store: TaskInputStore,
    run_id: str,
    node_index: int,
    nodes: Sequence[DagNode],
    deps: Sequence[Sequence[int]] | None,
    passthrough_indices: Container[int] | None,
    environment: Environment | None,
) -> Upstream:
    if not isinstance(run_id, str):
        raise TaskInputTypeError(f"run_id must be a string, not {type(run_id).__name__}")
    if not callable(getattr(store, "get_task_artifacts_by_node_indices", None)):
        raise TaskInputTypeError(
            f"run '{run_id}': store must be a TaskInputStore, not {type(store).__name__}"
        )
    if (
        isinstance(nodes, str | bytes)
        or not isinstance(nodes, Sequence)
        or not all(isinstance(node, DagNode) for node in nodes)
    ):
        raise TaskInputTypeError(f"run '{run_id}': nodes must be a list of DagNode")
    if isinstance(node_index, bool) or not isinstance(node_index, int):
        raise TaskInputTypeError(f"run '{run_id}': node_index must be an int, not {node_index!r}")
    if not 0 <= node_index < len(nodes):
        raise TaskInputError(
            f"run '{run_id}': node index {node_index} is out of range for a "
            f"{len(nodes)}-node pipeline"
        )
    if passthrough_indices is not None and not isinstance(passthrough_indices, Container):
        raise TaskInputTypeError(
            f"run '{run_id}': passthrough_indices must be a set of node indices, "
            f"not {type(passthrough_indices).__name__}"
        )
    if deps is not None and (isinstance(deps, str | bytes) or not isinstance(deps, Sequence)):
        raise TaskInputTypeError(
            f"run '{run_id}': deps must be a list of dependency lists, not {type(deps).__name__}"
        )
    if environment is not None:
        environment = environment_of(environment)
        if passthrough_indices is not None:
            raise TypeError(
                "passthrough_indices given with an environment, which says the routing "
                "plugins; give them in one place"
            )
        if environment.passthrough:
            passthrough_indices = environment.passthrough_indices(nodes)
    graph = graph_of(nodes)
    if deps is not None:
        _check_deps(deps, graph, run_id, node_index)
    return Upstream(store, run_id, node_index, nodes, graph, passthrough_indices)


def _expression_settings(
    environment: Environment | None, pipes: PipeRegistry | None, limits: Limits | None
) -> tuple[PipeRegistry | None, Limits | None, bool]:
    if environment is None:
        return pipes, limits, False
    chosen = environment_of(environment, pipes=pipes, limits=limits)
    return chosen.pipes, chosen.limits, chosen.strict


def _check_deps(
    deps: Sequence[Sequence[int]], graph: CompiledGraph, run_id: str, node_index: int
) -> None:
    """Refuse a ``deps`` that is not the pipeline's: routing reads the compiled graph."""
    if len(deps) != len(graph):
        raise TaskInputError(
            f"run '{run_id}': deps has {len(deps)} entries for a {len(graph)}-node pipeline"
        )
    own = deps[node_index]
    if isinstance(own, str | bytes) or not isinstance(own, Iterable):
        raise TaskInputTypeError(
            f"run '{run_id}': deps[{node_index}] must be a list of node indices, "
            f"not {type(own).__name__}"
        )
    given = list(own)
    expected = list(graph.dependencies[node_index])
    if given == expected:
        return  # the usual case, decided by one comparison
    if any(
        isinstance(dep, bool) or not isinstance(dep, int) or not 0 <= dep < len(graph)
        for dep in given
    ):
        raise TaskInputError(
            f"run '{run_id}': deps[{node_index}] = {given!r} names a node the "
            f"{len(graph)}-node pipeline does not have"
        )
    raise TaskInputError(
        f"run '{run_id}': deps[{node_index}] = {given!r}, but node "
        f"'{graph.slugs[node_index]}' depends on {expected!r}; pass "
        "resolve_dependency_indices(nodes), or leave deps out"
    )


def _check_mapping(
    value: object, name: str, run_id: str, slug: str, *, optional: bool = True
) -> None:
    if (value is not None or not optional) and not isinstance(value, Mapping):
        raise TaskInputTypeError(
            f"run '{run_id}', node '{slug}': {name} must be a mapping, not {type(value).__name__}"
        )
