"""filter.explain and tally_rules: the filter's own verdicts, explained artifact by artifact."""

from __future__ import annotations

import pytest

from dagabaaz.constants import REASON_SAMPLE_SIZE, ArtifactSelector, FilterOperator
from dagabaaz.filter import apply_rules, explain, filter_artifacts, tally_rules
from dagabaaz.models import DagArtifact, EdgeFilter, FilterRule


def rule(field: str, operator: str, value: object = None) -> FilterRule:
    return FilterRule(field=field, operator=FilterOperator(operator), value=value)  # type: ignore[arg-type]


ARTIFACTS = [
    DagArtifact(
        id="1", file_name="a.mp4", file_size=700, metadata={"height": "1080", "hdr": " false "}
    ),
    DagArtifact(id="2", file_name="a.en.srt", file_size=4, metadata={"height": 0}),
    DagArtifact(id="3", file_name="b-4k.mkv", file_size=9000, metadata={"height": 2160}),
    DagArtifact(id="4", file_name="c.mp4", metadata={}),
]


def test_explain_says_which_rule_rejects_and_how_values_were_read() -> None:
    edge = EdgeFilter(rules=[rule("file_type", "eq", "video"), rule("height", "gte", 720)])
    result = explain(ARTIFACTS, edge)
    first, subtitle, _, unsized = result.artifacts
    assert first.rejected_by is None and first.delivered
    assert (first.rules[1].actual, first.rules[1].read_as, first.rules[1].compared) == (
        '"1080"',
        "number",
        "1080",
    )
    assert subtitle.rejected_by == 0
    assert [v.matched for v in subtitle.rules] == [False, False]  # every rule is shown
    assert subtitle.rules[0].actual == '"subtitle"'
    assert unsized.rejected_by == 1
    assert (unsized.rules[1].actual, unsized.rules[1].read_as) == ("missing", "missing")
    assert (result.matched, result.delivered) == (2, 2)


@pytest.mark.parametrize(
    ("rules", "metadata", "reading"),
    [
        ([rule("k", "eq", False)], {"k": " FALSE "}, ("boolean", "false")),
        ([rule("k", "eq", "true")], {"k": "True"}, ("boolean", "true")),
        ([rule("k", "eq", "29.97")], {"k": 29.97}, ("number", "29.97")),
        ([rule("k", "in", ["1", 2])], {"k": "2"}, ("number", "2")),
        ([rule("k", "eq", "en")], {"k": "en"}, ("text", '"en"')),
        ([rule("k", "gt", 1)], {"k": "many"}, ("text", '"many"')),
        ([rule("k", "contains", "x")], {"k": ["x"]}, ("list", '["x"]')),
        ([rule("k", "exists")], {"k": None}, ("null", "null")),
    ],
    ids=[
        "bool-word",
        "two-bool-words",
        "float-vs-string",
        "in-numbers",
        "text",
        "not-a-number",
        "list",
        "null",
    ],
)
def test_explain_reads_values_as_the_comparison_does(
    rules: list[FilterRule], metadata: dict[str, object], reading: tuple[str, str]
) -> None:
    artifact = DagArtifact(id="x", file_name="f.bin", metadata=metadata)
    [verdict] = explain([artifact], EdgeFilter(rules=rules)).artifacts
    assert (verdict.rules[0].read_as, verdict.rules[0].compared) == reading
    assert verdict.delivered == bool(apply_rules([artifact], EdgeFilter(rules=rules)))


def test_explain_reports_a_rule_that_can_never_match() -> None:
    [verdict] = explain(ARTIFACTS[:1], EdgeFilter(rules=[rule("height", "in", "tall")])).artifacts
    assert verdict.rules[0].problem == "'in' needs a list value, got a string"
    assert not verdict.delivered


def test_explain_shows_select_verdicts() -> None:
    edge = EdgeFilter(rules=[rule("file_type", "eq", "video")], select=ArtifactSelector.LARGEST)
    verdicts = {v.file_name: v.select for v in explain(ARTIFACTS, edge).artifacts}
    assert verdicts == {
        "a.mp4": "dropped",
        "a.en.srt": "not_considered",
        "b-4k.mkv": "kept",
        "c.mp4": "unsized",
    }


def test_explain_selects_per_origin_group_when_grouped() -> None:
    grouped = [
        DagArtifact(id="1", file_name="a1.mp4", file_size=1, origin_artifact_id="a"),
        DagArtifact(id="2", file_name="a2.mp4", file_size=2, origin_artifact_id="a"),
        DagArtifact(id="3", file_name="b1.mp4", file_size=5, origin_artifact_id="b"),
    ]
    edge = EdgeFilter(select=ArtifactSelector.LARGEST)
    assert [v.delivered for v in explain(grouped, edge, grouped=True).artifacts] == [
        False,
        True,
        True,
    ]
    assert [v.delivered for v in explain(grouped, edge).artifacts] == [False, False, True]


@pytest.mark.parametrize(
    "edge",
    [
        None,
        EdgeFilter(),
        EdgeFilter(rules=[rule("file_type", "neq", "subtitle")], select=ArtifactSelector.SMALLEST),
        EdgeFilter(rules=[rule("height", "lt", 2000), rule("file_name", "ends_with", ".mp4")]),
    ],
    ids=["none", "empty", "rule-and-select", "two-rules"],
)
def test_explain_agrees_with_the_filter(edge: EdgeFilter | None) -> None:
    delivered = [a.id for a in filter_artifacts(ARTIFACTS, edge)]
    verdicts = explain(ARTIFACTS, edge).artifacts
    assert [ARTIFACTS[v.position].id for v in verdicts if v.delivered] == delivered


def test_tally_charges_each_rejection_to_the_first_rule() -> None:
    edge = EdgeFilter(rules=[rule("file_type", "eq", "video"), rule("height", "gte", 720)])
    tally = tally_rules(ARTIFACTS, edge)
    assert [a.id for a in tally.passed] == [a.id for a in apply_rules(ARTIFACTS, edge)]
    # The subtitle fails both rules but is charged to the first only.
    assert tally.rejected == (1, 1)
    assert tally.samples == (('"subtitle"',), ("missing",))


def test_tally_is_bounded_at_any_fan_out() -> None:
    many = [
        DagArtifact(id=str(i), file_name=f"{i}.srt", metadata={"n": "x" * 500})
        for i in range(10_000)
    ]
    tally = tally_rules(many, EdgeFilter(rules=[rule("n", "eq", "y")]))
    assert tally.passed == []
    assert tally.rejected == (10_000,)
    assert len(tally.samples[0]) == REASON_SAMPLE_SIZE
    assert all(len(sample) <= 80 for sample in tally.samples[0])


def test_tally_without_rules_passes_everything() -> None:
    assert tally_rules(ARTIFACTS, None).passed == ARTIFACTS
    assert tally_rules(ARTIFACTS, EdgeFilter(select=ArtifactSelector.LARGEST)).rejected == ()
