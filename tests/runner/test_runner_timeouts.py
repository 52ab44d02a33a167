"""Per-task and per-run timeouts of the local runner, with plugins that really sleep."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.models import DagNode, Output
from dagabaaz.runner import LocalRunner, NodeStarted, NodeStatus, RunEvent

NODES = [
    DagNode(slug="list", plugin="list"),
    DagNode(slug="work", plugin="work", depends_on=["list"]),
]


def listing(count: int) -> Callable[[dict[str, Any]], list[Output]]:
    return lambda task: [Output(file_name=f"{i}.txt", metadata={"i": i}) for i in range(count)]


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of the test: plugins left running on their own threads then end."""
    event = threading.Event()
    yield event
    event.set()


def test_a_task_past_its_timeout_fails_and_the_run_returns(release: threading.Event) -> None:
    ended: list[str] = []

    def hang(task: dict[str, Any]) -> Output:
        release.wait(30)  # far longer than the timeout
        ended.append(task["file_name"])
        return Output(file_name="late.txt")

    runner = LocalRunner({"list": listing(1), "work": hang}, task_timeout=0.1)
    begun = time.perf_counter()
    result = runner.run(NODES, run_id="t")
    took = time.perf_counter() - begun

    assert took < 5  # the runner stopped waiting; it did not wait the 30 s
    assert result.status is RunStatus.FAILED
    assert result.error == (
        "node 'work' failed: 0.txt: plugin 'work' timed out after 0.1 s (task_timeout)"
    )
    assert result.nodes["work"].status is NodeStatus.FAILED
    assert result.nodes["work"].errors == (
        "0.txt: plugin 'work' timed out after 0.1 s (task_timeout)",
    )
    assert result.traceback is None

    # The plugin's thread was still running; once it returns, nothing it made is kept.
    release.set()
    deadline = time.monotonic() + 10
    while not ended and time.monotonic() < deadline:
        time.sleep(0.005)
    assert ended == ["0.txt"]
    time.sleep(0.05)
    (task,) = [t for t in runner.store.tasks("t") if t.node_index == 1]
    assert task.status is TaskStatus.FAILED
    assert runner.store.get_artifacts_by_node_indices("t", [1]) == []


def test_tasks_that_finish_in_time_are_not_touched() -> None:
    def nap(task: dict[str, Any]) -> Output:
        time.sleep(0.01)
        return Output(file_name=task["file_name"])

    runner = LocalRunner({"list": listing(20), "work": nap}, task_timeout=2, max_workers=4)
    result = runner.run(NODES)
    assert result.ok
    assert len(result.nodes["work"].outputs) == 20


def test_the_clock_starts_when_a_worker_picks_the_task_up() -> None:
    # One worker, six tasks of 0.05 s: 0.3 s in all, each well inside 0.2 s.
    def nap(task: dict[str, Any]) -> None:
        time.sleep(0.05)

    runner = LocalRunner({"list": listing(6), "work": nap}, task_timeout=0.2, max_workers=1)
    assert runner.run(NODES).ok


def test_no_other_task_starts_after_a_timeout(release: threading.Event) -> None:
    calls: list[int] = []

    def first_hangs(task: dict[str, Any]) -> None:
        calls.append(task["i"])
        if task["i"] == 0:
            release.wait(30)

    runner = LocalRunner({"list": listing(5), "work": first_hangs}, task_timeout=0.1, max_workers=1)
    result = runner.run(NODES)
    assert result.status is RunStatus.FAILED
    assert calls == [0]
    assert result.nodes["work"].task_count == 5


def test_a_generator_plugin_is_timed_until_it_is_exhausted(release: threading.Event) -> None:
    yielded: list[str] = []

    def slow_generator(task: dict[str, Any]) -> Iterator[Output]:
        for name in ("a.txt", "b.txt", "c.txt"):
            yielded.append(name)
            yield Output(file_name=name)
            release.wait(30)  # slow between items

    runner = LocalRunner({"list": listing(1), "work": slow_generator}, task_timeout=0.1)
    result = runner.run(NODES, run_id="g")
    assert result.error == (
        "node 'work' failed: 0.txt: plugin 'work' timed out after 0.1 s (task_timeout)"
    )
    assert yielded == ["a.txt"]  # the first output was made, yet nothing is kept
    assert result.nodes["work"].outputs == ()
    release.set()
    deadline = time.monotonic() + 10
    while len(yielded) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)
    assert runner.store.get_artifacts_by_node_indices("g", [1]) == []


