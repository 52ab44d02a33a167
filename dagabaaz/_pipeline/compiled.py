"""A pipeline compiled once into an immutable, index-based graph.

Every per-task decision reads tuples from here instead of rescanning the
node list: dependencies and dependents by index, the edge filter of each
dependency edge, roots, sinks and a topological order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dagabaaz._pipeline.codes import problem
from dagabaaz._pipeline.cycles import topological_order
from dagabaaz._pipeline.index import index_by_slug, resolve_dependencies_with
from dagabaaz.constants import FanMode
from dagabaaz.errors import PipelineValidationError
from dagabaaz.models import DagNode, EdgeFilter


@dataclass(frozen=True, slots=True)
class CompiledGraph:
    """An immutable view of a pipeline, indexed by node position.

    ``dependencies[i]`` and ``edge_filters[i]`` are parallel: the filter of
    the edge from ``dependencies[i][k]`` into node ``i`` is ``edge_filters[i][k]``.
    Two graphs compare equal when they schedule the same way.
    """

    slugs: tuple[str, ...]
    plugins: tuple[str, ...]
    fan_modes: tuple[FanMode, ...]
    dependencies: tuple[tuple[int, ...], ...]
    dependents: tuple[tuple[int, ...], ...]
    edge_filters: tuple[tuple[EdgeFilter | None, ...], ...]
    roots: tuple[int, ...]
    sinks: tuple[int, ...]
    order: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.slugs)

    def difference(self, other: CompiledGraph) -> str | None:
        """Say where this graph first schedules differently from ``other``; None when equal.

        Phrased as "<this> and <other>" so the caller names the two sides.
        """
        if len(self) != len(other):
            return f"{_count(len(self))} and {_count(len(other))}"
        for index in range(len(self)):
            for what, mine, theirs in (
                ("slug", self.slugs[index], other.slugs[index]),
                ("plugin", self.plugins[index], other.plugins[index]),
                ("fan_mode", str(self.fan_modes[index]), str(other.fan_modes[index])),
                ("depends_on", self._dependency_slugs(index), other._dependency_slugs(index)),
            ):
                if mine != theirs:
                    return f"node {index} has {what} {mine!r} and {theirs!r}"
            if self.edge_filters[index] != other.edge_filters[index]:
                return f"node {index} ('{self.slugs[index]}') has different edge filters"
        return None

    def _dependency_slugs(self, index: int) -> list[str]:
        return [self.slugs[dep] for dep in self.dependencies[index]]


def compile_graph(nodes: Sequence[DagNode]) -> CompiledGraph:
    """Compile ``nodes`` into a :class:`CompiledGraph`.

    The graph keeps only immutable facts (strings, tuples, enums) and copies
    of the edge filters, so changing ``nodes`` afterwards cannot change it.

    Only the structure is checked here (the full save-time validation is
    :func:`dagabaaz.validation.validate_pipeline`), so that a pipeline read
    back from a store can never make the engine fail obscurely.

    Raises:
        PipelineValidationError: Empty or duplicate slugs, an unknown or
            self dependency, an edge filter on a non-dependency, or a cycle.
    """
    source = tuple(nodes)
    index_of = index_by_slug(source)
    dependencies = tuple(tuple(deps) for deps in resolve_dependencies_with(source, index_of))
    for index, deps in enumerate(dependencies):
        if index in deps:
            slug = source[index].slug
            raise _invalid("self-dependency", f"node '{slug}' depends on itself", index, slug)
    dependents_lists: list[list[int]] = [[] for _ in source]
    for index, deps in enumerate(dependencies):
        for dep in deps:
            dependents_lists[dep].append(index)
    return CompiledGraph(
        slugs=tuple(node.slug for node in source),
        plugins=tuple(node.plugin for node in source),
        fan_modes=tuple(FanMode(node.fan_mode) for node in source),
        dependencies=dependencies,
        dependents=tuple(tuple(d) for d in dependents_lists),
        edge_filters=tuple(
            _edge_filters(node, deps, index_of, i)
            for i, (node, deps) in enumerate(zip(source, dependencies, strict=True))
        ),
        roots=tuple(i for i, deps in enumerate(dependencies) if not deps),
        sinks=tuple(i for i, ds in enumerate(dependents_lists) if not ds),
        order=_topological_order(source, dependents_lists),
    )


def _edge_filters(
    node: DagNode, deps: tuple[int, ...], index_of: dict[str, int], index: int
) -> tuple[EdgeFilter | None, ...]:
    if not node.edge_filters:
        return (None,) * len(deps)
    by_index: dict[int, EdgeFilter] = {}
    for slug, edge_filter in node.edge_filters.items():
        dep = index_of.get(slug)
        if dep is None or dep not in deps:
            raise _invalid(
                "filter-not-a-dependency",
                f"node '{node.slug}' has an edge filter for '{slug}', which is not one of "
                "its dependencies",
                index,
                node.slug,
            )
        # EdgeFilter is frozen but its rule list is not: keep a copy.
        by_index[dep] = EdgeFilter.model_validate(edge_filter.model_dump())
    return tuple(by_index.get(dep) for dep in deps)


def _count(nodes: int) -> str:
    return "1 node" if nodes == 1 else f"{nodes} nodes"


def _topological_order(source: tuple[DagNode, ...], dependents: list[list[int]]) -> tuple[int, ...]:
    order = topological_order(dependents)
    if len(order) < len(source):
        ordered = set(order)
        stuck = ", ".join(f"'{node.slug}'" for i, node in enumerate(source) if i not in ordered)
        raise _invalid(
            "dependency-cycle", f"the pipeline has a cycle; these nodes can never run: {stuck}"
        )
    return tuple(order)


def _invalid(
    code: str, message: str, index: int | None = None, slug: str | None = None
) -> PipelineValidationError:
    path: tuple[str | int, ...] = () if index is None else ("nodes", index)
    return PipelineValidationError.from_diagnostics(
        [problem(code, message).located(node=slug, path=path)]
    )
