# ruff: noqa: E501  (tables of exact messages read best on one line)
import json
import re
import sys
import threading
from typing import Any

import pytest

from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.errors import PipelineValidationError, RunInputError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    Output,
    Pipeline,
    RuntimeSource,
)
from dagabaaz.runner import (
    LocalRunner,
    NodeFinished,
    NodeStarted,
    NodeStatus,
    RunEvent,
    RunFinished,
    TaskFinished,
)


def files(*names: str) -> Any:
    def plugin(task: dict[str, Any]) -> list[Output]:
        return [
            Output(file_name=name, file_size=len(name), metadata={"n": i})
            for i, name in enumerate(names)
        ]

    return plugin


def upper(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": task["file_name"].upper(), "metadata": {"from": task["file_name"]}}


def count(task: dict[str, Any]) -> Output:
    names = sorted(item["file_name"] for item in task["artifacts"])
    return Output(file_name="count.txt", metadata={"count": len(names), "names": names})


LINEAR = [
    DagNode(slug="fetch", plugin="files"),
    DagNode(slug="transform", plugin="upper", depends_on=["fetch"]),
    DagNode(slug="export", plugin="count", depends_on=["transform"], fan_mode=FanMode.AGGREGATE),
]
PLUGINS = {"files": files("a.txt", "b.txt", "c.txt"), "upper": upper, "count": count}


def test_linear_run_completes_with_per_node_results() -> None:
    result = LocalRunner(PLUGINS).run(LINEAR, run_id="r1")
    assert result.ok and result.status is RunStatus.COMPLETED
    assert result.run_id == "r1" and result.error is None and result.traceback is None
    assert [(n.slug, n.status, n.task_count, len(n.outputs)) for n in result.nodes.values()] == [
        ("fetch", NodeStatus.COMPLETED, 1, 3),
        ("transform", NodeStatus.COMPLETED, 3, 3),
        ("export", NodeStatus.COMPLETED, 1, 1),
    ]
    (summary,) = result.nodes["export"].outputs
    assert summary.metadata == {"count": 3, "names": ["A.TXT", "B.TXT", "C.TXT"]}
    assert result.sinks == ("export",)
    assert all(node.elapsed_seconds >= 0 for node in result.nodes.values())
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "completed"
    assert data["nodes"][2]["outputs"][0]["metadata"]["count"] == 3


def test_summary_reads_as_a_table() -> None:
    result = LocalRunner(PLUGINS).run(LINEAR, run_id="r1")
    lines = str(result).splitlines()
    assert re.fullmatch(r"run r1 completed in \d+\.\d\d s", lines[0])
    assert re.fullmatch(r"  fetch      files  completed  1 task   3 outputs  \d+\.\d\d s", lines[1])
    assert re.fullmatch(r"  transform  upper  completed  3 tasks  3 outputs  \d+\.\d\d s", lines[2])
    assert re.fullmatch(r"  export     count  completed  1 task   1 output   \d+\.\d\d s", lines[3])
    assert lines[4:] == ["outputs of export:", "  count.txt"]


def test_tasks_run_on_a_thread_pool() -> None:
    barrier = threading.Barrier(3, timeout=30)

    def meet(task: dict[str, Any]) -> None:
        barrier.wait()  # only passes when three tasks run at the same time

    runner = LocalRunner({"files": PLUGINS["files"], "meet": meet}, max_workers=3)
    nodes = [DagNode(slug="f", plugin="files"), DagNode(slug="m", plugin="meet", depends_on=["f"])]
    assert runner.run(nodes).ok


def test_one_worker_runs_one_task_at_a_time() -> None:
    lock = threading.Lock()
    active, peak, threads = [0], [0], set()

    def track(task: dict[str, Any]) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            threads.add(threading.current_thread().name)
        with lock:
            active[0] -= 1

    nodes = [DagNode(slug="f", plugin="files"), DagNode(slug="t", plugin="track", depends_on=["f"])]
    assert LocalRunner({"files": PLUGINS["files"], "track": track}, max_workers=1).run(nodes).ok
    assert peak == [1] and len(threads) == 1


def test_plugin_exception_fails_task_and_run_with_traceback() -> None:
    def explode(task: dict[str, Any]) -> None:
        raise ValueError(f"cannot read {task['file_name']}")

    runner = LocalRunner({**PLUGINS, "upper": explode}, max_workers=1)
    result = runner.run(LINEAR)
    assert result.status is RunStatus.FAILED and not result.ok
    assert result.error == "node 'transform' failed: a.txt: ValueError: cannot read a.txt"
    assert result.traceback is not None
    assert "in explode" in result.traceback
    assert result.traceback.rstrip().endswith("ValueError: cannot read a.txt")
    transform = result.nodes["transform"]
    assert transform.status is NodeStatus.FAILED
    assert transform.errors[0] == "a.txt: ValueError: cannot read a.txt"
    assert result.nodes["export"].status is NodeStatus.NOT_RUN
    assert (
        str(result).splitlines()[-1]
        == "error: node 'transform' failed: a.txt: ValueError: cannot read a.txt"
    )


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (
            "a string",
            "TypeError: plugin 'upper' returned str; expected None, an Output, a dict, or a list of them",
        ),
        (
            42,
            "TypeError: plugin 'upper' returned int; expected None, an Output, a dict, or a list of them",
        ),
        (
            [Output(file_name="x"), 3],
            "TypeError: plugin 'upper' returned int as output 1; expected an Output or a dict",
        ),
        (
            [{"file_nam": "x"}],
            "ValueError: plugin 'upper' returned an invalid output 0: file_name: Field required; file_nam: Extra inputs are not permitted",
        ),
    ],
    ids=["string", "number", "list-with-number", "bad-dict"],
)
def test_bad_plugin_results_fail_the_task(returned: object, message: str) -> None:
    result = LocalRunner({**PLUGINS, "upper": lambda task: returned}, max_workers=1).run(LINEAR)
    assert result.status is RunStatus.FAILED
    assert result.error == f"node 'transform' failed: a.txt: {message}"


