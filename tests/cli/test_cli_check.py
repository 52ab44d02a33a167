# ruff: noqa: E501  (exact messages read best on one line)
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dagabaaz.cli import main

BAD = """\
nodes:
  - slug: fetch
    plugin: files
  - slug: export
    plugin: count
    depends_on: [fetch, ghost]
    bindings:
      title:
        source: expression
        expression: "{fetch.title | uper}"
"""

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "examples" / "media"


def test_valid_pipeline_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(MEDIA / "pipeline.yaml")
    assert main(["check", path]) == 0
    assert capsys.readouterr().out == f"{path}: ok (5 nodes)\n"


def test_errors_print_compiler_style_and_exit_one(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("bad.yaml", BAD)
    assert main(["check", path]) == 1
    out = capsys.readouterr().out
    assert f"  --> {path}, node 'export', field 'title'" in out
    assert " 1 | {fetch.title | uper}\n   |                ^^^^\n" in out
    assert "hint: did you mean 'upper'?" in out
    assert "ghost" in out
    assert out.rstrip().splitlines()[-1] == f"{path}: 2 errors, 0 warnings"


def test_json_format_lists_diagnostics(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("bad.yaml", BAD)
    assert main(["check", path, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["file"] == path and report["valid"] is False
    assert report["errors"] == 2 and report["warnings"] == 0
    pipe = next(d for d in report["diagnostics"] if d["code"] == "unknown-pipe")
    assert (pipe["node"], pipe["field"], pipe["start"], pipe["end"]) == ("export", "title", 15, 19)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "[1", "bad.json:1:3: invalid JSON: Expecting ',' delimiter"),
        ("empty.yaml", "", "empty.yaml: file is empty; expected a list of nodes or an object"),
        ("wrong.json", '[{"plugin": 3}]', "wrong.json: [0].plugin: expected a string, got 3"),
        (
            "bad.yaml",
            "- plugin: [p\n",
            "bad.yaml:2:1: invalid YAML: while parsing a flow sequence, expected ',' or ']', but got '<stream end>'",
        ),
        (
            "unknown.yaml",
            "- plugin: p\n  dependson: [a]\n",
            "unknown.yaml:2:3: [0]: unknown field 'dependson'; did you mean 'depends_on'?",
        ),
    ],
    ids=["bad-json", "empty", "wrong-type", "bad-yaml", "unknown-field"],
)
def test_unparseable_file_exits_two(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    assert main(["check", name]) == 2
    assert capsys.readouterr().out == message + "\n"
    assert main(["check", name, "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["diagnostics"][0]["code"] == "invalid-pipeline-file"


def test_missing_file_and_directory_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "none.yaml")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "none.yaml: no such file" in out
    assert f"{tmp_path}: is a directory, not a pipeline file" in out


def test_plugins_option_reports_unknown_plugins(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = write("my_plugins.py", "PLUGINS = {'files': print}\n")
    pipeline = write("p.json", '[{"slug": "a", "plugin": "fils"}]')
    assert main(["check", pipeline, "--plugins", plugins]) == 1
    out = capsys.readouterr().out
    assert "error[unknown-plugin]" in out
    assert main(["check", pipeline]) == 0


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("raise RuntimeError('no')\n", "importing failed: RuntimeError: no ("),
        ("def broken(:\n", "importing failed: SyntaxError: "),
        (
            "X = 1\n",
            "defines none of PLUGINS, PIPES and PLUGIN_META; add PLUGINS = {'name': function, ...}",
        ),
        ("PLUGINS = [print]\n", "PLUGINS must be a dict of name -> function, got list"),
        ("PLUGINS = {'a': 3}\n", "PLUGINS['a'] must be a function with a string name, got int"),
        ("PLUGINS = {}\nPASSTHROUGH = 'route'\n", "PASSTHROUGH must be a list of plugin names"),
    ],
    ids=["raises", "syntax-error", "no-table", "table-not-dict", "not-callable", "passthrough-str"],
)
def test_bad_plugins_files_exit_two(
    write: Callable[[str, str], str],
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    plugins = write("my_plugins.py", source)
    assert main(["check", str(MEDIA / "pipeline.yaml"), "--plugins", plugins]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dagabaaz: --plugins {plugins}: ")
    assert message in err


def test_plugins_can_be_a_module(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(MEDIA / "pipeline.yaml"), "--plugins", "no_such_module_x"]) == 2
    err = capsys.readouterr().err
    assert "importing failed: ModuleNotFoundError: No module named 'no_such_module_x'" in err
