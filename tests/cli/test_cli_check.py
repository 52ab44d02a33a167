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
    assert f"  --> {path}:10:37, node 'export', field 'title'" in out
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
    # line and column are always places in the file: inside the expression's string here,
    assert (pipe["line"], pipe["column"], pipe["end_line"], pipe["end_column"]) == (10, 37, 10, 41)
    # on the value the path leads to for anything else.
    ghost = next(d for d in report["diagnostics"] if d["code"] == "unknown-dependency")
    assert (ghost["line"], ghost["column"], ghost["path"]) == (6, 25, ["nodes", 1, "depends_on", 1])


def test_positions_in_a_json_file_and_where_there_is_none(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        '{"nodes": [\n  {"slug": "a", "plugin": "p"},\n'
        '  {"slug": "b", "plugin": "p", "depends_on": ["a"],\n'
        '   "bindings": {"t": {"source": "expression", "expression": "\\u00e9 {a.x | uper}"}}}\n]}'
    )
    path = write("p.json", text)
    assert main(["check", path, "--format", "json"]) == 1
    (pipe,) = json.loads(capsys.readouterr().out)["diagnostics"]
    line = text.split("\n")[pipe["line"] - 1]
    assert line[pipe["column"] - 1 : pipe["end_column"] - 1] == "uper"
    cycle = write(
        "c.yaml",
        "- {slug: a, plugin: p, depends_on: [b]}\n- {slug: b, plugin: p, depends_on: [a]}\n",
    )
    assert main(["check", cycle, "--format", "json"]) == 1
    found = {d["code"]: d for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert (found["dependency-cycle"]["line"], found["dependency-cycle"]["column"]) == (1, 36)
    assert (found["no-root"]["line"], found["no-root"]["column"]) == (1, 1)  # the node list
    assert main(["check", path + ".missing.json", "--format", "json"]) == 2
    (missing,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (missing["code"], missing["line"], missing["column"]) == ("file-not-found", None, None)


@pytest.mark.parametrize(
    ("name", "text", "code", "rendered"),
    [
        (
            "bad.json",
            "[1",
            "invalid-json",
            "error[invalid-json]: invalid JSON: Expecting ',' delimiter\n  --> bad.json:1:3",
        ),
        (
            "empty.yaml",
            "",
            "empty-file",
            "error[empty-file]: file is empty; expected a list of nodes or an object\n"
            "  --> empty.yaml",
        ),
        (
            "bad.yaml",
            "- plugin: [p\n",
            "invalid-yaml",
            "error[invalid-yaml]: invalid YAML: a '[' that is never closed\n"
            "  --> bad.yaml:1:11\n  = hint: add the closing ']'",
        ),
        (
            "scalar.yaml",
            "just text\n",
            "not-a-pipeline",
            "error[not-a-pipeline]: expected a list of nodes or an object with 'nodes', got a "
            "string\n  --> scalar.yaml",
        ),
    ],
    ids=["bad-json", "empty", "bad-yaml", "not-a-pipeline"],
)
def test_unparseable_file_exits_two(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    code: str,
    rendered: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    assert main(["check", name]) == 2
    out = capsys.readouterr().out
    assert out == f"{rendered}\n{name}: 1 error, 0 warnings\n"
    assert main(["check", name, "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["diagnostics"][0]["code"] == code


def test_a_misspelt_field_hides_no_other_problem(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        "p.yaml",
        "nodes:\n"
        "  - slug: fetch\n"
        "    plugn: fetch_clips\n"
        "  - slug: export\n"
        "    plugin: export\n"
        "    depends_on: [fetch]\n"
        "    bindings:\n"
        "      title:\n"
        "        source: expression\n"
        "        expresion: '{fetch.title}'\n"
        "      name:\n"
        "        source: expression\n"
        "        expression: '{fetch.title | uper}'\n",
    )
    assert main(["check", path, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = [
        (d["code"], d["line"], d["column"], d["node"], d["field"], d["hint"])
        for d in report["diagnostics"]
    ]
    assert found == [
        ("missing-field", 2, 5, "fetch", None, None),
        ("unknown-field", 3, 5, "fetch", None, "did you mean 'plugin'?"),
        ("missing-field", 9, 9, "export", "title", None),
        ("unknown-field", 10, 9, "export", "title", "did you mean 'expression'?"),
        ("unknown-pipe", 13, 37, "export", "name", "did you mean 'upper'?"),
    ]
    assert report["errors"] == 5


def test_missing_file_and_directory_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "none.yaml")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "error[file-not-found]: no such file\n  --> " in out
    assert "error[not-a-file]: is a directory, not a pipeline file\n" in out


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
