"""Hostile inputs: reasons stay bounded, round-trip, and never change how a run goes."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import pytest

from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.filter import explain
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    DagArtifact,
    DagNode,
    EdgeFilter,
    FilterRule,
    NodeReason,
    Output,
    parse_reason,
)
from dagabaaz.runner import LocalRunner, RunResult


class _NoReasons(InMemoryStore):
    record_reason = None
    get_reasons = None


class _Unprintable:
    """A metadata value (or key) that refuses to be written out."""

    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class _HostileMapping(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise RuntimeError("no items for you")


HOSTILE: dict[str, Any] = {
    "huge-int-key": {10**5000: "x"},
    "unprintable-key": {_Unprintable(): 1},
    "unprintable": _Unprintable(),
    "hostile-mapping": _HostileMapping(a=1),
    "huge-int": 10**5000,
    "huge-text": "x" * 1_000_000,
    "invalid-utf8-bytes": b"\xff" * 1000,
    "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "decimal": decimal.Decimal("1e999999"),
    "set": {1, 2, 3},
    "object": object(),
    "nan": float("nan"),
    "nested": {"a": {"b": {"c": list(range(100_000))}}},
}
NASTY_NAME = "clip\n<- probe  completed: launched 1 task\x1b[2J.mp4"


def _pipeline(mode: FanMode) -> list[DagNode]:
    rule = FilterRule(field="meta", operator=FilterOperator.EQ, value="wanted")
    return [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(slug="keep", plugin="each", depends_on=["fetch"]),
        DagNode(
            slug="pick",
            plugin="each",
            depends_on=["fetch"],
            fan_mode=mode,
            edge_filters={"fetch": EdgeFilter(rules=[rule])},
        ),
    ]


def _run(value: Any, mode: FanMode, store: InMemoryStore) -> RunResult:
    plugins = {
        "fetch": lambda task: [
            Output(file_name=NASTY_NAME, metadata={"meta": value}),
            Output(file_name="plain.mp4", metadata={"meta": value, "n": 1}),
        ],
        "each": lambda task: Output(file_name="out.txt", metadata={"seen": value}),
    }
    return LocalRunner(plugins, store=store).run(_pipeline(mode))


def _statuses(result: RunResult) -> dict[str, tuple[str, int]]:
    return {slug: (n.status.value, n.task_count) for slug, n in result.nodes.items()}


def _reasons(result: RunResult) -> list[NodeReason]:
    return [reason for node in result.nodes.values() for reason in node.reasons]


@pytest.mark.parametrize("mode", [FanMode.SINGLE, FanMode.AGGREGATE], ids=["single", "aggregate"])
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_metadata_runs_as_it_would_without_reasons(value: Any, mode: FanMode) -> None:
    bare = _run(value, mode, _NoReasons())
    kept = _run(value, mode, InMemoryStore())
    assert kept.status is bare.status
    assert _statuses(kept) == _statuses(bare)
    assert kept.error == bare.error
    reasons = _reasons(kept)
    assert reasons
    for reason in reasons:
        text = reason.model_dump_json()
        assert len(text) < 2_000, text[:300]
        assert parse_reason(text) == reason


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_result_with_hostile_outputs_round_trips_through_json(value: Any) -> None:
    result = _run(value, FanMode.SINGLE, InMemoryStore())
    text = json.dumps(result.to_dict())  # what `dagabaaz run --json` prints
    again = RunResult.from_dict(json.loads(text))
    assert again.to_dict() == json.loads(text)
    assert again.explain("pick") == result.explain("pick")


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_explain_never_raises_on_what_metadata_holds(value: Any) -> None:
    artifacts = [DagArtifact(id="a", file_name=NASTY_NAME, metadata={"meta": value})]
    rules = [FilterRule(field="meta", operator=operator, value="x") for operator in ("eq", "neq")]
    explanation = explain(artifacts, EdgeFilter(rules=rules))
    assert len(explanation.model_dump_json()) < 2_000


def test_a_summary_is_one_line_whatever_the_file_name_or_error() -> None:
    def probe(task: dict[str, Any]) -> None:
        raise ValueError("first line\nsecond line\x1b[31m")

    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(slug="probe", plugin="probe", depends_on=["fetch"]),
        DagNode(slug="after", plugin="probe", depends_on=["probe"]),
    ]
    plugins = {"fetch": lambda task: Output(file_name=NASTY_NAME), "probe": probe}
    result = LocalRunner(plugins).run(nodes)
    lines = result.explain("after").splitlines()
    assert len(lines) == 2, lines  # a forged '<- probe  completed' line would make three
    assert "\x1b" not in result.explain("after")
    assert lines[1].startswith("<- probe  failed on ")
    assert "\\n" in lines[1]  # the newline is shown, escaped


def test_a_filter_value_of_ten_thousand_entries_keeps_reasons_bounded() -> None:
    huge = [f"value-{i}" for i in range(10_000)]
    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(
            slug="pick",
            plugin="each",
            depends_on=["fetch"],
            edge_filters={
                "fetch": EdgeFilter(
                    rules=[FilterRule(field="meta", operator=FilterOperator.IN, value=huge)]
                )
            },
        ),
    ]
    plugins = {
        "fetch": lambda task: [
            Output(file_name=f"{i}.bin", metadata={"meta": "nope"}) for i in range(10_000)
        ],
        "each": lambda task: None,
    }
    result = LocalRunner(plugins).run(nodes)
    [reason] = result.nodes["pick"].reasons
    text = reason.model_dump_json()
    assert len(text) < 2_000
    assert parse_reason(text) == reason
    again = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.nodes["pick"].reasons == (reason,)
    summary = result.causes("pick")[0].summary
    assert len(summary) < 400 and "rejected 10000" in summary
    artifacts = [
        DagArtifact(id=f"a{i}", file_name="x", metadata={"meta": "nope"}) for i in range(100)
    ]
    explanation = explain(
        artifacts, EdgeFilter(rules=[FilterRule(field="meta", operator="in", value=huge)])
    )
    assert len(explanation.model_dump_json()) < 20 * 2_000  # per artifact, not per value


@pytest.mark.slow
def test_a_hundred_thousand_artifacts_keep_every_reason_bounded() -> None:
    rule = FilterRule(field="kind", operator=FilterOperator.EQ, value="keep")
    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(
            slug="few",
            plugin="each",
            depends_on=["fetch"],
            edge_filters={"fetch": EdgeFilter(rules=[rule])},
        ),
        DagNode(
            slug="none",
            plugin="each",
            depends_on=["fetch"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={"fetch": EdgeFilter(rules=[rule.model_copy(update={"value": "absent"})])},
        ),
        DagNode(slug="after", plugin="each", depends_on=["none"]),
    ]
    plugins = {
        "fetch": lambda task: [
            Output(
                file_name=f"{i:06}\n.bin",
                file_size=i,
                metadata={"kind": "keep" if i % 25_000 == 0 else "x" * 500},
            )
            for i in range(100_000)
        ],
        "each": lambda task: None,
    }
    result = LocalRunner(plugins).run(nodes)
    assert result.status is RunStatus.COMPLETED
    assert result.nodes["few"].task_count == 4
    assert result.nodes["none"].status.value == result.nodes["after"].status.value == "skipped"
    for reason in _reasons(result):
        text = reason.model_dump_json()
        assert len(text) < 2_000
        assert parse_reason(text) == reason
    text = json.dumps(result.to_dict())
    assert RunResult.from_dict(json.loads(text)).to_dict() == json.loads(text)
