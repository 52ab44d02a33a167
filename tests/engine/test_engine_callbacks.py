"""Every entry point takes ``callbacks`` the same way: a keyword argument, None when left out."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz import orchestrator
from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import (
    OrchestratorCallbacks,
    abort_run,
    on_task_complete,
    on_task_crashed,
    on_task_failed,
    reconcile_run,
    start_run,
)

NODES = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(slug="process", plugin="transform", depends_on=["source"]),
]
ENTRY_POINTS = [
    start_run,
    on_task_complete,
    on_task_failed,
    on_task_crashed,
    abort_run,
    reconcile_run,
]


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=lambda f: f.__name__)
def test_callbacks_is_an_optional_keyword_everywhere(entry_point: Callable[..., Any]) -> None:
    parameter = inspect.signature(entry_point).parameters["callbacks"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is None


def test_the_readme_versions_calls_run_a_pipeline_to_the_end() -> None:
    # As the README of 0.4.1 wrote them: start_run without callbacks,
    # on_task_complete with them.
    store = InMemoryStore()
    store.create_run("run-1", NODES)
    ended: list[str] = []
    callbacks = OrchestratorCallbacks(on_run_completed=ended.append)
    with store.run_lock("run-1"):
        assert start_run(store, run_id="run-1", nodes=NODES) == [0]
    while queued := store.queued_tasks("run-1"):
        for task in queued:
            store.complete_task(task.task_id, [Output(file_name="a.txt")])
            with store.run_lock("run-1"):
                on_task_complete(
                    store,
                    task_id=task.task_id,
                    callbacks=callbacks,
                    resolve_passthrough=lambda plugin: False,
                )
    assert ended == ["run-1"]


def test_a_run_driven_without_any_callbacks_completes() -> None:
    store = InMemoryStore()
    store.create_run("r", NODES)
    start_run(store, "r", NODES)
    while queued := store.queued_tasks("r"):
        for task in queued:
            store.complete_task(task.task_id, [Output(file_name="a.txt")])
            on_task_complete(store, task_id=task.task_id, resolve_passthrough=lambda p: False)
    assert reconcile_run(store, "r", resolve_passthrough=lambda p: False) == []
    assert store.get_run_status("r") is RunStatus.COMPLETED


@pytest.mark.parametrize(
    "end",
    [
        lambda store, task: on_task_failed(store, task_id=task, error_message="boom"),
        lambda store, task: on_task_crashed(store, task_id=task, error_message="lost"),
        lambda store, task: abort_run(store, run_id="r", reason="stop"),
    ],
    ids=["failed", "crashed", "aborted"],
)
def test_ending_a_run_without_callbacks(end: Callable[[InMemoryStore, str], object]) -> None:
    store = InMemoryStore()
    store.create_run("r", NODES)
    start_run(store, "r", NODES)
    (task,) = store.queued_tasks("r")
    end(store, task.task_id)
    assert store.get_run_status("r") in {RunStatus.FAILED, RunStatus.CRASHED}


def test_callbacks_of_another_shape_are_refused_before_anything_changes() -> None:
    store = InMemoryStore()
    store.create_run("r", NODES)
    with pytest.raises(TypeError) as caught:
        start_run(store, "r", NODES, callbacks={"on_run_completed": print})  # type: ignore[arg-type]
    assert str(caught.value) == (
        "callbacks must be an OrchestratorCallbacks (or None for none), got dict, which has no "
        "on_run_completed, on_run_failed, on_run_crashed, on_run_cancelled"
    )
    assert store.queued_tasks("r") == []
    start_run(store, "r", NODES)
    (task,) = store.queued_tasks("r")
    with pytest.raises(TypeError, match=r"callbacks\.on_run_failed must be a function or None"):
        on_task_failed(
            store,
            task_id=task.task_id,
            error_message="boom",
            callbacks=_Shaped(on_run_failed="not a function"),  # type: ignore[arg-type]
        )
    context = store.get_task_context(task.task_id)
    assert context is not None and context.status is TaskStatus.QUEUED


def test_a_callback_that_is_not_a_function_is_refused_when_built() -> None:
    with pytest.raises(TypeError, match="on_run_completed must be a function taking the run id"):
        OrchestratorCallbacks(on_run_completed="print")  # type: ignore[arg-type]


def test_an_object_with_the_four_callbacks_fits() -> None:
    ended: list[str] = []
    store = InMemoryStore()
    store.create_run("r", NODES)
    start_run(store, "r", NODES)
    abort_run(store, run_id="r", reason="stop", callbacks=_Shaped(on_run_failed=ended.append))  # type: ignore[arg-type]
    assert ended == ["r"]


class _Shaped:
    """Callbacks as an application might have written its own class for them."""

    def __init__(self, **callbacks: Any) -> None:
        self.on_run_completed = None
        self.on_run_failed = None
        self.on_run_crashed = None
        self.on_run_cancelled = None
        for name, callback in callbacks.items():
            setattr(self, name, callback)


def test_the_orchestrator_names_them_all() -> None:
    assert {f.__name__ for f in ENTRY_POINTS} <= set(orchestrator.__all__)
