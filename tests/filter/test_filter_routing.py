"""filter_artifacts, apply_rules, select_artifacts, group_by_origin, field_value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from dagabaaz.constants import ArtifactSelector, FileType
from dagabaaz.constants import FilterOperator as Op
from dagabaaz.filter import (
    MISSING,
    VIRTUAL_FIELDS,
    apply_rules,
    field_value,
    filter_artifacts,
    group_by_origin,
    partition_by_origin,
    select_artifacts,
)
from dagabaaz.models import DagArtifact, EdgeFilter, FilterRule, TaskArtifact


def art(
    ident: str,
    name: str = "f.bin",
    size: int | None = None,
    origin: str | None = None,
    **metadata: Any,
) -> DagArtifact:
    return DagArtifact(
        id=ident, file_name=name, file_size=size, metadata=metadata, origin_artifact_id=origin
    )


def ids(artifacts: list[DagArtifact]) -> list[str]:
    return [a.id for a in artifacts]


MIXED = [
    art("v1", "a.mp4", 300, lang="en"),
    art("s1", "a.en.srt", 10, lang="en"),
    art("v2", "b.MKV", 900, lang="fr"),
    art("s2", "b.fr.srt", 12, lang="fr"),
    art("x", "notes.txt", None),
]

FILTERS: list[tuple[str, EdgeFilter | None, list[str]]] = [
    ("none-passes-all", None, ["v1", "s1", "v2", "s2", "x"]),
    ("empty-rules-pass-all", EdgeFilter(), ["v1", "s1", "v2", "s2", "x"]),
    (
        "videos",
        EdgeFilter(rules=[FilterRule(field="file_type", operator=Op.EQ, value="video")]),
        ["v1", "v2"],
    ),
    (
        "rules-are-anded",
        EdgeFilter(
            rules=[
                FilterRule(field="file_type", operator=Op.EQ, value="subtitle"),
                FilterRule(field="lang", operator=Op.EQ, value="fr"),
            ]
        ),
        ["s2"],
    ),
    (
        "largest-video",
        EdgeFilter(
            rules=[FilterRule(field="file_type", operator=Op.EQ, value="video")],
            select=ArtifactSelector.LARGEST,
        ),
        ["v2"],
    ),
    ("smallest-of-all-skips-unsized", EdgeFilter(select=ArtifactSelector.SMALLEST), ["s1"]),
    (
        "select-after-rules-empty",
        EdgeFilter(
            rules=[FilterRule(field="file_type", operator=Op.EQ, value="audio")],
            select=ArtifactSelector.LARGEST,
        ),
        [],
    ),
    (
        "extension-in",
        EdgeFilter(rules=[FilterRule(field="extension", operator=Op.IN, value=[".mkv", ".txt"])]),
        ["v2", "x"],
    ),
    (
        "broken-rule-blocks-edge",
        EdgeFilter(rules=[FilterRule(field="file_size", operator=Op.GT, value="big")]),
        [],
    ),
]


@pytest.mark.parametrize(
    ("edge_filter", "expected"), [c[1:] for c in FILTERS], ids=[c[0] for c in FILTERS]
)
def test_filter_artifacts(edge_filter: EdgeFilter | None, expected: list[str]) -> None:
    assert ids(filter_artifacts(MIXED, edge_filter)) == expected


def test_apply_rules_ignores_select() -> None:
    edge = EdgeFilter(
        rules=[FilterRule(field="file_type", operator=Op.EQ, value="video")],
        select=ArtifactSelector.LARGEST,
    )
    assert ids(apply_rules(MIXED, edge)) == ["v1", "v2"]
    assert ids(apply_rules(iter(MIXED), None)) == ids(MIXED)


SELECTS: list[tuple[str, list[DagArtifact], ArtifactSelector | None, list[str]]] = [
    ("none-keeps-all", [art("a", size=1), art("b")], None, ["a", "b"]),
    ("largest", [art("a", size=1), art("b", size=5), art("c", size=3)], "largest", ["b"]),
    ("smallest", [art("a", size=4), art("b", size=5), art("c", size=3)], "smallest", ["c"]),
    ("tie-first-wins-largest", [art("a", size=5), art("b", size=5)], "largest", ["a"]),
    ("tie-first-wins-smallest", [art("a", size=5), art("b", size=5)], "smallest", ["a"]),
    ("unsized-never-wins", [art("a"), art("b", size=0), art("c")], "largest", ["b"]),
    ("zero-size-can-be-smallest", [art("a", size=3), art("b", size=0)], "smallest", ["b"]),
    ("all-unsized-empty", [art("a"), art("b")], "smallest", []),
    ("empty-input", [], "largest", []),
    ("huge-sizes-exact", [art("a", size=2**53), art("b", size=2**53 + 1)], "largest", ["b"]),
]


@pytest.mark.parametrize(
    ("artifacts", "selector", "expected"), [c[1:] for c in SELECTS], ids=[c[0] for c in SELECTS]
)
def test_select_artifacts(
    artifacts: list[DagArtifact], selector: ArtifactSelector | None, expected: list[str]
) -> None:
    assert ids(select_artifacts(artifacts, selector)) == expected


def test_select_rejects_unknown_selector() -> None:
    with pytest.raises(ValueError, match="unknown artifact selector 'biggest'"):
        select_artifacts([art("a", size=1)], "biggest")  # type: ignore[arg-type]


@dataclass(frozen=True)
class LooseArtifact:
    """Duck-typed artifact with odd sizes, as a third-party store might hand over."""

    file_name: str
    file_size: Any = None
    mime_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    origin_artifact_id: str | None = None


def test_select_ignores_bool_and_nan_sizes() -> None:
    items = [LooseArtifact("a", True), LooseArtifact("b", float("nan")), LooseArtifact("c", 2)]
    assert select_artifacts(items, ArtifactSelector.LARGEST) == [items[2]]


ORIGINS = [
    art("1", origin="o2"),
    art("2"),
    art("3", origin="o1"),
    art("4", origin="o2"),
    art("5"),
]


def test_partition_by_origin_first_appearance_and_broadcast() -> None:
    parts = partition_by_origin(ORIGINS)
    assert list(parts) == ["o2", None, "o1"]
    assert {key: ids(value) for key, value in parts.items()} == {
        "o2": ["1", "4"],
        None: ["2", "5"],
        "o1": ["3"],
    }


def test_group_by_origin_appends_the_broadcast_artifacts_to_every_group() -> None:
    grouped = group_by_origin(ORIGINS)
    assert list(grouped.groups) == ["o2", "o1"]
    assert {key: ids(value) for key, value in grouped.groups.items()} == {
        "o2": ["1", "4", "2", "5"],
        "o1": ["3", "2", "5"],
    }
    assert ids(grouped.broadcast) == ["2", "5"]


def test_group_by_origin_all_broadcast_or_empty() -> None:
    grouped = group_by_origin([art("1"), art("2")])
    assert grouped.groups == {}
    assert ids(grouped.broadcast) == ["1", "2"]
    empty = group_by_origin([])
    assert (empty.groups, empty.broadcast) == ({}, [])


FIELDS: list[tuple[str, str, Any]] = [
    ("file-type", "file_type", FileType.VIDEO),
    ("extension", "extension", ".mkv"),
    ("file-size", "file_size", 2048),
    ("file-name", "file_name", "Movie.MKV"),
    ("mime-type", "mime_type", "video/x-matroska"),
    ("metadata", "lang", "en"),
    ("metadata-none", "nothing", None),
    ("metadata-missing", "absent", MISSING),
    ("dotted-key-is-literal", "a.b", 1),
    ("dotted-key-no-path", "nested.x", MISSING),
]


@pytest.mark.parametrize(("name", "expected"), [c[1:] for c in FIELDS], ids=[c[0] for c in FIELDS])
def test_field_value(name: str, expected: Any) -> None:
    artifact = DagArtifact(
        id="a",
        file_name="Movie.MKV",
        file_size=2048,
        mime_type="video/x-matroska",
        metadata={
            "lang": "en",
            "nothing": None,
            "a.b": 1,
            "nested": {"x": 1},
            "file_type": "shadowed",
        },
    )
    assert field_value(artifact, name) == expected


def test_virtual_fields_shadow_metadata() -> None:
    artifact = art("a", "x.mp4", file_type="audio")
    assert field_value(artifact, "file_type") is FileType.VIDEO
    assert {"file_type", "extension", "file_size", "file_name", "mime_type"} == VIRTUAL_FIELDS


def test_unknown_virtual_fields_are_none_or_empty_not_missing() -> None:
    artifact = art("a", "x")
    assert field_value(artifact, "file_size") is None
    assert field_value(artifact, "mime_type") == ""
    assert field_value(artifact, "extension") == ""


def test_task_artifacts_filter_like_dag_artifacts() -> None:
    items = [
        TaskArtifact(file_path="/w/a.mp4", file_name="a.mp4", file_size=3),
        TaskArtifact(file_path="/w/a.srt", file_name="a.srt", file_size=1),
    ]
    edge = EdgeFilter(rules=[FilterRule(field="file_type", operator=Op.NEQ, value="video")])
    assert filter_artifacts(items, edge) == [items[1]]


def test_metadata_that_is_not_a_mapping_reads_missing() -> None:
    loose = LooseArtifact("a.mp4", metadata=None)  # type: ignore[arg-type]
    assert field_value(loose, "lang") is MISSING
