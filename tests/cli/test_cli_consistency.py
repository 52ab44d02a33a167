"""The command line is consistent: -p everywhere, several files for check, cycles, limits."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator

import pytest

from dagabaaz.cli import build_parser, main
from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT

Write = Callable[[str, str], str]

FAN_OUT = """\
- slug: list
  plugin: list
- slug: each
  plugin: each
  depends_on: [list]
"""
FAN_OUT_PLUGINS = """\
import time

def listing(task):
    return [{"file_name": f"{i}.txt"} for i in range(5)]

def each(task):
    time.sleep(0.01)

def slow(task):
    time.sleep(5)

PLUGINS = {"list": listing, "each": each, "slow": slow}
"""


def _commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                path = f"{prefix} {name}".strip()
                yield path, child
                yield from _commands(child, path)


def test_every_command_that_reads_plugins_takes_dash_p() -> None:
    reading = {}
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            if action.dest == "plugins":
                reading[path] = sorted(action.option_strings)
    assert reading == {
        name: ["--plugins", "-p"]
        for name in ("check", "eval", "run", "pipes", "lsp", "worker", "submit", "runs retry")
    }


# --- check takes several files ---------------------------------------------------------


def test_check_takes_several_files_and_the_worst_decides(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write("good.yaml", "- slug: a\n  plugin: p\n")
    typo = write("typo.yaml", "- slug: a\n  plugin: p\n- slug: b\n  plugin: p\n  depends_on: [c]\n")
    assert main(["check", good, good]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{good}: ok (1 node)",
        f"{good}: ok (1 node)",
        "2 files checked, 0 with errors: 0 errors, 0 warnings",
    ]
    assert main(["check", good, typo]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok (1 node)\n\nerror[unknown-dependency]" in out
    assert out.endswith(
        f"{typo}: 1 error, 0 warnings\n2 files checked, 1 with errors: 1 error, 0 warnings\n"
    )
    broken = write("broken.yaml", "- slug: [a\n")
    assert main(["check", typo, broken, good]) == 2  # a file that cannot be read
    assert "3 files checked, 2 with errors: 2 errors, 0 warnings" in capsys.readouterr().out


def test_check_several_files_as_json(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    good = write("good.json", '[{"slug": "a", "plugin": "p"}]')
    typo = write(
        "typo.json",
        '[{"slug": "a", "plugin": "p"}, {"slug": "b", "plugin": "p", "depends_on": ["c"]}]',
    )
    assert main(["check", good, typo, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 1, 0)
    assert [(f["file"], f["valid"]) for f in report["files"]] == [(good, True), (typo, False)]
    # One file keeps its own report, as before.
    assert main(["check", good, "--format", "json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert single["file"] == good and single["valid"] is True


def test_check_reads_the_plugins_file_once_for_every_file(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = write(
        "plugins.py",
        "from dagabaaz.pipes import DEFAULT_PIPES\n"
        "PIPES = DEFAULT_PIPES.copy()\n"
        "PIPES.register('shout')(lambda text: text.upper())\n"
        "print('imported')\n",
    )
    uses = (
        "- slug: a\n  plugin: p\n  bindings:\n"
        "    t: {source: expression, expression: '{input.x | shout}'}\n"
    )
    first, second = write("one.yaml", uses), write("two.yaml", uses)
    assert main(["check", first, second, "-p", plugins]) == 0
    assert capsys.readouterr().out.count("imported") == 1


# --- graph warns about cycles ----------------------------------------------------------

CYCLE = """\
- slug: a
  plugin: p
  depends_on: [c]
- slug: b
  plugin: p
  depends_on: [a]
- slug: c
  plugin: p
  depends_on: [b]
- slug: d
  plugin: p
  depends_on: [d]
"""


def test_graph_draws_a_cycle_but_warns_and_exits_one(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("cycle.yaml", CYCLE)
    assert main(["graph", path]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("flowchart TD\n")
    assert "n2 --> n0" in captured.out  # the cycle is drawn
    assert captured.err.splitlines() == [
        f"warning: {path}: node 'd' depends on itself; a pipeline with a cycle cannot run "
        f"(dagabaaz check {path} shows where)",
        f"warning: {path}: dependency cycle: a -> b -> c -> a; a pipeline with a cycle "
        f"cannot run (dagabaaz check {path} shows where)",
    ]


def test_graph_of_a_pipeline_without_cycles_is_quiet(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", write("ok.yaml", FAN_OUT), "--format", "dot"]) == 0
    assert capsys.readouterr().err == ""


# --- run --fan-out-limit, timeouts ---------------------------------------------------


def test_run_over_the_fan_out_limit_says_how_to_raise_it(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline, plugins = write("fan.yaml", FAN_OUT), write("plugins.py", FAN_OUT_PLUGINS)
    assert main(["run", pipeline, "-p", plugins, "--fan-out-limit", "3"]) == 1
    captured = capsys.readouterr()
    assert (
        "error: node 'each' failed: fan-out limit exceeded: 5 artifacts would start 5 tasks, "
        "more than the limit of 3; raise fan_out_limit to allow more"
    ) in captured.out
    assert captured.err.endswith(
        "hint: a node may start at most 3 tasks in a run; allow more with --fan-out-limit N\n"
    )
    assert main(["run", pipeline, "-p", plugins, "--fan-out-limit", "5"]) == 0
    assert "hint:" not in capsys.readouterr().err


def test_the_default_fan_out_limit_is_the_librarys(write: Write) -> None:
    args = build_parser().parse_args(["run", "x.yaml", "-p", "p.py"])
    assert args.fan_out_limit == DEFAULT_FAN_OUT_LIMIT


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--fan-out-limit", "0", "--fan-out-limit must be at least 1, got 0"),
        ("--task-timeout", "-1", "--task-timeout must be a positive number of seconds, got -1"),
        ("--run-timeout", "inf", "--run-timeout must be a positive number of seconds, got inf"),
    ],
)
def test_run_refuses_limits_that_make_no_sense(
    write: Write, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    pipeline, plugins = write("fan.yaml", FAN_OUT), write("plugins.py", FAN_OUT_PLUGINS)
    assert main(["run", pipeline, "-p", plugins, option, value]) == 2
    assert capsys.readouterr().err == f"dagabaaz: {message}\n"


def test_run_with_a_task_timeout_fails_a_plugin_that_sleeps_too_long(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("slow.yaml", "- slug: wait\n  plugin: slow\n")
    plugins = write("plugins.py", FAN_OUT_PLUGINS)
    assert main(["run", pipeline, "-p", plugins, "--task-timeout", "0.1", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (
        result["error"] == "node 'wait' failed: plugin 'slow' timed out after 0.1 s (task_timeout)"
    )
