"""A node's dependency edges: how each is collected and what its filter lets through."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Sequence
from typing import Protocol, TypeVar

from dagabaaz.constants import ArtifactSelector, FanMode
from dagabaaz.filter import (
    FilterableArtifact,
    GroupableArtifact,
    apply_rules,
    partition_by_origin,
    select_artifacts,
)
from dagabaaz.graph import bfs_collect
from dagabaaz.models import EdgeFilter


class RoutingGraph(Protocol):
    """The facts routing reads from a compiled pipeline, by node index.

    ``dependencies[i]`` and ``edge_filters[i]`` are parallel: the filter of
    the edge from ``dependencies[i][k]`` into node ``i`` is ``edge_filters[i][k]``.
    """

    @property
    def slugs(self) -> Sequence[str]:
        """Each node's slug."""
        ...

    @property
    def dependencies(self) -> Sequence[Sequence[int]]:
        """Each node's dependencies."""
        ...

    @property
    def edge_filters(self) -> Sequence[Sequence[EdgeFilter | None]]:
        """Each node's filter per dependency edge (None: everything passes)."""
        ...

    @property
    def fan_modes(self) -> Sequence[FanMode]:
        """Each node's fan mode."""
        ...


class RoutedArtifact(FilterableArtifact, GroupableArtifact, Protocol):
    """What routing reads from an artifact: the fields filters read, and its origin."""


A = TypeVar("A", bound=RoutedArtifact)
T = TypeVar("T")

Fetch = Callable[[str, Sequence[int]], Sequence[T]]
"""Reads the artifacts of nodes, like ``DagStore.get_artifacts_by_node_indices``."""


def edges(graph: RoutingGraph, index: int) -> Iterator[tuple[int, EdgeFilter | None]]:
    """Yield each dependency of node ``index`` with the filter of its edge, in order."""
    return zip(graph.dependencies[index], graph.edge_filters[index], strict=True)


def is_grouped(graph: RoutingGraph, index: int) -> bool:
    """Whether node ``index`` applies ``select`` per origin group (a GROUPED node)."""
    return graph.fan_modes[index] is FanMode.GROUPED


def walk_past(
    fetch: Fetch[T],
    run_id: str,
    dep: int,
    graph: RoutingGraph,
    passthrough: Container[int] | None,
) -> list[T]:
    """Return what the edge from ``dep`` collects once ``dep`` is known to have produced nothing.

    Nothing for a processing node; for a routing node, the walk past it
    (:func:`dagabaaz.graph.bfs_collect` from its dependencies).
    """
    if passthrough is None or dep not in passthrough:
        return []
    return bfs_collect(fetch, run_id, graph.dependencies[dep], graph.dependencies, passthrough)


def collect(
    fetch: Fetch[T],
    run_id: str,
    dep: int,
    graph: RoutingGraph,
    passthrough: Container[int] | None,
) -> list[T]:
    """Return the artifacts the edge from ``dep`` collects, before its filter."""
    found = fetch(run_id, [dep])
    return list(found) if found else walk_past(fetch, run_id, dep, graph, passthrough)


def reaches(
    produced: Callable[[int], bool],
    dep: int,
    producer: int,
    graph: RoutingGraph,
    passthrough: Container[int] | None,
) -> bool:
    """Whether the edge from ``dep`` collects the artifacts of node ``producer``.

    ``produced(i)`` says whether node ``i`` has artifacts (``producer`` has).
    """
    if dep == producer:
        return True
    if passthrough is None or dep not in passthrough:
        return False

    def marks(_run_id: str, indices: Sequence[int]) -> list[int]:
        index = indices[0]
        return [index] if index == producer or produced(index) else []

    return producer in bfs_collect(marks, "", [dep], graph.dependencies, passthrough)


def deliver(artifacts: Sequence[A], edge_filter: EdgeFilter | None, *, grouped: bool) -> list[A]:
    """Return what an edge delivers of the artifacts it collected, in their order.

    Every rule must match; then ``select`` keeps one artifact over the whole
    edge or, when ``grouped``, one per origin group and one among the
    broadcast artifacts.
    """
    ruled = apply_rules(artifacts, edge_filter)
    return select_delivered(ruled, None if edge_filter is None else edge_filter.select, grouped)


def select_delivered(ruled: list[A], selector: ArtifactSelector | None, grouped: bool) -> list[A]:
    """Apply ``select`` to what an edge's rules let through: whole, or per origin group."""
    if selector is None:
        return ruled
    if not grouped:
        return select_artifacts(ruled, selector)
    kept = {
        id(artifact)
        for members in partition_by_origin(ruled).values()
        for artifact in select_artifacts(members, selector)
    }
    return [artifact for artifact in ruled if id(artifact) in kept]
