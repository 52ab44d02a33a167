"""One entry-point call for one run: readiness, launches, cascades and the run's end.

Invariants the session relies on (the caller holds the run's lock):

* A node is *done* when it has at least one task and all its tasks are
  terminal; a node that was claimed but has no task yet is not done.
* A node is launched only after every dependency is done, and only by the
  caller that won ``try_claim_node_launch``.
* The last node of a run to become done is a sink (a node's dependents can
  only launch after it), so completion is checked only when a sink is done.
* Readiness cursors (:class:`~dagabaaz._engine.cache.RunEntry`) only say
  where to start looking; a "ready" or "complete" verdict re-reads the store.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

from dagabaaz._engine import cache
from dagabaaz._engine.cache import RunEntry
from dagabaaz._engine.callbacks import OrchestratorCallbacks, callback_for
from dagabaaz._engine.launch import PassthroughView, plan_launch
from dagabaaz._engine.reasons import ReasonLog
from dagabaaz._engine.replan import planned_task_count
from dagabaaz._pipeline.compiled import compile_graph
from dagabaaz._routing.reports import EdgeNotes
from dagabaaz._routing.tasks import LaunchPlan, PlanKind
from dagabaaz.constants import TERMINAL_RUN_STATUSES, NodeSummaryStatus, RunStatus
from dagabaaz.errors import StoreError
from dagabaaz.models import DagArtifact
from dagabaaz.store import DagStore

logger = logging.getLogger("dagabaaz.orchestrator")

_FETCH_MEMO_SIZE = 8


class Outcome(enum.Enum):
    """What launching a node led to."""

    DISPATCHED = "dispatched"
    """Real tasks are queued; the node is done when they finish."""
    SETTLED = "settled"
    """Only a skipped or filtered marker: the node is done already."""
    RUN_ENDED = "run_ended"
    """The run reached a terminal state."""


def entry_for(store: DagStore, run_id: str) -> RunEntry:
    """Return the run's cached entry, compiling the store's nodes on a miss."""
    entry = cache.lookup(store, run_id)
    if entry is None:
        entry = cache.install(store, run_id, compile_graph(store.get_run_nodes(run_id)))
    return entry


def end_run(
    store: DagStore,
    run_id: str,
    status: RunStatus,
    error: str | None,
    callbacks: OrchestratorCallbacks | None,
    done_count: int | None = None,
) -> bool:
    """Write progress, cancel what remains, claim the terminal ``status``; if won, tell.

    Progress counts the nodes that finished without a failure (completed,
    filtered or skipped); ``done_count`` overrides it when the caller knows.
    The remaining tasks (pending, queued, running) are cancelled unless the
    run completed.

    The order makes a store failure at any step recoverable: until the claim
    succeeds the run is live, and whatever was cancelled leaves its node
    done with cancelled tasks, which makes the next call (``reconcile_run``,
    a repeated report) fail the run and fire the callback. Once the claim is
    won, nothing is left to do but drop the cached graph and fire exactly one
    callback.
    """
    if done_count is None:
        summary = store.get_node_summary(run_id).values()
        done_count = sum(1 for s in summary if s != NodeSummaryStatus.PARTIAL)
    store.set_run_progress(run_id, done_count)
    if status is not RunStatus.COMPLETED:
        store.cancel_remaining_tasks(run_id, error or f"run {status}")
    if not store.try_claim_run_terminal(run_id, status, error):
        return False
    cache.forget(store, run_id)
    callback = callback_for(callbacks, status)
    if callback is not None:
        callback(run_id)
    return True


class RunSession:
    """The engine's work for one entry-point call on one run."""

    __slots__ = (
        "_callbacks",
        "_entry",
        "_fetched",
        "_graph",
        "_limit",
        "_passthrough",
        "_reasons",
        "_resolve",
        "_run_id",
        "_store",
        "_verified",
        "advanced",
        "launched",
    )

    def __init__(
        self,
        store: DagStore,
        run_id: str,
        entry: RunEntry,
        callbacks: OrchestratorCallbacks | None,
        resolve_passthrough: Callable[[str], bool],
        fan_out_limit: int,
    ) -> None:
        self._store = store
        self._run_id = run_id
        self._entry = entry
        self._graph = entry.graph
        self._callbacks = callbacks
        self._resolve = resolve_passthrough
        self._passthrough: PassthroughView | None = None
        self._limit = fan_out_limit
        self._reasons = ReasonLog(store, run_id, entry, fan_out_limit)
        self._fetched: dict[int, Sequence[DagArtifact]] = {}
        # Nodes seen done during this call; done-ness cannot regress while the
        # caller holds the run lock, so they are not asked about again.
        self._verified: set[int] = set()
        # Nodes this session launched, in launch order (reconcile_run returns it).
        self.launched: list[int] = []
        # Marker nodes (skipped, filtered) this session settled and advanced from.
        self.advanced: set[int] = set()

    # --- entry points --------------------------------------------------------

    def launch_roots(self) -> None:
        """Claim and launch every root (already-claimed roots are left alone)."""
        for index in self._graph.roots:
            claimed = self._store.try_claim_node_launch(self._run_id, index)
            if claimed and self._launch(index) is Outcome.RUN_ENDED:
                return

    def task_completed(self, index: int, total: int, unheard: AbstractSet[int]) -> None:
        """React to a completed task of node ``index``, over the whole graph.

        ``total`` is the node's task count when the node is done (its barrier
        was just read), else 0; ``unheard`` holds the done nodes no event told
        this process about (see :func:`unheard_of`). Their dependents are
        looked at too: a node finished by a completion the engine never heard
        of (its worker died in between) gets its dependents launched now, not
        at the next ``reconcile_run``.
        """
        if not (total and self.node_done(index, total)) and unheard:
            self._catch_up(unheard)
        # Not reached when the store fails midway: the next event looks again.
        known = self._entry.known_done
        if total:
            known.add(index)
        if unheard:
            known.update(unheard)
        if self.advanced:
            known.update(self.advanced)

    def _catch_up(self, unheard: AbstractSet[int]) -> None:
        """Look at the dependents of done nodes no event was reported for."""
        if self._fail_if_partial():
            return
        launched = self._store.get_launched_node_indices(self._run_id)
        dependents = self._graph.dependents
        for index in sorted(unheard):
            children = dependents[index]
            if children and all(child in launched for child in children):
                continue
            self._verified.add(index)
            if self._advance(index):
                return

    def node_done(self, index: int, total: int) -> bool:
        """React to node ``index`` being done with ``total`` tasks (its barrier was just read).

        A node of one task is done by the completion that reported it. A node
        of several may hold a failed task whose failure was recorded but not
        handled (the store failed in between): then the run fails, and nothing
        launches on part of the node's inputs.

        Returns:
            True when the call is over (the run ended or is terminal).
        """
        self._verified.add(index)
        if total > 1 and self._fail_if_partial():
            return True
        return self._advance(index)

    def reconcile(self) -> None:
        """Launch every node the store's state says is ready, then end the run if due.

        A launched node is checked against its launch plan: with no task at
        all it is launched again; with a task count other than the plan's,
        its dispatch was cut short (the store failed midway and so did the
        failure handling) and the run fails rather than lose inputs.
        """
        store, run_id = self._store, self._run_id
        if self._fail_if_partial():
            return
        launched = store.get_launched_node_indices(run_id)
        for index in self._graph.order:
            if index in launched:
                active, total, _ = self._barrier(index)
                if not active:
                    return
                ready = self._ready(index)
                if ready is None:
                    return
                if not ready:
                    continue
                # Claimed but never dispatched: the launcher died in between.
                # Under the run lock nobody else is launching, so redo it.
                if total == 0:
                    if self._relaunch(index) is Outcome.RUN_ENDED:
                        return
                elif self._fail_if_cut_short(index, total):
                    return
                continue
            ready = self._ready(index)
            if ready is None:
                return
            claimed = ready and store.try_claim_node_launch(run_id, index)
            if claimed and self._relaunch(index) is Outcome.RUN_ENDED:
                return
        self._complete_if_done()

    # --- readiness -------------------------------------------------------------

    def _barrier(self, index: int) -> tuple[bool, int, int]:
        status, total, terminal = self._store.get_barrier_state(self._run_id, index)
        return status not in TERMINAL_RUN_STATUSES, total, terminal

    def _done(self, index: int) -> bool | None:
        """Whether node ``index`` is done; None when the run is terminal."""
        if index in self._verified:
            return True
        active, total, terminal = self._barrier(index)
        if not active:
            return None
        if 0 < total <= terminal:
            self._verified.add(index)
            return True
        return False

    def _scan(self, indices: Sequence[int], start: int) -> tuple[bool | None, int]:
        """Check ``indices[start:]`` then ``indices[:start]``; stop at the first not done."""
        if len(indices) == 1:
            return self._done(indices[0]), 0
        for position in range(start, len(indices)):
            done = self._done(indices[position])
            if not done:
                return done, position
        for position in range(start):
            done = self._done(indices[position])
            if not done:
                return done, position
        return True, 0

    def _ready(self, index: int) -> bool | None:
        """Whether every dependency of ``index`` is done; None when the run is terminal."""
        deps = self._graph.dependencies[index]
        if len(deps) == 1:
            return self._done(deps[0])
        if not deps:
            return self._done_or_active()
        cursors = self._entry.dep_cursor
        verdict, position = self._scan(deps, cursors.get(index, 0))
        if verdict is False:
            cursors[index] = position
        else:
            cursors.pop(index, None)
        return verdict

    def _done_or_active(self) -> bool | None:
        status = self._store.get_run_status(self._run_id)
        return None if status is None or status in TERMINAL_RUN_STATUSES else True

    # --- launching -------------------------------------------------------------

    def _advance(self, index: int) -> bool:
        """Node ``index`` is done: launch what became ready, cascading through markers.

        Returns:
            True when the run ended or is terminal.
        """
        store, run_id, graph = self._store, self._run_id, self._graph
        settled = [index]
        while settled:
            current = settled.pop()
            children = graph.dependents[current]
            if not children:
                if self._complete_if_done():
                    return True
                if current != index:
                    self.advanced.add(current)
                continue
            for child in children:
                ready = self._ready(child)
                if ready is None:
                    return True
                if not ready or not store.try_claim_node_launch(run_id, child):
                    continue
                outcome = self._launch(child)
                if outcome is Outcome.RUN_ENDED:
                    return True
                if outcome is Outcome.SETTLED:
                    settled.append(child)
            if current != index:
                self.advanced.add(current)
        return False

    def _relaunch(self, index: int) -> Outcome:
        """Launch ``index`` (claimed) and, if it settled at once, cascade from it."""
        outcome = self._launch(index)
        if outcome is Outcome.SETTLED:
            self._advance(index)
        return outcome

    def _launch(self, index: int) -> Outcome:
        """Plan and dispatch node ``index``, whose launch this call claimed.

        Any exception after the claim fails the node with a marker task and
        fails the run. Should recording that failure raise too (the store is
        down), the exception propagates and :meth:`reconcile` later finds the
        node without tasks (and launches it) or with fewer than planned (and
        fails the run).
        """
        self.launched.append(index)
        notes = self._reasons.notes()
        try:
            plan = self._plan(index, notes)
            outcome, marker = self._dispatch(index, plan)
        except Exception as exc:
            logger.exception(
                "launching node '%s' of run '%s' failed", self._graph.slugs[index], self._run_id
            )
            error = (
                f"node '{self._graph.slugs[index]}' could not be launched: "
                f"{type(exc).__name__}: {exc}"
            )
            marker = self._store.dispatch_failed_task(
                self._run_id, index, self._graph.plugins[index], error
            )
            self._reasons.launch_failed(index, marker, error)
            self._end(RunStatus.FAILED, error)
            return Outcome.RUN_ENDED
        self._reasons.launch(index, plan, notes, marker)
        if plan.kind is PlanKind.FAIL:
            self._end(RunStatus.FAILED, plan.error)
        return outcome

    def _plan(self, index: int, notes: EdgeNotes | None) -> LaunchPlan:
        if self._passthrough is None:
            self._passthrough = PassthroughView(self._graph.plugins, self._resolve)
        return plan_launch(
            self._store,
            self._fetch,
            self._run_id,
            self._graph,
            index,
            self._passthrough,
            self._limit,
            notes,
        )

    def _fail_if_cut_short(self, index: int, total: int) -> bool:
        """Fail the run when launched node ``index`` has another task count than its plan.

        See :mod:`.replan`; a node over the fan-out limit holds a failed
        marker, which fails the run before this check.
        """
        if self._passthrough is None:
            self._passthrough = PassthroughView(self._graph.plugins, self._resolve)
        planned = planned_task_count(
            self._store, self._fetch, self._run_id, self._graph, index, self._passthrough
        )
        if planned == total:
            return False
        slug = self._graph.slugs[index]
        self._end(
            RunStatus.FAILED,
            f"node '{slug}' has {_tasks(total)} but its launch dispatches {_tasks(planned)}: "
            "its dispatch was cut short, so some of its inputs would never be processed",
        )
        return True

    def _fetch(self, run_id: str, indices: Sequence[int]) -> Sequence[DagArtifact]:
        # Only done nodes are read, and a done node's artifacts cannot change
        # during this call: the launches of one session share what they read.
        if len(indices) != 1:
            return self._store.get_artifacts_by_node_indices(run_id, indices)
        index = indices[0]
        found = self._fetched.get(index)
        if found is None:
            found = self._store.get_artifacts_by_node_indices(run_id, [index])
            # Siblings read the same parents one after another: a few recent
            # entries catch that without holding a wide fan-in in memory.
            if len(self._fetched) >= _FETCH_MEMO_SIZE:
                del self._fetched[next(iter(self._fetched))]
            self._fetched[index] = found
        return found

    def _dispatch(self, index: int, plan: LaunchPlan) -> tuple[Outcome, str]:
        """Dispatch ``plan``; return what it led to and the id of its marker task ("" if none)."""
        store, run_id, plugin = self._store, self._run_id, self._graph.plugins[index]
        kind = plan.kind
        if kind is PlanKind.TASKS:
            for artifact_id in plan.inputs:
                store.dispatch_task(run_id, index, plugin, artifact_id)
            return Outcome.DISPATCHED, ""
        if kind is PlanKind.GROUPS:
            for origin in plan.origins:
                store.dispatch_grouped_task(run_id, index, plugin, origin)
            return Outcome.DISPATCHED, ""
        if kind is PlanKind.SKIP:
            return Outcome.SETTLED, store.dispatch_skipped_task(run_id, index, plugin)
        if kind is PlanKind.FILTER:
            return Outcome.SETTLED, store.dispatch_filtered_task(run_id, index, plugin)
        slug = self._graph.slugs[index]
        marker = store.dispatch_failed_task(run_id, index, plugin, f"node '{slug}': {plan.error}")
        return Outcome.RUN_ENDED, marker

    # --- the run's end ---------------------------------------------------------

    def _complete_if_done(self) -> bool:
        """Complete the run when every sink is done; True when the run is over."""
        entry = self._entry
        verdict, position = self._scan(self._graph.sinks, entry.sink_cursor)
        if verdict is None:
            return True
        if not verdict:
            entry.sink_cursor = position
            return False
        # A node whose last task failed, with that failure's handling cut short,
        # is done too: no completion may hide it (one summary read per run).
        if self._fail_if_partial():
            return True
        self._end(RunStatus.COMPLETED, None, done_count=len(self._graph))
        return True

    def _fail_if_partial(self, done: AbstractSet[int] | None = None) -> bool:
        """Fail the run when a done node holds failed, crashed or cancelled tasks.

        ``done`` is the store's done nodes when the caller has read them. A
        store written for the README's version also reports nodes whose tasks
        are still running as partial; only done ones count.
        """
        summary = self._store.get_node_summary(self._run_id)
        broken = [i for i, s in summary.items() if s == NodeSummaryStatus.PARTIAL]
        if broken:
            if done is None:
                done = self._store.get_completed_node_indices(self._run_id)
            broken = [i for i in broken if i in done]
        if not broken:
            return False
        slugs = ", ".join(f"'{self._graph.slugs[i]}'" for i in sorted(broken))
        self._end(RunStatus.FAILED, f"nodes finished with failed tasks: {slugs}")
        return True

    def _end(self, status: RunStatus, error: str | None, done_count: int | None = None) -> None:
        end_run(self._store, self._run_id, status, error, self._callbacks, done_count)


def unheard_of(
    store: DagStore, run_id: str, entry: RunEntry, index: int, total: int
) -> AbstractSet[int]:
    """Return the done nodes no event told this process about, besides ``index``.

    ``entry.known_done`` holds the done nodes seen so far, a subset of what
    the store reports done (done-ness only grows between reconciles), so a
    count answers the usual case: nothing is unheard of when the store's done
    nodes are the known ones plus, when ``total`` says it is done, ``index``.
    A store may offer ``get_completed_node_count(run_id)`` (InMemoryStore
    does) to give that count without building the set.
    """
    known = entry.known_done
    expected = len(known) + (1 if total and index not in known else 0)
    count = getattr(store, "get_completed_node_count", None)
    if callable(count) and count(run_id) == expected:
        return frozenset()
    done = store.get_completed_node_indices(run_id)
    if len(done) == expected:
        return frozenset()
    return frozenset(done) - known - {index}


def check_node_index(graph_size: int, run_id: str, task_id: str, index: int) -> None:
    """Raise a clear error when a store reports a task at a node the run does not have."""
    if not 0 <= index < graph_size:
        raise StoreError(
            f"task '{task_id}' belongs to node {index}, but run '{run_id}' has {graph_size} nodes"
        )


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"
