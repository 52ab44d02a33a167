"""The store contract as a reusable test suite.

Subclass :class:`StoreConformance` (with a name pytest collects, such as
``TestMyStore``) and implement its four adapter methods. Each ``test_*``
method builds its own store, so tests are independent and can run in any
order. Checks that need :class:`~dagabaaz.store.TaskInputStore`,
:class:`~dagabaaz.store.DagRetryStore` or the optional
:class:`~dagabaaz.store.ReasonStore` are skipped for stores that do not
implement them.
"""

from __future__ import annotations

import threading
import unittest
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from dagabaaz.constants import (
    REASON_TASK_REASONS_PER_NODE,
    TERMINAL_RUN_STATUSES,
    FanMode,
    FilterOperator,
    NodeSummaryStatus,
    RunStatus,
)
from dagabaaz.models import (
    BindingsReason,
    ChainLink,
    DagNode,
    EdgeFilter,
    EdgeReport,
    FailedReason,
    FilteredReason,
    FilterRule,
    GatedBinding,
    LaunchedReason,
    NodeReason,
    Output,
    RuleReport,
    SkippedReason,
)
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run
from dagabaaz.store import DagRetryStore, DagStore, ReasonStore, TaskInputStore, reason_store
from dagabaaz.testing.stress import check_concurrent_runs

__all__ = ["StoreConformance"]

T = TypeVar("T")

_THREADS = 8
"""Threads racing for one claim."""


def _pipeline() -> list[DagNode]:
    """Return a root, a SINGLE branch, an AGGREGATE branch and a GROUPED merge of both."""
    return [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="each", plugin="work", depends_on=["source"]),
        DagNode(slug="all", plugin="index", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="merge", plugin="merge", depends_on=["each", "all"], fan_mode=FanMode.GROUPED),
    ]


def _reasons() -> list[NodeReason]:
    """Return one reason of each recorded kind, for the nodes of :func:`_pipeline`."""
    rules = (
        RuleReport(
            field="file_type",
            operator=FilterOperator.EQ,
            value="video",
            rejected=2,
            sample=('"subtitle"', '"archive"'),
        ),
        RuleReport(
            field="lang",
            operator=FilterOperator.IN,
            value=["en", "fr"],
            rejected=1,
            sample=("missing",),
        ),
    )
    edge = EdgeReport(
        dependency="source",
        arrived=4,
        rules=rules,
        matched=1,
        delivered=1,
        kept_sample=("a.mp4",),
    )
    return [
        LaunchedReason(
            node="source",
            node_index=0,
            tasks=1,
            fan_mode=FanMode.SINGLE,
            root=True,
            fan_out_limit=200,
        ),
        LaunchedReason(
            node="each",
            node_index=1,
            tasks=1,
            fan_mode=FanMode.SINGLE,
            delivered=1,
            fan_out_limit=200,
            edges=(edge,),
        ),
        SkippedReason(
            node="all",
            node_index=2,
            dependency="source",
            cause="edge_rejected_all",
            chain=(ChainLink(node="all", cause="edge_rejected_all", dependency="source"),),
            edges=(edge.model_copy(update={"matched": 0, "delivered": 0, "kept_sample": ()}),),
        ),
        FilteredReason(
            node="merge",
            node_index=3,
            fan_mode=FanMode.GROUPED,
            edges=(
                EdgeReport(dependency="each"),
                EdgeReport(dependency="all", dependency_skipped=True),
            ),
        ),
        BindingsReason(
            node="each",
            node_index=1,
            task_id="task-2",
            gated_count=1,
            gated=(GatedBinding(name="title", when="{input.named}", value='""'),),
        ),
        FailedReason(
            node="each",
            node_index=1,
            task_id="task-2",
            input_artifact_id="artifact-1",
            input_file_name="a.mp4",
            error="ValueError: boom",
        ),
    ]


