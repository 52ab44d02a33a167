"""Edge filter checks: keys, operands, file types, extensions."""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FilterOperator as Op
from dagabaaz.models import DagNode, EdgeFilter, FilterRule
from dagabaaz.validation import validate_pipeline


def pipeline(*rules: FilterRule, key: str = "src", select: Any = None) -> list[DagNode]:
    return [
        DagNode(slug="src", plugin="p"),
        DagNode(
            slug="dst",
            plugin="p",
            depends_on=["src"],
            edge_filters={key: EdgeFilter(rules=list(rules), select=select)},
        ),
    ]


def rule(field: str, op: Op, value: Any = None) -> FilterRule:
    return FilterRule(field=field, operator=op, value=value)


Found = tuple[str, str, tuple[str | int, ...], str, str | None]
BASE = ("nodes", 1, "edge_filters", "src", "rules", 0)
W = "edge filter from 'src', rule 0: "

CASES: list[tuple[str, list[FilterRule], list[Found]]] = [
    ("valid-file-type", [rule("file_type", Op.EQ, "video")], []),
    ("valid-in-file-types", [rule("file_type", Op.IN, ["video", "audio"])], []),
    ("valid-gt-number", [rule("file_size", Op.GT, 1024)], []),
    ("valid-gt-numeric-string", [rule("height", Op.GTE, "720")], []),
    ("valid-gt-float", [rule("duration", Op.LT, 3.5)], []),
    ("valid-exists", [rule("lang", Op.EXISTS)], []),
    ("valid-contains", [rule("tags", Op.CONTAINS, "hdr")], []),
    ("valid-extension", [rule("extension", Op.NOT_IN, ["srt", "vtt"])], []),
    ("valid-metadata-bool", [rule("hdr", Op.EQ, True)], []),
    ("file-type-contains-substring-is-fine", [rule("file_type", Op.CONTAINS, "vid")], []),
    (
        "in-needs-list",
        [rule("lang", Op.IN, "en")],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'in' needs a list value, got a string",
                None,
            )
        ],
    ),
    (
        "not-in-needs-list",
        [rule("lang", Op.NOT_IN, None)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'not_in' needs a list value, got null",
                None,
            )
        ],
    ),
    (
        "gt-needs-number",
        [rule("size", Op.GT, "big")],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'gt' needs a number, got a string",
                None,
            )
        ],
    ),
    (
        "lte-bool-is-not-number",
        [rule("size", Op.LTE, False)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'lte' needs a number, got the boolean false",
                None,
            )
        ],
    ),
    (
        "starts-with-needs-string",
        [rule("name", Op.STARTS_WITH, 5)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'starts_with' needs a string, got a number",
                None,
            )
        ],
    ),
    (
        "eq-needs-single-value",
        [rule("lang", Op.EQ, ["en"])],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'eq' needs a single value, got a list",
                None,
            )
        ],
    ),
    (
        "contains-object",
        [rule("tags", Op.CONTAINS, {"a": 1})],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "'contains' needs a single value, got an object",
                None,
            )
        ],
    ),
    (
        "exists-with-value",
        [rule("lang", Op.EXISTS, "en")],
        [
            (
                "ignored-filter-value",
                "warning",
                (*BASE, "value"),
                W + "'exists' ignores its value \"en\"",
                "remove the value",
            )
        ],
    ),
    (
        "unknown-file-type",
        [rule("file_type", Op.EQ, "vidoe")],
        [
            (
                "unknown-file-type",
                "error",
                (*BASE, "value"),
                W + '"vidoe" is not a file type (video, subtitle, image, audio, archive, other)',
                "did you mean 'video'?",
            )
        ],
    ),
    (
        "file-type-wrong-case",
        [rule("file_type", Op.NEQ, "Video")],
        [
            (
                "unknown-file-type",
                "error",
                (*BASE, "value"),
                W + '"Video" is not a file type (video, subtitle, image, audio, archive, other)',
                "did you mean 'video'?",
            )
        ],
    ),
    (
        "file-type-in-list-element",
        [rule("file_type", Op.IN, ["video", "subtitel", 3])],
        [
            (
                "unknown-file-type",
                "error",
                (*BASE, "value", 1),
                W + '"subtitel" is not a file type (video, subtitle, image, audio, archive, other)',
                "did you mean 'subtitle'?",
            ),
            (
                "unknown-file-type",
                "error",
                (*BASE, "value", 2),
                W + "3 is not a file type (video, subtitle, image, audio, archive, other)",
                None,
            ),
        ],
    ),
    (
        "file-type-nothing-close",
        [rule("file_type", Op.EQ, "spreadsheet")],
        [
            (
                "unknown-file-type",
                "error",
                (*BASE, "value"),
                W + '"spreadsheet" is not a file type'
                " (video, subtitle, image, audio, archive, other)",
                None,
            )
        ],
    ),
    (
        "extension-with-dot",
        [rule("extension", Op.EQ, ".mp4")],
        [
            (
                "unmatchable-extension",
                "warning",
                (*BASE, "value"),
                W + 'extensions are compared lower-case and without dots, so ".mp4" never matches',
                'write "mp4"',
            )
        ],
    ),
    (
        "extension-compound",
        [rule("extension", Op.IN, ["tar.GZ"])],
        [
            (
                "unmatchable-extension",
                "warning",
                (*BASE, "value", 0),
                W
                + 'extensions are compared lower-case and without dots, so "tar.GZ" never matches',
                'write "gz"',
            )
        ],
    ),
    (
        "empty-field",
        [rule(" ", Op.EXISTS)],
        [("empty-filter-field", "error", (*BASE, "field"), W + "the field is empty", None)],
    ),
]


@pytest.mark.parametrize(("rules", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filter_rule_diagnostics(rules: list[FilterRule], expected: list[Found]) -> None:
    found = validate_pipeline(pipeline(*rules))
    assert [(d.code, d.severity, d.path, d.message, d.hint) for d in found] == expected
    assert all((d.node, d.field) == ("dst", "edge_filters") for d in found)


def test_filter_keyed_by_non_dependency() -> None:
    (found,) = validate_pipeline(pipeline(key="sr"))
    assert (found.code, found.path) == (
        "filter-not-a-dependency",
        ("nodes", 1, "edge_filters", "sr"),
    )
    assert found.message == "edge filter is keyed by 'sr', which is not in depends_on"
    assert found.hint == "did you mean 'src'?"


def test_select_with_no_rules_is_fine() -> None:
    assert validate_pipeline(pipeline(select="largest")) == []


def test_rule_positions_are_reported() -> None:
    rules = [rule("lang", Op.EQ, "en"), rule("size", Op.GT, "x")]
    (found,) = validate_pipeline(pipeline(*rules))
    assert found.path == ("nodes", 1, "edge_filters", "src", "rules", 1, "value")
    assert found.message.startswith("edge filter from 'src', rule 1: ")


def test_long_values_are_shortened_in_messages() -> None:
    (found,) = validate_pipeline(pipeline(rule("file_type", Op.EQ, "x" * 500)))
    assert '"xxxx' in found.message
    assert "..." in found.message
    assert len(found.message) < 200
