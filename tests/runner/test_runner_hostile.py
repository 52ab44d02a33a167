"""The local runner never gives a wrong answer quietly: order, refused outputs, stalls, Ctrl-C.

Each case is something a user can do (a generator plugin, an output the
store cannot keep, a reused run id, Ctrl-C) or a store can do (lose a
dispatch), and each ends in a result that says what happened, or a clear
error before anything runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.errors import StoreError
from dagabaaz.memory import InMemoryStore, TaskRecord
from dagabaaz.models import DagNode, ExpressionSource, Output
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.runner import (
    LocalRunner,
    NodeFinished,
    NodeStarted,
    NodeStatus,
    RunEvent,
    TaskFinished,
)

COUNT = 12  # task ids cross from one digit to two (task-9, task-10)


def source(task: dict[str, Any]) -> list[Output]:
    return [Output(file_name=f"{i}.txt", metadata={"i": i}) for i in range(COUNT)]


def echo(task: dict[str, Any]) -> Output:
    return Output(file_name=f"echo-{task['i']}.txt", metadata={"i": task["i"]})


def order_seen(task: dict[str, Any]) -> Output:
    return Output(file_name="order.json", metadata={"order": [a["i"] for a in task["artifacts"]]})


# --- 4: outputs in completion order --------------------------------------------------


def test_outputs_are_recorded_in_completion_order() -> None:
    # With one worker, tasks complete in dispatch order. At the first echo task
    # reported, the progress callback holds the runner's thread until every
    # echo task has finished, so the rest are collected in one wait (sorting
    # them by id as text would put task-10 before task-3).
    finished = threading.Semaphore(0)

    def counted_echo(task: dict[str, Any]) -> Output:
        output = echo(task)
        finished.release()
        return output

    def hold(event: RunEvent) -> None:
        if isinstance(event, TaskFinished) and event.slug == "echo" and event.done == 1:
            for _ in range(COUNT):
                assert finished.acquire(timeout=10)

    nodes = [
        DagNode(slug="src", plugin="source"),
        DagNode(slug="echo", plugin="echo", depends_on=["src"]),
        DagNode(slug="all", plugin="order", depends_on=["echo"], fan_mode=FanMode.AGGREGATE),
    ]
    plugins = {"source": source, "echo": counted_echo, "order": order_seen}
    result = LocalRunner(plugins, max_workers=1).run(nodes, progress=hold)
    assert result.ok, result.error
    assert [o.metadata["i"] for o in result.nodes["echo"].outputs] == list(range(COUNT))
    assert result.nodes["all"].outputs[0].metadata["order"] == list(range(COUNT))


# --- 5: a generator that raises -----------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError, ValueError, TypeError], ids=lambda e: e.__name__)
def test_a_generator_plugin_that_raises_mid_iteration_fails_its_task(
    error: type[Exception],
) -> None:
    def stream(task: dict[str, Any]) -> Iterator[Output]:
        yield Output(file_name="first.txt")
        raise error("the stream broke")

    result = LocalRunner({"stream": stream}).run([DagNode(slug="s", plugin="stream")])
    assert result.status is RunStatus.FAILED
    assert result.error == f"node 's' failed: {error.__name__}: the stream broke"
    assert result.nodes["s"].errors == (f"{error.__name__}: the stream broke",)
    assert result.traceback is not None
    assert "in stream" in result.traceback and "the stream broke" in result.traceback
    assert "_plugin_calls" not in result.traceback
    assert result.nodes["s"].outputs == ()


def test_a_generator_plugin_that_exits_fails_its_task() -> None:
    def stream(task: dict[str, Any]) -> Iterator[Output]:
        yield Output(file_name="first.txt")
        raise SystemExit(3)

    result = LocalRunner({"stream": stream}).run([DagNode(slug="s", plugin="stream")])
    assert result.error == "node 's' failed: plugin 'stream' called sys.exit(3)"


def test_a_generator_plugin_yielding_a_bad_output_still_says_so() -> None:
    def stream(task: dict[str, Any]) -> Iterator[object]:
        yield Output(file_name="first.txt")
        yield 42

    result = LocalRunner({"stream": stream}).run([DagNode(slug="s", plugin="stream")])
    assert result.error == (
        "node 's' failed: TypeError: plugin 'stream' returned int as output 1; "
        "expected an Output or a dict"
    )
    assert result.traceback is None


# --- 6: an output the store refuses -----------------------------------------------------


def deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        (deep(150), "output 1 metadata is nested more than 100 levels deep"),
        ({"lock": threading.Lock()}, "output 1 metadata cannot be copied: TypeError: "),
    ],
    ids=["too-deep", "not-copyable"],
)
def test_an_output_the_store_refuses_fails_the_task_naming_the_plugin(
    metadata: dict[str, Any], problem: str
) -> None:
    def make(task: dict[str, Any]) -> list[Output]:
        return [Output(file_name="fine.txt"), Output(file_name="bad.txt", metadata=metadata)]

    store = InMemoryStore()
    nodes = [DagNode(slug="m", plugin="make"), DagNode(slug="n", plugin="make", depends_on=["m"])]
    result = LocalRunner({"make": make}, store=store).run(nodes, run_id="r")
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert result.error.startswith(
        "node 'm' failed: plugin 'make' returned an output the store refused: "
    )
    assert problem in result.error
    assert result.nodes["m"].status is NodeStatus.FAILED
    assert result.nodes["m"].outputs == ()
    assert result.nodes["n"].status is NodeStatus.NOT_RUN
    # Nothing of the refused task reached the store, not even its first output.
    assert store.get_task_artifacts_by_node_indices("r", [0]) == []


# --- 7 and 9: a stalled run ------------------------------------------------------------


class LosesDispatches(InMemoryStore):
    """Its queue loses every task of one node: a dispatch that never reaches a worker."""

    lost_node = 1

    def queued_tasks(self, run_id: str, limit: int | None = None) -> list[TaskRecord]:
        found = super().queued_tasks(run_id)
        return [t for t in found if t.node_index != self.lost_node][:limit]


STALL = "run stalled: no task is queued or running, yet the run has not ended"


def test_a_stalled_run_with_custom_pipes_fails_as_stalled() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    nodes = [
        DagNode(slug="a", plugin="make"),
        DagNode(
            slug="b",
            plugin="make",
            depends_on=["a"],
            bindings={"name": ExpressionSource(expression="{a.file_name | shout}")},
        ),
    ]
    runner = LocalRunner(
        {"make": lambda task: Output(file_name="x.txt")}, store=LosesDispatches(), pipes=pipes
    )
    result = runner.run(nodes)
    assert result.status is RunStatus.FAILED
    assert result.error == STALL
    assert result.nodes["b"].status is NodeStatus.CANCELLED


def test_a_stalled_run_says_why_it_ended() -> None:
    nodes = [DagNode(slug="a", plugin="make"), DagNode(slug="b", plugin="make", depends_on=["a"])]
    store = LosesDispatches()
    plugins = {"make": lambda task: Output(file_name="x.txt")}
    result = LocalRunner(plugins, store=store).run(nodes, run_id="r")
    assert result.error == STALL
    assert "run stalled" in str(result)
    assert store.run("r").error == STALL


# --- 8: errors of failed tasks only ----------------------------------------------------


def test_a_task_cancelled_while_running_adds_no_error() -> None:
    second_started = threading.Event()
    first_failed = threading.Event()

    def work(task: dict[str, Any]) -> None:
        if task["i"] == 0:
            assert second_started.wait(timeout=10)
            raise RuntimeError("the first one failed")
        second_started.set()
        assert first_failed.wait(timeout=10)
        raise RuntimeError("too late: the run had already failed")

    def watch(event: RunEvent) -> None:
        if isinstance(event, TaskFinished) and not event.ok:
            first_failed.set()

    nodes = [
        DagNode(slug="src", plugin="two"),
        DagNode(slug="w", plugin="work", depends_on=["src"]),
    ]
    plugins = {
        "two": lambda task: [Output(file_name=f"{i}.txt", metadata={"i": i}) for i in range(2)],
        "work": work,
    }
    result = LocalRunner(plugins, max_workers=2).run(nodes, progress=watch)
    assert result.status is RunStatus.FAILED
    assert result.error == "node 'w' failed: 0.txt: RuntimeError: the first one failed"
    assert result.nodes["w"].errors == ("0.txt: RuntimeError: the first one failed",)


# --- 10: every started node gets NodeFinished ------------------------------------------


def _events_until_interrupted(interrupt_in_plugin: bool) -> list[RunEvent]:
    events: list[RunEvent] = []
    release = threading.Event()

    def work(task: dict[str, Any]) -> None:
        if task["i"] == 1 and interrupt_in_plugin:
            raise KeyboardInterrupt
        release.wait(timeout=0.2)

    def record(event: RunEvent) -> None:
        events.append(event)
        tasks_finished = [e for e in events if isinstance(e, TaskFinished)]
        if not interrupt_in_plugin and isinstance(event, TaskFinished) and len(tasks_finished) == 2:
            raise KeyboardInterrupt  # Ctrl-C, landing on the runner's thread

    nodes = [
        DagNode(slug="src", plugin="three"),
        DagNode(slug="w", plugin="work", depends_on=["src"]),
        DagNode(slug="v", plugin="work", depends_on=["src"]),
        DagNode(slug="end", plugin="work", depends_on=["w", "v"], fan_mode=FanMode.AGGREGATE),
    ]
    plugins = {
        "three": lambda task: [Output(file_name=f"{i}.txt", metadata={"i": i}) for i in range(3)],
        "work": work,
    }
    result = LocalRunner(plugins, max_workers=2).run(nodes, progress=record)
    assert result.status is RunStatus.CANCELLED
    return events


@pytest.mark.parametrize("in_plugin", [True, False], ids=["from-a-plugin", "ctrl-c"])
def test_every_started_node_gets_node_finished_after_an_interrupt(in_plugin: bool) -> None:
    events = _events_until_interrupted(in_plugin)
    started = [e.slug for e in events if isinstance(e, NodeStarted)]
    finished = [e.slug for e in events if isinstance(e, NodeFinished)]
    assert "w" in started
    assert sorted(finished) == sorted(started)
    statuses = {e.slug: e.status for e in events if isinstance(e, NodeFinished)}
    assert statuses["src"] is NodeStatus.COMPLETED
    assert statuses["w"] is NodeStatus.CANCELLED


# --- 11: a routing node without a function forwards unchanged ----------------------------

AWKWARD = Output(
    file_name="a.mp4",
    file_path="/data/a.mp4",
    file_size=7,
    mime_type="video/mp4",
    metadata={
        "metadata": {"nested": True},
        "file_name": "not-the-name.txt",
        "file_size": "huge",
        "title": "T",
    },
)


@pytest.mark.parametrize("mode", list(FanMode), ids=str)
def test_a_routing_node_without_a_function_forwards_artifacts_unchanged(mode: FanMode) -> None:
    nodes = [
        DagNode(slug="src", plugin="make"),
        DagNode(slug="route", plugin="router", depends_on=["src"], fan_mode=mode),
    ]
    result = LocalRunner({"make": lambda task: [AWKWARD]}, passthrough=["router"]).run(nodes)
    assert result.ok, result.error
    assert result.nodes["route"].outputs == (AWKWARD,)


# --- 12: a run id used twice -------------------------------------------------------------


def test_a_run_id_used_twice_is_a_store_error_naming_it() -> None:
    store = InMemoryStore()
    runner = LocalRunner({"make": lambda task: Output(file_name="x.txt")}, store=store)
    nodes = [DagNode(slug="a", plugin="make")]
    assert runner.run(nodes, run_id="nightly").ok
    with pytest.raises(StoreError) as caught:
        runner.run(nodes, run_id="nightly")
    assert str(caught.value) == (
        "run id 'nightly' is already used in this runner's store; "
        "pass another run_id (or none, for a fresh one)"
    )
    assert len(store.tasks("nightly")) == 1  # the first run is untouched
    assert LocalRunner.run.__doc__ is not None
    assert "StoreError: ``run_id`` is already used" in LocalRunner.run.__doc__