def test_a_fast_generator_plugin_under_a_timeout_completes() -> None:
    def generator(task: dict[str, Any]) -> Iterator[Output]:
        for i in range(3):
            time.sleep(0.01)
            yield Output(file_name=f"{i}.out")

    result = LocalRunner({"list": listing(2), "work": generator}, task_timeout=1).run(NODES)
    assert result.ok
    assert len(result.nodes["work"].outputs) == 6


def test_a_run_past_its_timeout_fails_and_returns_at_once(release: threading.Event) -> None:
    def hang(task: dict[str, Any]) -> None:
        release.wait(30)

    runner = LocalRunner({"list": listing(3), "work": hang}, run_timeout=0.2, max_workers=2)
    begun = time.perf_counter()
    result = runner.run(NODES, run_id="r")
    assert time.perf_counter() - begun < 5
    assert result.status is RunStatus.FAILED
    assert result.error == "run timed out after 0.2 s (run_timeout) while node 'work' was running"
    assert result.nodes["work"].status is NodeStatus.CANCELLED
    assert result.nodes["work"].errors == ()
    statuses = [t.status for t in runner.store.tasks("r") if t.node_index == 1]
    assert statuses == [TaskStatus.CANCELLED] * 3


def test_a_run_that_finishes_in_time_is_not_touched() -> None:
    def nap(task: dict[str, Any]) -> None:
        time.sleep(0.01)

    assert LocalRunner({"list": listing(4), "work": nap}, run_timeout=5).run(NODES).ok


def test_both_timeouts_the_first_to_pass_decides(release: threading.Event) -> None:
    def hang(task: dict[str, Any]) -> None:
        release.wait(30)

    plugins = {"list": listing(1), "work": hang}
    result = LocalRunner(plugins, task_timeout=0.1, run_timeout=5).run(NODES)
    assert result.error == (
        "node 'work' failed: 0.txt: plugin 'work' timed out after 0.1 s (task_timeout)"
    )
    result = LocalRunner(plugins, task_timeout=5, run_timeout=0.1).run(NODES)
    assert result.error == "run timed out after 0.1 s (run_timeout) while node 'work' was running"


def test_a_retry_after_a_timeout_runs_the_timed_out_task_again(release: threading.Event) -> None:
    slow = [True]

    def sometimes_slow(task: dict[str, Any]) -> Output:
        if slow[0]:
            release.wait(30)
        return Output(file_name="ok.txt")

    runner = LocalRunner({"list": listing(1), "work": sometimes_slow}, task_timeout=0.1)
    assert runner.run(NODES, run_id="r").status is RunStatus.FAILED
    slow[0] = False
    assert runner.retry("r").ok


