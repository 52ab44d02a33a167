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
6. More tasks than the fan-out limit fail the node; a GROUPED node counts
   its origins before any per-group list is built.

A skipped dependency wins over everything else, whichever edge it is on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import NamedTuple

from dagabaaz._engine.compiled import CompiledGraph
from dagabaaz.constants import ArtifactSelector, FanMode, NodeSummaryStatus
from dagabaaz.filter import apply_rules, filter_artifacts, partition_by_origin, select_artifacts
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


class LaunchPlan(NamedTuple):
    """The outcome of planning one node's launch."""

    kind: PlanKind
    inputs: tuple[str | None, ...] = ()
    origins: tuple[str, ...] = ()
    error: str = ""

    def task_count(self) -> int:
        """How many tasks dispatching this plan creates (a marker counts as one)."""
        if self.kind is PlanKind.TASKS:
            return len(self.inputs)
        if self.kind is PlanKind.GROUPS:
            return len(self.origins)
        return 1


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


Fetch = Callable[[str, Sequence[int]], Sequence[DagArtifact]]
"""Reads the artifacts of nodes, like ``DagStore.get_artifacts_by_node_indices``."""


def plan_launch(
    store: DagStore,
    fetch: Fetch,
    run_id: str,
    graph: CompiledGraph,
    index: int,
    passthrough: PassthroughView,
    fan_out_limit: int,
) -> LaunchPlan:
    """Decide the tasks of node ``index``, whose dependencies are all done.

    Edges are processed one at a time and only what the decision needs is
    kept (ids, origins), so a node reading thousands of artifacts does not
    hold them all at once. ``fetch`` reads artifacts (the session memoizes
    the store's method); ``store`` is read for the node summary.
    """
    deps = graph.dependencies[index]
    if not deps:
        return ROOT_PLAN
    mode = graph.fan_modes[index]
    filters = graph.edge_filters[index]
    if len(deps) == 1 and mode is FanMode.SINGLE and filters[0] is None:
        # The common case, kept short: one unfiltered edge with artifacts.
        direct = fetch(run_id, deps)
        if len(direct) == 1:
            return LaunchPlan(PlanKind.TASKS, (direct[0].id,))
        if direct:
            return _single_tasks(dict.fromkeys(a.id for a in direct), fan_out_limit)
    collect = _Collector(store, fetch, run_id, graph, passthrough).collect
    if mode is FanMode.GROUPED:
        return _plan_grouped(collect, deps, filters, fan_out_limit)
    if mode is FanMode.AGGREGATE:
        return _plan_aggregate(collect, deps, filters)
    # An artifact reached over two edges (diamonds through routing nodes) is
    # still one input: the dict keeps first appearances, in order.
    inputs: dict[str, None] = {}
    for dep, edge_filter in zip(deps, filters, strict=True):
        found = collect(dep)
        if found is None:
            return _SKIP
        for artifact in filter_artifacts(found, edge_filter):
            inputs.setdefault(artifact.id)
    return _single_tasks(inputs, fan_out_limit) if inputs else _FILTER


class _Collector:
    """Collects one edge's artifacts; answers None when the dependency was skipped."""

    __slots__ = ("_fetch", "_graph", "_passthrough", "_run_id", "_store", "_summary")

    def __init__(
        self,
        store: DagStore,
        fetch: Fetch,
        run_id: str,
        graph: CompiledGraph,
        passthrough: PassthroughView,
    ) -> None:
        self._store = store
        self._fetch = fetch
        self._run_id = run_id
        self._graph = graph
        self._passthrough = passthrough
        self._summary: dict[int, NodeSummaryStatus] | None = None

    def collect(self, dep: int) -> Sequence[DagArtifact] | None:
        found = self._fetch(self._run_id, [dep])
        if found:
            return found
        # A skipped node produced nothing, so only an empty dependency needs
        # the (whole-run) summary, read at most once per launch.
        if self._summary is None:
            self._summary = self._store.get_node_summary(self._run_id)
        if self._summary.get(dep) == NodeSummaryStatus.SKIPPED:
            return None
        if dep not in self._passthrough:
            return found
        deps_of = self._graph.dependencies
        return bfs_collect(self._fetch, self._run_id, deps_of[dep], deps_of, self._passthrough)


Collect = Callable[[int], Sequence[DagArtifact] | None]


def _plan_aggregate(
    collect: Collect, deps: Sequence[int], filters: Sequence[EdgeFilter | None]
) -> LaunchPlan:
    passed_any = False
    for dep, edge_filter in zip(deps, filters, strict=True):
        found = collect(dep)
        if found is None:
            return _SKIP
        if found:
            if edge_filter is not None and not filter_artifacts(found, edge_filter):
                return _SKIP  # the filter rejected a whole non-empty edge
            passed_any = True
    return _ONE_TASK if passed_any else _FILTER


def _plan_grouped(
    collect: Collect,
    deps: Sequence[int],
    filters: Sequence[EdgeFilter | None],
    fan_out_limit: int,
) -> LaunchPlan:
    # First pass: rules only, counting origins; an edge without ``select``
    # keeps just its origins, an edge with one keeps its matches for later.
    per_edge: list[list[str | None] | tuple[ArtifactSelector, list[DagArtifact]]] = []
    origins: set[str | None] = set()
    for dep, edge_filter in zip(deps, filters, strict=True):
        found = collect(dep)
        if found is None:
            return _SKIP
        ruled = apply_rules(found, edge_filter)
        edge_origins = [a.origin_artifact_id for a in ruled]
        origins.update(edge_origins)
        selector = None if edge_filter is None else edge_filter.select
        per_edge.append(edge_origins if selector is None else (selector, ruled))
    origins.discard(None)
    if len(origins) > fan_out_limit:
        return _too_many(len(origins), "origin groups", fan_out_limit)
    # Second pass, within the limit: ``select`` applies inside each group.
    kept: dict[str | None, None] = {}
    for entry in per_edge:
        if isinstance(entry, list):
            kept.update(dict.fromkeys(entry))
            continue
        selector, ruled = entry
        for origin, members in partition_by_origin(ruled).items():
            if select_artifacts(members, selector):
                kept.setdefault(origin)
    if not kept:
        return _FILTER
    grouped = tuple(origin for origin in kept if origin is not None)
    return LaunchPlan(PlanKind.GROUPS, origins=grouped) if grouped else _ONE_TASK


def _single_tasks(inputs: dict[str, None], fan_out_limit: int) -> LaunchPlan:
    if len(inputs) > fan_out_limit:
        return _too_many(len(inputs), "artifacts", fan_out_limit)
    return LaunchPlan(PlanKind.TASKS, tuple(inputs))


def _too_many(count: int, what: str, limit: int) -> LaunchPlan:
    return LaunchPlan(
        PlanKind.FAIL,
        error=f"fan-out limit exceeded: {count} {what} would start {count} tasks, "
        f"more than the limit of {limit}",
    )
