"""The threaded stress test (dagabaaz.testing.stress) on InMemoryStore, and on broken stores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from dagabaaz.constants import RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output
from dagabaaz.store import DagStore
from dagabaaz.testing.stress import check_concurrent_runs, stress_pipeline
from dagabaaz.validation import validate_pipeline


class MemoryAdapter:
    store_class: type[InMemoryStore] = InMemoryStore

    def make_store(self) -> DagStore:
        return self.store_class()

    def create_run(
        self, store: DagStore, run_id: str, nodes: Sequence[DagNode], run_input: Mapping[str, Any]
    ) -> None:
        assert isinstance(store, InMemoryStore)
        store.create_run(run_id, nodes, run_input)

    def complete_task(self, store: DagStore, task_id: str, outputs: Sequence[Output]) -> None:
        assert isinstance(store, InMemoryStore)
        store.complete_task(task_id, outputs)

    def queued_task_ids(self, store: DagStore, run_id: str) -> list[str]:
        assert isinstance(store, InMemoryStore)
        return [task.task_id for task in store.queued_tasks(run_id)]


def test_many_threads_finish_many_runs_like_a_sequential_replay() -> None:
    report = check_concurrent_runs(MemoryAdapter(), runs=30, threads=8, seed=7)
    statuses = Counter(outcome.status for outcome in report.outcomes.values())
    assert statuses == {RunStatus.COMPLETED: 20, RunStatus.FAILED: 5, RunStatus.CANCELLED: 5}
    assert report.tasks_completed >= 20 * 6  # at least six tasks per completed run
    completed = next(o for o in report.outcomes.values() if o.status is RunStatus.COMPLETED)
    assert len(completed.tasks_per_node) == len(stress_pipeline())


def test_the_stress_pipeline_is_valid() -> None:
    assert validate_pipeline(stress_pipeline()) == []


class _NoRunLock(InMemoryStore):
    run_lock = None  # type: ignore[assignment]  # the harness then serializes by itself


class _RacyClaims(InMemoryStore):
    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        super().try_claim_node_launch(run_id, node_index)
        return True


class _ForgetsToCancel(InMemoryStore):
    def cancel_remaining_tasks(self, run_id: str, reason: str) -> int:
        return 0


def test_a_store_without_its_own_run_lock_is_serialized_by_the_harness() -> None:
    adapter = MemoryAdapter()
    adapter.store_class = _NoRunLock
    report = check_concurrent_runs(adapter, runs=12, threads=6)
    assert len(report.outcomes) == 12


@pytest.mark.parametrize(
    "store_class",
    [_RacyClaims, _ForgetsToCancel],
    ids=["racy-claims", "no-cancel"],
)
def test_the_stress_test_catches_a_broken_store(store_class: type[InMemoryStore]) -> None:
    adapter = MemoryAdapter()
    adapter.store_class = store_class
    with pytest.raises(AssertionError):
        check_concurrent_runs(adapter, runs=12, threads=6)
