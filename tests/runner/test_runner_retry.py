"""LocalRunner.retry: a failed run retried in place, running only what the retry re-dispatches."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.errors import PipelineValidationError, RetryError, StoreError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, ExpressionSource, Output
from dagabaaz.runner import LocalRunner, NodeFinished, NodeStatus, RunEvent, TaskFinished

NODES = [
    DagNode(slug="fetch", plugin="fetch"),
    DagNode(slug="resize", plugin="resize", depends_on=["fetch"]),
    DagNode(slug="caption", plugin="caption", depends_on=["fetch"]),
    DagNode(slug="album", plugin="album", depends_on=["resize"], fan_mode=FanMode.AGGREGATE),
]


class Photos:
    """Plugins that sleep a little, count their calls, and fail while ``broken`` says so."""

    def __init__(self, broken: set[str] | None = None) -> None:
        self.broken = set() if broken is None else broken
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def _called(self, name: str) -> None:
        with self.lock:
            self.calls[name] += 1
        time.sleep(0.01)

    def fetch(self, task: dict[str, Any]) -> list[Output]:
        self._called("fetch")
        return [Output(file_name=f"p{i}.jpg", metadata={"i": i}) for i in range(4)]

    def resize(self, task: dict[str, Any]) -> Output:
        self._called(f"resize {task['file_name']}")
        if task["file_name"] in self.broken:
            raise OSError(f"disk full while resizing {task['file_name']}")
        return Output(file_name="small-" + task["file_name"])

    def caption(self, task: dict[str, Any]) -> Output:
        self._called(f"caption {task['file_name']}")
        return Output(file_name=task["file_name"] + ".txt")

    def album(self, task: dict[str, Any]) -> Output:
        self._called("album")
        return Output(file_name="album.zip", metadata={"size": len(task["artifacts"])})

    def table(self) -> dict[str, Any]:
        return {
            "fetch": self.fetch,
            "resize": self.resize,
            "caption": self.caption,
            "album": self.album,
        }


def test_a_failed_run_is_retried_in_place_and_only_the_failure_runs_again() -> None:
    photos = Photos(broken={"p2.jpg"})
    runner = LocalRunner(photos.table(), max_workers=1)
    first = runner.run(NODES, run_id="holiday")
    assert first.status is RunStatus.FAILED
    assert first.error == "node 'resize' failed: p2.jpg: OSError: disk full while resizing p2.jpg"
    before = Counter(photos.calls)

    photos.broken.clear()  # the disk has room again
    result = runner.retry("holiday")

    assert result.ok, result.error
    assert result.run_id == "holiday"
    again = photos.calls - before
    # Nothing that completed runs again: fetch, the resizes before the failure.
    # The failed resize runs again, and the tasks its failure cancelled run for
    # the first time; the album, downstream, runs once.
    assert again["fetch"] == 0 and again["resize p0.jpg"] == 0 and again["album"] == 1
    assert photos.calls == {
        "fetch": 1,
        **{f"resize p{i}.jpg": 1 for i in range(4)},
        "resize p2.jpg": 2,
        **{f"caption p{i}.jpg": 1 for i in range(4)},
        "album": 1,
    }
    # The result is the whole run's: kept outputs, then this attempt's.
    assert sorted(o.file_name for o in result.nodes["resize"].outputs) == [
        f"small-p{i}.jpg" for i in range(4)
    ]
    assert len(result.nodes["fetch"].outputs) == 4
    assert result.nodes["album"].outputs[0].metadata == {"size": 4}
    assert runner.store.get_run_status("holiday") is RunStatus.COMPLETED
    per_node = Counter(NODES[t.node_index].slug for t in runner.store.tasks("holiday"))
    assert per_node == {"fetch": 1, "resize": 4, "caption": 4, "album": 1}


def test_a_run_that_fails_again_can_be_retried_again() -> None:
    photos = Photos(broken={"p1.jpg"})
    runner = LocalRunner(photos.table())
    assert runner.run(NODES, run_id="r").status is RunStatus.FAILED
    again = runner.retry("r")
    assert again.status is RunStatus.FAILED
    assert again.error == "node 'resize' failed: p1.jpg: OSError: disk full while resizing p1.jpg"
    assert again.nodes["resize"].errors == ("p1.jpg: OSError: disk full while resizing p1.jpg",)
    photos.broken.clear()
    assert runner.retry("r").ok
    assert photos.calls["fetch"] == 1


def test_retrying_a_completed_run_is_refused() -> None:
    runner = LocalRunner(Photos().table())
    assert runner.run(NODES, run_id="done").ok
    with pytest.raises(RetryError) as caught:
        runner.retry("done")
    assert str(caught.value) == "retry: run 'done' completed; there is nothing to retry"
    assert runner.store.get_run_status("done") is RunStatus.COMPLETED


def test_retrying_an_unknown_run_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="retry: this runner's store has no run 'nope'"):
        LocalRunner(Photos().table()).retry("nope")


def test_retrying_a_run_that_is_still_running_is_refused() -> None:
    started, release = threading.Event(), threading.Event()

    def hold(task: dict[str, Any]) -> None:
        started.set()
        release.wait(10)

    runner = LocalRunner({"hold": hold})
    results: list[Any] = []
    thread = threading.Thread(
        target=lambda: results.append(runner.run([DagNode(slug="h", plugin="hold")], run_id="busy"))
    )
    thread.start()
    try:
        assert started.wait(10)
        with pytest.raises(RetryError, match="retry: run 'busy' is still running"):
            runner.retry("busy")
    finally:
        release.set()
        thread.join(10)
    assert results[0].ok


def test_a_retry_runs_while_another_run_is_going() -> None:
    release = threading.Event()
    photos = Photos(broken={"p3.jpg"})
    table = {**photos.table(), "hold": lambda task: release.wait(10) and None}
    runner = LocalRunner(table, max_workers=2)
    assert runner.run(NODES, run_id="broken").status is RunStatus.FAILED

    other: list[Any] = []
    thread = threading.Thread(
        target=lambda: other.append(runner.run([DagNode(slug="h", plugin="hold")], run_id="long"))
    )
    thread.start()
    try:
        photos.broken.clear()
        assert runner.retry("broken").ok  # while "long" is still running
        assert runner.store.get_run_status("long") is RunStatus.RUNNING
    finally:
        release.set()
        thread.join(10)
    assert other[0].ok


def test_a_cancelled_run_is_retried_from_where_it_stopped() -> None:
    photos = Photos()
    recorded_two, resizing_p2, cancelled = threading.Event(), threading.Event(), threading.Event()

    def resize(task: dict[str, Any]) -> Output:
        if task["file_name"] == "p2.jpg" and not cancelled.is_set():
            assert recorded_two.wait(10)  # p0 and p1 are recorded: only p2 is in flight
            resizing_p2.set()
            assert cancelled.wait(10)  # still sleeping when the cancel comes
        return photos.resize(task)

    runner = LocalRunner({**photos.table(), "resize": resize}, max_workers=1)

    def cancel_while_p2_resizes() -> None:
        assert resizing_p2.wait(10)
        assert runner.cancel("trip", "the user pressed stop")
        cancelled.set()

    canceller = threading.Thread(target=cancel_while_p2_resizes)
    canceller.start()

    def watch(event: RunEvent) -> None:
        if isinstance(event, TaskFinished) and event.slug == "resize" and event.done == 2:
            recorded_two.set()

    result = runner.run(NODES, run_id="trip", progress=watch)
    canceller.join(10)
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: the user pressed stop"
    before = Counter(photos.calls)

    assert runner.retry("trip").ok
    again = photos.calls - before
    assert again["fetch"] == 0 and again["album"] == 1
    # The two resizes that completed before the cancel are kept. The one running
    # when it came ran to its end, but a cancelled task's outputs are dropped, so
    # it runs again; the rest run for the first time.
    assert again["resize p0.jpg"] == again["resize p1.jpg"] == 0
    assert before["resize p2.jpg"] == 1 and again["resize p2.jpg"] == 1
    assert photos.calls["resize p3.jpg"] == 1


def test_retry_uses_the_node_configs_the_run_had() -> None:
    seen: list[str] = []
    broken = [True]

    def greet(task: dict[str, Any]) -> None:
        if broken[0]:
            raise RuntimeError("not yet")
        seen.append(task["text"])

    node = DagNode(
        slug="g", plugin="greet", bindings={"text": ExpressionSource(expression="{config.word}")}
    )
    runner = LocalRunner({"greet": greet})
    assert runner.run([node], run_id="c", node_configs={"g": {"word": "hej"}}).status is (
        RunStatus.FAILED
    )
    broken[0] = False
    assert runner.retry("c").ok
    assert seen == ["hej"]


def test_another_runner_must_be_told_the_node_configs() -> None:
    store = InMemoryStore()
    broken = [True]

    def step(task: dict[str, Any]) -> None:
        if broken[0]:
            raise RuntimeError("not yet")

    nodes = [DagNode(slug="s", plugin="step")]
    LocalRunner({"step": step}, store=store).run(nodes, run_id="x")
    broken[0] = False
    fresh = LocalRunner({"step": step}, store=store)
    with pytest.raises(RetryError, match=r"was not run by this runner.*pass node_configs"):
        fresh.retry("x")
    assert store.get_run_status("x") is RunStatus.FAILED  # refused before anything changed
    assert fresh.retry("x", node_configs={}).ok


def test_a_runner_without_the_runs_plugins_cannot_retry_it() -> None:
    store = InMemoryStore()
    LocalRunner({"step": lambda task: 1 / 0}, store=store).run(
        [DagNode(slug="s", plugin="step")], run_id="x"
    )
    with pytest.raises(PipelineValidationError, match="step"):
        LocalRunner({"other": lambda task: None}, store=store).retry("x", node_configs={})
    assert store.get_run_status("x") is RunStatus.FAILED


def test_a_store_that_cannot_retry_is_named() -> None:
    class NoRetry:
        def __init__(self) -> None:
            self._inner = InMemoryStore()

        def __getattr__(self, name: str) -> Any:
            if name in {"reopen_run", "delete_node_launches"}:
                raise AttributeError(name)
            return getattr(self._inner, name)

    runner = LocalRunner({"step": lambda task: None}, store=NoRetry())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="has no delete_node_launches, reopen_run"):
        runner.retry("x")


def test_retry_reports_progress_for_the_kept_and_the_new_work() -> None:
    photos = Photos(broken={"p0.jpg"})
    runner = LocalRunner(photos.table(), max_workers=1)
    runner.run(NODES, run_id="r")
    photos.broken.clear()
    events: list[RunEvent] = []
    result = runner.retry("r", progress=events.append)
    finished = {e.slug: e.status for e in events if isinstance(e, NodeFinished)}
    assert finished == {
        "fetch": NodeStatus.COMPLETED,
        "caption": NodeStatus.COMPLETED,
        "resize": NodeStatus.COMPLETED,
        "album": NodeStatus.COMPLETED,
    }
    resize_done = [e.done for e in events if isinstance(e, TaskFinished) and e.slug == "resize"]
    assert resize_done[-1] == 4  # the kept tasks count towards done
    assert result.ok


def test_retry_with_a_routing_node_reruns_only_the_failed_branch() -> None:
    calls: Counter[str] = Counter()
    broken = [True]

    def save(task: dict[str, Any]) -> Output:
        calls[task["file_name"]] += 1
        if broken[0] and task["file_name"] == "b.srt":
            raise RuntimeError("cannot save b.srt")
        return Output(file_name="saved-" + task["file_name"])

    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(slug="route", plugin="router", depends_on=["fetch"]),
        DagNode(slug="save", plugin="save", depends_on=["route"]),
    ]
    plugins = {
        "fetch": lambda task: [Output(file_name="a.mp4"), Output(file_name="b.srt")],
        "save": save,
    }
    runner = LocalRunner(plugins, passthrough=["router"], max_workers=1)
    assert runner.run(nodes, run_id="r").status is RunStatus.FAILED
    broken[0] = False
    result = runner.retry("r")
    assert result.ok
    assert calls == {"a.mp4": 1, "b.srt": 2}
    assert sorted(o.file_name for o in result.nodes["save"].outputs) == [
        "saved-a.mp4",
        "saved-b.srt",
    ]


def test_retry_checks_its_arguments() -> None:
    runner = LocalRunner({"step": lambda task: None})
    with pytest.raises(TypeError, match="run_id must be a string, got int"):
        runner.retry(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cancel must be a CancelToken, got Event"):
        runner.retry("x", cancel=threading.Event())  # type: ignore[arg-type]
