"""The compiled-graph cache: keyed by store and run, dropped when runs end, hints only."""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from typing import Any

import pytest
from engine_harness import EngineRun, out

from dagabaaz._engine import cache
from dagabaaz._pipeline.compiled import compile_graph
from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run


def node(slug: str, *deps: str, mode: FanMode = FanMode.SINGLE) -> DagNode:
    return DagNode(slug=slug, plugin=slug, depends_on=list(deps), fan_mode=mode)


def test_the_entry_is_dropped_when_the_run_ends() -> None:
    run = EngineRun([node("a"), node("b", "a")])
    run.start()
    assert cache.cached_run_count(run.store) == 1
    run.drive({"a": [out("1.txt")]})
    assert run.status is RunStatus.COMPLETED
    assert cache.cached_run_count(run.store) == 0


def test_entries_go_away_with_their_store() -> None:
    gc.collect()  # stores of earlier tests
    before = cache.cached_store_count()
    store = InMemoryStore()
    EngineRun([node("a")], store=store).start()
    assert cache.cached_run_count(store) == 1
    assert cache.cached_store_count() == before + 1
    del store
    gc.collect()
    assert cache.cached_store_count() == before


def test_a_store_collected_inside_the_cache_lock_does_not_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Garbage collection can run a dead store's finalizer at any allocation,
    # including inside the cache's own locked section: force exactly that.
    gc.disable()
    try:
        doomed = InMemoryStore()
        doomed.me = doomed  # type: ignore[attr-defined]  # a cycle: only gc frees it
        EngineRun([node("a")], store=doomed).start()
        del doomed

        def collecting_ordered_dict() -> OrderedDict[str, Any]:
            gc.collect()  # runs inside install(), which holds the cache lock
            return OrderedDict()

        monkeypatch.setattr(cache, "OrderedDict", collecting_ordered_dict)
        finished = threading.Event()

        def start_another() -> None:
            EngineRun([node("a")], store=InMemoryStore()).start()
            finished.set()

        threading.Thread(target=start_another, daemon=True).start()
        assert finished.wait(10), "the cache deadlocked on a store finalizer"
    finally:
        gc.enable()


def test_a_store_without_weak_references_still_works() -> None:
    # InMemoryStore supports weak references; simulate a store that does not.
    run = EngineRun([node("a"), node("b", "a"), node("c", "b")])
    original = cache.weakref.finalize

    def refuse(*_args: Any) -> Any:
        raise TypeError("cannot create weak reference")

    cache.weakref.finalize = refuse  # type: ignore[assignment]
    try:
        run.start()
        assert cache.cached_run_count(run.store) == 0
        run.drive({"a": [out("1.txt")], "b": [out("2.txt")]})
    finally:
        cache.weakref.finalize = original  # type: ignore[assignment]
    assert run.outcome() == {"a": ["completed"], "b": ["completed"], "c": ["completed"]}


def test_the_cache_is_bounded_and_an_evicted_run_recompiles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "MAX_RUNS_PER_STORE", 2)
    store = InMemoryStore()
    runs = [EngineRun([node("a"), node("b", "a")], run_id=f"r{i}", store=store) for i in range(3)]
    for run in runs:
        run.start()
    assert cache.cached_run_count(store) == 2
    assert cache.lookup(store, "r0") is None
    runs[0].drive({"a": [out("1.txt")]})
    assert runs[0].outcome() == {"a": ["completed"], "b": ["completed"]}


def test_reconcile_replaces_a_graph_that_no_longer_matches_the_store() -> None:
    store = InMemoryStore()
    stored = [node("a"), node("b", "a", mode=FanMode.AGGREGATE)]
    run = EngineRun(stored, store=store)
    run.start()
    # A stale entry: a graph of another pipeline than the one the store holds
    # (start_run itself refuses such nodes).
    cache.install(store, run.run_id, compile_graph([node("a"), node("b", "a")]))
    first = cache.lookup(store, run.run_id)
    assert first is not None
    assert first.graph.fan_modes == (FanMode.SINGLE, FanMode.SINGLE)
    run.reconcile()
    second = cache.lookup(store, run.run_id)
    assert second is not None
    assert second.graph.fan_modes == (FanMode.SINGLE, FanMode.AGGREGATE)
    run.complete(run.tasks("a")[0].task_id, [out("1.txt"), out("2.txt")])
    assert len(run.tasks("b")) == 1  # the store's AGGREGATE node


def test_stale_readiness_hints_never_launch_a_node_early() -> None:
    run = EngineRun([node("a"), node("b"), node("c", "a", "b")])
    run.start()
    entry = cache.lookup(run.store, run.run_id)
    assert entry is not None
    entry.dep_cursor[2] = 2  # claims both dependencies of c are done
    entry.sink_cursor = 1
    run.complete(run.tasks("a")[0].task_id, [out("a.txt")])
    assert run.tasks("c") == []
    run.complete(run.tasks("b")[0].task_id, [out("b.txt")])
    assert [t.status for t in run.tasks("c")] == [TaskStatus.QUEUED] * 2
    assert run.status is RunStatus.RUNNING


def test_the_graph_does_not_follow_later_changes_to_the_nodes() -> None:
    nodes = [node("a"), node("b", "a")]
    store = InMemoryStore()
    store.create_run("r", nodes)
    events: list[str] = []
    callbacks = OrchestratorCallbacks(on_run_completed=events.append)
    start_run(store, "r", nodes, callbacks=callbacks)
    nodes[1].fan_mode = FanMode.AGGREGATE
    nodes[1].depends_on.append("ghost")
    task_id = store.queued_tasks("r")[0].task_id
    store.complete_task(task_id, [out("1.txt"), out("2.txt")])
    on_task_complete(
        store, task_id=task_id, callbacks=callbacks, resolve_passthrough=lambda _p: False
    )
    assert len(store.queued_tasks("r")) == 2
