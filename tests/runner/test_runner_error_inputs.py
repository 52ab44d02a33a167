"""A failed task's error names the input it worked on, however it failed, in every fan mode."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    Output,
)
from dagabaaz.runner import LocalRunner, RunEvent, TaskFinished

MOVIES = ("intro.mkv", "movie.mkv", "outro.mkv")


def scan(task: dict[str, Any]) -> list[Output]:
    return [Output(file_name=name, metadata={"n": n}) for n, name in enumerate(MOVIES)]


def probe(task: dict[str, Any]) -> Output:
    if task["file_name"] == "movie.mkv":
        raise ValueError("bad header")
    return Output(file_name=task["file_name"] + ".json")


def single(plugin: str = "probe", **fields: Any) -> list[DagNode]:
    return [
        DagNode(slug="scan", plugin="scan"),
        DagNode(slug="probe", plugin=plugin, depends_on=["scan"], **fields),
    ]


def test_a_plugin_that_raises_on_one_file_of_three_names_that_file() -> None:
    events: list[RunEvent] = []
    result = LocalRunner({"scan": scan, "probe": probe}, max_workers=1).run(
        single(), progress=events.append
    )
    assert result.status is RunStatus.FAILED
    assert result.error == "node 'probe' failed: movie.mkv: ValueError: bad header"
    assert result.nodes["probe"].errors == ("movie.mkv: ValueError: bad header",)
    assert str(result).splitlines()[-1] == (
        "error: node 'probe' failed: movie.mkv: ValueError: bad header"
    )
    assert result.to_dict()["error"] == result.error
    assert result.to_dict()["nodes"][1]["errors"] == ["movie.mkv: ValueError: bad header"]
    # The traceback is the plugin's own, untouched: the name leads only the message.
    assert result.traceback is not None
    assert result.traceback.rstrip().endswith("ValueError: bad header")
    [failed] = [e for e in events if isinstance(e, TaskFinished) and not e.ok]
    assert failed.error == "movie.mkv: ValueError: bad header"


def test_the_store_holds_the_same_text_for_the_task_and_the_run() -> None:
    store = InMemoryStore()
    result = LocalRunner({"scan": scan, "probe": probe}, max_workers=1, store=store).run(
        single(), run_id="r"
    )
    [task] = [t for t in store.tasks("r") if t.error and t.status == "failed"]
    assert task.error == "movie.mkv: ValueError: bad header"
    assert store.run("r").error == result.error


def test_a_generator_that_raises_mid_iteration_names_the_file() -> None:
    def frames(task: dict[str, Any]) -> Iterator[Output]:
        yield Output(file_name=task["file_name"] + ".0.png")
        if task["file_name"] == "movie.mkv":
            raise OSError("truncated stream")
        yield Output(file_name=task["file_name"] + ".1.png")

    result = LocalRunner({"scan": scan, "frames": frames}, max_workers=1).run(single("frames"))
    assert result.error == "node 'probe' failed: movie.mkv: OSError: truncated stream"


def test_an_output_the_store_refuses_names_the_file() -> None:
    def tag(task: dict[str, Any]) -> dict[str, Any]:
        return {"file_name": "t.json", "metadata": {"when": threading.Event()}}

    result = LocalRunner({"scan": scan, "tag": tag}, max_workers=1).run(single("tag"))
    assert result.error is not None
    assert result.error.startswith(
        "node 'probe' failed: intro.mkv: plugin 'tag' returned an output the store refused: "
    )


def test_a_failed_binding_names_the_file_and_keeps_its_diagnostics() -> None:
    nodes = single(bindings={"title": ExpressionSource(expression="{scan.title | required}")})
    result = LocalRunner({"scan": scan, "probe": probe}, max_workers=1).run(nodes)
    assert result.error == (
        "node 'probe' failed: intro.mkv: BindingError: node 'probe', field 'title', "
        "expression '{scan.title | required}': required value 'scan.title' is missing"
    )
    assert [d.code for d in result.diagnostics] == ["required-missing"]


def test_a_failed_when_clause_names_the_file() -> None:
    nodes = single(bindings={"title": ConfigSource(value="x", when="{scan.gate | required}")})
    result = LocalRunner({"scan": scan, "probe": probe}, max_workers=1).run(nodes)
    assert result.error == (
        "node 'probe' failed: intro.mkv: BindingError: node 'probe', field 'title', "
        "when '{scan.gate | required}': required value 'scan.gate' is missing"
    )


def test_a_timed_out_task_names_the_file(release: threading.Event) -> None:
    def hang_on_movie(task: dict[str, Any]) -> None:
        if task["file_name"] == "movie.mkv":
            release.wait(10)

    runner = LocalRunner({"scan": scan, "hang": hang_on_movie}, task_timeout=0.1)
    result = runner.run(single("hang"))
    assert result.error == (
        "node 'probe' failed: movie.mkv: plugin 'hang' timed out after 0.1 s (task_timeout)"
    )


def test_a_plugin_that_exits_names_the_file() -> None:
    def leave(task: dict[str, Any]) -> None:
        if task["file_name"] == "outro.mkv":
            raise SystemExit(2)

    result = LocalRunner({"scan": scan, "leave": leave}, max_workers=1).run(single("leave"))
    assert result.error == "node 'probe' failed: outro.mkv: plugin 'leave' called sys.exit(2)"


def test_a_root_task_says_nothing_of_an_input() -> None:
    def broken(task: dict[str, Any]) -> None:
        raise ValueError("no listing")

    result = LocalRunner({"scan": broken}).run([DagNode(slug="scan", plugin="scan")])
    assert result.error == "node 'scan' failed: ValueError: no listing"
    assert result.nodes["scan"].errors == ("ValueError: no listing",)


def many(count: int) -> Callable[[dict[str, Any]], list[Output]]:
    return lambda task: [Output(file_name=f"part{i:03}.txt") for i in range(count)]


def broken_merge(task: dict[str, Any]) -> None:
    raise RuntimeError(f"cannot merge {len(task['artifacts'])} parts")


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (1, "1 input (part000.txt)"),
        (3, "3 inputs (part000.txt, part001.txt, part002.txt)"),
        (4, "4 inputs (part000.txt, part001.txt, part002.txt and 1 more)"),
        (250, "250 inputs (part000.txt, part001.txt, part002.txt and 247 more)"),
    ],
    ids=["one", "three", "four", "many"],
)
def test_an_aggregate_task_says_how_many_inputs_and_the_first_names(count: int, label: str) -> None:
    nodes = [
        DagNode(slug="split", plugin="split"),
        DagNode(slug="merge", plugin="merge", depends_on=["split"], fan_mode=FanMode.AGGREGATE),
    ]
    result = LocalRunner({"split": many(count), "merge": broken_merge}, fan_out_limit=300).run(
        nodes
    )
    assert result.error == f"node 'merge' failed: {label}: RuntimeError: cannot merge {count} parts"


def test_an_aggregate_task_counts_what_its_edge_filter_let_through() -> None:
    def mixed(task: dict[str, Any]) -> list[Output]:
        return [Output(file_name=name) for name in ("a.mkv", "a.srt", "b.mkv", "b.srt")]

    only_video = EdgeFilter(rules=[FilterRule(field="extension", operator="eq", value=".mkv")])
    nodes = [
        DagNode(slug="scan", plugin="scan"),
        DagNode(
            slug="merge",
            plugin="merge",
            depends_on=["scan"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={"scan": only_video},
        ),
    ]
    result = LocalRunner({"scan": mixed, "merge": broken_merge}).run(nodes)
    assert result.error == (
        "node 'merge' failed: 2 inputs (a.mkv, b.mkv): RuntimeError: cannot merge 2 parts"
    )


def test_a_grouped_task_names_its_origin_and_the_group_size() -> None:
    def audio(task: dict[str, Any]) -> Output:
        return Output(file_name=task["file_name"] + ".wav")

    def subtitles(task: dict[str, Any]) -> Output:
        return Output(file_name=task["file_name"] + ".srt")

    def mux(task: dict[str, Any]) -> None:
        names = sorted(a["file_name"] for a in task["artifacts"])
        if names[0].startswith("movie"):
            raise ValueError("streams out of sync")

    nodes = [
        DagNode(slug="scan", plugin="scan"),
        DagNode(slug="audio", plugin="audio", depends_on=["scan"]),
        DagNode(slug="subs", plugin="subs", depends_on=["scan"]),
        DagNode(slug="mux", plugin="mux", depends_on=["audio", "subs"], fan_mode=FanMode.GROUPED),
    ]
    plugins = {"scan": scan, "audio": audio, "subs": subtitles, "mux": mux}
    result = LocalRunner(plugins, max_workers=1).run(nodes)
    assert result.error == (
        "node 'mux' failed: group of movie.mkv (2 inputs): ValueError: streams out of sync"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("line\nbreak.mkv", "line\\nbreak.mkv"),
        ("x" * 200 + ".mkv", "x" * 77 + "..."),
        ("", "artifact '"),
        ("été ☃.mkv", "été ☃.mkv"),
    ],
    ids=["newline", "long", "empty", "unicode"],
)
def test_a_hostile_file_name_stays_on_one_short_line(name: str, shown: str) -> None:
    def odd(task: dict[str, Any]) -> Output:
        return Output(file_name=name)

    def refuse(task: dict[str, Any]) -> None:
        raise ValueError("no")

    result = LocalRunner({"scan": odd, "probe": refuse}).run(single())
    assert result.error is not None
    assert result.error.startswith(f"node 'probe' failed: {shown}")
    assert "\n" not in result.error and len(result.error) < 140


class FlakyReads(InMemoryStore):
    """A store whose artifact reads fail once the first task has run: the name cannot be read."""

    broken = False

    def get_artifact_data(self, artifact_id: str) -> Any:
        if self.broken:
            raise ConnectionError("the store went away")
        return super().get_artifact_data(artifact_id)


def test_an_input_that_cannot_be_named_leaves_the_error_as_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyReads()

    def probe_then_break(task: dict[str, Any]) -> None:
        store.broken = True
        raise ValueError("bad header")

    result = LocalRunner({"scan": scan, "probe": probe_then_break}, store=store).run(single())
    assert result.error == "node 'probe' failed: ValueError: bad header"
    assert "cannot name the input of a failed task" in caplog.text


def test_a_retried_run_names_the_input_again() -> None:
    broken = {"movie.mkv"}

    def sometimes(task: dict[str, Any]) -> None:
        if task["file_name"] in broken:
            raise ValueError("bad header")

    runner = LocalRunner({"scan": scan, "probe": sometimes}, max_workers=1)
    assert runner.run(single(), run_id="r").error == (
        "node 'probe' failed: movie.mkv: ValueError: bad header"
    )
    again = runner.retry("r")
    assert again.error == "node 'probe' failed: movie.mkv: ValueError: bad header"
    broken.clear()
    assert runner.retry("r").ok


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()
