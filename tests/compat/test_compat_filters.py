"""Issue 10, points 2, 6 and 14: edge filters as the README's version routed.

A saved pipeline that routes on ``extension eq ".mp4"`` or on a boolean
metadata value keeps routing the same way; ``group_by_origin`` keeps its
result object.
"""

from __future__ import annotations

from typing import Any

import pytest

from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.filter import OriginGroups, filter_artifacts, group_by_origin
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.runner import LocalRunner
from dagabaaz.validation import validate_pipeline


def artifact(name: str, mime: str | None = None, **metadata: Any) -> DagArtifact:
    return DagArtifact(id=name, file_name=name, file_size=1, mime_type=mime, metadata=metadata)


def kept(field: str, operator: str, value: Any, artifacts: list[DagArtifact]) -> list[str]:
    rule = FilterRule(field=field, operator=FilterOperator(operator), value=value)
    return [a.id for a in filter_artifacts(artifacts, EdgeFilter(rules=[rule]))]


FILES = [artifact("Movie.MKV"), artifact("clip.mp4"), artifact("README"), artifact("a.tar.gz")]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("eq", ".mp4", ["clip.mp4"]),
        ("eq", ".mkv", ["Movie.MKV"]),
        ("eq", "", ["README"]),
        ("in", [".mkv", ".mp4"], ["Movie.MKV", "clip.mp4"]),
        ("eq", ".gz", ["a.tar.gz"]),
        ("eq", "mp4", []),
        ("ends_with", "4", ["clip.mp4"]),
        ("starts_with", ".", ["Movie.MKV", "clip.mp4", "a.tar.gz"]),
    ],
)
def test_extension_keeps_its_dot(operator: str, value: Any, expected: list[str]) -> None:
    assert kept("extension", operator, value, FILES) == expected


def test_mime_type_reads_as_empty_when_absent() -> None:
    files = [artifact("a.bin"), artifact("b.mp4", "video/mp4")]
    assert kept("mime_type", "eq", "", files) == ["a.bin"]
    assert kept("mime_type", "not_exists", None, files) == ["a.bin"]
    assert kept("mime_type", "starts_with", "video/", files) == ["b.mp4"]


def test_a_saved_pipeline_routing_on_extension_runs_as_before() -> None:
    only_mp4 = EdgeFilter(
        rules=[FilterRule(field="extension", operator=FilterOperator.EQ, value=".mp4")]
    )
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="video",
            plugin="transcode",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={"source": only_mp4},
        ),
    ]
    plugins = {
        "fetch": lambda task: [Output(file_name=n) for n in ("a.mp4", "b.MP4", "c.srt")],
        "transcode": lambda task: Output(file_name=f"{len(task['artifacts'])} videos"),
    }
    assert validate_pipeline(nodes) == []
    result = LocalRunner(plugins).run(nodes)
    assert result.nodes["video"].outputs[0].file_name == "2 videos"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("mp4", 'did you mean ".mp4"?'),
        (".MP4", 'did you mean ".mp4"?'),
        ("tar.gz", 'did you mean ".gz"?'),
    ],
)
def test_validation_hints_the_dotted_extension(value: str, hint: str) -> None:
    rule = FilterRule(field="extension", operator=FilterOperator.EQ, value=value)
    nodes = [
        DagNode(slug="s", plugin="p"),
        DagNode(
            slug="d", plugin="p", depends_on=["s"], edge_filters={"s": EdgeFilter(rules=[rule])}
        ),
    ]
    [found] = validate_pipeline(nodes)
    assert (found.code, found.severity, found.hint) == ("unmatchable-extension", "warning", hint)
    assert found.path == ("nodes", 1, "edge_filters", "s", "rules", 0, "value")
    assert found.node == "d"


def test_group_by_origin_returns_groups_and_broadcast() -> None:
    items = [
        DagArtifact(id="1", file_name="a", file_size=1, mime_type=None, origin_artifact_id="o1"),
        DagArtifact(id="2", file_name="b", file_size=1, mime_type=None),
        DagArtifact(id="3", file_name="c", file_size=1, mime_type=None, origin_artifact_id="o2"),
        DagArtifact(id="4", file_name="d", file_size=1, mime_type=None, origin_artifact_id="o1"),
    ]
    result = group_by_origin(items)
    assert isinstance(result, OriginGroups)
    assert {origin: [a.id for a in group] for origin, group in result.groups.items()} == {
        "o1": ["1", "4", "2"],
        "o2": ["3", "2"],
    }
    assert [a.id for a in result.broadcast] == ["2"]
    only_broadcast = group_by_origin([items[1]])
    assert only_broadcast.groups == {}
    assert [a.id for a in only_broadcast.broadcast] == ["2"]


@pytest.mark.parametrize(
    ("stored", "operator", "value", "matches"),
    [
        (False, "eq", " false ", True),
        (True, "eq", "TRUE", True),
        (True, "eq", "  True\t", True),
        (False, "neq", "FALSE ", False),
        (True, "in", ["yes", " true"], True),
        ("True", "eq", "true", True),
        (" false", "eq", False, True),
        (True, "eq", "1", False),
        (False, "eq", "0", False),
        (True, "eq", 1, False),
    ],
)
def test_boolean_metadata_against_strings(
    stored: Any, operator: str, value: Any, matches: bool
) -> None:
    files = [artifact("a.bin", hdr=stored)]
    assert kept("hdr", operator, value, files) == (["a.bin"] if matches else [])
