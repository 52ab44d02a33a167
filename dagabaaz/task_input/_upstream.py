"""What one task sees of its upstream: the worker's side of :mod:`dagabaaz._routing`.

The rules (collection past routing nodes, edge filters, ``select``, groups)
are routing's, the very ones the engine launched the task with. Here the
worker supplies what they read: artifacts from a :class:`TaskInputStore`,
wrapped so two edges reaching one artifact count it once, and the checks
that the task's coordinates (input artifact, origin) are ones the engine
could have dispatched.
"""

from __future__ import annotations

import operator
import threading
from collections import deque
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz._pipeline.compiled import CompiledGraph, compile_graph
from dagabaaz._routing import edges as routing
from dagabaaz._routing.views import edge_view, fan_out_view, group_view
from dagabaaz.errors import TaskInputError
from dagabaaz.models import DagNode, TaskArtifact
from dagabaaz.store import TaskInputStore

_RECENT_GRAPHS = 8
_recent: deque[tuple[tuple[DagNode, ...], CompiledGraph]] = deque(maxlen=_RECENT_GRAPHS)
_recent_lock = threading.Lock()


def graph_of(nodes: Sequence[DagNode]) -> CompiledGraph:
    """Return the compiled graph of ``nodes``, compiling a pipeline once for many tasks.

    A worker passes the same pipeline for every task of a run: the last few
    pipelines seen are kept, found again by the same node objects (or equal
    ones). Like the engine, this relies on a run's pipeline not changing
    while the run lasts: nodes changed in place are not noticed.

    Raises:
        PipelineValidationError: ``nodes`` cannot be compiled (see
            :func:`dagabaaz._pipeline.compiled.compile_graph`).
    """
    with _recent_lock:
        for source, graph in _recent:
            if len(source) == len(nodes) and all(map(operator.is_, source, nodes)):
                return graph
        given = tuple(nodes)
        for position, (source, graph) in enumerate(_recent):
            if source == given:
                del _recent[position]
                _recent.appendleft((given, graph))
                return graph
    graph = compile_graph(given)
    with _recent_lock:
        _recent.appendleft((given, graph))
    return graph


@dataclass(frozen=True, slots=True)
class Found:
    """An artifact with where it was found, so two edges reaching it count it once."""

    node: int
    position: int
    artifact: TaskArtifact

    @property
    def file_name(self) -> str:
        """The artifact's file name (read by edge filters)."""
        return self.artifact.file_name

    @property
    def file_size(self) -> int | None:
        """The artifact's size (read by edge filters and ``select``)."""
        return self.artifact.file_size

    @property
    def mime_type(self) -> str | None:
        """The artifact's MIME type (read by edge filters)."""
        return self.artifact.mime_type

    @property
    def metadata(self) -> dict[str, Any]:
        """The artifact's metadata (read by edge filters)."""
        return self.artifact.metadata

    @property
    def origin_artifact_id(self) -> str | None:
        """The artifact's origin (read when grouping)."""
        return self.artifact.origin_artifact_id


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a task sits: the store, its run, its node and the compiled graph around it."""

    store: TaskInputStore
    run_id: str
    node_index: int
    nodes: Sequence[DagNode]
    graph: CompiledGraph
    passthrough: Container[int] | None

    @property
    def node(self) -> DagNode:
        """The task's node."""
        return self.nodes[self.node_index]

    @property
    def dependencies(self) -> Sequence[int]:
        """The task's node's dependencies."""
        return self.graph.dependencies[self.node_index]

    def fetch(self, run_id: str, indices: Sequence[int]) -> list[Found]:
        """Fetch the artifacts of nodes, remembering where each was found."""
        return [
            Found(index, position, artifact)
            for index in indices
            for position, artifact in enumerate(
                self.store.get_task_artifacts_by_node_indices(run_id, [index])
            )
        ]

    def collect_edge(self, dep: int) -> list[Found]:
        """Collect one edge's artifacts, walking past routing nodes that produced nothing."""
        return routing.collect(self.fetch, self.run_id, dep, self.graph, self.passthrough)

    def routes(self, dep: int, producer: int) -> bool:
        """Whether the edge from ``dep`` reaches ``producer``'s artifacts."""
        return routing.reaches(self._produced, dep, producer, self.graph, self.passthrough)

    def _produced(self, index: int) -> bool:
        return bool(self.store.get_task_artifacts_by_node_indices(self.run_id, [index]))


def edge_slots(upstream: Upstream) -> dict[str, list[Found]]:
    """Return what an aggregate (or other non-fan-out, non-grouped) task sees, by slug."""
    return edge_view(upstream.graph, upstream.node_index, upstream.collect_edge)


def grouped_slots(upstream: Upstream, origin: str) -> dict[str, list[Found]]:
    """Return what the task of one origin group sees, by dependency slug."""
    passthrough = upstream.passthrough
    walks = passthrough is not None and any(dep in passthrough for dep in upstream.dependencies)
    seen_origin = False

    def collect(dep: int) -> list[Found]:
        nonlocal seen_origin
        # Without routing dependencies each edge is one node: reading just the
        # group and the broadcasts keeps a grouped task's cost independent of
        # how many other groups there are.
        found = upstream.collect_edge(dep) if walks else _group_and_broadcast(upstream, dep, origin)
        seen_origin = seen_origin or any(f.origin_artifact_id == origin for f in found)
        return found

    slots = group_view(upstream.graph, upstream.node_index, collect, origin)
    if not seen_origin and not origin_known(upstream, origin):
        return {slug: [] for slug in slots}
    return slots


