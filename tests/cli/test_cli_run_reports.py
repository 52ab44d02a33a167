"""What `dagabaaz run` prints when something goes wrong: short, located, no library internals."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main

PLUGINS = """\
def src(task):
    return [{"file_name": "x.txt"}]

def use(task):
    return None

def boom(task):
    raise RuntimeError("kaput")

PLUGINS = {"src": src, "use": use, "boom": boom}
"""

REQUIRED = """\
nodes:
  - slug: a
    plugin: src
  - slug: b
    plugin: use
    depends_on: [a]
    bindings:
      title:
        source: expression
        expression: "{a.nothere | required}"
"""

BOOM = """\
- slug: a
  plugin: src
- slug: b
  plugin: boom
  depends_on: [a]
"""

Write = Callable[[str, str], str]


def test_a_failed_binding_prints_its_diagnostic_not_a_traceback(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("req.yaml", REQUIRED), write("req_plugins.py", PLUGINS)
    assert main(["run", pipeline, "--plugins", plugins, "--run-id", "r1"]) == 1
    captured = capsys.readouterr()
    assert "error: node 'b' failed: x.txt: BindingError: node 'b', field 'title', " in captured.out
    # The task's line, the summary's error and its why: line (cut to fit one line).
    assert captured.out.count("{a.nothere | required}") == 3
    assert captured.out.endswith(
        "why:\n  b  failed  on x.txt: BindingError: node 'b', field 'title', "
        "expression '{a.nothere | required}': required va...\n"
    )
    assert "Traceback" not in captured.err and "traceback" not in captured.err
    assert captured.err.strip().splitlines() == [
        "error[required-missing]: required value 'a.nothere' is missing",
        f"  --> {pipeline}, node 'b', field 'title'",
        "   |",
        " 1 | {a.nothere | required}",
        "   |              ^^^^^^^^",
    ]


def test_a_plugin_traceback_shows_only_the_plugin_frames(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("boom.yaml", BOOM), write("boom_plugins.py", PLUGINS)
    assert main(["run", pipeline, "--plugins", plugins]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "traceback of the first failure:",
        "Traceback (most recent call last):",
        f'  File "{plugins}", line 8, in boom',
        '    raise RuntimeError("kaput")',
        "RuntimeError: kaput",
    ]


VANISH = """\
import shutil

def vanish(task):
    shutil.rmtree(task["folder"])
    return {"file_name": "gone.txt"}

PLUGINS = {"vanish": vanish}
"""


def test_a_graph_folder_that_does_not_exist_stops_before_the_run(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("boom.yaml", BOOM), write("early_plugins.py", PLUGINS)
    target = tmp_path / "nowhere" / "x.mmd"
    assert main(["run", pipeline, "--plugins", plugins, "--graph", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing ran
    assert captured.err == (f"dagabaaz: --graph {target}: folder {target.parent} does not exist\n")


def test_a_graph_path_that_is_a_folder_stops_before_the_run(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("boom.yaml", BOOM), write("early_plugins.py", PLUGINS)
    (tmp_path / "pic.mmd").mkdir()
    target = tmp_path / "pic.mmd"
    assert main(["run", pipeline, "--plugins", plugins, "--graph", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"dagabaaz: --graph {target}: is a directory, expected a file name\n"
    )


def test_a_graph_that_cannot_be_written_after_the_run_is_a_warning(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pictures"
    folder.mkdir()
    pipeline = write("vanish.yaml", "- slug: v\n  plugin: vanish\n")
    plugins = write("vanish_plugins.py", VANISH)
    target = folder / "run.mmd"
    arguments = ["run", pipeline, "-p", plugins, "-i", f"folder={folder}", "--graph", str(target)]
    assert main([*arguments, "--run-id", "r1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-2:] == ["outputs of v:", "  gone.txt"]
    assert any(line.startswith("run r1 completed in ") for line in captured.out.splitlines())
    assert captured.err.splitlines()[-1].startswith(f"warning: --graph {target}: cannot write: ")


INPUTS = """\
default_input:
  lang: en
nodes:
  - slug: a
    plugin: use
    bindings:
      title: {source: expression, expression: "{input.title}"}
      token: {source: runtime, key: token}
"""


def test_a_config_for_an_unknown_node_stops_the_run(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("boom.yaml", BOOM), write("config_plugins.py", PLUGINS)
    config = write("cfg.json", '{"bb": {"depth": 1}}')
    assert main(["run", pipeline, "--plugins", plugins, "--config", config]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{pipeline}: not run: --config {config}: node configs name 1 node the pipeline "
        "does not have: 'bb' (did you mean 'b'?)\n"
    )


def test_an_input_nothing_reads_is_a_warning(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("inputs.yaml", INPUTS), write("input_plugins.py", PLUGINS)
    arguments = ["run", pipeline, "-p", plugins, "-i", "titel=Road", "-i", "zzz=1"]
    assert main([*arguments, "-i", "token=t", "-i", "lang=de", "-i", "title=T"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: --input 'titel' is read by no binding or expression of the pipeline and "
        "declared by no plugin (did you mean 'title'?); a root node's plugin may still read "
        "it from its task input",
        "warning: --input 'zzz' is read by no binding or expression of the pipeline and "
        "declared by no plugin; a root node's plugin may still read it from its task input",
    ]


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _timeless(text: str) -> list[str]:
    """The lines as printed, every duration written as 0.00 s (what the docs show)."""
    return [re.sub(r"\d+\.\d\d s\b", "0.00 s", line) for line in text.splitlines()]


def test_the_docs_failing_example_names_the_broken_clip(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pipeline, plugins = DOCS / "examples" / "failing.yaml", DOCS / "examples" / "plugins.py"
    argv = ["run", str(pipeline), "-p", str(plugins), "--workers", "1", "--run-id", "clips"]
    assert main(argv) == 1
    printed = _timeless(capsys.readouterr().out)
    assert "probe: task task-3 failed: lighthouse.mp4: ValueError: bad header" in printed
    assert printed[-3:] == [
        "error: node 'probe' failed: lighthouse.mp4: ValueError: bad header",
        "why:",
        "  probe  failed  on lighthouse.mp4: ValueError: bad header",
    ]
    # The page shows the same lines, with another run id.
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    shown = [re.sub(r"run run-\w+ failed", "run clips failed", line) for line in page.splitlines()]
    start = shown.index(
        printed[0], shown.index("## `dagabaaz run PIPELINE --plugins FILE_OR_MODULE`")
    )
    assert shown[start : start + len(printed)] == printed
    assert main([*argv, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["error"] == "node 'probe' failed: lighthouse.mp4: ValueError: bad header"
    assert result["nodes"][1]["errors"] == ["lighthouse.mp4: ValueError: bad header"]
