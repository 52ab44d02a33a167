"""The store conformance suite, run against the reference InMemoryStore."""

from __future__ import annotations

import subprocess
import sys
import unittest
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output
from dagabaaz.store import DagStore
from dagabaaz.testing import StoreConformance


class TestInMemoryStoreConformance(StoreConformance):
    def make_store(self) -> DagStore:
        return InMemoryStore()

    def create_run(
        self,
        store: DagStore,
        run_id: str,
        nodes: Sequence[DagNode],
        run_input: Mapping[str, Any],
    ) -> None:
        assert isinstance(store, InMemoryStore)
        store.create_run(run_id, nodes, run_input)

    def complete_task(self, store: DagStore, task_id: str, outputs: Sequence[Output]) -> None:
        assert isinstance(store, InMemoryStore)
        store.complete_task(task_id, outputs)

    def queued_task_ids(self, store: DagStore, run_id: str) -> list[str]:
        assert isinstance(store, InMemoryStore)
        return [task.task_id for task in store.queued_tasks(run_id)]


class _RacyClaims(InMemoryStore):
    def try_claim_node_launch(self, run_id: str, node_index: int) -> bool:
        super().try_claim_node_launch(run_id, node_index)
        return True  # every caller "wins"


class _FilteredIsPartial(InMemoryStore):
    def get_node_summary(self, run_id: str) -> dict[int, Any]:
        summary = super().get_node_summary(run_id)
        filtered = {t.node_index for t in self.tasks(run_id) if t.status == "filtered"}
        return {i: ("partial" if i in filtered else s) for i, s in summary.items()}


class _LeakyArtifacts(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self._handed_out: dict[str, list[Any]] = {}

    def get_artifacts_by_node_indices(self, run_id: str, node_indices: Sequence[int]) -> Any:
        key = f"{run_id}:{list(node_indices)}"
        if key not in self._handed_out:  # the same objects every time
            self._handed_out[key] = super().get_artifacts_by_node_indices(run_id, node_indices)
        return self._handed_out[key]


class _ReasonsReversed(InMemoryStore):
    def get_reasons(self, run_id: str, node_index: int | None = None) -> Any:
        return super().get_reasons(run_id, node_index)[::-1]


class _SharedReasons(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self._kept: list[Any] = []

    def record_reason(self, run_id: str, reason: Any) -> None:
        self._kept.append(reason.model_copy())  # shallow: a rule's list value is shared

    def get_reasons(self, run_id: str, node_index: int | None = None) -> Any:
        return [r for r in self._kept if node_index is None or r.node_index == node_index]


class _NoReasons(InMemoryStore):
    record_reason = None
    get_reasons = None


@pytest.mark.parametrize(
    ("store_class", "check"),
    [
        (_RacyClaims, "test_node_launch_claim_is_won_once_under_threads"),
        (_FilteredIsPartial, "test_node_summary"),
        (_LeakyArtifacts, "test_what_a_caller_gets_is_a_copy"),
        (_ReasonsReversed, "test_reasons_come_back_equal_in_recording_order"),
        (_SharedReasons, "test_reasons_handed_out_are_copies"),
    ],
    ids=[
        "racy-claims",
        "filtered-counted-as-partial",
        "shared-artifacts",
        "reasons-reversed",
        "shared-reasons",
    ],
)
def test_the_suite_catches_a_broken_store(store_class: type[InMemoryStore], check: str) -> None:
    class Broken(TestInMemoryStoreConformance):
        def make_store(self) -> DagStore:
            return store_class()

    with pytest.raises(AssertionError):
        getattr(Broken(), check)()
    getattr(TestInMemoryStoreConformance(), check)()  # the sound store passes


def test_the_suite_imports_without_pytest() -> None:
    code = (
        "import sys; sys.modules['pytest'] = None; "
        "import dagabaaz.testing as t; print(t.StoreConformance.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "StoreConformance"


@pytest.mark.parametrize(
    "check",
    [
        "test_reasons_come_back_equal_in_recording_order",
        "test_reasons_of_one_node",
        "test_reasons_belong_to_their_run",
        "test_reasons_handed_out_are_copies",
    ],
)
def test_the_reason_checks_skip_a_store_without_reasons(check: str) -> None:
    class WithoutReasons(TestInMemoryStoreConformance):
        def make_store(self) -> DagStore:
            return _NoReasons()

    with pytest.raises(unittest.SkipTest, match="ReasonStore"):
        getattr(WithoutReasons(), check)()
