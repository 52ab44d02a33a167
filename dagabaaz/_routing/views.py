"""What one task sees of its upstream, by dependency slug: exactly what routing delivered.

A worker builds a task's input and its bindings' scope from these views, so
that they agree with the tasks the engine dispatched (:mod:`.tasks`):

* a fan-out task (one input artifact) sees that artifact under the slug of
  every dependency edge that delivers it, and under no other: not under an
  edge whose filter rejects it or whose ``select`` keeps another artifact;
* the task of one origin group sees what each edge delivers of that group
  and of the broadcast artifacts;
* any other task (AGGREGATE, a GROUPED node's one all-broadcast task) sees
  everything each edge delivers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from dagabaaz._routing.edges import RoutedArtifact, RoutingGraph, deliver, edges, is_grouped
from dagabaaz.filter import apply_rules

A = TypeVar("A", bound=RoutedArtifact)

CollectEdge = Callable[[int], Sequence[A]]
"""One edge's artifacts before its filter, by dependency (see :func:`.edges.collect`)."""


def edge_view(graph: RoutingGraph, index: int, collect: CollectEdge[A]) -> dict[str, list[A]]:
    """Return what every edge of node ``index`` delivers, by dependency slug."""
    grouped = is_grouped(graph, index)
    return {
        graph.slugs[dep]: deliver(collect(dep), edge_filter, grouped=grouped)
        for dep, edge_filter in edges(graph, index)
    }


def group_view(
    graph: RoutingGraph, index: int, collect: CollectEdge[A], origin: str
) -> dict[str, list[A]]:
    """Return what each edge delivers of group ``origin`` and of the broadcast artifacts.

    ``select`` applies within each group and among the broadcast artifacts
    apart, so ``collect`` may return just the group and the broadcasts.
    """
    mine = (origin, None)
    return {
        graph.slugs[dep]: [
            artifact
            for artifact in deliver(collect(dep), edge_filter, grouped=True)
            if artifact.origin_artifact_id in mine
        ]
        for dep, edge_filter in edges(graph, index)
    }


def fan_out_view(
    graph: RoutingGraph,
    index: int,
    artifact: A,
    reaches: Callable[[int], bool],
    collect: CollectEdge[A],
    is_it: Callable[[A], bool],
) -> dict[str, list[A]]:
    """Return where a fan-out task's input ``artifact`` is delivered: ``[artifact]`` by slug.

    Args:
        graph: The compiled pipeline.
        index: The task's node.
        artifact: The task's input artifact.
        reaches: Whether the edge from a dependency collects the artifact's producer.
        collect: Reads one edge, for an edge with ``select`` (which compares
            the artifact with the rest of the edge).
        is_it: Whether an artifact of a collected edge is ``artifact``.
    """
    grouped = is_grouped(graph, index)
    view: dict[str, list[A]] = {}
    for dep, edge_filter in edges(graph, index):
        if not reaches(dep):
            continue
        if edge_filter is None:
            delivered = True
        elif edge_filter.select is None:
            delivered = bool(apply_rules([artifact], edge_filter))
        else:
            delivered = any(is_it(a) for a in deliver(collect(dep), edge_filter, grouped=grouped))
        if delivered:
            view[graph.slugs[dep]] = [artifact]
    return view
