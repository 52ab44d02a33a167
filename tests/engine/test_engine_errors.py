"""Misuse of the entry points gets a clear, documented error."""

from __future__ import annotations

from typing import Any

import pytest
from engine_harness import EngineRun, out

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.errors import ArgumentTypeError, DagabaazError, PipelineValidationError, StoreError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, TaskContext
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_failed,
    reconcile_run,
    start_run,
)

NODES = [DagNode(slug="a", plugin="a"), DagNode(slug="b", plugin="b", depends_on=["a"])]
NO_CALLBACKS = OrchestratorCallbacks()


def never(_plugin: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda s: start_run(s, "ghost", NODES),
            StoreError,
            "start_run: the store has no run 'ghost'; create it first",
        ),
        (
            lambda s: reconcile_run(s, "ghost", callbacks=NO_CALLBACKS, resolve_passthrough=never),
            StoreError,
            "reconcile_run: the store has no run 'ghost'",
        ),
        (
            lambda s: start_run(s, "r", NODES, fan_out_limit=0),
            DagabaazError,
            "fan_out_limit must be a positive integer, not 0",
        ),
        (
            lambda s: on_task_complete(
                s,
                task_id="t",
                callbacks=NO_CALLBACKS,
                resolve_passthrough=never,
                fan_out_limit=True,
            ),
            ArgumentTypeError,
            "fan_out_limit must be a positive integer, not True",
        ),
        (
            lambda s: abort_run(
                s, run_id="r", reason="x", callbacks=NO_CALLBACKS, status=RunStatus.COMPLETED
            ),
            DagabaazError,
            "abort_run: status must be failed, crashed or cancelled, not 'completed'",
        ),
    ],
    ids=[
        "start-unknown-run",
        "reconcile-unknown-run",
        "zero-fan-out-limit",
        "bool-fan-out-limit",
        "abort-with-completed",
    ],
)
def test_misuse(call: Any, error: type[Exception], message: str) -> None:
    store = InMemoryStore()
    store.create_run("r", NODES)
    with pytest.raises(error) as caught:
        call(store)
    assert type(caught.value) is error
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)  # callers of the earlier version caught these


def test_abort_of_an_unknown_run_is_a_no_op() -> None:
    store = InMemoryStore()
    assert abort_run(store, run_id="ghost", reason="x", callbacks=NO_CALLBACKS) is False


def test_a_store_pointing_a_task_at_a_missing_node_is_reported() -> None:
    class Confused(InMemoryStore):
        def get_task_context(self, task_id: str) -> TaskContext | None:
            return TaskContext(run_id="run-1", node_index=7)

        def get_barrier_state(self, run_id: str, node_index: int) -> tuple[RunStatus, int, int]:
            return RunStatus.RUNNING, 1, 1

    run = EngineRun(NODES, store=Confused())
    run.start()
    with pytest.raises(StoreError) as caught:
        run.notify("t-1")
    assert str(caught.value) == "task 't-1' belongs to node 7, but run 'run-1' has 2 nodes"


def test_a_broken_pipeline_read_back_from_the_store_is_a_validation_error() -> None:
    looped = [
        DagNode(slug="a", plugin="a"),
        DagNode(slug="b", plugin="b", depends_on=["a", "c"]),
        DagNode(slug="c", plugin="c", depends_on=["b"]),
    ]
    store = InMemoryStore()
    store.create_run("r", looped)
    task_id = store.dispatch_task("r", 0, "a", None)  # dispatched without start_run
    store.complete_task(task_id, [out("1.txt")])
    with pytest.raises(PipelineValidationError) as caught:
        on_task_complete(store, task_id=task_id, callbacks=NO_CALLBACKS, resolve_passthrough=never)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "dependency-cycle"
    assert diagnostic.message == "the pipeline has a cycle; these nodes can never run: 'b', 'c'"
    with pytest.raises(PipelineValidationError) as again:
        reconcile_run(store, "r", callbacks=NO_CALLBACKS, resolve_passthrough=never)
    assert "dependency-cycle" in {d.code for d in again.value.diagnostics}


