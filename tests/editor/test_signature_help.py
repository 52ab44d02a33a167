"""signature_help(): the call the cursor is in and the parameter being written."""

from __future__ import annotations

import pytest

from dagabaaz.editor import signature_help
from dagabaaz.pipes import DEFAULT_PIPES


@pytest.mark.parametrize(
    ("source", "active"),
    [
        ("{a.b | replace(", 0),
        ("{a.b | replace(x", 0),
        ("{a.b | replace(x, ", 1),
        ('{a.b | replace("a, b", ', 1),
        ("{a.b | replace(x, y, ", None),
    ],
)
def test_the_active_parameter_follows_the_commas(source: str, active: int | None) -> None:
    found = signature_help(source, len(source))
    assert found is not None
    assert found.name == "replace"
    assert found.label == "replace(old[, new]) -> string"
    assert found.documentation == DEFAULT_PIPES["replace"].doc
    assert [(p.name, found.label[p.start : p.end]) for p in found.parameters] == [
        ("old", "old"),
        ("new", "new"),
    ]
    assert found.active_parameter == active


def test_parameters_say_their_type_bounds_and_default() -> None:
    found = signature_help("{a.b | truncate(", 16)
    assert found is not None
    (length,) = found.parameters
    assert length.documentation == "integer >= 0, default 100"
    required = signature_help("{a.b | json_get(", 16)
    assert required is not None
    assert required.parameters[0].documentation == "string, required"


def test_a_variadic_parameter_stays_active() -> None:
    found = signature_help("{a.b | in(a, b, c, ", 19)
    assert found is not None
    assert found.label == "in(options...) -> boolean"
    assert found.active_parameter == 0
    assert found.parameters[0].documentation == "string..., required"


def test_inside_list() -> None:
    found = signature_help("{list(a.b, ", 11)
    assert found is not None
    assert (found.name, found.label, found.active_parameter) == (
        "list",
        "list(references...) -> list",
        0,
    )
    assert found.label[found.parameters[0].start : found.parameters[0].end] == "references"


@pytest.mark.parametrize(
    ("source", "cursor"),
    [
        ("{a.b | trim", 11),
        ("{a.b | truncate(5)}", 18),
        ("{a.b | truncate(5)}", 15),
        ("{a.b | nope(", 12),
        ("text (", 6),
        ("", 0),
    ],
)
def test_none_outside_a_call(source: str, cursor: int) -> None:
    assert signature_help(source, cursor) is None


def test_the_cursor_inside_a_complete_call() -> None:
    source = "{a.b | replace(x, y)} tail"
    found = signature_help(source, source.index("y"))
    assert found is not None and found.active_parameter == 1
