"""PostgresStore passes the store conformance suite, the threaded stress test included."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from pg_support import reset, store

from dagabaaz.models import DagNode, Output
from dagabaaz.postgres import PostgresStore
from dagabaaz.store import DagStore
from dagabaaz.testing import StoreConformance


class TestPostgresStore(StoreConformance):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_dsn: str, postgres_schema: str) -> Iterator[None]:
        self.dsn, self.schema = postgres_dsn, postgres_schema
        self.stores: list[PostgresStore] = []
        yield
        for made in self.stores:
            made.close()

    def make_store(self) -> DagStore:
        reset(self.dsn, self.schema)
        made = store(self.dsn, self.schema)
        self.stores.append(made)
        return made

    def create_run(
        self, store: DagStore, run_id: str, nodes: Sequence[DagNode], run_input: Mapping[str, Any]
    ) -> None:
        assert isinstance(store, PostgresStore)
        store.create_run(run_id, nodes, run_input)

    def complete_task(self, store: DagStore, task_id: str, outputs: Sequence[Output]) -> None:
        assert isinstance(store, PostgresStore)
        store.complete_task(task_id, outputs)

    def queued_task_ids(self, store: DagStore, run_id: str) -> list[str]:
        assert isinstance(store, PostgresStore)
        return [task.task_id for task in store.queued_tasks(run_id)]
