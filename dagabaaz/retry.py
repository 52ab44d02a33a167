"""Retry a failed run from the point of failure.

The sequence, each step under the run's lock (see docs/concepts/retry.md):

1. ``store.reopen_run(run_id)`` puts the failed, crashed or cancelled run back
   to running;
2. :func:`plan_retry` (or :func:`compute_retry_boundary`) finds the nodes to
   retry and the nodes to wipe;
3. :func:`retry_run` re-dispatches the failed nodes' unfinished tasks and wipes
   what lies downstream of them;
4. ``reconcile_run`` launches whatever is ready; workers take it from there.

Work that completed is kept: a failed node keeps its completed tasks and their
artifacts, and nodes that do not depend on a failed node are not touched.
"""

from __future__ import annotations

import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dagabaaz._base.arguments import check_callable, check_count, type_name
from dagabaaz._engine.replan import cut_short_nodes
from dagabaaz._pipeline.index import dependency_indices
from dagabaaz.constants import NodeSummaryStatus, RunStatus
from dagabaaz.errors import DagabaazWarning, RetryError
from dagabaaz.models import DagNode
from dagabaaz.store import DagRetryStore, RetryableTask

__all__ = [
    "RetryBoundary",
    "RetryResult",
    "RetryableTask",
    "RetryableTaskInfo",
    "compute_retry_boundary",
    "plan_retry",
    "retry_run",
]


@dataclass(frozen=True, slots=True)
class RetryableTaskInfo(RetryableTask):
    """The README's version's name for what ``get_retryable_tasks`` returns.

    A :class:`~dagabaaz.store.RetryableTask` with the task's ``status`` as
    well, built with the same positional arguments as then
    ``(task_id, node_index, plugin_name, input_artifact_id, origin_artifact_id,
    status)``; a store written for that version keeps working unchanged.
    """

    status: str = ""


@dataclass(frozen=True, slots=True)
class RetryBoundary:
    """Which nodes a retry touches.

    Attributes:
        failed: Launched nodes with a retryable failure (a failed, crashed or
            cancelled task, or a dispatch cut short) and no failed ancestor.
            They keep their completed tasks; every other task of theirs is
            dispatched again.
        downstream: Launched nodes that descend from a failed node (including
            descendants that failed themselves). Their inputs are about to
            change, so their tasks and launch claims are deleted and
            ``reconcile_run`` launches them afresh when they are ready.
        cut_short: Failed nodes whose tasks are not the ones their launch
            dispatches (a store outage cut the dispatch short, or the launch
            was claimed and never dispatched). Only :func:`plan_retry` finds
            them. :func:`retry_run` relaunches them whole.
    """

    failed: frozenset[int]
    downstream: frozenset[int]
    cut_short: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class RetryResult:
    """What :func:`retry_run` did.

    Attributes:
        replacement_map: Old task id to the id of the task dispatched in its
            place, for every re-dispatched task.
        relaunched: Failed nodes that only a fresh launch repeats faithfully:
            those whose dispatch was cut short (``boundary.cut_short``), and
            those holding an unfinished task with neither input artifact nor
            origin (a root's or an AGGREGATE node's task, a GROUPED node's one
            all-broadcast task, or the marker of a launch that failed as a
            whole: such a task is its node's only one, so no completed work
            is lost). They were wiped like downstream nodes and
            ``reconcile_run`` launches them afresh: the plan decides again
            whether the node gets tasks, is filtered or is skipped.
        wiped: Every node whose tasks and launch claim were deleted
            (``boundary.downstream`` plus ``relaunched``).
    """

    replacement_map: Mapping[str, str]
    relaunched: frozenset[int] = field(default_factory=frozenset)
    wiped: frozenset[int] = field(default_factory=frozenset)


