"""What `dagabaaz run` prints when something goes wrong: short, located, no library internals."""

from collections.abc import Callable

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
    assert "error: node 'b' failed: BindingError: node 'b', field 'title', " in captured.out
    assert captured.out.count("{a.nothere | required}") == 2  # the task line and the summary
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
