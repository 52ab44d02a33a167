"""Issue 10, points 1 and 13: a worker and a store written for the README's version.

The worker loop is the README's quick start; it runs in both calling styles
of ``resolve_task_bindings`` (the README's, which ignores the return value,
and ``data = resolve_task_bindings(...)``), on InMemoryStore and on a store
that implements only the README's version's protocol methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from readme_store import ReadmeStore

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    ExpressionSource,
    NodeSource,
    Output,
    RuntimeSource,
)
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run
from dagabaaz.store import DagRetryStore, DagStore, TaskInputStore
from dagabaaz.task_input import build_task_input, resolve_task_bindings

NODES = [
    DagNode(
        slug="source",
        plugin="fetch",
        bindings={"folder": RuntimeSource(key="folder", default="/media")},
    ),
    DagNode(
        slug="process",
        plugin="transform",
        depends_on=["source"],
        bindings={
            "label": ExpressionSource(expression="{source.file_name | upper}"),
            "quality": ConfigSource(value="high"),
        },
    ),
    DagNode(
        slug="export",
        plugin="export",
        depends_on=["process"],
        fan_mode=FanMode.AGGREGATE,
        bindings={"labels": NodeSource(node="process", key="label")},
    ),
]


def readme_style(store: Any, task: Any, input_data: dict[str, Any]) -> dict[str, Any]:
    resolve_task_bindings(
        store,
        run_id="run-1",
        node_index=task.node_index,
        nodes=NODES,
        input_data=input_data,
        input_artifact_id=task.input_artifact_id,
        origin_artifact_id=task.origin_artifact_id,
    )
    return input_data


def return_style(store: Any, task: Any, input_data: dict[str, Any]) -> dict[str, Any]:
    return resolve_task_bindings(
        store,
        run_id="run-1",
        node_index=task.node_index,
        nodes=NODES,
        input_data=input_data,
        input_artifact_id=task.input_artifact_id,
        origin_artifact_id=task.origin_artifact_id,
    )


Bind = Callable[[Any, Any, dict[str, Any]], dict[str, Any]]


def run_quick_start(store: Any, queued: Callable[[], list[Any]], record: Any, bind: Bind) -> Any:
    """The README's quick-start worker loop, with the bindings step."""
    finished: list[tuple[str, str]] = []
    callbacks = OrchestratorCallbacks(
        on_run_completed=lambda run_id: finished.append(("completed", run_id)),
        on_run_failed=lambda run_id: finished.append(("failed", run_id)),
        on_run_crashed=lambda run_id: finished.append(("crashed", run_id)),
        on_run_cancelled=lambda run_id: finished.append(("cancelled", run_id)),
    )
    assert start_run(store, run_id="run-1", nodes=NODES) == [0]
    seen: dict[str, list[dict[str, Any]]] = {}
    while batch := queued():
        for task in batch:
            input_data = build_task_input(
                store,
                run_id="run-1",
                node_index=task.node_index,
                input_artifact_id=task.input_artifact_id,
                nodes=NODES,
            )
            data = bind(store, task, input_data)
            seen.setdefault(task.plugin_name, []).append(data)
            if task.plugin_name == "fetch":
                outputs = [
                    {"file_name": "a.mp4", "metadata": {"folder": data["folder"]}},
                    {"file_name": "b.mp4"},
                ]
            elif task.plugin_name == "transform":
                outputs = [{"file_name": data["file_name"] + ".webm", "metadata": data}]
            else:
                outputs = [{"file_name": f"{len(data['artifacts'])} files.zip"}]
            record(task.task_id, outputs)
            on_task_complete(
                store,
                task_id=task.task_id,
                callbacks=callbacks,
                resolve_passthrough=lambda plugin: False,
            )
    assert finished == [("completed", "run-1")]
    return seen


@pytest.mark.parametrize("bind", [readme_style, return_style], ids=["readme-style", "return"])
def test_quick_start_loop_on_the_in_memory_store(bind: Bind) -> None:
    store = InMemoryStore()
    store.create_run("run-1", NODES)

    def record(task_id: str, outputs: list[dict[str, Any]]) -> None:
        store.complete_task(task_id, [Output(**output) for output in outputs])

    seen = run_quick_start(store, lambda: store.queued_tasks("run-1"), record, bind)
    assert seen["fetch"] == [{"folder": "/media"}]
    assert sorted(d["label"] for d in seen["transform"]) == ["A.MP4", "B.MP4"]
    assert {d["quality"] for d in seen["transform"]} == {"high"}
    [export] = seen["export"]
    assert sorted(export["labels"]) == ["A.MP4", "B.MP4"]


