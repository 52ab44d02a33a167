"""What tasks a ready node gets: the engine's side of :mod:`dagabaaz._routing.tasks`.

:func:`plan_launch` only reads the store; the rules themselves (skip,
filter, fan modes, the fan-out limit) are routing's, shared with the
workers. Here the engine supplies what they read: the artifacts of done
nodes, which dependencies were skipped, and which nodes are routing nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dagabaaz._pipeline.compiled import CompiledGraph
from dagabaaz._routing.edges import Fetch, walk_past
from dagabaaz._routing.reports import EdgeNotes
from dagabaaz._routing.tasks import ROOT_PLAN, LaunchPlan, plan_tasks, single_tasks
from dagabaaz.constants import FanMode, NodeSummaryStatus
from dagabaaz.models import DagArtifact
from dagabaaz.store import DagStore


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
    fetch: Fetch[DagArtifact],
    run_id: str,
    graph: CompiledGraph,
    index: int,
    passthrough: PassthroughView,
    fan_out_limit: int,
    notes: EdgeNotes | None = None,
) -> LaunchPlan:
    """Decide the tasks of node ``index``, whose dependencies are all done.

    ``fetch`` reads artifacts (the session memoizes the store's method);
    ``store`` is read for the node summary. ``notes``, when given, is told
    what each edge collected and delivered, except in the common case (one
    unfiltered edge into a SINGLE node, with artifacts), which needs no report.
    """
    deps = graph.dependencies[index]
    if not deps:
        return ROOT_PLAN
    unfiltered = graph.edge_filters[index][0] is None
    if len(deps) == 1 and graph.fan_modes[index] is FanMode.SINGLE and unfiltered:
        # The common case, kept short: one unfiltered edge with artifacts. Its
        # reason needs no edge report (everything produced became a task).
        direct = fetch(run_id, deps)
        if direct:
            if len(direct) == 1:
                return LaunchPlan(_TASKS, (direct[0].id,))
            return single_tasks(dict.fromkeys(a.id for a in direct), fan_out_limit)
    collector = _Collector(store, fetch, run_id, graph, passthrough, notes)
    return plan_tasks(graph, index, collector.collect, _artifact_id, fan_out_limit, notes)


_TASKS = ROOT_PLAN.kind


def _artifact_id(artifact: DagArtifact) -> str:
    return artifact.id


class _Collector:
    """Collects one edge's artifacts; answers None when the dependency was skipped."""

    __slots__ = ("_fetch", "_graph", "_notes", "_passthrough", "_run_id", "_store", "_summary")

    def __init__(
        self,
        store: DagStore,
        fetch: Fetch[DagArtifact],
        run_id: str,
        graph: CompiledGraph,
        passthrough: PassthroughView,
        notes: EdgeNotes | None,
    ) -> None:
        self._store = store
        self._fetch = fetch
        self._run_id = run_id
        self._graph = graph
        self._passthrough = passthrough
        self._notes = notes
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
        if self._notes is None or dep not in self._passthrough:
            return walk_past(self._fetch, self._run_id, dep, self._graph, self._passthrough)
        walked = self._notes.walked[dep] = [dep]
        passthrough, fetch = self._passthrough, self._fetch

        def noting(run_id: str, indices: Sequence[int]) -> Sequence[DagArtifact]:
            artifacts = fetch(run_id, indices)
            if not artifacts and indices[0] in passthrough:
                walked.append(indices[0])
            return artifacts

        return walk_past(noting, self._run_id, dep, self._graph, passthrough)
