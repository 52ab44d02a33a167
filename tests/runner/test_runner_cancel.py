"""Cancelling a local run from another thread: runner.cancel(run_id) and CancelToken."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus, TaskStatus
from dagabaaz.errors import StoreError
from dagabaaz.models import DagNode, Output
from dagabaaz.runner import (
    CancelToken,
    LocalRunner,
    NodeFinished,
    NodeStarted,
    NodeStatus,
    RunEvent,
    RunResult,
)

NODES = [
    DagNode(slug="list", plugin="list"),
    DagNode(slug="encode", plugin="encode", depends_on=["list"]),
    DagNode(slug="publish", plugin="publish", depends_on=["encode"], fan_mode=FanMode.AGGREGATE),
]


class Encoder:
    """An encode plugin that sleeps until released, so a test decides when it ends."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def encode(self, task: dict[str, Any]) -> Output:
        with self.lock:
            self.calls.append(task["file_name"])
        self.started.set()
        self.release.wait(10)
        time.sleep(0.01)
        return Output(file_name=task["file_name"] + ".webm")

    def table(self) -> dict[str, Any]:
        return {
            "list": lambda task: [Output(file_name=f"clip{i}.mov") for i in range(4)],
            "encode": self.encode,
            "publish": lambda task: Output(file_name="index.html"),
        }


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.002)


def in_thread(call: Callable[[], RunResult]) -> tuple[threading.Thread, list[RunResult]]:
    results: list[RunResult] = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    return thread, results


def test_cancel_from_another_thread_while_a_plugin_runs() -> None:
    encoder = Encoder()
    runner = LocalRunner(encoder.table(), max_workers=1)
    thread, results = in_thread(lambda: runner.run(NODES, run_id="job-7"))
    assert encoder.started.wait(10)

    assert runner.cancel("job-7", "stopped from the UI") is True
    assert runner.store.get_run_status("job-7") is RunStatus.CANCELLED
    encoder.release.set()  # the running plugin ends; its result is ignored
    thread.join(10)

    (result,) = results
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: stopped from the UI"
    assert encoder.calls == ["clip0.mov"]  # the queued encodes never started
    assert result.nodes["encode"].status is NodeStatus.CANCELLED
    assert result.nodes["encode"].outputs == ()
    assert result.nodes["encode"].errors == ()
    assert result.nodes["publish"].status is NodeStatus.NOT_RUN
    statuses = {t.status for t in runner.store.tasks("job-7") if t.node_index == 1}
    assert statuses == {TaskStatus.CANCELLED}


def test_cancelling_twice_ends_the_run_once_and_keeps_the_first_reason() -> None:
    encoder = Encoder()
    runner = LocalRunner(encoder.table())
    thread, results = in_thread(lambda: runner.run(NODES, run_id="r"))
    assert encoder.started.wait(10)
    assert runner.cancel("r", "first") is True
    assert runner.cancel("r", "second") is False
    encoder.release.set()
    thread.join(10)
    assert results[0].error == "run cancelled: first"
    assert runner.cancel("r") is False  # after the run returned, too


def test_cancelling_a_finished_run_changes_nothing() -> None:
    encoder = Encoder()
    encoder.release.set()
    runner = LocalRunner(encoder.table())
    assert runner.run(NODES, run_id="done").ok
    assert runner.cancel("done") is False
    assert runner.store.get_run_status("done") is RunStatus.COMPLETED


def test_cancelling_an_unknown_run_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cancel: this runner's store has no run 'ghost'"):
        LocalRunner({}).cancel("ghost")


def test_cancel_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="run_id must be a string, got int"):
        LocalRunner({}).cancel(7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reason must be a string, got int"):
        LocalRunner({}).cancel("r", 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reason must be a string, got NoneType"):
        CancelToken().cancel(None)  # type: ignore[arg-type]


def test_a_token_cancelled_before_the_run_starts_runs_nothing() -> None:
    encoder = Encoder()
    token = CancelToken()
    assert token.cancel("changed my mind") is True
    assert token.cancel("again") is False
    calls: list[str] = []
    runner = LocalRunner({**encoder.table(), "list": lambda task: calls.append("list")})
    result = runner.run(NODES, cancel=token)
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: changed my mind"
    assert calls == [] and encoder.calls == []
    assert {node.status for node in result.nodes.values()} == {NodeStatus.NOT_RUN}
    assert token.cancelled and token.reason == "changed my mind"


def test_a_token_cancels_while_tasks_are_queued_and_running() -> None:
    encoder = Encoder()
    token = CancelToken()
    runner = LocalRunner(encoder.table(), max_workers=2)
    thread, results = in_thread(lambda: runner.run(NODES, cancel=token))
    wait_until(lambda: len(encoder.calls) == 2)
    token.cancel()
    encoder.release.set()
    thread.join(10)
    (result,) = results
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: cancel requested"
    assert len(encoder.calls) == 2  # two workers were busy; the other two never started


def test_one_token_cancels_every_run_it_was_given() -> None:
    encoder = Encoder()
    token = CancelToken()
    runner = LocalRunner(encoder.table(), max_workers=1)
    first, firsts = in_thread(lambda: runner.run(NODES, cancel=token))
    second, seconds = in_thread(lambda: runner.run(NODES, cancel=token))
    wait_until(lambda: len(encoder.calls) == 2)
    token.cancel("shutting down")
    encoder.release.set()
    first.join(10)
    second.join(10)
    assert [r.error for r in (*firsts, *seconds)] == ["run cancelled: shutting down"] * 2


def test_every_started_node_gets_node_finished_after_a_cancel() -> None:
    encoder = Encoder()
    runner = LocalRunner(encoder.table())
    events: list[RunEvent] = []
    thread, _ = in_thread(lambda: runner.run(NODES, run_id="r", progress=events.append))
    assert encoder.started.wait(10)
    runner.cancel("r")
    encoder.release.set()
    thread.join(10)
    started = [e.slug for e in events if isinstance(e, NodeStarted)]
    finished = {e.slug: e.status for e in events if isinstance(e, NodeFinished)}
    assert started == ["list", "encode"]
    assert finished == {"list": NodeStatus.COMPLETED, "encode": NodeStatus.CANCELLED}


def test_a_plugin_that_fails_after_the_cancel_adds_no_error() -> None:
    started, release = threading.Event(), threading.Event()

    def fail_late(task: dict[str, Any]) -> None:
        started.set()
        release.wait(10)
        raise RuntimeError("too late")

    runner = LocalRunner({"fail": fail_late})
    thread, results = in_thread(lambda: runner.run([DagNode(slug="f", plugin="fail")], run_id="r"))
    assert started.wait(10)
    runner.cancel("r")
    release.set()
    thread.join(10)
    assert results[0].status is RunStatus.CANCELLED
    assert results[0].nodes["f"].errors == ()
    assert results[0].traceback is None


def test_cancel_from_the_progress_callback_on_the_runners_own_thread() -> None:
    encoder = Encoder()
    encoder.release.set()
    runner = LocalRunner(encoder.table(), max_workers=1)

    def stop_when_encode_starts(event: RunEvent) -> None:
        if isinstance(event, NodeStarted) and event.slug == "encode":
            runner.cancel("r", "enough")

    result = runner.run(NODES, run_id="r", progress=stop_when_encode_starts)
    assert result.error == "run cancelled: enough"
    assert encoder.calls == []