def compute_retry_boundary(
    completed_nodes: Iterable[int],
    launched_nodes: Iterable[int],
    node_count: int,
    node_has_retryable_failure: Callable[[int], bool] | Mapping[int, bool],
    *,
    dependencies: Sequence[Iterable[int]] | None = None,
) -> RetryBoundary:
    """Decide which nodes to retry and which to wipe.

    Pass ``dependencies`` (the dependency indices of each node, in node
    order): then ``downstream`` is exactly the launched descendants of the
    failed nodes. :func:`plan_retry` does this for you and is the
    recommended path.

    Without ``dependencies`` (the earlier version's signature) this function
    cannot know the graph, so node order stands in for it: the nodes must be
    listed after their dependencies, every failing launched node counts as
    failed, and ``downstream`` is every other launched node after the first
    failed one. That is exact only for a chain: in a branching pipeline it
    wipes (and so re-runs) independent branches that already completed, and a
    failing node below another failing node is re-dispatched with inputs that
    are about to change. Whenever the guess may be wrong (another launched
    node comes after the first failing one) a :class:`~dagabaaz.errors.DagabaazWarning`
    says so.

    Args:
        completed_nodes: Nodes whose tasks are all terminal
            (``store.get_completed_node_indices``); each must be launched.
        launched_nodes: Nodes whose launch was claimed
            (``store.get_launched_node_indices``).
        node_count: Number of nodes in the pipeline.
        node_has_retryable_failure: Whether a node has a failed, crashed or
            cancelled task: a callable, called once for each launched node,
            or (as in the README's version) a mapping of node index to that
            answer, where a node it does not hold has no failure.
        dependencies: For each node, the indices of its dependencies.

    Returns:
        The boundary; empty when nothing failed.

    Raises:
        TypeError: ``node_count`` is not an int or ``node_has_retryable_failure``
            is neither callable nor a mapping.
        RetryError: An index is out of range, a completed node was never
            launched, or ``dependencies`` does not have ``node_count`` entries.
    """
    check_count(node_count, "node_count", minimum=0)
    has_failure = _failure_test(node_has_retryable_failure)
    launched = _checked_indices(launched_nodes, node_count, "launched_nodes")
    completed = _checked_indices(completed_nodes, node_count, "completed_nodes")
    never_launched = sorted(completed - launched)
    if never_launched:
        raise RetryError(f"completed_nodes {never_launched} are not in launched_nodes")
    failing = frozenset(index for index in sorted(launched) if has_failure(index))
    if not failing:
        return RetryBoundary(failed=frozenset(), downstream=frozenset())
    if dependencies is None:
        first = min(failing)
        later = frozenset(index for index in launched - failing if index > first)
        _warn_if_guessed(first, failing, later)
        return RetryBoundary(failed=failing, downstream=later)
    below = _descendants(failing, _dependents(dependencies, node_count))
    return RetryBoundary(failed=failing - below, downstream=launched & below)


def _failure_test(
    given: Callable[[int], bool] | Mapping[int, bool],
) -> Callable[[int], bool]:
    if isinstance(given, Mapping):
        return lambda index: bool(given.get(index, False))
    if not callable(given):
        raise TypeError(
            "node_has_retryable_failure must be callable or a mapping of node index to bool, "
            f"got {type_name(given)}"
        )
    return given


def _warn_if_guessed(first: int, failing: frozenset[int], later: frozenset[int]) -> None:
    unsure = sorted(later | (failing - {first}))
    if not unsure:
        return  # nothing launched after the failure: no graph could change the answer
    nodes = (
        f"node {unsure[0]} comes"
        if len(unsure) == 1
        else f"nodes {', '.join(map(str, unsure))} come"
    )
    warnings.warn(
        "compute_retry_boundary without dependencies guesses the graph from node order: "
        f"{nodes} after failing node {first}, and whether they depend on it is unknown "
        "(a completed independent branch would be wiped and run again); pass "
        "dependencies= or use plan_retry for an exact boundary",
        DagabaazWarning,
        stacklevel=3,
    )


def plan_retry(
    store: DagRetryStore,
    run_id: str,
    nodes: Sequence[DagNode],
    *,
    resolve_passthrough: Callable[[str], bool] | None = None,
) -> RetryBoundary:
    """Read the run's state from the store and compute its retry boundary.

    A node has a retryable failure when its summary is ``partial`` (some task
    failed, crashed or was cancelled; skipped and filtered nodes are not
    failures), or when its tasks are not the ones its launch dispatches: the
    launch is planned again from the node's inputs, as ``reconcile_run``
    does, and a node holding another number of tasks had its dispatch cut
    short (listed in ``cut_short`` too).

    Args:
        store: The run's store.
        run_id: The run to retry.
        nodes: The pipeline the run executes, in node order.
        resolve_passthrough: Plugin name -> whether it is a routing node, as
            given to ``reconcile_run``; None means there are none. Without it
            a node reading past a routing node may be taken for cut short and
            run again whole (wasted work, never a wrong result).

    Returns:
        The boundary, computed with the pipeline's dependencies.

    Raises:
        PipelineValidationError: ``nodes`` has empty or duplicate slugs, an
            unknown dependency or a cycle.
    """
    if resolve_passthrough is not None:
        check_callable(resolve_passthrough, "resolve_passthrough")
    summary = store.get_node_summary(run_id)
    launched = store.get_launched_node_indices(run_id)
    cut_short = frozenset(
        cut_short_nodes(store, run_id, nodes, launched, resolve_passthrough or _no_routing)
    )
    boundary = compute_retry_boundary(
        store.get_completed_node_indices(run_id),
        launched,
        len(nodes),
        lambda index: index in cut_short or summary.get(index) == NodeSummaryStatus.PARTIAL,
        dependencies=dependency_indices(nodes),
    )
    return RetryBoundary(boundary.failed, boundary.downstream, boundary.failed & cut_short)


def _no_routing(_plugin: str) -> bool:
    return False