@pytest.mark.parametrize(
    ("returned", "names"),
    [
        (None, []),
        ({"file_name": "one"}, ["one"]),
        (Output(file_name="model"), ["model"]),
        ((Output(file_name=n) for n in ("g1", "g2")), ["g1", "g2"]),
        ([{"file_name": "d"}, Output(file_name="o")], ["d", "o"]),
    ],
    ids=["none", "one-dict", "one-output", "generator", "mixed-list"],
)
def test_plugin_results_are_normalized(returned: object, names: list[str]) -> None:
    nodes = [DagNode(slug="only", plugin="p")]
    result = LocalRunner({"p": lambda task: returned}).run(nodes)
    assert result.ok
    assert [o.file_name for o in result.nodes["only"].outputs] == names


def test_sys_exit_in_a_plugin_fails_the_task_not_the_process() -> None:
    result = LocalRunner({"p": lambda task: sys.exit(3)}).run([DagNode(slug="only", plugin="p")])
    assert result.error == "node 'only' failed: plugin 'p' called sys.exit(3)"


def _fan_out_two() -> tuple[list[DagNode], dict[str, Any], dict[str, bool]]:
    started, finished = threading.Event(), {"slow": False}

    def work(task: dict[str, Any]) -> None:
        if task["file_name"] == "a.txt":
            assert started.wait(30)
            raise KeyboardInterrupt
        started.set()
        threading.Event().wait(0.2)
        finished["slow"] = True

    nodes = [DagNode(slug="f", plugin="files"), DagNode(slug="w", plugin="work", depends_on=["f"])]
    return nodes, {"files": files("a.txt", "b.txt"), "work": work}, finished


def test_keyboard_interrupt_cancels_and_waits_for_running_tasks() -> None:
    nodes, plugins, finished = _fan_out_two()
    store = InMemoryStore()
    result = LocalRunner(plugins, max_workers=2, store=store).run(nodes, run_id="ctrl-c")
    assert result.status is RunStatus.CANCELLED
    assert result.error == "run cancelled: interrupted (KeyboardInterrupt)"
    assert finished["slow"] is True  # the running task ended before run() returned
    assert store.get_run_status("ctrl-c") is RunStatus.CANCELLED
    assert result.nodes["w"].status is NodeStatus.CANCELLED


def test_keyboard_interrupt_in_the_wait_loop_cancels() -> None:
    def interrupt_on_first_task(event: RunEvent) -> None:
        if isinstance(event, TaskFinished):
            raise KeyboardInterrupt

    result = LocalRunner(PLUGINS).run(LINEAR, progress=interrupt_on_first_task)
    assert result.status is RunStatus.CANCELLED
    assert result.nodes["export"].status is NodeStatus.NOT_RUN


def test_other_errors_in_the_loop_fail_the_run_and_propagate() -> None:
    store = InMemoryStore()

    def broken(event: RunEvent) -> None:
        if isinstance(event, NodeFinished):
            raise RuntimeError("display broke")

    with pytest.raises(RuntimeError, match="display broke"):
        LocalRunner(PLUGINS, store=store).run(LINEAR, run_id="x", progress=broken)
    assert store.get_run_status("x") is RunStatus.FAILED