@pytest.mark.parametrize("bind", [readme_style, return_style], ids=["readme-style", "return"])
def test_quick_start_loop_on_a_readme_era_store(bind: Bind) -> None:
    store = ReadmeStore()
    assert isinstance(store, DagStore) and isinstance(store, TaskInputStore)
    assert isinstance(store, DagRetryStore)
    store.create_run("run-1", NODES)
    seen = run_quick_start(store, lambda: store.queued("run-1"), store.record_outputs, bind)
    assert store.status["run-1"] is RunStatus.COMPLETED
    assert seen["fetch"] == [{"folder": "/media"}]
    # The store cannot say which node produced an input artifact, so the
    # fan-out tasks still get its fields, but bindings do not see it under a node.
    for data in seen["transform"]:
        assert data["file_name"] in ("a.mp4", "b.mp4")
        assert data["quality"] == "high"
        assert "label" not in data
    [export] = seen["export"]
    assert sorted(item["file_name"] for item in export["artifacts"]) == [
        "a.mp4.webm",
        "b.mp4.webm",
    ]


def test_resolve_task_bindings_fills_input_data_in_place_and_returns_it() -> None:
    store = InMemoryStore()
    store.create_run("run-1", NODES, {"folder": "/in"})
    input_data: dict[str, Any] = {"kept": 1}
    result = resolve_task_bindings(
        store, run_id="run-1", node_index=0, nodes=NODES, input_data=input_data
    )
    assert result is input_data
    assert input_data == {"kept": 1, "folder": "/in"}
    # A node without bindings returns the very same dict too.
    bare = [DagNode(slug="a", plugin="p")]
    store.create_run("run-2", bare)
    other: dict[str, Any] = {"x": 1}
    assert (
        resolve_task_bindings(store, run_id="run-2", node_index=0, nodes=bare, input_data=other)
        is other
    )


def test_input_data_must_be_mutable() -> None:
    from types import MappingProxyType

    from dagabaaz.errors import TaskInputError

    store = InMemoryStore()
    store.create_run("run-1", NODES)
    with pytest.raises(TaskInputError, match="filled in place, so it must be a mutable mapping"):
        resolve_task_bindings(
            store, run_id="run-1", node_index=0, nodes=NODES, input_data=MappingProxyType({})
        )


def test_unknown_producer_still_gives_the_input_artifact_fields() -> None:
    store = ReadmeStore()
    store.create_run("run-1", NODES)
    root = store.dispatch_task("run-1", 0, "fetch", None)
    store.record_outputs(root, [{"file_name": "a.mp4", "file_size": 3, "metadata": {"k": "v"}}])
    [artifact_id] = list(store.artifacts)
    data = build_task_input(
        store, run_id="run-1", node_index=1, input_artifact_id=artifact_id, nodes=NODES
    )
    assert data == {
        "k": "v",
        "file_path": "/data/a.mp4",
        "file_name": "a.mp4",
        "file_size": 3,
        "mime_type": None,
    }
    resolve_task_bindings(
        store,
        run_id="run-1",
        node_index=1,
        nodes=NODES,
        input_data=data,
        input_artifact_id=artifact_id,
    )
    assert "label" not in data and data["quality"] == "high"


def test_grouped_task_of_an_origin_the_store_does_not_know_gets_no_artifacts() -> None:
    nodes = [
        DagNode(slug="src", plugin="scan"),
        DagNode(slug="a", plugin="x", depends_on=["src"]),
        DagNode(slug="m", plugin="merge", depends_on=["a"], fan_mode=FanMode.GROUPED),
    ]
    store = ReadmeStore()
    store.create_run("run-1", nodes)
    root = store.dispatch_task("run-1", 0, "scan", None)
    store.record_outputs(root, [{"file_name": "a.mp4"}])
    data = build_task_input(
        store,
        run_id="run-1",
        node_index=2,
        input_artifact_id=None,
        origin_artifact_id="no-such-origin",
        nodes=nodes,
    )
    assert data == {"artifacts": []}
