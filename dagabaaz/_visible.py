"""What one task sees of its upstream: artifacts by dependency slug.

The rules mirror the engine's routing (``dagabaaz._engine.launch``) so that a
task's input and its bindings see exactly what routing saw:

* per dependency edge, the dependency's artifacts, or, for a routing
  (passthrough) dependency that produced nothing, what the walk past it finds
  (:func:`dagabaaz.graph.bfs_collect`);
* then the edge's filter: rules, then ``select`` over the edge; for a grouped
  task, ``select`` within the task's origin group and within the broadcast
  artifacts separately, as the engine decides groups;
* a fan-out task sees only its own artifact, under the slug of the node that
  produced it (when that is a dependency) and of every dependency that routes
  it through passthrough nodes.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz.errors import TaskInputError
from dagabaaz.filter import apply_rules, filter_artifacts, select_artifacts
from dagabaaz.graph import bfs_collect
from dagabaaz.models import DagNode, EdgeFilter, TaskArtifact
from dagabaaz.store import TaskInputStore

Adjacency = Sequence[Sequence[int]]


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
    """Where a task sits: the store, its run, its node and the graph around it."""

    store: TaskInputStore
    run_id: str
    node_index: int
    nodes: Sequence[DagNode]
    deps: Adjacency
    passthrough: Container[int] | None

    @property
    def node(self) -> DagNode:
        """The task's node."""
        return self.nodes[self.node_index]

    def edges(self) -> list[tuple[int, EdgeFilter | None]]:
        """Return each dependency of the node with the filter of its edge, in order."""
        node = self.node
        return [
            (dep, node.edge_filters.get(self.nodes[dep].slug)) for dep in self.deps[self.node_index]
        ]

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
        return bfs_collect(self.fetch, self.run_id, [dep], self.deps, self.passthrough)

    def routes(self, dep: int, producer: int) -> bool:
        """Whether the edge from ``dep`` reaches ``producer``'s artifacts."""
        if dep == producer:
            return True
        if self.passthrough is None or dep not in self.passthrough:
            return False

        def produced(run_id: str, indices: Sequence[int]) -> list[int]:
            index = indices[0]
            if index == producer:
                return [index]
            return [index] if self.store.get_task_artifacts_by_node_indices(run_id, [index]) else []

        return producer in bfs_collect(produced, self.run_id, [dep], self.deps, self.passthrough)


def edge_slots(upstream: Upstream) -> dict[str, list[Found]]:
    """Return what an aggregate (or other non-fan-out, non-grouped) task sees, by slug."""
    return {
        upstream.nodes[dep].slug: filter_artifacts(upstream.collect_edge(dep), edge_filter)
        for dep, edge_filter in upstream.edges()
    }


def grouped_slots(upstream: Upstream, origin: str) -> dict[str, list[Found]]:
    """Return what the task of one origin group sees, by dependency slug."""
    slots: dict[str, list[Found]] = {}
    walks = upstream.passthrough is not None and any(
        dep in upstream.passthrough for dep, _filter in upstream.edges()
    )
    grouped = False
    for dep, edge_filter in upstream.edges():
        # Without routing dependencies each edge is one node: reading just the
        # group and the broadcasts keeps a grouped task's cost independent of
        # how many other groups there are.
        candidates = (
            upstream.collect_edge(dep) if walks else _group_and_broadcast(upstream, dep, origin)
        )
        grouped = grouped or any(found.origin_artifact_id == origin for found in candidates)
        ruled = apply_rules(candidates, edge_filter)
        selector = None if edge_filter is None else edge_filter.select
        mine = select_artifacts([f for f in ruled if f.origin_artifact_id == origin], selector)
        shared = select_artifacts([f for f in ruled if f.origin_artifact_id is None], selector)
        kept = {id(found) for found in (*mine, *shared)}
        slots[upstream.nodes[dep].slug] = [found for found in ruled if id(found) in kept]
    if not grouped and not origin_known(upstream, origin):
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
    """Return what the task of one input artifact sees: that artifact alone.

    ``producer`` comes from :func:`input_artifact_producer`, which made sure
    some edge leads to it.
    """
    found = [Found(producer, 0, artifact)]
    return {
        upstream.nodes[dep].slug: found
        for dep, _filter in upstream.edges()
        if upstream.routes(dep, producer)
    }


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
    if not any(upstream.routes(dep, producer) for dep, _filter in upstream.edges()):
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