def retry_run(
    store: DagRetryStore, run_id: str, nodes: Sequence[DagNode], boundary: RetryBoundary
) -> RetryResult:
    """Re-dispatch the failed nodes' unfinished tasks and wipe what lies downstream.

    Each unfinished task of a failed node is deleted and dispatched again the
    way it was first dispatched: by origin group (``dispatch_grouped_task``) or
    by input artifact (``dispatch_task``). Downstream nodes lose their tasks,
    artifacts and launch claims. Call it under the run lock, after
    ``store.reopen_run``, and call ``reconcile_run`` after it.

    Args:
        store: The run's store.
        run_id: A run that was reopened (its status is running).
        nodes: The pipeline the run executes, in node order.
        boundary: From :func:`plan_retry` or :func:`compute_retry_boundary`.

    Returns:
        The old-to-new task ids, and the nodes wiped.

    Raises:
        TypeError: ``boundary`` is not a :class:`RetryBoundary`.
        RetryError: The run is unknown or not running, or the boundary names
            a node the pipeline does not have.
    """
    if not isinstance(boundary, RetryBoundary):
        raise TypeError(f"boundary must be a RetryBoundary, got {type(boundary).__name__}")
    _require_running(store, run_id)
    failed = _checked_indices(boundary.failed, len(nodes), "boundary.failed")
    downstream = _checked_indices(boundary.downstream, len(nodes), "boundary.downstream")
    cut_short = _checked_indices(boundary.cut_short, len(nodes), "boundary.cut_short")
    by_node: dict[int, list[RetryableTask]] = defaultdict(list)
    for task in store.get_retryable_tasks(run_id, sorted(failed)):
        by_node[task.node_index].append(task)
    relaunched = (failed & cut_short) | frozenset(
        index
        for index, tasks in by_node.items()
        if not all(_redispatchable(task) for task in tasks)
    )
    # A node named in both sets is wiped: its inputs may change.
    wiped = downstream | relaunched
    if wiped:
        store.delete_tasks_at_nodes(run_id, sorted(wiped))
        store.delete_node_launches(run_id, sorted(wiped))
    again = sorted(failed - wiped)
    if again:
        store.delete_non_completed_tasks_at_nodes(run_id, again)
    replacements = {
        task.task_id: _dispatch_again(store, run_id, task)
        for index in again
        for task in by_node.get(index, ())
    }
    return RetryResult(replacement_map=replacements, relaunched=relaunched, wiped=wiped)


def _require_running(store: DagRetryStore, run_id: str) -> None:
    status = store.get_run_status(run_id)
    if status is None:
        raise RetryError(f"unknown run '{run_id}'")
    if RunStatus(status) is not RunStatus.RUNNING:
        raise RetryError(
            f"run '{run_id}' is {RunStatus(status).value}; reopen it with "
            f"store.reopen_run(run_id) before retrying"
        )


def _redispatchable(task: RetryableTask) -> bool:
    # A task without input artifact and origin is its node's only task (a
    # root's, an AGGREGATE node's, a GROUPED node's all-broadcast one) or the
    # marker of a launch that failed as a whole, and the store cannot tell
    # which: dispatching a marker again would run the plugin where a fresh
    # launch may filter or skip the node. Relaunching repeats either faithfully.
    return task.origin_artifact_id is not None or task.input_artifact_id is not None


def _dispatch_again(store: DagRetryStore, run_id: str, task: RetryableTask) -> str:
    if task.origin_artifact_id is not None:
        return store.dispatch_grouped_task(
            run_id, task.node_index, task.plugin_name, task.origin_artifact_id
        )
    return store.dispatch_task(run_id, task.node_index, task.plugin_name, task.input_artifact_id)


def _checked_indices(indices: Iterable[int], node_count: int, name: str) -> frozenset[int]:
    if isinstance(indices, str | bytes) or not isinstance(indices, Iterable):
        raise TypeError(
            f"{name} must be a collection of node indices, got {type(indices).__name__}"
        )
    found = frozenset(indices)
    bad = sorted(
        repr(index)
        for index in found
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < node_count
    )
    if bad:
        raise RetryError(
            f"{name} holds {', '.join(bad)}, not node indices of a {node_count}-node pipeline"
        )
    return found


def _dependents(dependencies: Sequence[Iterable[int]], node_count: int) -> list[list[int]]:
    if len(dependencies) != node_count:
        raise RetryError(
            f"dependencies has {len(dependencies)} entries for a {node_count}-node pipeline"
        )
    children: list[list[int]] = [[] for _ in range(node_count)]
    for index, parents in enumerate(dependencies):
        for parent in _checked_indices(parents, node_count, f"dependencies[{index}]"):
            children[parent].append(index)
    return children


def _descendants(starts: Iterable[int], children: Sequence[Sequence[int]]) -> frozenset[int]:
    # Iterative: a 10,000-node chain must not hit the recursion limit.
    seen: set[int] = set()
    queue = deque(starts)
    while queue:
        for child in children[queue.popleft()]:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return frozenset(seen)