def test_invalid_pipeline_is_refused_with_every_diagnostic() -> None:
    store = InMemoryStore()
    nodes = [
        DagNode(slug="a", plugin="files", depends_on=["b"]),
        DagNode(slug="b", plugin="nope", depends_on=["a"]),
    ]
    with pytest.raises(PipelineValidationError) as caught:
        LocalRunner(PLUGINS, store=store).run(nodes, run_id="never")
    codes = {d.code for d in caught.value.diagnostics}
    assert codes == {"unknown-plugin", "dependency-cycle", "no-root"}
    assert store.get_run_status("never") is None


def test_unknown_plugin_is_a_validation_error() -> None:
    with pytest.raises(PipelineValidationError) as caught:
        LocalRunner(PLUGINS).run([DagNode(slug="a", plugin="fils")])
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "unknown-plugin" and diagnostic.node == "a"
    assert "fils" in diagnostic.message


@pytest.mark.parametrize(
    "fan_mode", [FanMode.SINGLE, FanMode.AGGREGATE], ids=["single", "aggregate"]
)
def test_passthrough_without_function_forwards_artifacts(fan_mode: FanMode) -> None:
    nodes = [
        DagNode(slug="fetch", plugin="files"),
        DagNode(slug="route", plugin="router", depends_on=["fetch"], fan_mode=fan_mode),
        DagNode(slug="export", plugin="count", depends_on=["route"], fan_mode=FanMode.AGGREGATE),
    ]
    result = LocalRunner(PLUGINS, passthrough=["router"]).run(nodes)
    assert result.ok
    forwarded = result.nodes["route"].outputs
    assert sorted((o.file_name, o.file_size, o.metadata["n"]) for o in forwarded) == [
        ("a.txt", 5, 0),
        ("b.txt", 5, 1),
        ("c.txt", 5, 2),
    ]
    assert result.nodes["export"].outputs[0].metadata["names"] == ["a.txt", "b.txt", "c.txt"]


def test_passthrough_plugin_with_a_function_is_a_routing_node() -> None:
    # A routing node that produced nothing is walked past: export still sees fetch's files.
    nodes = [
        DagNode(slug="fetch", plugin="files"),
        DagNode(slug="route", plugin="router", depends_on=["fetch"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="export", plugin="count", depends_on=["route"], fan_mode=FanMode.AGGREGATE),
    ]
    result = LocalRunner({**PLUGINS, "router": lambda task: None}, passthrough=["router"]).run(
        nodes
    )
    assert result.ok
    assert result.nodes["export"].outputs[0].metadata["count"] == 3


def test_edge_filter_rejecting_everything_filters_the_node() -> None:
    rule = FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")
    nodes = [
        DagNode(slug="fetch", plugin="files"),
        DagNode(
            slug="video",
            plugin="upper",
            depends_on=["fetch"],
            edge_filters={"fetch": EdgeFilter(rules=[rule])},
        ),
    ]
    result = LocalRunner(PLUGINS).run(nodes)
    assert result.ok
    assert result.nodes["video"].status is NodeStatus.FILTERED


def test_grouped_merge_gets_one_task_per_origin() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="files"),
        DagNode(slug="a", plugin="upper", depends_on=["fetch"]),
        DagNode(slug="b", plugin="upper", depends_on=["fetch"]),
        DagNode(slug="merge", plugin="count", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
    ]
    result = LocalRunner(PLUGINS).run(nodes)
    merged = sorted(o.metadata["names"] for o in result.nodes["merge"].outputs)
    assert merged == [["A.TXT", "A.TXT"], ["B.TXT", "B.TXT"], ["C.TXT", "C.TXT"]]


def test_inputs_configs_and_defaults_reach_plugins() -> None:
    seen: list[dict[str, Any]] = []

    def record(task: dict[str, Any]) -> None:
        seen.append(task)

    node = DagNode(
        slug="only",
        plugin="record",
        bindings={
            "greeting": ExpressionSource(expression="{config.greeting} {input.name | title}"),
            "mode": RuntimeSource(key="mode", default="fast"),
            "flag": ConfigSource(value=True, when="{input.loud}"),
        },
    )
    pipeline = Pipeline(nodes=[node], default_input={"name": "ada lovelace", "loud": False})
    runner = LocalRunner({"record": record})
    assert runner.run(pipeline, node_configs={"only": {"greeting": "Hello"}}).ok
    assert seen[-1]["greeting"] == "Hello Ada Lovelace"
    assert seen[-1]["mode"] == "fast"
    assert "flag" not in seen[-1]
    assert runner.run(
        pipeline, {"loud": True, "mode": "slow"}, node_configs={"only": {"greeting": "Hi"}}
    ).ok
    assert (seen[-1]["flag"], seen[-1]["mode"], seen[-1]["greeting"]) == (
        True,
        "slow",
        "Hi Ada Lovelace",
    )


