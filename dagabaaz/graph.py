"""Graph helpers over a list of :class:`~dagabaaz.models.DagNode`.

These are the building blocks the README's version exposed, with its
behaviour: they are permissive, skipping an empty slug, an unknown
dependency or a filter keyed by an unknown slug, because
:func:`dagabaaz.validation.validate_pipeline` is the gate that reports such
problems. The orchestrator compiles a pipeline once into an immutable graph
instead of calling them per task, but the upstream walk (:func:`bfs_collect`)
is the one it uses.

A node's *dependencies* are the nodes it reads from; its *dependents* are
the nodes that read from it. Indices are positions in the node list.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from typing import TypeVar

from dagabaaz._pipeline.index import resolve_dependencies_with
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter
from dagabaaz.store import DagStore

__all__ = [
    "assign_slugs",
    "bfs_collect",
    "build_children",
    "build_slug_to_index_map",
    "collect_upstream_artifacts_bfs",
    "find_ready_nodes",
    "find_root_nodes",
    "rekey_edge_filters_by_index",
    "resolve_dependencies_with",
    "resolve_dependency_indices",
]

T = TypeVar("T")
NodeList = TypeVar("NodeList", bound=Sequence[DagNode])

Adjacency = Mapping[int, Iterable[int]] | Sequence[Iterable[int]]
"""Node index -> indices of its dependencies, as a mapping or a list by position."""


def build_slug_to_index_map(nodes: Sequence[DagNode]) -> dict[str, int]:
    """Return each slug mapped to its node's index.

    Nodes without a slug are skipped; when two nodes share a slug the later
    one wins. :func:`dagabaaz.validation.validate_pipeline` reports both.
    """
    return {node.slug: index for index, node in enumerate(nodes) if node.slug}


def resolve_dependency_indices(nodes: Sequence[DagNode]) -> list[list[int]]:
    """Return, per node, the indices of its dependencies, in ``depends_on`` order.

    A dependency naming no node is skipped and a repeated one counted once;
    :func:`dagabaaz.validation.validate_pipeline` reports both.
    """
    index_of = build_slug_to_index_map(nodes)
    resolved: list[list[int]] = []
    for node in nodes:
        deps = [index_of[slug] for slug in node.depends_on if slug in index_of]
        resolved.append(list(dict.fromkeys(deps)) if len(deps) > 1 else deps)
    return resolved


def build_children(deps: Sequence[Iterable[int]]) -> list[list[int]]:
    """Return, per node, the nodes that depend on it (the inverse of ``deps``), in order."""
    children: list[list[int]] = [[] for _ in deps]
    for child, parents in enumerate(deps):
        for parent in parents:
            children[parent].append(child)
    return children


def find_root_nodes(nodes: Sequence[DagNode]) -> list[int]:
    """Return the indices of the nodes without dependencies, in order."""
    return [index for index, node in enumerate(nodes) if not node.depends_on]


def find_ready_nodes(
    deps: Adjacency, completed: Collection[int], launched: Collection[int]
) -> list[int]:
    """Return the nodes not yet launched whose dependencies are all completed.

    Args:
        deps: Every node's dependency indices (a node without an entry, or
            with an empty one, is a root).
        completed: Nodes whose tasks are all terminal.
        launched: Nodes whose launch has been claimed.

    Returns:
        The ready node indices in ascending order.
    """
    items = deps.items() if isinstance(deps, Mapping) else enumerate(deps)
    return sorted(
        index
        for index, node_deps in items
        if index not in launched and all(dep in completed for dep in node_deps)
    )


def assign_slugs(nodes: NodeList) -> NodeList:
    """Fill in every empty slug, in place, and return ``nodes``.

    A node without a slug gets ``{plugin}_{n}``, ``n`` counting from 1 for
    each plugin and skipping slugs already taken; nodes with a slug are left
    alone, so a second call changes nothing.
    """
    taken = {node.slug for node in nodes if node.slug}
    counters: dict[str, int] = {}
    for node in nodes:
        if node.slug:
            continue
        counter = counters.get(node.plugin, 0) + 1
        while f"{node.plugin}_{counter}" in taken:
            counter += 1
        counters[node.plugin] = counter
        node.slug = f"{node.plugin}_{counter}"
        taken.add(node.slug)
    return nodes


def rekey_edge_filters_by_index(
    node: DagNode, slug_to_index: Mapping[str, int]
) -> dict[int, EdgeFilter]:
    """Return the node's edge filters keyed by dependency index instead of slug.

    A filter keyed by a slug that is not in ``slug_to_index`` is dropped;
    :func:`dagabaaz.validation.validate_pipeline` reports it.
    """
    return {
        slug_to_index[slug]: edge_filter
        for slug, edge_filter in node.edge_filters.items()
        if slug in slug_to_index
    }


def bfs_collect(
    fetch: Callable[[str, Sequence[int]], Sequence[T]],
    run_id: str,
    dependency_indices: Iterable[int],
    dep_adjacency: Adjacency,
    passthrough_indices: Container[int] | None = None,
    *,
    max_depth: int | None = None,
) -> list[T]:
    """Collect artifacts upstream, walking past routing nodes that produced nothing.

    Each node is fetched once, nearest first. A node with artifacts
    contributes them and stops the walk on its path; an empty node in
    ``passthrough_indices`` (a routing node) is walked past to its own
    dependencies; an empty processing node stops the walk. The walk is
    iterative and visits each node at most once, so long chains and
    diamonds are fine.

    Args:
        fetch: Called as ``fetch(run_id, [index])``; returns that node's artifacts.
        run_id: The run whose artifacts are read.
        dependency_indices: Where the walk starts (usually a node's dependencies).
        dep_adjacency: Every node's dependency indices.
        passthrough_indices: The routing nodes; None means there are none.
        max_depth: The depth guard of the README's version: when the walk
            would fetch a node ``max_depth`` or more steps past where it
            started, it gives up and returns ``[]``. None (the default)
            walks as far as the graph goes.

    Returns:
        The collected artifacts, nearest nodes first.

    Raises:
        TypeError: ``max_depth`` is not an int or None.
        ValueError: ``max_depth`` is negative.
    """
    if max_depth is not None:
        if isinstance(max_depth, bool) or not isinstance(max_depth, int):
            raise TypeError(f"max_depth must be an int or None, got {type(max_depth).__name__}")
        if max_depth < 0:
            raise ValueError(f"max_depth must be 0 or more, got {max_depth}")
    collected: list[T] = []
    queue = deque((index, 0) for index in dependency_indices)
    seen: set[int] = set()
    while queue:
        index, depth = queue.popleft()
        if index in seen:
            continue
        if max_depth is not None and depth >= max_depth:
            return []
        seen.add(index)
        found = fetch(run_id, [index])
        if found:
            collected.extend(found)
        elif passthrough_indices is not None and index in passthrough_indices:
            queue.extend((dep, depth + 1) for dep in _dependencies_of(dep_adjacency, index))
    return collected


def collect_upstream_artifacts_bfs(
    store: DagStore,
    run_id: str,
    dependency_indices: Iterable[int],
    dep_adjacency: Adjacency,
    passthrough_indices: Container[int] | None = None,
    *,
    max_depth: int | None = None,
) -> list[DagArtifact]:
    """Run :func:`bfs_collect` with ``store.get_artifacts_by_node_indices`` as the fetch."""
    return bfs_collect(
        store.get_artifacts_by_node_indices,
        run_id,
        dependency_indices,
        dep_adjacency,
        passthrough_indices,
        max_depth=max_depth,
    )


def _dependencies_of(adjacency: Adjacency, index: int) -> Iterable[int]:
    if isinstance(adjacency, Mapping):
        return adjacency.get(index, ())
    return adjacency[index] if 0 <= index < len(adjacency) else ()
