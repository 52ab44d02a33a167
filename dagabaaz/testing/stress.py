"""A threaded stress test of a store: many workers finish many runs at once.

:func:`check_concurrent_runs` drives a batch of runs through the
orchestrator from several worker threads, each call for a run under that
run's lock, then checks the engine's invariants on every run and compares the
totals with a sequential replay of the same runs on a fresh store. It uses the
same adapter as :class:`~dagabaaz.testing.StoreConformance` (which runs it as
one of its checks), so an application runs it against its own store.

The workload is deterministic whatever the interleaving: what each task
produces depends only on its run and node, some runs fail at their root and
some are cancelled there, so the outcome of every run is known in advance.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from dagabaaz.constants import TERMINAL_RUN_STATUSES, FanMode, FilterOperator, RunStatus
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_failed,
    start_run,
)
from dagabaaz.store import DagStore

__all__ = ["RunOutcome", "StoreAdapter", "StressReport", "check_concurrent_runs", "stress_pipeline"]

ROUTING_PLUGIN = "route"
"""The plugin of the stress pipeline's routing (passthrough) node."""

SETTLE_SECONDS = 60.0
"""How long the workers may take before the test reports that runs never settled."""


class StoreAdapter(Protocol):
    """How the stress test makes a store, creates runs and records outcomes.

    :class:`~dagabaaz.testing.StoreConformance` subclasses are adapters.
    """

    def make_store(self) -> DagStore:
        """Return a new, empty store."""
        ...

    def create_run(
        self, store: DagStore, run_id: str, nodes: Sequence[DagNode], run_input: Mapping[str, Any]
    ) -> None:
        """Create a running run of ``nodes`` with no tasks."""
        ...

    def complete_task(self, store: DagStore, task_id: str, outputs: Sequence[Output]) -> None:
        """Record ``outputs`` as the task's artifacts and mark it completed."""
        ...

    def queued_task_ids(self, store: DagStore, run_id: str) -> list[str]:
        """Return the ids of the run's queued tasks, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run ended as: comparable between the threaded run and the replay."""

    status: RunStatus
    tasks_per_node: tuple[int, ...]
    artifacts_per_node: tuple[int, ...]
    summary: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class StressReport:
    """What :func:`check_concurrent_runs` did and saw."""

    runs: int
    threads: int
    tasks_completed: int
    outcomes: Mapping[str, RunOutcome]


def stress_pipeline() -> list[DagNode]:
    """Return the pipeline every stress run executes.

    A root; a SINGLE branch over its videos; an AGGREGATE branch over
    everything; a routing node after the SINGLE branch; a GROUPED merge of
    the routed and aggregated artifacts; an AGGREGATE sink.
    """
    videos = EdgeFilter(
        rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")]
    )
    return [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="each", plugin="work", depends_on=["source"], edge_filters={"source": videos}),
        DagNode(slug="all", plugin="index", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="routed", plugin=ROUTING_PLUGIN, depends_on=["each"]),
        DagNode(
            slug="merge", plugin="merge", depends_on=["routed", "all"], fan_mode=FanMode.GROUPED
        ),
        DagNode(slug="sink", plugin="publish", depends_on=["merge"], fan_mode=FanMode.AGGREGATE),
    ]


def check_concurrent_runs(
    adapter: StoreAdapter, *, runs: int = 24, threads: int = 8, seed: int = 0
) -> StressReport:
    """Finish ``runs`` runs from ``threads`` worker threads; check invariants and a replay.

    Every orchestrator call for a run holds that run's lock: the store's own
    ``run_lock(run_id)`` when it has one, else a lock of this process. Each
    queued task is taken by exactly one worker, as a queue would deliver it;
    completion callbacks are sometimes delivered twice.

    Raises:
        AssertionError: An invariant does not hold, the runs did not settle
            within :data:`SETTLE_SECONDS`, or the outcome differs from the
            sequential replay.
    """
    run_ids = [f"stress-{i}" for i in range(runs)]
    with _fine_grained_switching():
        threaded = _Batch(adapter, run_ids)
        threaded.drive(threads, seed)
    threaded.check_invariants()
    replay = _Batch(adapter, run_ids)
    replay.drive(1, seed)
    replay.check_invariants()
    for run_id in run_ids:
        assert threaded.outcomes[run_id] == replay.outcomes[run_id], (
            f"{run_id}: threaded {threaded.outcomes[run_id]} != replayed {replay.outcomes[run_id]}"
        )
    return StressReport(runs, threads, threaded.completed, dict(threaded.outcomes))


