# ruff: noqa: E501  (inline pipelines read best on one line)
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main
from dagabaaz.cli._display import LiveDisplay, PlainDisplay, choose_display
from dagabaaz.runner import NodeFinished, NodeStarted, NodeStatus, TaskFinished

PIPELINE = json.dumps(
    {
        "default_input": {"names": "a,b"},
        "nodes": [
            {
                "slug": "fetch",
                "plugin": "files",
                "bindings": {"names": {"source": "runtime", "key": "names"}},
            },
            {"slug": "shout", "plugin": "shout", "depends_on": ["fetch"]},
            {"slug": "export", "plugin": "count", "depends_on": ["shout"], "fan_mode": "aggregate"},
        ],
    }
)
PLUGINS = """\
def files(task):
    return [{"file_name": name} for name in task["names"].split(",")]

def shout(task):
    if task["file_name"] == "boom":
        raise RuntimeError("no shouting at boom")
    return {"file_name": task["file_name"].upper()}

def count(task):
    return {"file_name": "count.json", "file_path": "/tmp/count.json", "metadata": {"n": len(task["artifacts"])}}

PLUGINS = {"files": files, "shout": shout, "count": count}
"""


@pytest.fixture
def files(write: Callable[[str, str], str]) -> tuple[str, str]:
    return write("p.json", PIPELINE), write("my_plugins.py", PLUGINS)


