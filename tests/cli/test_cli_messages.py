"""Command-line messages say what is wrong in the user's terms: no interpreter internals."""

from collections.abc import Callable

import pytest

from dagabaaz.cli import main
from dagabaaz.diagnostics import Diagnostic

Write = Callable[[str, str], str]
PIPELINE = '[{"slug": "a", "plugin": "p"}]'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def broken(:\n    pass\n", "SyntaxError: invalid syntax ({file}, line 1)"),
        (
            "import no_such_dependency_x\n",
            "ModuleNotFoundError: No module named 'no_such_dependency_x' ({file}, line 1)",
        ),
        (
            "import json\n\njson.loads('{')\n",
            "JSONDecodeError: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1) ({file}, line 3)",
        ),
    ],
    ids=["syntax-error-located-once", "missing-dependency", "stdlib-frames-left-out"],
)
def test_a_plugins_file_that_fails_to_import_is_located_once(
    write: Write, capsys: pytest.CaptureFixture[str], source: str, expected: str
) -> None:
    pipeline, plugins = write("p.json", PIPELINE), write("failing_plugins.py", source)
    assert main(["check", pipeline, "--plugins", plugins]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"dagabaaz: --plugins {plugins}: importing failed: {expected.format(file=plugins)}\n"
    )


def test_a_missing_plugins_module_shows_no_import_machinery(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("p.json", PIPELINE)
    assert main(["check", pipeline, "--plugins", "nosuch_module_xyz"]) == 2
    assert capsys.readouterr().err == (
        "dagabaaz: --plugins nosuch_module_xyz: importing failed: "
        "ModuleNotFoundError: No module named 'nosuch_module_xyz'\n"
    )


def test_a_huge_integer_in_a_json_pipeline_is_too_long_at_its_place(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    digits = "9" * 5000
    pipeline = write(
        "big.json",
        '[{"slug": "a", "plugin": "p",\n  "bindings": {"x": {"value": ' + digits + "}}}]",
    )
    assert main(["check", pipeline]) == 2
    out = capsys.readouterr().out
    assert out == (
        "error[invalid-json]: invalid JSON: integer too long (5000 digits; at most 4300)\n"
        f"  --> {pipeline}:2:31\n"
        f"{pipeline}: 1 error, 0 warnings\n"
    )
    assert "set_int_max_str_digits" not in out


def test_a_huge_integer_in_a_config_file_is_too_long_at_its_place(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("p.json", PIPELINE)
    plugins = write("fine_plugins.py", "PLUGINS = {'p': lambda task: None}\n")
    config = write("cfg.json", '{"a":\n  {"n": -' + "1" * 4400 + "}}")
    assert main(["run", pipeline, "-p", plugins, "--config", config]) == 2
    assert capsys.readouterr().err == (
        f"dagabaaz: --config {config}:2:9: "
        "invalid JSON: integer too long (4400 digits; at most 4300)\n"
    )


WHEN = """\
nodes:
  - slug: out
    plugin: p
    bindings:
      other:
        source: config
        value: 1
        when: "{input.a | "
"""


def test_check_says_when_a_problem_is_in_a_when_clause(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write("when.yaml", WHEN)
    assert main(["check", pipeline]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "error[unclosed-brace]: unclosed '{': no matching '}'",
        f"  --> {pipeline}:8:16, node 'out', field 'other' (when)",
    ]


@pytest.mark.parametrize(
    ("path", "label"),
    [
        (("nodes", 0, "bindings", "other", "when"), "field 'other' (when)"),
        (("nodes", 0, "bindings", "other", "expression"), "field 'other'"),
        (("nodes", 0, "bindings", "when"), "field 'when'"),
        (("nodes", 0, "bindings", "when", "when"), "field 'when' (when)"),
        ((), "field 'other'"),
    ],
    ids=["when-clause", "expression", "field-named-when", "when-of-field-named-when", "no-path"],
)
def test_render_labels_a_when_clause_from_the_path(path: tuple[str | int, ...], label: str) -> None:
    field = "other" if "other" in path or not path else "when"
    diagnostic = Diagnostic(code="c", message="m", node="out", field=field, path=path)
    assert diagnostic.render().splitlines()[1] == f"  --> node 'out', {label}"
