"""Fuzz the edge filter engine: fuzzed rules over fuzzed artifacts.

The input is a JSON object ``{"filter": {...}, "artifacts": [...]}`` or,
when it is not, bytes from which a filter and artifacts are drawn (numbers
as strings, NaN, infinities, huge integers, lists, odd names and MIME
types). Checked on every input: building the models raises nothing but
pydantic's ValidationError; filtering never raises; the result keeps the
input's order and is exactly ``select(apply_rules(...))``; a negated
operator answers the opposite of its positive form whenever the operand is
usable; validating the filter on a pipeline edge never raises.

Run: ``python fuzz/fuzz_filters.py fuzz/corpus-work/filters -max_total_time=3600``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from _fuzzing import ByteReader, fuzz_main, load_json
from pydantic import ValidationError

from dagabaaz.constants import FilterOperator
from dagabaaz.filter import (
    apply_rules,
    classify_file_type,
    filter_artifacts,
    group_by_origin,
    operand_problem,
    partition_by_origin,
    rule_matches,
    select_artifacts,
)
from dagabaaz.models import DagArtifact, DagNode, EdgeFilter, FilterRule
from dagabaaz.validation import validate_pipeline

FIELDS = ("file_type", "extension", "file_size", "file_name", "mime_type", "lang", "tags", "a.b")
NAMES = ("a.mp4", "B.SRT", "noext", ".hidden", "a.tar.gz", "x.", "", "é.MKV", "a\x00.jpg")
MIMES = (None, "video/mp4", "text/plain", "application/octet-stream", "", "VIDEO/MP4", "image/")
NEGATIONS = {
    FilterOperator.NEQ: FilterOperator.EQ,
    FilterOperator.NOT_IN: FilterOperator.IN,
    FilterOperator.NOT_CONTAINS: FilterOperator.CONTAINS,
    FilterOperator.NOT_EXISTS: FilterOperator.EXISTS,
}


def TestOneInput(data: bytes) -> None:
    """Filter fuzzed artifacts with a fuzzed edge filter and check the result."""
    try:
        edge_filter, artifacts = _decode(data)
    except ValidationError:
        return
    kept = filter_artifacts(artifacts, edge_filter)
    ruled = apply_rules(artifacts, edge_filter)
    if kept != select_artifacts(ruled, edge_filter.select):
        raise AssertionError("filter_artifacts is not select_artifacts(apply_rules(...))")
    _check_order(artifacts, ruled)
    _check_order(ruled, kept)
    for artifact in artifacts:
        classify_file_type(artifact)
        for rule in edge_filter.rules:
            _check_rule(artifact, rule)
    if sum(len(part) for part in partition_by_origin(kept).values()) != len(kept):
        raise AssertionError("partition_by_origin lost or duplicated artifacts")
    grouped = group_by_origin(kept)
    broadcast = len(grouped.broadcast)
    if sum(len(group) - broadcast for group in grouped.groups.values()) + broadcast != len(kept):
        raise AssertionError("group_by_origin lost or duplicated artifacts")
    validate_pipeline(
        [
            DagNode(slug="up", plugin="p"),
            DagNode(slug="down", plugin="p", depends_on=["up"], edge_filters={"up": edge_filter}),
        ]
    )


def _decode(data: bytes) -> tuple[EdgeFilter, list[DagArtifact]]:
    is_json, value = load_json(data)
    if is_json and isinstance(value, Mapping):
        raw = value.get("artifacts")
        items = raw if isinstance(raw, list) else []
        return EdgeFilter.model_validate(value.get("filter", {})), [
            DagArtifact.model_validate(item) for item in items
        ]
    reader = ByteReader(data)
    rules = [
        FilterRule(
            field=reader.choice(FIELDS) if reader.integer(0, 5) else reader.text(6),
            operator=reader.choice(tuple(FilterOperator)),
            value=_json_value(reader.value(2)),
        )
        for _ in range(reader.integer(0, 4))
    ]
    select = reader.choice((None, None, "largest", "smallest"))
    artifacts = [_artifact(reader, i) for i in range(reader.integer(0, 12))]
    return EdgeFilter.model_validate({"rules": rules, "select": select}), artifacts


def _artifact(reader: ByteReader, index: int) -> DagArtifact:
    size: Any = reader.choice((None, 0, -1, 7, 2**70, reader.integer(0, 10_000)))
    metadata = {reader.choice(FIELDS): reader.value(2) for _ in range(reader.integer(0, 3))}
    return DagArtifact(
        id=f"art-{index}",
        file_name=reader.choice(NAMES) if reader.flag() else reader.text(12),
        file_size=size,
        mime_type=reader.choice(MIMES),
        metadata=metadata,
        origin_artifact_id=reader.choice((None, "o1", "o2", f"art-{index}")),
    )


def _json_value(value: Any) -> Any:
    # FilterRule.value is JSON: floats that JSON cannot carry become strings.
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return str(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _check_order(before: Sequence[DagArtifact], after: Sequence[DagArtifact]) -> None:
    position = {id(artifact): i for i, artifact in enumerate(before)}
    places = [position.get(id(artifact), -1) for artifact in after]
    if -1 in places or places != sorted(places):
        raise AssertionError("filtering invented artifacts or changed their order")


def _check_rule(artifact: DagArtifact, rule: FilterRule) -> None:
    matched = rule_matches(artifact, rule)
    if not isinstance(matched, bool):
        raise AssertionError(f"rule_matches returned {matched!r}")
    positive = NEGATIONS.get(rule.operator)
    if positive is None or operand_problem(rule.operator, rule.value) is not None:
        return
    flipped = rule_matches(artifact, rule.model_copy(update={"operator": positive}))
    if flipped == matched:
        raise AssertionError(f"{rule.operator} is not the negation of {positive} on {artifact!r}")


def main() -> None:
    """Run this harness under atheris."""
    fuzz_main(TestOneInput)


if __name__ == "__main__":
    main()