def _expected_status(number: int) -> RunStatus:
    if number % 6 == 4:
        return RunStatus.FAILED
    if number % 6 == 5:
        return RunStatus.CANCELLED
    return RunStatus.COMPLETED


def _outputs(number: int, node_index: int, slug: str, plugin: str) -> list[Output]:
    if plugin == ROUTING_PLUGIN:
        return []  # a routing node forwards, it produces nothing
    if node_index == 0:
        count = 2 + number % 3
        names = [f"{i}.mp4" if i % 2 == 0 else f"{i}.srt" for i in range(count)]
        return [Output(file_name=name, file_size=10 + i) for i, name in enumerate(names)]
    return [Output(file_name=f"{slug}.txt", file_size=number)]


class _Batch:
    """One store holding every run of the batch, and the workers' shared state."""

    def __init__(self, adapter: StoreAdapter, run_ids: Sequence[str]) -> None:
        self.adapter = adapter
        self.store = adapter.make_store()
        self.nodes = stress_pipeline()
        self.run_ids = list(run_ids)
        self.number = {run_id: i for i, run_id in enumerate(run_ids)}
        self.guard = threading.Lock()
        self.started: set[str] = set()
        self.taken: set[str] = set()
        self.locks: dict[str, threading.RLock] = {}
        self.ended: dict[str, list[RunStatus]] = {run_id: [] for run_id in run_ids}
        self.errors: list[BaseException] = []
        self.completed = 0
        self.outcomes: dict[str, RunOutcome] = {}
        self.callbacks = OrchestratorCallbacks(
            on_run_completed=lambda r: self._ended(r, RunStatus.COMPLETED),
            on_run_failed=lambda r: self._ended(r, RunStatus.FAILED),
            on_run_crashed=lambda r: self._ended(r, RunStatus.CRASHED),
            on_run_cancelled=lambda r: self._ended(r, RunStatus.CANCELLED),
        )
        for run_id in run_ids:
            adapter.create_run(self.store, run_id, self.nodes, {})

    def _ended(self, run_id: str, status: RunStatus) -> None:
        with self.guard:
            self.ended[run_id].append(status)

    def lock(self, run_id: str) -> AbstractContextManager[Any]:
        run_lock = getattr(self.store, "run_lock", None)
        if callable(run_lock):
            lock: AbstractContextManager[Any] = run_lock(run_id)
            return lock
        with self.guard:
            return self.locks.setdefault(run_id, threading.RLock())

    # --- driving ---------------------------------------------------------------

    def drive(self, threads: int, seed: int) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        start = threading.Barrier(threads)
        workers = [
            threading.Thread(target=self._work, args=(start, random.Random(seed + i), deadline))
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if self.errors:
            raise AssertionError(f"a worker raised {self.errors[0]!r}") from self.errors[0]
        live = [
            r for r in self.run_ids if self.store.get_run_status(r) not in TERMINAL_RUN_STATUSES
        ]
        assert not live, f"runs did not settle within {SETTLE_SECONDS} s: {live}"
        self.outcomes = {run_id: self._outcome(run_id) for run_id in self.run_ids}

    def _work(self, start: threading.Barrier, rng: random.Random, deadline: float) -> None:
        try:
            start.wait()
            starts = list(self.run_ids)
            rng.shuffle(starts)
            for run_id in starts:
                with self.guard:
                    first = run_id not in self.started
                    self.started.add(run_id)
                if first:
                    with self.lock(run_id):
                        start_run(self.store, run_id, self.nodes, callbacks=self.callbacks)
            while time.monotonic() < deadline:
                task = self._take(rng)
                if task is None:
                    if self._all_ended():
                        return
                    time.sleep(0.0005)
                    continue
                self._finish(*task, rng)
        except BaseException as error:  # reported by drive()
            with self.guard:
                self.errors.append(error)

    def _all_ended(self) -> bool:
        return all(
            self.store.get_run_status(run_id) in TERMINAL_RUN_STATUSES for run_id in self.run_ids
        )

    def _take(self, rng: random.Random) -> tuple[str, str] | None:
        order = list(self.run_ids)
        rng.shuffle(order)
        for run_id in order:
            for task_id in self.adapter.queued_task_ids(self.store, run_id):
                with self.guard:
                    if task_id not in self.taken:
                        self.taken.add(task_id)
                        return run_id, task_id
        return None

    def _finish(self, run_id: str, task_id: str, rng: random.Random) -> None:
        context = self.store.get_task_context(task_id)
        assert context is not None, f"queued task {task_id} has no context"
        number, index = self.number[run_id], context.node_index
        node = self.nodes[index]
        with self.lock(run_id):
            if index == 0 and _expected_status(number) is RunStatus.FAILED:
                on_task_failed(
                    self.store, task_id=task_id, error_message="boom", callbacks=self.callbacks
                )
                return
            if index == 0 and _expected_status(number) is RunStatus.CANCELLED:
                abort_run(
                    self.store,
                    run_id=run_id,
                    reason="stop",
                    callbacks=self.callbacks,
                    status=RunStatus.CANCELLED,
                )
                return
            if self.store.get_run_status(run_id) in TERMINAL_RUN_STATUSES:
                return
            self.adapter.complete_task(
                self.store, task_id, _outputs(number, index, node.slug, node.plugin)
            )
            with self.guard:
                self.completed += 1
        for _ in range(2 if rng.random() < 0.2 else 1):  # sometimes a duplicate callback
            with self.lock(run_id):
                on_task_complete(
                    self.store,
                    task_id=task_id,
                    callbacks=self.callbacks,
                    resolve_passthrough=lambda plugin: plugin == ROUTING_PLUGIN,
                )

    # --- checking ----------------------------------------------------------------

    def _outcome(self, run_id: str) -> RunOutcome:
        store, count = self.store, len(self.nodes)
        status = store.get_run_status(run_id)
        assert status is not None
        return RunOutcome(
            status=RunStatus(status),
            tasks_per_node=tuple(store.get_barrier_state(run_id, i)[1] for i in range(count)),
            artifacts_per_node=tuple(
                len(store.get_artifacts_by_node_indices(run_id, [i])) for i in range(count)
            ),
            summary=tuple(sorted((i, str(s)) for i, s in store.get_node_summary(run_id).items())),
        )

    def check_invariants(self) -> None:
        for run_id in self.run_ids:
            outcome = self.outcomes[run_id]
            expected = _expected_status(self.number[run_id])
            assert outcome.status is expected, f"{run_id} ended {outcome.status}, not {expected}"
            assert self.ended[run_id] == [expected], f"{run_id} callbacks: {self.ended[run_id]}"
            assert self.adapter.queued_task_ids(self.store, run_id) == [], (
                f"{run_id} is {outcome.status} with tasks still queued"
            )
            for index in range(len(self.nodes)):
                _, total, terminal = self.store.get_barrier_state(run_id, index)
                assert total == terminal, f"{run_id} node {index}: {total - terminal} live tasks"
            if expected is RunStatus.COMPLETED:
                done = self.store.get_completed_node_indices(run_id)
                assert done == set(range(len(self.nodes))), f"{run_id} completed with {done}"


@contextmanager
def _fine_grained_switching() -> Iterator[None]:
    """Switch threads far more often than usual, so interleavings are many."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