def test_custom_pipes_reach_validation_and_bindings() -> None:
    from dagabaaz.expressions import Limits
    from dagabaaz.pipes import DEFAULT_PIPES

    pipes = DEFAULT_PIPES.copy()

    @pipes.register("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    seen: list[dict[str, Any]] = []
    node = DagNode(
        slug="only",
        plugin="record",
        bindings={"loud": ExpressionSource(expression="{input.word | shout}")},
    )
    with pytest.raises(PipelineValidationError, match="unknown pipe 'shout'"):
        LocalRunner({"record": seen.append}).run([node], {"word": "hi"})
    runner = LocalRunner({"record": seen.append}, pipes=pipes)
    assert runner.run([node], {"word": "hi"}).ok
    assert seen[-1]["loud"] == "HI!"
    tight = LocalRunner({"record": seen.append}, pipes=pipes, limits=Limits(max_string_length=4))
    result = tight.run([node], {"word": "long word"})
    assert result.status is RunStatus.FAILED
    assert result.error is not None and "loud" in result.error


def test_missing_required_input_is_refused() -> None:
    node = DagNode(
        slug="only", plugin="record", bindings={"url": RuntimeSource(key="url", required=True)}
    )
    with pytest.raises(RunInputError, match="url"):
        LocalRunner({"record": lambda task: None}).run([node])


def test_fan_out_limit_fails_the_run() -> None:
    result = LocalRunner(PLUGINS, fan_out_limit=2).run(LINEAR)
    assert result.status is RunStatus.FAILED
    assert result.nodes["transform"].status is NodeStatus.FAILED
    assert result.error is not None
    assert result.error.startswith("node 'transform' failed: fan-out limit exceeded")
    assert result.error.count("'transform'") == 1
    [marker_error] = result.nodes["transform"].errors
    assert marker_error.endswith(result.error.removeprefix("node 'transform' failed: "))


def test_progress_events_come_in_order() -> None:
    events: list[RunEvent] = []
    result = LocalRunner(PLUGINS, max_workers=1).run(LINEAR, progress=events.append)
    kinds = [(type(e).__name__, getattr(e, "slug", None)) for e in events]
    assert kinds[:3] == [
        ("NodeStarted", "fetch"),
        ("TaskFinished", "fetch"),
        ("NodeFinished", "fetch"),
    ]
    assert kinds[-3:] == [
        ("TaskFinished", "export"),
        ("NodeFinished", "export"),
        ("RunFinished", None),
    ]
    started = [e for e in events if isinstance(e, NodeStarted)]
    assert [(e.slug, e.task_total) for e in started] == [
        ("fetch", 1),
        ("transform", 3),
        ("export", 1),
    ]
    done = [
        (e.done, e.total) for e in events if isinstance(e, TaskFinished) and e.slug == "transform"
    ]
    assert done == [(1, 3), (2, 3), (3, 3)]
    finished = [e for e in events if isinstance(e, NodeFinished)]
    assert all(e.status is NodeStatus.COMPLETED for e in finished)
    last = events[-1]
    assert isinstance(last, RunFinished) and last.result == result


def test_runs_share_the_given_store() -> None:
    store = InMemoryStore()
    runner = LocalRunner(PLUGINS, store=store)
    first, second = runner.run(LINEAR), runner.run(LINEAR)
    assert first.run_id != second.run_id
    assert len(store.tasks(first.run_id)) == 5 and len(store.tasks(second.run_id)) == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_workers": 0}, ValueError, "max_workers must be at least 1, got 0"),
        ({"fan_out_limit": 0}, ValueError, "fan_out_limit must be at least 1, got 0"),
        ({"plugins": {"x": 3}}, TypeError, "plugin 'x' must be a function, got int"),
    ],
    ids=["workers", "fan-out-limit", "not-callable"],
)
def test_constructor_checks_its_arguments(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {"plugins": PLUGINS, **kwargs}
    with pytest.raises(error) as caught:
        LocalRunner(**arguments)
    assert str(caught.value) == message


def test_no_plugin_starts_after_a_failure() -> None:
    calls: list[str] = []

    def fail_first(task: dict[str, Any]) -> None:
        calls.append(task["file_name"])
        if task["file_name"] == "a.txt":
            raise ValueError("first one fails")

    runner = LocalRunner({**PLUGINS, "upper": fail_first}, max_workers=1)
    result = runner.run(LINEAR)
    assert calls == ["a.txt"]
    assert result.nodes["transform"].status is NodeStatus.FAILED
    assert result.nodes["transform"].task_count == 3
