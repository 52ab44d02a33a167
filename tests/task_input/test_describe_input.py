"""describe_task_input, task_error_message: how an application worker names a failed input."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FanMode, TaskStatus
from dagabaaz.errors import TaskInputError
from dagabaaz.memory import InMemoryStore, TaskRecord
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, on_task_failed, start_run
from dagabaaz.task_input import build_task_input, describe_task_input, task_error_message
from dagabaaz.task_input._labels import NAME_WIDTH, many_label, shown_name

NODES = [
    DagNode(slug="scan", plugin="scan"),
    DagNode(slug="probe", plugin="probe", depends_on=["scan"]),
    DagNode(slug="subs", plugin="subs", depends_on=["scan"]),
    DagNode(slug="mux", plugin="mux", depends_on=["probe", "subs"], fan_mode=FanMode.GROUPED),
    DagNode(slug="report", plugin="report", depends_on=["probe"], fan_mode=FanMode.AGGREGATE),
]
PLUGINS = {
    "scan": lambda data: [Output(file_name=n) for n in ("a.mkv", "movie.mkv", "c.mkv")],
    "probe": lambda data: [Output(file_name=data["file_name"] + ".json")],
    "subs": lambda data: [Output(file_name=data["file_name"] + ".srt")],
}


def _run_until(store: InMemoryStore, plugin: str) -> list[TaskRecord]:
    """Drive the run as the README's worker loop does, until ``plugin``'s tasks are queued."""
    callbacks = OrchestratorCallbacks()
    store.create_run("r", NODES)
    with store.run_lock("r"):
        start_run(store, "r", NODES, callbacks=callbacks)
    while queued := store.queued_tasks("r"):
        mine = [task for task in queued if task.plugin_name == plugin]
        if mine:
            return mine
        for task in queued:
            data = build_task_input(
                store,
                run_id="r",
                node_index=task.node_index,
                input_artifact_id=task.input_artifact_id,
                nodes=NODES,
            )
            store.complete_task(task.task_id, PLUGINS[task.plugin_name](data))
            with store.run_lock("r"):
                on_task_complete(
                    store,
                    task_id=task.task_id,
                    callbacks=callbacks,
                    resolve_passthrough=lambda plugin: False,
                )
    raise AssertionError(f"no task of {plugin} was queued")


def _describe(store: InMemoryStore, task: TaskRecord) -> str | None:
    return describe_task_input(
        store,
        run_id=task.run_id,
        node_index=task.node_index,
        nodes=NODES,
        input_artifact_id=task.input_artifact_id,
        origin_artifact_id=task.origin_artifact_id,
    )


def test_each_fan_mode_is_named_its_own_way() -> None:
    store = InMemoryStore()
    [root] = _run_until(store, "scan")
    assert _describe(store, root) is None
    store = InMemoryStore()
    probes = _run_until(store, "probe")
    assert [_describe(store, t) for t in probes] == ["a.mkv", "movie.mkv", "c.mkv"]
    store = InMemoryStore()
    muxes = _run_until(store, "mux")
    assert sorted(_describe(store, t) or "" for t in muxes) == [
        "group of a.mkv (2 inputs)",
        "group of c.mkv (2 inputs)",
        "group of movie.mkv (2 inputs)",
    ]
    store = InMemoryStore()
    [report] = _run_until(store, "report")
    assert _describe(store, report) == "3 inputs (a.mkv.json, movie.mkv.json, c.mkv.json)"


def test_the_readme_worker_loop_reports_a_failure_naming_the_file() -> None:
    store = InMemoryStore()
    probes = _run_until(store, "probe")
    task = probes[1]
    data = build_task_input(
        store,
        run_id="r",
        node_index=task.node_index,
        input_artifact_id=task.input_artifact_id,
        nodes=NODES,
    )
    try:
        raise ValueError(f"bad header in {data['file_name']}")
    except ValueError as error:
        message = task_error_message(
            store,
            error,
            run_id=task.run_id,
            node_index=task.node_index,
            nodes=NODES,
            input_artifact_id=task.input_artifact_id,
            origin_artifact_id=task.origin_artifact_id,
        )
    with store.run_lock("r"):
        on_task_failed(store, task_id=task.task_id, error_message=message)
    assert message == "movie.mkv: ValueError: bad header in movie.mkv"
    assert (
        store.run("r").error
        == "node 'probe' failed: movie.mkv: ValueError: bad header in movie.mkv"
    )
    [failed] = [t for t in store.tasks("r") if t.status is TaskStatus.FAILED]
    assert failed.error == message


def test_a_string_error_is_kept_as_it_is() -> None:
    store = InMemoryStore()
    [task, *_] = _run_until(store, "probe")
    coordinates: dict[str, Any] = {
        "run_id": "r",
        "node_index": 1,
        "nodes": NODES,
        "input_artifact_id": task.input_artifact_id,
    }
    assert task_error_message(store, "disk full", **coordinates) == "a.mkv: disk full"
    assert task_error_message(store, KeyError("k"), **coordinates) == "a.mkv: KeyError: 'k'"
    assert task_error_message(store, RuntimeError(), **coordinates) == "a.mkv: RuntimeError"


def test_an_artifact_the_store_lacks_is_named_by_its_id() -> None:
    store = InMemoryStore()
    _run_until(store, "probe")
    label = describe_task_input(
        store, run_id="r", node_index=1, nodes=NODES, input_artifact_id="gone"
    )
    assert label == "artifact 'gone'"


def test_wrong_coordinates_raise_in_describe_but_never_in_task_error_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = InMemoryStore()
    _run_until(store, "probe")
    with pytest.raises(TaskInputError, match="out of range"):
        describe_task_input(store, run_id="r", node_index=9, nodes=NODES)
    message = task_error_message(store, ValueError("x"), run_id="r", node_index=9, nodes=NODES)
    assert message == "ValueError: x"
    assert "cannot name the input of a failed task" in caplog.text
    # Not a store at all: still the error, not a second one.
    assert task_error_message(object(), "boom", run_id="r", node_index=1, nodes=NODES) == "boom"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("movie.mkv", "movie.mkv"),
        ("tab\there.mkv", "tab\\there.mkv"),
        ("x" * (NAME_WIDTH + 1), "x" * (NAME_WIDTH - 3) + "..."),
        ("x" * NAME_WIDTH, "x" * NAME_WIDTH),
        ("日本語.mkv", "日本語.mkv"),
    ],
    ids=["plain", "control", "long", "exact-width", "unicode"],
)
def test_a_name_is_shown_on_one_bounded_line(name: str, shown: str) -> None:
    assert shown_name(name) == shown


@pytest.mark.parametrize(
    ("names", "count", "label"),
    [
        ([], 0, "no inputs"),
        (["a"], 1, "1 input (a)"),
        (["a", "b", "c"], 10**6, "1000000 inputs (a, b, c and 999997 more)"),
        (["", "b"], 2, "2 inputs ('', b)"),
    ],
    ids=["none", "one", "a-million", "unnamed"],
)
def test_many_inputs_are_counted_and_only_the_first_few_named(
    names: list[str], count: int, label: str
) -> None:
    assert many_label(names, count) == label
