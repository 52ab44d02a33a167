"""What tasks a ready node gets: collection, edge filters, skip and filter, fan modes.

:func:`plan_launch` only reads the store; it returns a :class:`LaunchPlan`
that the session dispatches. The rules, in the order they apply:

1. A root gets one task with no input artifact.
2. A dependency whose tasks were all skipped skips the node (and the skip
   cascades, because the node is then entirely skipped too).
3. Per dependency edge, artifacts are collected, walking past routing nodes
   (passthrough) that produced nothing, then the edge's filter applies.
4. AGGREGATE: an edge that had artifacts but whose filter rejected all of
   them skips the node; otherwise one task for everything.
   GROUPED: one task per origin group (``select`` applies within each group,
   per edge); broadcast artifacts join every group, and a node that only
   sees broadcast artifacts gets one task. SINGLE: one task per artifact.
5. A node left with no artifacts at all is filtered (no cascade).
6. More tasks than the fan-out limit fail the node, counted before any
   per-task or per-group list is built.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dagabaaz._engine.compiled import CompiledGraph
from dagabaaz.constants import FanMode, NodeSummaryStatus
from dagabaaz.filter import apply_rules, filter_artifacts, group_by_origin, select_artifacts
from dagabaaz.graph import bfs_collect
from dagabaaz.models import DagArtifact, EdgeFilter
from dagabaaz.store import DagStore


class PlanKind(enum.Enum):
    """What a launch dispatches."""

    TASKS = "tasks"
    """``dispatch_task`` once per entry of :attr:`LaunchPlan.inputs`."""
    GROUPS = "groups"
    """``dispatch_grouped_task`` once per entry of :attr:`LaunchPlan.origins`."""
    SKIP = "skip"
    FILTER = "filter"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    """The outcome of planning one node's launch."""

    kind: PlanKind
    inputs: tuple[str | None, ...] = ()
    origins: tuple[str, ...] = ()
    error: str = ""


ROOT_PLAN = LaunchPlan(PlanKind.TASKS, inputs=(None,))
_ONE_TASK = ROOT_PLAN
_SKIP = LaunchPlan(PlanKind.SKIP)
_FILTER = LaunchPlan(PlanKind.FILTER)


class PassthroughView:
    """A container answering "is node ``i`` a routing node?", asking each plugin once."""

    __slots__ = ("_answers", "_plugins", "_resolve")

    def __init__(self, plugins: Sequence[str], resolve: Callable[[str], bool]) -> None:
        self._plugins = plugins
        self._resolve = resolve
        self._answers: dict[int, bool] = {}

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int):
            return False
        answer = self._answers.get(index)
        if answer is None:
            answer = self._answers[index] = bool(self._resolve(self._plugins[index]))
        return answer


def plan_launch(
    store: DagStore,
    run_id: str,
    graph: CompiledGraph,
    index: int,
    passthrough: PassthroughView,
    fan_out_limit: int,
) -> LaunchPlan:
    """Decide the tasks of node ``index``, whose dependencies are all done."""
    deps = graph.dependencies[index]
    if not deps:
        return ROOT_PLAN
    fetch = store.get_artifacts_by_node_indices
    direct = [fetch(run_id, [dep]) for dep in deps]
    if not all(direct) and _has_skipped_dependency(store, run_id, deps, direct):
        return _SKIP
    edges = [
        found
        if found or dep not in passthrough
        else bfs_collect(fetch, run_id, graph.dependencies[dep], graph.dependencies, passthrough)
        for dep, found in zip(deps, direct, strict=True)
    ]
    filters = graph.edge_filters[index]
    mode = graph.fan_modes[index]
    if mode is FanMode.GROUPED:
        return _plan_grouped(edges, filters, fan_out_limit)
    passed = [filter_artifacts(found, f) for found, f in zip(edges, filters, strict=True)]
    if mode is FanMode.AGGREGATE:
        if any(found and not kept for found, kept in zip(edges, passed, strict=True)):
            return _SKIP
        return _ONE_TASK if any(passed) else _FILTER
    unique = passed[0] if len(passed) == 1 else _unique(passed)
    if not unique:
        return _FILTER
    if len(unique) > fan_out_limit:
        return _too_many(len(unique), "artifacts", fan_out_limit)
    return LaunchPlan(PlanKind.TASKS, inputs=tuple(a.id for a in unique))


def _has_skipped_dependency(
    store: DagStore, run_id: str, deps: Sequence[int], direct: Sequence[Sequence[DagArtifact]]
) -> bool:
    # A skipped node produced nothing, so only empty dependencies need the
    # (whole-run) summary, and it is read only when there is one.
    summary = store.get_node_summary(run_id)
    return any(
        not found and summary.get(dep) == NodeSummaryStatus.SKIPPED
        for dep, found in zip(deps, direct, strict=True)
    )


def _plan_grouped(
    edges: Sequence[list[DagArtifact]],
    filters: Sequence[EdgeFilter | None],
    fan_out_limit: int,
) -> LaunchPlan:
    ruled = [apply_rules(found, f) for found, f in zip(edges, filters, strict=True)]
    origins = {a.origin_artifact_id for found in ruled for a in found}
    origins.discard(None)
    if len(origins) > fan_out_limit:
        return _too_many(len(origins), "origin groups", fan_out_limit)
    kept: dict[str | None, None] = {}
    for found, edge_filter in zip(ruled, filters, strict=True):
        selector = None if edge_filter is None else edge_filter.select
        for origin, members in group_by_origin(found).items():
            if origin not in kept and (selector is None or select_artifacts(members, selector)):
                kept[origin] = None
    if not kept:
        return _FILTER
    grouped = tuple(origin for origin in kept if origin is not None)
    if not grouped:
        return _ONE_TASK
    return LaunchPlan(PlanKind.GROUPS, origins=grouped)


def _unique(per_edge: Iterable[list[DagArtifact]]) -> list[DagArtifact]:
    # Two edges can reach the same artifact (diamonds through routing nodes);
    # it is still one input.
    seen: set[str] = set()
    unique: list[DagArtifact] = []
    for found in per_edge:
        for artifact in found:
            if artifact.id not in seen:
                seen.add(artifact.id)
                unique.append(artifact)
    return unique


def _too_many(count: int, what: str, limit: int) -> LaunchPlan:
    return LaunchPlan(
        PlanKind.FAIL,
        error=f"fan-out limit exceeded: {count} {what} would start {count} tasks, "
        f"more than the limit of {limit}",
    )