def _group_and_broadcast(upstream: Upstream, dep: int, origin: str) -> list[Found]:
    store, run_id = upstream.store, upstream.run_id
    found = [
        *store.get_grouped_artifacts(run_id, [dep], origin),
        *store.get_broadcast_artifacts(run_id, [dep]),
    ]
    return [Found(dep, position, artifact) for position, artifact in enumerate(found)]


def fan_out_slots(
    upstream: Upstream, producer: int, artifact: TaskArtifact
) -> dict[str, list[Found]]:
    """Return what the task of one input artifact sees: it, under each edge delivering it.

    ``producer`` comes from :func:`input_artifact_producer`, which made sure
    some edge leads to it.
    """

    def is_it(found: Found) -> bool:
        # The protocol gives a worker no artifact ids: an artifact of the same
        # node with the same fields is the same to anyone reading it.
        return found.node == producer and found.artifact == artifact

    return fan_out_view(
        upstream.graph,
        upstream.node_index,
        Found(producer, 0, artifact),
        lambda dep: upstream.routes(dep, producer),
        upstream.collect_edge,
        is_it,
    )


def input_artifact_producer(
    upstream: Upstream, artifact_id: str, artifact: TaskArtifact
) -> int | None:
    """Return the node that produced a fan-out task's input artifact, checking it fits the task.

    None when the store does not know the producer (a store written for the
    README's version may not track it): the artifact is then not checked,
    and bindings do not see it under any node.

    Raises:
        TaskInputError: The producer is not a node of the pipeline, no
            dependency edge of the task's node leads to it, or the artifact
            belongs to another run.
    """
    where = f"run '{upstream.run_id}', node '{upstream.node.slug}'"
    producer = upstream.store.get_artifact_producing_node(artifact_id)
    if producer is None:
        return None
    if not 0 <= producer < len(upstream.nodes):
        raise TaskInputError(
            f"{where}: input artifact '{artifact_id}' was produced by node index {producer}, "
            f"which the {len(upstream.nodes)}-node pipeline does not have"
        )
    if not any(upstream.routes(dep, producer) for dep in upstream.dependencies):
        raise TaskInputError(
            f"{where}: input artifact '{artifact_id}' was produced by node "
            f"'{upstream.nodes[producer].slug}', which no dependency of the node leads to"
        )
    if in_run(upstream, producer, artifact_id, artifact) is False:
        raise TaskInputError(f"{where}: input artifact '{artifact_id}' belongs to another run")
    return producer


def in_run(
    upstream: Upstream, producer: int, artifact_id: str, artifact: TaskArtifact
) -> bool | None:
    """Whether an artifact of node ``producer`` belongs to the task's run; None if unknowable.

    A store may offer ``get_artifact_run(artifact_id)`` (InMemoryStore does):
    one lookup answers. Otherwise, an artifact with an origin is in the run
    exactly when the run's group of that origin at ``producer`` is not empty
    (artifact and origin ids are unique across runs); an artifact without one
    (an AGGREGATE node's output) cannot be told apart through the protocol.
    """
    lookup = getattr(upstream.store, "get_artifact_run", None)
    if callable(lookup):
        return bool(lookup(artifact_id) == upstream.run_id)
    origin = artifact.origin_artifact_id
    if origin is None:
        return None
    return bool(upstream.store.get_grouped_artifacts(upstream.run_id, [producer], origin))


def origin_known(upstream: Upstream, origin: str) -> bool:
    """Whether the store knows ``origin`` as an artifact; refuse it when it is another run's.

    Called when no upstream artifact descends from ``origin`` (the engine never
    dispatches such a group), so the store calls it costs are off the hot path.
    An origin the store does not know (a store written for the README's
    version may not track producers) is not an error: the task gets no
    artifacts.

    Raises:
        TaskInputError: ``origin`` is an artifact of another run.
    """
    store = upstream.store
    origin_artifact = store.get_artifact_data(origin)
    producer = None if origin_artifact is None else store.get_artifact_producing_node(origin)
    if origin_artifact is None or producer is None:
        return False
    if in_run(upstream, producer, origin, origin_artifact) is False:
        raise TaskInputError(
            f"run '{upstream.run_id}', node '{upstream.node.slug}': origin "
            f"'{origin}' is not an artifact of the run"
        )
    return True


def flatten(slots: dict[str, list[Found]]) -> list[TaskArtifact]:
    """Return every artifact seen, in dependency order, each once."""
    seen: set[tuple[int, int]] = set()
    flat: list[TaskArtifact] = []
    for found_list in slots.values():
        for found in found_list:
            key = (found.node, found.position)
            if key not in seen:
                seen.add(key)
                flat.append(found.artifact)
    return flat
