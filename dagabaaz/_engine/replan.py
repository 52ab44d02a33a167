"""Planning a launched node again, to tell whether its dispatch was whole.

A launched node's dependencies are done and their artifacts cannot change
while the run lasts (a retry wipes a node's dependents before it changes the
node), so planning its launch again gives the plan its launch dispatched. A
node holding another number of tasks had its dispatch cut short: the store
failed midway, and so did recording the failure. ``reconcile_run`` fails the
run for it; ``plan_retry`` marks the node to be launched again whole.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Sequence

from dagabaaz._engine.launch import PassthroughView, plan_launch
from dagabaaz._pipeline.compiled import CompiledGraph, compile_graph
from dagabaaz._routing.edges import Fetch
from dagabaaz.models import DagArtifact, DagNode
from dagabaaz.store import DagStore


def planned_task_count(
    store: DagStore,
    fetch: Fetch[DagArtifact],
    run_id: str,
    graph: CompiledGraph,
    index: int,
    passthrough: PassthroughView,
) -> int:
    """Return how many tasks launching node ``index`` dispatches (a marker counts as one).

    The fan-out limit is left out: a node over it holds a failed marker, and
    the limit of this call may differ from the launch's.
    """
    plan = plan_launch(store, fetch, run_id, graph, index, passthrough, sys.maxsize)
    return plan.task_count()


def cut_short_nodes(
    store: DagStore,
    run_id: str,
    nodes: Sequence[DagNode],
    launched: Collection[int],
    resolve_passthrough: Callable[[str], bool],
) -> list[int]:
    """Return the launched nodes whose task count differs from their launch plan, in order.

    A node claimed but never dispatched (no task at all) is one of them.
    """
    graph = compile_graph(nodes)
    passthrough = PassthroughView(graph.plugins, resolve_passthrough)
    fetch = store.get_artifacts_by_node_indices
    found = []
    for index in sorted(launched):
        _status, total, _terminal = store.get_barrier_state(run_id, index)
        if total != planned_task_count(store, fetch, run_id, graph, index, passthrough):
            found.append(index)
    return found
