"""Strict slug resolution: a pipeline's slugs and dependencies as indices, or a located error.

The engine, the worker toolkit and retry planning resolve slugs here. The
public helpers in :mod:`dagabaaz.graph` are the README's version's permissive
building blocks (they skip what they cannot resolve); these refuse it, so a
broken pipeline never runs half-resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dagabaaz._pipeline.codes import problem
from dagabaaz.errors import PipelineValidationError
from dagabaaz.models import DagNode

__all__ = ["dependency_indices", "index_by_slug", "resolve_dependencies_with"]


def index_by_slug(nodes: Sequence[DagNode]) -> dict[str, int]:
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


def dependency_indices(nodes: Sequence[DagNode]) -> list[list[int]]:
    """Return, per node, the indices of its dependencies (first mention wins on repeats).

    Raises:
        PipelineValidationError: A slug is empty or duplicated, or a
            dependency names no node.
    """
    return resolve_dependencies_with(nodes, index_by_slug(nodes))


def resolve_dependencies_with(
    nodes: Sequence[DagNode], index_of: Mapping[str, int]
) -> list[list[int]]:
    """Like :func:`dependency_indices`, with the slug map already built.

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


def _invalid(
    code: str, message: str, *, node: str | None = None, index: int | None = None
) -> PipelineValidationError:
    path: tuple[str | int, ...] = () if index is None else ("nodes", index)
    return PipelineValidationError.from_diagnostics(
        [problem(code, message).located(node=node, path=path)]
    )