def test_run_prints_progress_lines_and_summary(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = files
    assert main(["run", pipeline, "--plugins", plugins, "--run-id", "r1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "fetch: started (files, 1 task)"
    assert any(line.startswith("shout: completed (2 tasks, ") for line in out)
    assert any(line.startswith("run r1 completed in ") for line in out)
    assert out[-2:] == ["outputs of export:", "  /tmp/count.json"]


def test_run_json_prints_only_the_result(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = files
    assert main(["run", pipeline, "-p", plugins, "--json", "-i", "names=x,y,z", "-w", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "completed"
    assert [n["task_count"] for n in result["nodes"]] == [1, 3, 1]
    assert result["nodes"][2]["outputs"][0]["metadata"] == {"n": 3}


def test_failed_run_exits_one_with_traceback(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = files
    assert main(["run", pipeline, "--plugins", plugins, "--input", "names=boom"]) == 1
    captured = capsys.readouterr()
    assert (
        "shout: task " in captured.out
        and "failed: boom: RuntimeError: no shouting at boom" in captured.out
    )
    assert "error: node 'shout' failed: boom: RuntimeError: no shouting at boom" in captured.out
    assert "traceback of the first failure:" in captured.err
    assert 'raise RuntimeError("no shouting at boom")' in captured.err


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        (".mmd", ["flowchart TD", "    class n0,n1,n2 completed"]),
        (".md", ["```mermaid", "flowchart TD", "```"]),
        (".dot", ["digraph pipeline {", 'completed · 2 tasks", fillcolor="#d3f9d8"']),
    ],
    ids=["mermaid", "markdown", "dot"],
)
def test_run_graph_colours_nodes_by_status(
    files: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    expected: list[str],
) -> None:
    pipeline, plugins = files
    picture = tmp_path / f"run{suffix}"
    assert main(["run", pipeline, "--plugins", plugins, "--graph", str(picture)]) == 0
    text = picture.read_text()
    for piece in expected:
        assert piece in text
    assert f"graph written to {picture}" in capsys.readouterr().err


def test_run_graph_shows_the_failed_branch(files: tuple[str, str], tmp_path: Path) -> None:
    pipeline, plugins = files
    picture = tmp_path / "run.mmd"
    assert main(["run", pipeline, "-p", plugins, "-i", "names=boom", "--graph", str(picture)]) == 1
    text = picture.read_text()
    assert (
        'n1["shout<br/>shout · single<br/>failed · 1 task<br/>on boom: RuntimeError: no shouting at<br/>boom"]'
        in text
    )
    assert (
        'n2["export<br/>count · aggregate<br/>not_run · 0 tasks<br/>waiting on shout when the run failed"]'
        in text
    )
    assert "    class n1 failed" in text
    assert '        legend_not_run["not run: the run ended first"]' in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--graph", "out.png"], "--graph out.png: unknown picture type"),
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--input", "oops"], "--input 'oops': expected KEY=VALUE"),
        (["--config", "missing.json"], "--config missing.json: no such file"),
    ],
    ids=["graph-suffix", "workers", "input", "config"],
)
def test_run_usage_errors_exit_two(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    pipeline, plugins = files
    assert main(["run", pipeline, "--plugins", plugins, *extra]) == 2
    assert message in capsys.readouterr().err


def test_run_invalid_pipeline_exits_one(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("bad.json", '[{"slug": "a", "plugin": "nope"}]')
    plugins = write("my_plugins.py", "PLUGINS = {'files': print}\n")
    assert main(["run", pipeline, "--plugins", plugins]) == 1
    err = capsys.readouterr().err
    assert "error[unknown-plugin]" in err
    assert err.rstrip().endswith("not run, the pipeline is invalid")


def test_run_missing_required_input_exits_one(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write(
        "p.json",
        '[{"slug": "a", "plugin": "p", "bindings": {"url": {"source": "runtime", "required": true}}}]',
    )
    plugins = write("my_plugins.py", "PLUGINS = {'p': print}\n")
    assert main(["run", pipeline, "--plugins", plugins]) == 1
    assert "not run: " in capsys.readouterr().err


def test_run_node_configs_from_a_file(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write(
        "p.json",
        '[{"slug": "a", "plugin": "p", "bindings": {"g": {"source": "expression", "expression": "{config.greeting}"}}}]',
    )
    plugins = write("my_plugins.py", "PLUGINS = {'p': lambda task: {'file_name': task['g']}}\n")
    config = write("config.json", '{"a": {"greeting": "hello"}}')
    assert main(["run", pipeline, "--plugins", plugins, "--config", config, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"][0]["outputs"][0]["file_name"] == "hello"
    bad = write("bad.json", '{"a": 1}')
    assert main(["run", pipeline, "--plugins", plugins, "--config", bad]) == 2
    assert "the config of 'a' must be an object" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_display_choice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert type(choose_display(quiet=True)).__name__ == "Display"
    assert isinstance(choose_display(quiet=False, stream=io.StringIO()), PlainDisplay)
    assert isinstance(choose_display(quiet=False, stream=_Terminal()), LiveDisplay)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    assert isinstance(choose_display(quiet=False, stream=_Terminal()), PlainDisplay)
    assert capsys.readouterr().err == (
        "note: the live progress display needs rich (pip install 'dagabaaz[cli]'); showing plain lines\n"
    )


def test_live_display_draws_rows() -> None:
    stream = _Terminal()
    with LiveDisplay(stream) as display:
        display(NodeStarted("scan", "scan_folder", 2))
        display(TaskFinished("scan", "t1", True, 1, 2))
        display(TaskFinished("scan", "t2", True, 2, 2))
        display(NodeFinished("scan", NodeStatus.COMPLETED, 2, 0.1))
    text = stream.getvalue()
    assert "scan" in text and "2/2" in text and "completed" in text


def test_run_unreadable_pipeline_exits_two(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = write("my_plugins.py", "PLUGINS = {}\n")
    pipeline = write("p.yaml", "nodes: {}\n")
    assert main(["run", pipeline, "--plugins", plugins]) == 2
    assert capsys.readouterr().err == f"{pipeline}:1:8: nodes: expected a list, got {{}}\n"


def test_run_strict_fails_the_task_reading_a_missing_key(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write(
        "strict.json",
        json.dumps(
            {
                "nodes": [
                    {
                        "slug": "fetch",
                        "plugin": "files",
                        "bindings": {"names": {"source": "config", "value": "a"}},
                    },
                    {
                        "slug": "shout",
                        "plugin": "shout",
                        "depends_on": ["fetch"],
                        "bindings": {
                            "title": {"source": "expression", "expression": "{fetch.file_nam}"}
                        },
                    },
                ]
            }
        ),
    )
    plugins = write("my_plugins.py", PLUGINS)
    assert main(["run", pipeline, "-p", plugins, "--json"]) == 0
    capsys.readouterr()
    assert main(["run", pipeline, "-p", plugins, "--json", "--strict"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "failed"
    assert "missing reference 'fetch.file_nam'" in result["error"]
    assert "did you mean 'file_name'?" in result["error"]