def test_a_task_failure_ends_the_run_even_when_its_pipeline_cannot_compile() -> None:
    looped = [
        DagNode(slug="a", plugin="a"),
        DagNode(slug="b", plugin="b", depends_on=["c"]),
        DagNode(slug="c", plugin="c", depends_on=["b"]),
    ]
    store = InMemoryStore()
    store.create_run("r", looped)
    task_id = store.dispatch_task("r", 0, "a", None)
    failed: list[str] = []
    on_task_failed(
        store,
        task_id=task_id,
        error_message="boom",
        callbacks=OrchestratorCallbacks(on_run_failed=failed.append),
    )
    assert failed == ["r"]
    assert store.run("r").error == "node 'a' failed: boom"


def _edge(slug: str, value: str) -> dict[str, EdgeFilter]:
    return {slug: EdgeFilter(rules=[FilterRule(field="file_type", operator="eq", value=value)])}


MISMATCHES: list[tuple[str, list[DagNode], str]] = [
    (
        "other-nodes",
        [DagNode(slug="x", plugin="x"), DagNode(slug="y", plugin="y", depends_on=["x"])],
        "node 0 has slug 'x' and 'a'",
    ),
    ("fewer-nodes", [DagNode(slug="a", plugin="a")], "1 node and 2 nodes"),
    (
        "other-plugin",
        [DagNode(slug="a", plugin="a"), DagNode(slug="b", plugin="c", depends_on=["a"])],
        "node 1 has plugin 'c' and 'b'",
    ),
    (
        "other-fan-mode",
        [
            DagNode(slug="a", plugin="a"),
            DagNode(slug="b", plugin="b", depends_on=["a"], fan_mode=FanMode.AGGREGATE),
        ],
        "node 1 has fan_mode 'aggregate' and 'single'",
    ),
    (
        "other-dependencies",
        [DagNode(slug="a", plugin="a"), DagNode(slug="b", plugin="b")],
        "node 1 has depends_on [] and ['a']",
    ),
    (
        "other-edge-filter",
        [
            DagNode(slug="a", plugin="a"),
            DagNode(slug="b", plugin="b", depends_on=["a"], edge_filters=_edge("a", "video")),
        ],
        "node 1 ('b') has different edge filters",
    ),
]


@pytest.mark.parametrize(
    ("nodes", "difference"), [c[1:] for c in MISMATCHES], ids=[c[0] for c in MISMATCHES]
)
@pytest.mark.parametrize("ended", [False, True], ids=["running", "ended"])
def test_start_run_refuses_nodes_other_than_the_runs_pipeline(
    nodes: list[DagNode], difference: str, ended: bool
) -> None:
    store = InMemoryStore()
    store.create_run("r", NODES)
    if ended:
        store.try_claim_run_terminal("r", RunStatus.CANCELLED)
    with pytest.raises(StoreError) as caught:
        start_run(store, "r", nodes)
    assert str(caught.value) == (
        "start_run: run 'r' was created with another pipeline than the nodes given; "
        f"the nodes given and the store's differ: {difference}"
    )
    assert store.tasks("r") == []
    assert store.get_launched_node_indices("r") == set()


def test_start_run_accepts_nodes_that_schedule_like_the_stored_ones() -> None:
    # Names and bindings are no part of scheduling; the graph compares equal.
    store = InMemoryStore()
    store.create_run("r", NODES)
    renamed = [node.model_copy(update={"name": f"step {node.slug}"}) for node in NODES]
    assert start_run(store, "r", renamed) == [0]
    assert [t.plugin_name for t in store.tasks("r")] == ["a"]


def test_start_run_names_a_stored_pipeline_that_cannot_run() -> None:
    store = InMemoryStore()
    store.create_run("r", [DagNode(slug="a", plugin="a", depends_on=["a"])])
    with pytest.raises(StoreError) as caught:
        start_run(store, "r", [DagNode(slug="a", plugin="a")])
    assert str(caught.value) == (
        "start_run: run 'r' was created with another pipeline than the nodes given; "
        "the store's cannot run (node 'a' depends on itself)"
    )
    assert store.tasks("r") == []