class StoreConformance:
    """Checks a store against the contract the engine relies on.

    Implement the adapter methods below; the protocols have no way to
    create a run or record a task's outputs, because those belong to the
    application.
    """

    # --- adapter: implement these ------------------------------------------

    def make_store(self) -> DagStore:
        """Return a new, empty store."""
        raise NotImplementedError("StoreConformance.make_store must be implemented")

    def create_run(
        self,
        store: DagStore,
        run_id: str,
        nodes: Sequence[DagNode],
        run_input: Mapping[str, Any],
    ) -> None:
        """Create a running run of ``nodes`` with no tasks."""
        raise NotImplementedError("StoreConformance.create_run must be implemented")

    def complete_task(self, store: DagStore, task_id: str, outputs: Sequence[Output]) -> None:
        """Record ``outputs`` as the task's artifacts and mark it completed.

        Origins as the contract says: a root task's outputs are their own
        origin; a SINGLE task's inherit its input artifact's origin; a
        GROUPED task's carry its group's origin; an AGGREGATE task's have none.
        """
        raise NotImplementedError("StoreConformance.complete_task must be implemented")

    def queued_task_ids(self, store: DagStore, run_id: str) -> list[str]:
        """Return the ids of the run's tasks waiting in the queue, oldest first."""
        raise NotImplementedError("StoreConformance.queued_task_ids must be implemented")

    # --- helpers -------------------------------------------------------------

    def new_run(
        self,
        nodes: Sequence[DagNode] | None = None,
        run_input: Mapping[str, Any] | None = None,
        run_id: str = "run-1",
    ) -> DagStore:
        """Return a fresh store holding one new run."""
        store = self.make_store()
        self.create_run(store, run_id, list(nodes or _pipeline()), dict(run_input or {}))
        return store

    def outputs(self, *names: str) -> list[Output]:
        """Return outputs with the given file names, sized by position."""
        return [Output(file_name=name, file_size=i + 1) for i, name in enumerate(names)]

    @staticmethod
    def race(attempt: Callable[[int], T], threads: int = _THREADS) -> list[T]:
        """Run ``attempt(i)`` in ``threads`` threads released together; return the results."""
        start = threading.Barrier(threads)
        results: list[T] = []
        lock = threading.Lock()

        def worker(i: int) -> None:
            start.wait()
            outcome = attempt(i)
            with lock:
                results.append(outcome)

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return results

    # --- protocols ------------------------------------------------------------

    def test_store_implements_the_dag_store_protocol(self) -> None:
        """Every DagStore method is present."""
        assert isinstance(self.make_store(), DagStore)

    def test_unknown_run_and_task(self) -> None:
        """An unknown run has no status and an unknown task no context."""
        store = self.make_store()
        assert store.get_run_status("no-such-run") is None
        assert store.get_task_context("no-such-task") is None

    def test_a_new_run_is_live_and_empty(self) -> None:
        """A created run is pending or running, and has no tasks, claims or nodes done."""
        store = self.new_run()
        assert store.get_run_status("run-1") in {RunStatus.PENDING, RunStatus.RUNNING}
        assert [n.slug for n in store.get_run_nodes("run-1")] == [n.slug for n in _pipeline()]
        assert store.get_launched_node_indices("run-1") == set()
        assert store.get_completed_node_indices("run-1") == set()
        assert store.get_node_summary("run-1") == {}
        assert tuple(store.get_barrier_state("run-1", 0))[1:] == (0, 0)

    # --- atomic claims ---------------------------------------------------------

    def test_node_launch_claim_is_won_once_under_threads(self) -> None:
        """However many threads race for a node's launch, exactly one wins."""
        store = self.new_run()
        for index in range(len(_pipeline())):

            def claim(_thread: int, index: int = index) -> bool:
                return store.try_claim_node_launch("run-1", index)

            wins = self.race(claim)
            assert wins.count(True) == 1, f"node {index}: {wins.count(True)} winners"
        assert store.get_launched_node_indices("run-1") == set(range(len(_pipeline())))

    def test_run_terminal_claim_is_won_once_under_threads(self) -> None:
        """Racing terminal claims with different statuses: one wins, its status stays."""
        store = self.new_run()
        statuses = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED]
        claimed: dict[int, bool] = {}

        def attempt(i: int) -> bool:
            won = store.try_claim_run_terminal("run-1", statuses[i % 4], f"by {i}")
            claimed[i] = won
            return won

        wins = self.race(attempt)
        assert wins.count(True) == 1
        winner = next(i for i, won in claimed.items() if won)
        assert store.get_run_status("run-1") == statuses[winner % 4]

    def test_terminal_claims_are_idempotent(self) -> None:
        """A second terminal claim, with any status, changes nothing."""
        store = self.new_run()
        assert store.try_claim_run_terminal("run-1", RunStatus.FAILED, "boom") is True
        for status in TERMINAL_RUN_STATUSES:
            assert store.try_claim_run_terminal("run-1", status, "again") is False
        assert store.get_run_status("run-1") == RunStatus.FAILED

    # --- tasks and barrier counts -----------------------------------------------

    def test_barrier_counts_follow_task_states(self) -> None:
        """The total and terminal counts cover every task of the node, markers included."""
        store = self.new_run()
        ids = [store.dispatch_task("run-1", 1, "work", None) for _ in range(3)]
        assert tuple(store.get_barrier_state("run-1", 1)) == (RunStatus.RUNNING, 3, 0)
        self.complete_task(store, ids[0], self.outputs("a.txt"))
        assert tuple(store.get_barrier_state("run-1", 1))[1:] == (3, 1)
        assert store.mark_task_failed(ids[1], "boom") == "run-1"
        assert tuple(store.get_barrier_state("run-1", 1))[1:] == (3, 2)
        assert store.mark_task_crashed(ids[2], "died") == "run-1"
        assert tuple(store.get_barrier_state("run-1", 1))[1:] == (3, 3)
        store.dispatch_skipped_task("run-1", 2, "index")
        store.dispatch_filtered_task("run-1", 3, "merge")
        assert tuple(store.get_barrier_state("run-1", 2))[1:] == (1, 1)
        assert tuple(store.get_barrier_state("run-1", 3))[1:] == (1, 1)

    def test_a_node_is_completed_only_when_it_has_tasks_all_terminal(self) -> None:
        """get_completed_node_indices never lists a node without tasks or with live ones."""
        store = self.new_run()
        assert store.try_claim_node_launch("run-1", 0)
        assert store.get_completed_node_indices("run-1") == set()
        first = store.dispatch_task("run-1", 0, "fetch", None)
        second = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, first, [])
        assert store.get_completed_node_indices("run-1") == set()
        self.complete_task(store, second, [])
        assert store.get_completed_node_indices("run-1") == {0}

    def test_terminal_tasks_never_change(self) -> None:
        """Failing or crashing a terminal task reports that nothing changed."""
        store = self.new_run()
        done = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, done, [])
        failed = store.dispatch_failed_task("run-1", 1, "work", "too many")
        skipped = store.dispatch_skipped_task("run-1", 2, "index")
        for task_id in (done, failed, skipped):
            assert store.mark_task_failed(task_id, "late") is None
            assert store.mark_task_crashed(task_id, "late") is None
        assert store.mark_task_failed("no-such-task", "x") is None
        assert tuple(store.get_barrier_state("run-1", 0))[1:] == (1, 1)

    def test_task_context_names_the_run_and_node(self) -> None:
        """get_task_context returns the task's run and node index."""
        store = self.new_run()
        task_id = store.dispatch_grouped_task("run-1", 3, "merge", "origin-1")
        context = store.get_task_context(task_id)
        assert context is not None
        assert (context.run_id, context.node_index) == ("run-1", 3)

    def test_cancel_remaining_tasks_counts_only_live_tasks(self) -> None:
        """Queued tasks are cancelled and counted; terminal ones are left alone."""
        store = self.new_run()
        live = [store.dispatch_task("run-1", 1, "work", None) for _ in range(2)]
        finished = store.dispatch_task("run-1", 1, "work", None)
        self.complete_task(store, finished, [])
        store.dispatch_skipped_task("run-1", 2, "index")
        assert store.cancel_remaining_tasks("run-1", "stop") == 2
        assert store.cancel_remaining_tasks("run-1", "stop") == 0
        assert all(store.mark_task_failed(t, "late") is None for t in live)
        assert store.get_node_summary("run-1")[1] == NodeSummaryStatus.PARTIAL

    # --- summaries ------------------------------------------------------------------

    def test_node_summary(self) -> None:
        """completed: completed or filtered; skipped: all skipped; partial: anything else."""
        store = self.new_run()
        ok = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, ok, [])
        store.dispatch_filtered_task("run-1", 1, "work")
        store.dispatch_skipped_task("run-1", 2, "index")
        good = store.dispatch_grouped_task("run-1", 3, "merge", "o")
        bad = store.dispatch_grouped_task("run-1", 3, "merge", "p")
        self.complete_task(store, good, [])
        store.mark_task_failed(bad, "boom")
        assert store.get_node_summary("run-1") == {
            0: NodeSummaryStatus.COMPLETED,
            1: NodeSummaryStatus.COMPLETED,
            2: NodeSummaryStatus.SKIPPED,
            3: NodeSummaryStatus.PARTIAL,
        }

    def test_progress_can_be_written_before_a_terminal_claim(self) -> None:
        """set_run_progress accepts a count and leaves the run live."""
        store = self.new_run()
        store.set_run_progress("run-1", 2)
        assert store.get_run_status("run-1") == RunStatus.RUNNING

    # --- artifacts and origins ----------------------------------------------------------

    def test_artifacts_are_returned_by_node_with_origins(self) -> None:
        """Root outputs are their own origin; SINGLE inherits; AGGREGATE broadcasts."""
        store = self.new_run()
        root = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, root, self.outputs("a.mp4", "b.mp4"))
        sources = store.get_artifacts_by_node_indices("run-1", [0])
        assert [a.file_name for a in sources] == ["a.mp4", "b.mp4"]
        assert [a.origin_artifact_id for a in sources] == [a.id for a in sources]
        single = store.dispatch_task("run-1", 1, "work", sources[1].id)
        self.complete_task(store, single, self.outputs("b.json"))
        aggregate = store.dispatch_task("run-1", 2, "index", None)
        self.complete_task(store, aggregate, self.outputs("index.txt"))
        grouped = store.dispatch_grouped_task("run-1", 3, "merge", sources[0].id)
        self.complete_task(store, grouped, self.outputs("merged.mp4"))
        [work] = store.get_artifacts_by_node_indices("run-1", [1])
        [index] = store.get_artifacts_by_node_indices("run-1", [2])
        [merged] = store.get_artifacts_by_node_indices("run-1", [3])
        assert work.origin_artifact_id == sources[1].id
        assert index.origin_artifact_id is None
        assert merged.origin_artifact_id == sources[0].id
        both = store.get_artifacts_by_node_indices("run-1", [1, 2])
        assert sorted(a.file_name for a in both) == ["b.json", "index.txt"]

    def test_what_a_caller_gets_is_a_copy(self) -> None:
        """Mutating returned nodes, sets and metadata never changes the store."""
        store = self.new_run()
        task_id = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, task_id, [Output(file_name="a.txt", metadata={"tags": ["x"]})])
        nodes = store.get_run_nodes("run-1")
        nodes[1].depends_on.append("ghost")
        launched = store.get_launched_node_indices("run-1")
        launched.add(3)
        [artifact] = store.get_artifacts_by_node_indices("run-1", [0])
        artifact.metadata["tags"].append("y")
        assert store.get_run_nodes("run-1")[1].depends_on == ["source"]
        assert store.get_launched_node_indices("run-1") == set()
        [again] = store.get_artifacts_by_node_indices("run-1", [0])
        assert again.metadata == {"tags": ["x"]}

    def test_task_input_reads(self) -> None:
        """The worker-side reads: by id, by node, by origin, broadcast, input, producer."""
        store = self.new_run(run_input={"title": "Dune"})
        if not isinstance(store, TaskInputStore):
            raise unittest.SkipTest("the store does not implement TaskInputStore")
        root = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, root, self.outputs("a.mp4", "b.mp4"))
        first, second = store.get_task_artifacts_by_node_indices("run-1", [0])
        dag = store.get_artifacts_by_node_indices("run-1", [0])
        single = store.dispatch_task("run-1", 1, "work", dag[0].id)
        self.complete_task(store, single, self.outputs("a.json"))
        aggregate = store.dispatch_task("run-1", 2, "index", None)
        self.complete_task(store, aggregate, self.outputs("index.txt"))

        assert (first.file_name, second.file_name) == ("a.mp4", "b.mp4")
        data = store.get_artifact_data(dag[1].id)
        assert data is not None
        assert data.file_name == "b.mp4"
        assert store.get_artifact_data("no-such-artifact") is None
        grouped = store.get_grouped_artifacts("run-1", [1, 2], dag[0].id)
        assert [a.file_name for a in grouped] == ["a.json"]
        assert store.get_grouped_artifacts("run-1", [1, 2], dag[1].id) == []
        broadcast = store.get_broadcast_artifacts("run-1", [1, 2])
        assert [a.file_name for a in broadcast] == ["index.txt"]
        parts = store.get_artifacts_partitioned("run-1", [0, 2])
        assert {i: [a.file_name for a in found] for i, found in parts.items()} == {
            0: ["a.mp4", "b.mp4"],
            2: ["index.txt"],
        }
        assert store.get_run_input("run-1") == {"title": "Dune"}
        assert store.get_artifact_producing_node(dag[1].id) == 0
        assert store.get_artifact_producing_node("no-such-artifact") is None

    # --- retry deletions ------------------------------------------------------------

    def _retry_store(self) -> DagRetryStore:
        store = self.new_run()
        if not isinstance(store, DagRetryStore):
            raise unittest.SkipTest("the store does not implement DagRetryStore")
        return store

    def test_deleted_launches_can_be_claimed_again(self) -> None:
        """delete_node_launches forgets the claims of exactly the given nodes."""
        store = self._retry_store()
        for index in (0, 1, 2):
            assert store.try_claim_node_launch("run-1", index)
        store.delete_node_launches("run-1", [1, 2])
        assert store.get_launched_node_indices("run-1") == {0}
        assert store.try_claim_node_launch("run-1", 1) is True
        assert store.try_claim_node_launch("run-1", 0) is False

    def test_delete_tasks_at_nodes_removes_tasks_and_artifacts(self) -> None:
        """Every task (any status) and artifact at the nodes goes; others stay."""
        store = self._retry_store()
        root = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, root, self.outputs("a.mp4"))
        done = store.dispatch_task("run-1", 1, "work", None)
        self.complete_task(store, done, self.outputs("a.json"))
        store.dispatch_task("run-1", 1, "work", None)
        store.dispatch_failed_task("run-1", 1, "work", "boom")
        assert store.delete_tasks_at_nodes("run-1", [1]) == 3
        assert tuple(store.get_barrier_state("run-1", 1))[1:] == (0, 0)
        assert store.get_artifacts_by_node_indices("run-1", [1]) == []
        assert store.get_task_context(done) is None
        assert [a.file_name for a in store.get_artifacts_by_node_indices("run-1", [0])] == ["a.mp4"]
        assert store.get_completed_node_indices("run-1") == {0}

    def test_retryable_tasks_are_the_ones_not_completed(self) -> None:
        """get_retryable_tasks and delete_non_completed_tasks_at_nodes agree."""
        store = self._retry_store()
        root = store.dispatch_task("run-1", 0, "fetch", None)
        self.complete_task(store, root, self.outputs("a.mp4", "b.mp4"))
        a, b = store.get_artifacts_by_node_indices("run-1", [0])
        ok = store.dispatch_task("run-1", 1, "work", a.id)
        self.complete_task(store, ok, self.outputs("a.json"))
        broken = store.dispatch_task("run-1", 1, "work", b.id)
        store.mark_task_failed(broken, "boom")
        group = store.dispatch_grouped_task("run-1", 3, "merge", a.id)
        store.mark_task_crashed(group, "died")

        retryable = store.get_retryable_tasks("run-1", [1, 3])
        assert [(t.task_id, t.node_index, t.plugin_name) for t in retryable] == [
            (broken, 1, "work"),
            (group, 3, "merge"),
        ]
        assert (retryable[0].input_artifact_id, retryable[1].origin_artifact_id) == (b.id, a.id)
        assert store.delete_non_completed_tasks_at_nodes("run-1", [1, 3]) == 2
        assert store.get_retryable_tasks("run-1", [1, 3]) == []
        assert tuple(store.get_barrier_state("run-1", 1))[1:] == (1, 1)
        assert [x.file_name for x in store.get_artifacts_by_node_indices("run-1", [1])] == [
            "a.json"
        ]

    # --- reasons (optional) -----------------------------------------------------------

    def _reason_store(self, run_id: str = "run-1") -> ReasonStore:
        store = reason_store(self.new_run(run_id=run_id))
        if store is None:
            raise unittest.SkipTest("the store does not implement ReasonStore")
        return store

    def test_reasons_come_back_equal_in_recording_order(self) -> None:
        """Every kind of reason is returned equal to what was recorded, oldest first."""
        store = self._reason_store()
        recorded = _reasons()
        for reason in recorded:
            store.record_reason("run-1", reason)
        assert store.get_reasons("run-1") == recorded

    def test_reasons_of_one_node(self) -> None:
        """get_reasons with a node index returns that node's reasons only, in order."""
        store = self._reason_store()
        recorded = _reasons()
        for reason in recorded:
            store.record_reason("run-1", reason)
        for index in range(len(_pipeline())):
            mine = [reason for reason in recorded if reason.node_index == index]
            assert store.get_reasons("run-1", index) == mine, f"node {index}"

    def test_reasons_belong_to_their_run(self) -> None:
        """Two runs' reasons never mix; a run without any has an empty list."""
        store = self._reason_store()
        self.create_run(store, "run-2", _pipeline(), {})  # type: ignore[arg-type]
        first, second = _reasons()[:2]
        store.record_reason("run-1", first)
        store.record_reason("run-2", second)
        assert store.get_reasons("run-1") == [first]
        assert store.get_reasons("run-2") == [second]
        self.create_run(store, "run-3", _pipeline(), {})  # type: ignore[arg-type]
        assert store.get_reasons("run-3") == []

    def test_reasons_handed_out_are_copies(self) -> None:
        """Changing what get_reasons returned (a list, a rule's list value) changes nothing."""
        store = self._reason_store()
        reason = _reasons()[2]
        store.record_reason("run-1", reason)
        got = store.get_reasons("run-1")
        got.clear()
        [again] = store.get_reasons("run-1")
        assert isinstance(again, SkippedReason)
        value = again.edges[0].rules[1].value
        assert isinstance(value, list)
        value.append("ghost")
        reason.edges[0].rules[1].value.append("ghost too")  # type: ignore[union-attr]
        assert store.get_reasons("run-1") == [_reasons()[2]]

    def test_the_latest_failure_of_a_node_is_kept(self) -> None:
        """Past any cap, a node's latest failure comes back: it explains the node's status."""
        store = self._reason_store()
        many = REASON_TASK_REASONS_PER_NODE + 3
        for task in range(many):
            store.record_reason(
                "run-1", BindingsReason(node="source", node_index=0, task_id=f"b{task}")
            )
        for attempt in range(many):
            store.record_reason(
                "run-1",
                FailedReason(node="source", node_index=0, task_id=f"f{attempt}", error="boom"),
            )
        failures = [r for r in store.get_reasons("run-1", 0) if isinstance(r, FailedReason)]
        assert failures, "no failure of the node came back"
        assert failures[-1].task_id == f"f{many - 1}", "the latest failure was dropped"

    # --- end to end -------------------------------------------------------------------

    def test_a_small_run_end_to_end(self) -> None:
        """Scatter-gather with an edge filter, driven through the orchestrator."""
        nodes = _pipeline()
        nodes[1] = nodes[1].model_copy(
            update={
                "edge_filters": {
                    "source": EdgeFilter(
                        rules=[
                            FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")
                        ]
                    )
                }
            }
        )
        store = self.new_run(nodes)
        ended: list[tuple[str, str]] = []
        callbacks = OrchestratorCallbacks(
            on_run_completed=lambda r: ended.append(("completed", r)),
            on_run_failed=lambda r: ended.append(("failed", r)),
            on_run_crashed=lambda r: ended.append(("crashed", r)),
            on_run_cancelled=lambda r: ended.append(("cancelled", r)),
        )
        assert start_run(store, "run-1", nodes, callbacks=callbacks) == [0]
        produced = {0: self.outputs("a.mp4", "b.mkv", "c.srt")}
        for _ in range(10):
            queued = self.queued_task_ids(store, "run-1")
            if not queued:
                break
            for task_id in queued:
                context = store.get_task_context(task_id)
                assert context is not None
                default = self.outputs(f"{nodes[context.node_index].slug}.out")
                self.complete_task(store, task_id, produced.get(context.node_index, default))
                on_task_complete(
                    store,
                    task_id=task_id,
                    callbacks=callbacks,
                    resolve_passthrough=lambda _plugin: False,
                )
        assert ended == [("completed", "run-1")]
        assert store.get_run_status("run-1") == RunStatus.COMPLETED
        counts = [tuple(store.get_barrier_state("run-1", i))[1] for i in range(4)]
        assert counts == [1, 2, 1, 2]  # the two videos; one aggregate; a group per video
        assert store.get_node_summary("run-1") == dict.fromkeys(
            range(4), NodeSummaryStatus.COMPLETED
        )

    # --- stress ------------------------------------------------------------------------

    def test_concurrent_runs_from_many_threads(self) -> None:
        """Worker threads finish many runs at once; invariants hold, totals match a replay."""
        check_concurrent_runs(self)
