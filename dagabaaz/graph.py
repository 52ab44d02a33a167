"""Graph helpers over a list of :class:`~dagabaaz.models.DagNode`.

These are the building blocks the README's version exposed, kept for code
written against it. The orchestrator compiles a pipeline once into an
immutable graph instead of calling them per task, but the upstream walk
(:func:`bfs_collect`) is the one it uses.

A node's *dependencies* are the nodes it reads from; its *dependents* are
the nodes that read from it. Indices are positions in the node list.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from typing import TypeVar

from dagabaaz._pipeline_codes import problem
from dagabaaz.errors import PipelineValidationError
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter
from dagabaaz.store import DagStore

__all__ = [
    "assign_slugs",
    "bfs_collect",
    "build_slug_to_index_map",
    "collect_upstream_artifacts_bfs",
    "find_ready_nodes",
    "find_root_nodes",
    "rekey_edge_filters_by_index",
    "resolve_dependencies_with",
    "resolve_dependency_indices",
]

T = TypeVar("T")

Adjacency = Mapping[int, Iterable[int]] | Sequence[Iterable[int]]
"""Node index -> indices of its dependencies, as a mapping or a list by position."""


def build_slug_to_index_map(nodes: Sequence[DagNode]) -> dict[str, int]:
    """Return each node's slug mapped to its index.

    Raises:
        PipelineValidationError: A slug is empty or used twice.
    """
    index_of: dict[str, int] = {}
    for index, node in enumerate(nodes):
        if not node.slug:
            raise _invalid("empty-slug", f"node {index} has an empty slug", index=index)
        if node.slug in index_of:
            raise _invalid(
                "duplicate-slug",
                f"slug '{node.slug}' is used by nodes {index_of[node.slug]} and {index}",
                node=node.slug,
                index=index,
            )
        index_of[node.slug] = index
    return index_of


def resolve_dependency_indices(nodes: Sequence[DagNode]) -> list[list[int]]:
    """Return, per node, the indices of its dependencies (first mention wins on repeats).

    Raises:
        PipelineValidationError: A slug is empty or duplicated, or a
            dependency names no node.
    """
    return resolve_dependencies_with(nodes, build_slug_to_index_map(nodes))


def resolve_dependencies_with(
    nodes: Sequence[DagNode], index_of: Mapping[str, int]
) -> list[list[int]]:
    """Like :func:`resolve_dependency_indices`, with the slug map already built.

    Raises:
        PipelineValidationError: A dependency names no node.
    """
    resolved: list[list[int]] = []
    for index, node in enumerate(nodes):
        deps = [index_of.get(slug, -1) for slug in node.depends_on]
        if -1 in deps:
            slug = node.depends_on[deps.index(-1)]
            raise _invalid(
                "unknown-dependency",
                f"node '{node.slug}' depends on '{slug}', which is not a node",
                node=node.slug,
                index=index,
            )
        if len(deps) > 1 and len(set(deps)) < len(deps):
            deps = list(dict.fromkeys(deps))
        resolved.append(deps)
    return resolved


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


def assign_slugs(nodes: Sequence[DagNode]) -> list[DagNode]:
    """Return copies of ``nodes`` in which every empty slug is filled in.

    A node without a slug gets its plugin name (non-word characters turned
    into ``_``), suffixed ``_2``, ``_3``... when that is taken. Existing slugs
    are kept; the input nodes are not modified.
    """
    taken = {node.slug for node in nodes if node.slug}
    named: list[DagNode] = []
    for node in nodes:
        if node.slug:
            named.append(node.model_copy(deep=True))
            continue
        base = re.sub(r"\W", "_", node.plugin) or "node"
        slug, counter = base, 1
        while slug in taken:
            counter += 1
            slug = f"{base}_{counter}"
        taken.add(slug)
        named.append(node.model_copy(update={"slug": slug}, deep=True))
    return named


def rekey_edge_filters_by_index(
    node: DagNode, slug_to_index: Mapping[str, int]
) -> dict[int, EdgeFilter]:
    """Return the node's edge filters keyed by dependency index instead of slug.

    Raises:
        PipelineValidationError: A filter is keyed by a slug that is not in
            ``slug_to_index``.
    """
    rekeyed: dict[int, EdgeFilter] = {}
    for slug, edge_filter in node.edge_filters.items():
        index = slug_to_index.get(slug)
        if index is None:
            raise _invalid(
                "filter-not-a-dependency",
                f"node '{node.slug}' has an edge filter for '{slug}', which is not a node",
                node=node.slug,
            )
        rekeyed[index] = edge_filter
    return rekeyed


def bfs_collect(
    fetch: Callable[[str, Sequence[int]], Sequence[T]],
    run_id: str,
    dependency_indices: Iterable[int],
    dep_adjacency: Adjacency,
    passthrough_indices: Container[int] | None = None,
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

    Returns:
        The collected artifacts, nearest nodes first.
    """
    collected: list[T] = []
    queue = deque(dependency_indices)
    seen: set[int] = set()
    while queue:
        index = queue.popleft()
        if index in seen:
            continue
        seen.add(index)
        found = fetch(run_id, [index])
        if found:
            collected.extend(found)
        elif passthrough_indices is not None and index in passthrough_indices:
            queue.extend(_dependencies_of(dep_adjacency, index))
    return collected


def collect_upstream_artifacts_bfs(
    store: DagStore,
    run_id: str,
    dependency_indices: Iterable[int],
    dep_adjacency: Adjacency,
    passthrough_indices: Container[int] | None = None,
) -> list[DagArtifact]:
    """Run :func:`bfs_collect` with ``store.get_artifacts_by_node_indices`` as the fetch."""
    return bfs_collect(
        store.get_artifacts_by_node_indices,
        run_id,
        dependency_indices,
        dep_adjacency,
        passthrough_indices,
    )


def _dependencies_of(adjacency: Adjacency, index: int) -> Iterable[int]:
    if isinstance(adjacency, Mapping):
        return adjacency.get(index, ())
    return adjacency[index] if 0 <= index < len(adjacency) else ()


def _invalid(
    code: str, message: str, *, node: str | None = None, index: int | None = None
) -> PipelineValidationError:
    path: tuple[str | int, ...] = () if index is None else ("nodes", index)
    return PipelineValidationError.from_diagnostics(
        [problem(code, message).located(node=node, path=path)]
    )
