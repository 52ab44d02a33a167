"""Which tasks a ready node gets, from what its edges deliver.

:func:`plan_tasks` decides; the engine reads the store and dispatches. The
rules, in the order they apply:

1. A root gets one task with no input artifact.
2. A dependency whose tasks were all skipped skips the node (and the skip
   cascades, because the node is then entirely skipped too). It wins over
   everything else, whichever edge it is on.
3. Each edge delivers what it collects through its filter (:mod:`.edges`).
4. SINGLE: one task per artifact delivered (an artifact delivered over two
   edges is one input). AGGREGATE: one task for everything, except that an
   edge that collected artifacts but delivers none skips the node.
   GROUPED: one task per origin among the artifacts delivered; broadcast
   artifacts join every group, and a node that is delivered only broadcast
   artifacts gets one task.
5. A node delivered no artifact at all is filtered (no cascade).
6. More tasks than the fan-out limit fail the node; what is counted is the
   tasks the node would start (for a GROUPED node, the origin groups left
   after the filters and ``select``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple, TypeVar

from dagabaaz._routing.edges import RoutedArtifact, RoutingGraph, deliver, edges
from dagabaaz._routing.reports import EdgeNotes
from dagabaaz.constants import FAN_OUT_LIMIT_EXCEEDED, FanMode


class PlanKind(enum.Enum):
    """What a launch dispatches."""

    TASKS = "tasks"
    """One task per entry of :attr:`LaunchPlan.inputs` (None: no input artifact)."""
    GROUPS = "groups"
    """One task per entry of :attr:`LaunchPlan.origins`."""
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
"""A root's launch, and any launch of one task without input artifact or origin."""
SKIP_PLAN = LaunchPlan(PlanKind.SKIP)
FILTER_PLAN = LaunchPlan(PlanKind.FILTER)

A = TypeVar("A", bound=RoutedArtifact)
K = TypeVar("K", bound=Hashable)

Collect = Callable[[int], Sequence[A] | None]
"""One edge's artifacts before its filter, by dependency; None when the dependency was skipped."""


def plan_tasks(
    graph: RoutingGraph,
    index: int,
    collect: Collect[A],
    key: Callable[[A], str],
    fan_out_limit: int,
    notes: EdgeNotes | None = None,
) -> LaunchPlan:
    """Decide the tasks of node ``index``, whose dependencies are all done.

    Edges are processed one at a time and only what the decision needs is
    kept (``key`` of each input, origins), so a node reading thousands of
    artifacts does not hold them all at once.

    Args:
        graph: The compiled pipeline.
        index: The node to plan.
        collect: Reads one edge (see :data:`Collect`).
        key: The artifact id a SINGLE task is dispatched with.
        fan_out_limit: Most tasks the node may get.
        notes: When given, notes what each edge collected and delivered,
            for the node's reason.
    """
    if not graph.dependencies[index]:
        return ROOT_PLAN
    mode = graph.fan_modes[index]
    if mode is FanMode.GROUPED:
        return _grouped(graph, index, collect, fan_out_limit, notes)
    if mode is FanMode.AGGREGATE:
        return _aggregate(graph, index, collect, notes)
    inputs = _delivered(graph, index, collect, key, notes, grouped=False)
    if inputs is None:
        return SKIP_PLAN
    return single_tasks(inputs, fan_out_limit) if inputs else FILTER_PLAN


def _delivered(
    graph: RoutingGraph,
    index: int,
    collect: Collect[A],
    key: Callable[[A], K],
    notes: EdgeNotes | None,
    *,
    grouped: bool,
) -> dict[K, None] | None:
    """Return ``key`` of each artifact the edges deliver, once each, in order.

    None when a dependency was skipped: that skips the node, whatever else
    its edges deliver.
    """
    keys: dict[K, None] = {}
    for dep, edge_filter in edges(graph, index):
        found = collect(dep)
        if found is None:
            if notes is not None:
                notes.skipped(dep)
            return None
        if notes is None:
            delivered = deliver(found, edge_filter, grouped=grouped)
        else:
            delivered = notes.deliver(dep, found, edge_filter, grouped=grouped)
        for artifact in delivered:
            keys.setdefault(key(artifact))
    return keys


def single_tasks(inputs: dict[str, None], fan_out_limit: int) -> LaunchPlan:
    """One task per input artifact, within the fan-out limit."""
    if len(inputs) > fan_out_limit:
        count = len(inputs)
        return _too_many(f"{count} artifacts would start {count} tasks", fan_out_limit)
    return LaunchPlan(PlanKind.TASKS, tuple(inputs))


def _aggregate(
    graph: RoutingGraph, index: int, collect: Collect[A], notes: EdgeNotes | None
) -> LaunchPlan:
    delivered_any = False
    for dep, edge_filter in edges(graph, index):
        found = collect(dep)
        if found is None:
            if notes is not None:
                notes.skipped(dep)
            return SKIP_PLAN
        if notes is not None:
            delivered = notes.deliver(dep, found, edge_filter, grouped=False)
        else:
            delivered = deliver(found, edge_filter, grouped=False) if found else []
        if found and not delivered:
            if notes is not None:
                notes.rejected_all(dep)
            return SKIP_PLAN  # the filter rejected a whole non-empty edge
        delivered_any = delivered_any or bool(found)
    return ROOT_PLAN if delivered_any else FILTER_PLAN


def _grouped(
    graph: RoutingGraph,
    index: int,
    collect: Collect[A],
    fan_out_limit: int,
    notes: EdgeNotes | None,
) -> LaunchPlan:
    kept = _delivered(graph, index, collect, _origin, notes, grouped=True)
    if kept is None:
        return SKIP_PLAN
    if not kept:
        return FILTER_PLAN
    origins = tuple(origin for origin in kept if isinstance(origin, str))
    if len(origins) > fan_out_limit:
        count = len(origins)
        return _too_many(
            f"{count} origin groups are left after the edge filters and select, "
            f"which would start {count} tasks",
            fan_out_limit,
        )
    return LaunchPlan(PlanKind.GROUPS, origins=origins) if origins else ROOT_PLAN


def _origin(artifact: RoutedArtifact) -> Hashable:
    return artifact.origin_artifact_id


def _too_many(what: str, limit: int) -> LaunchPlan:
    return LaunchPlan(
        PlanKind.FAIL,
        error=f"{FAN_OUT_LIMIT_EXCEEDED}: {what}, more than the limit of {limit}; "
        "raise fan_out_limit to allow more",
    )
