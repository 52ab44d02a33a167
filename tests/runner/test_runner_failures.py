# ruff: noqa: E501  (exact messages read best on one line)
"""How a failed task is reported: the error, the traceback worth reading, the diagnostics."""

from typing import Any

import pytest

from dagabaaz.constants import FanMode
from dagabaaz.models import BindingSource, ConfigSource, DagNode, ExpressionSource, Output
from dagabaaz.runner import LocalRunner


def files(task: dict[str, Any]) -> list[Output]:
    return [Output(file_name="a.txt")]


def noop(task: dict[str, Any]) -> None:
    return None


def _bound(binding: BindingSource) -> list[DagNode]:
    return [
        DagNode(slug="f", plugin="files"),
        DagNode(
            slug="use",
            plugin="noop",
            depends_on=["f"],
            fan_mode=FanMode.AGGREGATE,
            bindings={"title": binding},
        ),
    ]


@pytest.mark.parametrize(
    ("binding", "error", "path"),
    [
        (
            ExpressionSource(expression="{f.nothere | required}"),
            "node 'use' failed: 1 input (a.txt): BindingError: node 'use', field 'title', expression '{f.nothere | required}': required value 'f.nothere' is missing",
            ("nodes", 1, "bindings", "title", "expression"),
        ),
        (
            ConfigSource(value=1, when="{f.gate | required}"),
            "node 'use' failed: 1 input (a.txt): BindingError: node 'use', field 'title', when '{f.gate | required}': required value 'f.gate' is missing",
            ("nodes", 1, "bindings", "title", "when"),
        ),
    ],
    ids=["expression", "when"],
)
def test_a_failed_binding_keeps_diagnostics_and_no_traceback(
    binding: BindingSource, error: str, path: tuple[object, ...]
) -> None:
    result = LocalRunner({"files": files, "noop": noop}).run(_bound(binding))
    assert result.error == error
    assert result.traceback is None
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "required-missing"
    assert (
        diagnostic.message.startswith("required value '")
        and "in expression" not in diagnostic.message
    )
    assert (diagnostic.node, diagnostic.field, diagnostic.path) == ("use", "title", path)
    # The carets point at the pipe that failed.
    assert diagnostic.expression is not None
    assert diagnostic.start == diagnostic.expression.index("required")
    assert result.to_dict()["diagnostics"] == [diagnostic.to_dict()]


def test_a_plugin_traceback_starts_at_the_plugin() -> None:
    def explode(task: dict[str, Any]) -> None:
        raise ValueError("cannot read")

    result = LocalRunner({"files": files, "explode": explode}).run(
        [DagNode(slug="f", plugin="files"), DagNode(slug="x", plugin="explode", depends_on=["f"])]
    )
    assert result.traceback is not None
    lines = result.traceback.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].startswith(f'  File "{__file__}", line ') and lines[1].endswith(", in explode")
    assert "_plugin_calls" not in result.traceback and "_run_loop" not in result.traceback
    assert lines[-1] == "ValueError: cannot read"
    assert result.diagnostics == ()


def test_a_plugin_exit_keeps_only_the_plugin_frames() -> None:
    def leave(task: dict[str, Any]) -> None:
        raise SystemExit(3)

    result = LocalRunner({"files": files, "leave": leave}).run(
        [DagNode(slug="f", plugin="files"), DagNode(slug="x", plugin="leave", depends_on=["f"])]
    )
    assert result.error == "node 'x' failed: a.txt: plugin 'leave' called sys.exit(3)"
    assert result.traceback is not None and "_plugin_calls" not in result.traceback
    assert "in leave" in result.traceback


def test_a_result_that_is_not_an_output_needs_no_traceback() -> None:
    result = LocalRunner({"files": lambda task: 42}).run([DagNode(slug="f", plugin="files")])
    assert result.error == (
        "node 'f' failed: TypeError: plugin 'files' returned int; "
        "expected None, an Output, a dict, or a list of them"
    )
    assert result.traceback is None
