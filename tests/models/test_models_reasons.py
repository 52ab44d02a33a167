"""Reasons: typed, frozen, bounded, and the same objects after a JSON round trip."""

from __future__ import annotations

import json

import pydantic
import pytest

from dagabaaz.constants import REASON_ERROR_LENGTH, REASON_SAMPLE_SIZE, REASON_VALUE_LENGTH
from dagabaaz.models import (
    REASON_ADAPTER,
    BindingsReason,
    ChainLink,
    EdgeReport,
    FailedReason,
    FilteredReason,
    GatedBinding,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    RuleReport,
    SkippedReason,
    parse_reason,
)

RULE = RuleReport(
    field="file_type", operator="eq", value="video", rejected=3, sample=('"subtitle"',)
)
EDGE = EdgeReport(
    dependency="fetch", arrived=3, walked_past=("gate",), rules=(RULE,), matched=0, delivered=0
)
REASONS: list[NodeReason] = [
    LaunchedReason(
        node="fetch", node_index=0, tasks=1, fan_mode="single", root=True, fan_out_limit=200
    ),
    LaunchedReason(
        node="merge",
        node_index=3,
        tasks=2,
        fan_mode="grouped",
        delivered=5,
        groups=2,
        broadcast=1,
        fan_out_limit=200,
        edges=(EDGE,),
    ),
    SkippedReason(
        node="publish",
        node_index=5,
        dependency="bundle",
        cause="dependency_skipped",
        chain=(
            ChainLink(node="publish", cause="dependency_skipped", dependency="bundle"),
            ChainLink(node="bundle", cause="edge_rejected_all", dependency="fetch"),
        ),
    ),
    FilteredReason(node="subtitles", node_index=1, fan_mode="single", edges=(EDGE,)),
    FailedReason(
        node="probe",
        node_index=2,
        task_id="task-3",
        input_artifact_id="artifact-1",
        input_file_name="movie.mkv",
        error="ValueError: no video stream",
    ),
    FailedReason(
        node="encode", node_index=2, cause="fan_out_limit", task_id="task-9", error="too many"
    ),
    BindingsReason(
        node="encode",
        node_index=2,
        task_id="task-4",
        gated_count=1,
        gated=(GatedBinding(name="crf", when="{input.quality}", value='""'),),
    ),
    NotRunReason(node="notify", node_index=6, run_status="failed", ended_by="probe", error="boom"),
]


@pytest.mark.parametrize("reason", REASONS, ids=lambda r: r.outcome)
def test_a_reason_round_trips_through_json(reason: NodeReason) -> None:
    data = reason.model_dump(mode="json")
    assert json.loads(json.dumps(data)) == data
    assert parse_reason(data) == reason
    assert parse_reason(json.dumps(data)) == reason
    assert parse_reason(reason.model_dump_json().encode()) == reason
    assert type(REASON_ADAPTER.validate_python(data)) is type(reason)


def test_reasons_are_frozen_and_closed() -> None:
    with pytest.raises(pydantic.ValidationError):
        REASONS[0].tasks = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="extra"):
        parse_reason({**REASONS[0].model_dump(mode="json"), "surprise": 1})
    with pytest.raises(pydantic.ValidationError, match="outcome"):
        parse_reason({"outcome": "vanished", "node": "a", "node_index": 0})


def test_every_reason_is_bounded_whatever_it_is_given() -> None:
    huge = "x" * 100_000
    rule = RuleReport(field="f", operator="eq", value=1, rejected=10_000, sample=(huge,) * 10_000)
    assert len(rule.sample) == REASON_SAMPLE_SIZE
    assert all(len(value) == REASON_VALUE_LENGTH and value.endswith("...") for value in rule.sample)
    failed = FailedReason(node="a", node_index=0, task_id="t", input_file_name=huge, error=huge)
    assert len(failed.error) == REASON_ERROR_LENGTH
    assert failed.input_file_name is not None
    assert len(failed.input_file_name) == REASON_VALUE_LENGTH
    gated = BindingsReason(
        node="a",
        node_index=0,
        task_id="t",
        gated_count=10_000,
        gated=tuple(GatedBinding(name=huge, when=huge, value=huge) for _ in range(10_000)),
    )
    assert len(gated.gated) == REASON_SAMPLE_SIZE
    assert gated.gated_count == 10_000
    assert len(gated.model_dump_json()) < 3_000
    edge = EdgeReport(dependency="d", kept_sample=(huge,) * 50)
    assert len(edge.kept_sample) == REASON_SAMPLE_SIZE
