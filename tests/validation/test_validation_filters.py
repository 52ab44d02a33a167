"""Edge filter checks: keys, operands, file types, extensions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz.constants import FilterOperator as Op
from dagabaaz.filter import VIRTUAL_FIELDS, rule_matches
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter, FilterRule
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
    ("valid-extension", [rule("extension", Op.NOT_IN, [".srt", ".vtt"])], []),
    ("extension-empty-means-none", [rule("extension", Op.EQ, "")], []),
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
        "extension-without-dot",
        [rule("extension", Op.EQ, "mp4")],
        [
            (
                "unmatchable-extension",
                "warning",
                (*BASE, "value"),
                W + 'extensions are compared lower-case with their leading dot (".mp4"),'
                ' so "mp4" never matches',
                'did you mean ".mp4"?',
            )
        ],
    ),
    (
        "extension-dot-alone",
        [rule("extension", Op.NEQ, ".")],
        [
            (
                "unmatchable-extension",
                "warning",
                (*BASE, "value"),
                W + 'extensions are compared lower-case with their leading dot (".mp4"),'
                ' so "." never matches',
                None,
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
                W + 'extensions are compared lower-case with their leading dot (".mp4"),'
                ' so "tar.GZ" never matches',
                'did you mean ".gz"?',
            )
        ],
    ),
    # Built-in fields have a type: a value of another type can never match.
    ("file-size-numeric-string-is-fine", [rule("file_size", Op.EQ, "1e3")], []),
    ("file-size-null-means-unknown", [rule("file_size", Op.IN, [None, 0])], []),
    ("mime-type-empty-means-unknown", [rule("mime_type", Op.EQ, "")], []),
    (
        "mime-type-is-never-null",
        [rule("mime_type", Op.EQ, None)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "mime_type is text, so it never equals null",
                None,
            )
        ],
    ),
    ("file-name-may-spell-a-number", [rule("file_name", Op.GT, 3)], []),
    ("extension-may-be-digits", [rule("extension", Op.EQ, ".1")], []),
    (
        "extension-as-a-number",
        [rule("extension", Op.EQ, 1)],
        [
            (
                "unmatchable-extension",
                "warning",
                (*BASE, "value"),
                W + 'extensions are compared lower-case with their leading dot (".mp4"),'
                " so 1 never matches",
                'did you mean ".1"?',
            )
        ],
    ),
    ("file-type-substring-is-fine", [rule("file_type", Op.STARTS_WITH, "vid")], []),
    (
        "file-type-is-never-a-number",
        [rule("file_type", Op.GT, 3)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "file_type is one of video, subtitle, image, audio, archive, other, "
                "never a number, so 'gt' never matches",
                None,
            )
        ],
    ),
    (
        "file-size-never-equals-a-word",
        [rule("file_size", Op.EQ, "big")],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + 'file_size is a number or null, so it never equals "big"',
                None,
            )
        ],
    ),
    (
        "file-size-never-equals-a-boolean",
        [rule("file_size", Op.NEQ, True)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "file_size is a number or null, so it never equals true",
                None,
            )
        ],
    ),
    (
        "file-size-in-list-item",
        [rule("file_size", Op.NOT_IN, [1, "big", None, "7"])],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value", 1),
                W + 'file_size is a number or null, so it never equals "big"',
                None,
            )
        ],
    ),
    (
        "file-size-is-not-text",
        [rule("file_size", Op.STARTS_WITH, "1")],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "file_size is a number or null, not text, so 'starts_with' never matches",
                None,
            )
        ],
    ),
    (
        "file-size-not-contains-matches-everything",
        [rule("file_size", Op.NOT_CONTAINS, "1")],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "file_size is a number or null, not text, "
                "so 'not_contains' matches every artifact",
                None,
            )
        ],
    ),
    (
        "file-name-contains-needs-a-string",
        [rule("file_name", Op.CONTAINS, 3)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "file_name is text, so 'contains' with 3 never matches",
                None,
            )
        ],
    ),
    (
        "extension-is-never-null",
        [rule("extension", Op.EQ, None)],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value"),
                W + "extension is text, so it never equals null",
                None,
            )
        ],
    ),
    (
        "mime-type-never-equals-a-list-item-list",
        [rule("mime_type", Op.IN, ["video/mp4", ["video/mp4"]])],
        [
            (
                "invalid-filter-value",
                "error",
                (*BASE, "value", 1),
                W + 'mime_type is text, so it never equals ["video/mp4"]',
                None,
            )
        ],
    ),
    (
        "a-metadata-key-has-no-type",
        [rule("size", Op.STARTS_WITH, "1"), rule("name", Op.EQ, None)],
        [],
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


# Artifacts as varied as the built-in fields allow: any name (numeric ones
# included), a size or none, a MIME type or none.
artifacts = st.builds(
    DagArtifact,
    id=st.just("a"),
    file_name=st.one_of(
        st.sampled_from(["movie.mp4", "a.srt", "2024", "x.001", "true", "", ".mkv", "7"]),
        st.text(max_size=8),
    ),
    file_size=st.none() | st.integers(min_value=-(2**70), max_value=2**70),
    mime_type=st.none() | st.sampled_from(["video/mp4", "text/plain", "1", "false", ""]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.sampled_from(["big", "1", "1e3", "video", "mp4", "true", "", "vid", "7", "001"]),
)
values = scalars | st.lists(scalars | st.lists(scalars, max_size=1), max_size=3)


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(VIRTUAL_FIELDS)),
    st.sampled_from(list(Op)),
    values,
    st.lists(artifacts, min_size=1, max_size=6),
)
def test_a_rule_reported_as_never_matching_never_matches(
    field: str, operator: Op, value: Any, subjects: list[DagArtifact]
) -> None:
    # Save-time verdicts on built-in fields agree with what the filter does.
    problems = [
        d
        for d in validate_pipeline(pipeline(rule(field, operator, value)))
        if d.code in ("invalid-filter-value", "unknown-file-type")
    ]
    matched = {rule_matches(a, rule(field, operator, value)) for a in subjects}
    negated = operator in (Op.NEQ, Op.NOT_IN, Op.NOT_CONTAINS)
    whole = [d for d in problems if d.path[-1] == "value"]
    items = [d for d in problems if d.path[-1] != "value"]
    if any("needs" in d.message for d in whole):
        assert matched == {False}  # a value that cannot work closes the edge
    elif any("matches every artifact" in d.message for d in whole):
        assert matched == {True}
    elif whole:
        assert matched == {negated}
    elif items and len(items) == len(value):
        assert matched == {negated}  # no item of the list can ever be equal


# --- issue 17, point 13: a field one edit away from a built-in one ---------

MISSPELT = [
    ("file_tpye", "file_type"),
    ("extention", "extension"),
    ("File_type", "file_type"),
    ("filesize", "file_size"),
    ("mime_typ", "mime_type"),
    ("file_names", "file_name"),
]


@pytest.mark.parametrize(("field", "meant"), MISSPELT, ids=[m[0] for m in MISSPELT])
def test_a_misspelt_builtin_field_is_a_warning_with_the_did_you_mean(
    field: str, meant: str
) -> None:
    (found,) = validate_pipeline(pipeline(rule(field, Op.EQ, "video")))
    assert (found.code, found.severity) == ("misspelt-filter-field", "warning")
    assert found.path == (*BASE, "field")
    assert found.hint == f"did you mean '{meant}'?"
    assert found.message == (
        f"{W}'{field}' is not a built-in field, so the rule reads the metadata key "
        f"'{field}', which is missing on every artifact that lacks it"
    )


@pytest.mark.parametrize("field", ["file_type", "lang", "type", "mime", "file_path", "title"])
def test_builtin_fields_and_other_keys_are_not_warned_about(field: str) -> None:
    found = validate_pipeline(pipeline(rule(field, Op.EXISTS)))
    assert [d.code for d in found] == []