def test_cancel_waits_for_a_running_plugin_only_up_to_its_timeout(
    release: threading.Event,
) -> None:
    started = threading.Event()

    def hang(task: dict[str, Any]) -> None:
        started.set()
        release.wait(30)

    runner = LocalRunner({"list": listing(1), "work": hang}, task_timeout=0.3)
    threading.Thread(target=lambda: started.wait(10) and runner.cancel("r")).start()
    begun = time.perf_counter()
    result = runner.run(NODES, run_id="r")
    assert time.perf_counter() - begun < 5
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: cancel requested"
    assert result.nodes["work"].errors == ()  # the run had ended: the timeout is no failure


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"task_timeout": 0},
            ValueError,
            "task_timeout must be a positive, finite number of seconds, got 0",
        ),
        (
            {"run_timeout": -1.5},
            ValueError,
            "run_timeout must be a positive, finite number of seconds, got -1.5",
        ),
        (
            {"task_timeout": float("inf")},
            ValueError,
            "task_timeout must be a positive, finite number of seconds, got inf",
        ),
        (
            {"run_timeout": "5"},
            TypeError,
            "run_timeout must be a number of seconds or None, got str",
        ),
        (
            {"task_timeout": True},
            TypeError,
            "task_timeout must be a number of seconds or None, got bool",
        ),
    ],
    ids=["zero", "negative", "infinite", "text", "bool"],
)
def test_timeouts_are_checked(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        LocalRunner({}, **kwargs)
    assert str(caught.value) == message


# --- Ctrl-C ----------------------------------------------------------------------------


class CtrlC:
    """Deliver real SIGINTs to the main thread, where the runner runs; none can escape the test."""

    def __init__(self) -> None:
        self.armed = True
        self.handled = 0

    def handler(self, signum: int, frame: object) -> None:
        if self.armed:
            self.handled += 1
            raise KeyboardInterrupt

    def press(self) -> None:
        """Press Ctrl-C once, and wait until Python has handled it.

        A signal that arrives just before the main thread blocks on a lock is
        only handled when the thread next wakes (CPython checks for signals
        before it blocks, not while): pressing again wakes it, and the two
        count as one, as they would for a user pressing twice quickly.
        """
        handled = self.handled
        main = threading.main_thread().ident or 0
        for _ in range(50):
            signal.pthread_kill(main, signal.SIGINT)
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                if self.handled > handled:
                    return
                time.sleep(0.002)
        raise AssertionError("Ctrl-C was never handled")


@pytest.fixture
def ctrl_c() -> Iterator[CtrlC]:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    keys = CtrlC()
    previous = signal.signal(signal.SIGINT, keys.handler)
    try:
        yield keys
    finally:
        keys.armed = False
        signal.signal(signal.SIGINT, previous)


def main_thread_waits_in(function: str) -> bool:
    """Whether the main thread is blocked waiting for futures inside the runner's ``function``.

    A Ctrl-C then lands where a user's would: in the runner's wait, not in the
    middle of Python's own bookkeeping (where a KeyboardInterrupt can break
    any program).
    """
    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    if (
        frame is None
        or frame.f_code.co_name != "wait"
        or not frame.f_code.co_filename.endswith("threading.py")
    ):
        return False
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back
    return False


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.002)


def test_ctrl_c_while_a_task_waits_for_its_timeout(ctrl_c: CtrlC, release: threading.Event) -> None:
    started = threading.Event()

    def hang(task: dict[str, Any]) -> None:
        started.set()
        release.wait(30)

    def press_once_running() -> None:
        assert started.wait(10)
        wait_until(lambda: main_thread_waits_in("_wait"))
        ctrl_c.press()

    runner = LocalRunner({"list": listing(2), "work": hang}, task_timeout=0.5, max_workers=1)
    threading.Thread(target=press_once_running).start()
    begun = time.perf_counter()
    result = runner.run(NODES, run_id="r")
    took = time.perf_counter() - begun
    ctrl_c.armed = False
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: interrupted (KeyboardInterrupt)"
    assert 0.4 < took < 5  # waited for the running plugin up to its timeout, no longer
    assert result.nodes["work"].errors == ()


def test_a_second_ctrl_c_stops_waiting_for_running_plugins(
    ctrl_c: CtrlC, release: threading.Event
) -> None:
    started = threading.Event()

    def hang(task: dict[str, Any]) -> None:
        started.set()
        release.wait(30)  # no timeout: only a second Ctrl-C ends the wait

    def press_twice() -> None:
        assert started.wait(10)
        wait_until(lambda: main_thread_waits_in("_wait"))
        ctrl_c.press()
        wait_until(lambda: main_thread_waits_in("_wait_out"))
        ctrl_c.press()

    events: list[RunEvent] = []
    runner = LocalRunner({"list": listing(1), "work": hang})
    presser = threading.Thread(target=press_twice)
    presser.start()
    result = runner.run(NODES, run_id="r", progress=events.append)
    presser.join(10)
    ctrl_c.armed = False
    assert ctrl_c.handled == 2
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: interrupted (KeyboardInterrupt)"
    assert [e.slug for e in events if isinstance(e, NodeStarted)] == ["list", "work"]
