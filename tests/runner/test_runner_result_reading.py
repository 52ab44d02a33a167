"""RunResult.from_dict reads back what to_dict (and `dagabaaz run --json`) wrote."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from dagabaaz.constants import RunStatus
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import RunResultError
from dagabaaz.models import (
    FailedReason,
    LaunchedReason,
    NotRunReason,
    Output,
    SkippedReason,
)
from dagabaaz.runner import NodeResult, NodeStatus, RunResult


def _result() -> RunResult:
    launched = LaunchedReason(
        node="probe", node_index=0, tasks=1, fan_mode="single", root=True, fan_out_limit=200
    )
    failed = FailedReason(node="probe", node_index=0, task_id="task-1", error="ValueError: boom")
    nodes = {
        "probe": NodeResult(
            slug="probe",
            plugin="probe",
            status=NodeStatus.FAILED,
            task_count=1,
            outputs=(Output(file_name="x.json", metadata={"k": [1, 2]}),),
            elapsed_seconds=0.25,
            errors=("ValueError: boom",),
            reasons=(launched, failed),
        ),
        "encode": NodeResult(
            slug="encode", plugin="encode", status=NodeStatus.NOT_RUN, task_count=0
        ),
    }
    return RunResult(
        run_id="run-1",
        status=RunStatus.FAILED,
        nodes=MappingProxyType(nodes),
        error="node 'probe' failed: ValueError: boom",
        traceback="Traceback ...",
        elapsed_seconds=1.5,
        sinks=("encode",),
        diagnostics=(Diagnostic(code="c", message="m", path=("nodes", 0, "bindings")),),
    )


def test_a_result_round_trips_through_json() -> None:
    result = _result()
    again = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.nodes["probe"].reason == result.nodes["probe"].reasons[1]
    assert list(again.nodes) == ["probe", "encode"]


def test_unknown_keys_are_ignored() -> None:
    data = _result().to_dict()
    data["added_later"] = {"x": 1}
    data["nodes"][0]["colour"] = "red"
    assert RunResult.from_dict(data) == _result()


def _deep(depth: int) -> list[Any]:
    top: list[Any] = []
    inner = top
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return top


def _broken(path: str, value: Any) -> dict[str, Any]:
    data = _result().to_dict()
    target: Any = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a run result is a JSON object .*got list"),
        ("{}", "got str"),
        (_broken("status", "exploded"), r"^not a run result: status: Input should be"),
        (_broken("run_id", KeyError), "run_id: Field required"),
        (_broken("nodes.1.status", "weird"), r"nodes\[1\]\.status: 'weird' is not a node status"),
        (_broken("nodes.0.task_count", "many"), r"nodes\[0\]\.task_count"),
        (_broken("nodes.0.reasons.1.outcome", "gone"), r"nodes\[0\]\.reasons\[1\]"),
        (_broken("nodes.1.slug", "probe"), r"nodes\[1\]\.slug: node 'probe' is listed twice"),
        (_broken("nodes.0.task_count", 10**5000), r"nodes\[0\]\.task_count: .*less than or equal"),
        (_broken("nodes.0.task_count", -1), r"nodes\[0\]\.task_count: .*greater than or equal"),
        (_broken("nodes.0.reasons.1.node_index", 10**30), r"nodes\[0\]\.reasons\[1\]\.node_index"),
        (_broken("nodes.0.reasons.1.error", _deep(100_000)), r"nodes\[0\]\.reasons\[1\]\.error: "),
        (_broken("nodes", _deep(100_000)), r"^not a run result: nodes\[0\]: "),
        (_broken("sinks", ["ghost"]), r"sinks\[0\]: 'ghost' is not one of the result's nodes"),
    ],
    ids=[
        "list",
        "text",
        "status",
        "no-run-id",
        "node-status",
        "task-count",
        "reason",
        "twice",
        "huge-count",
        "negative-count",
        "huge-index",
        "deep-reason",
        "deep-nodes",
        "unknown-sink",
    ],
)
def test_a_bad_result_gets_a_located_error(data: Any, message: str) -> None:
    with pytest.raises(RunResultError, match=message):
        RunResult.from_dict(data)


def test_the_deciding_reason_follows_the_status() -> None:
    launched = LaunchedReason(node="a", node_index=0, tasks=1, fan_mode="single", fan_out_limit=9)
    failed = FailedReason(node="a", node_index=0, task_id="t", error="e")
    skipped = SkippedReason(node="a", node_index=0, dependency="b", cause="dependency_skipped")
    node = NodeResult(
        slug="a", plugin="p", status=NodeStatus.COMPLETED, task_count=1, reasons=(failed, launched)
    )
    assert node.reason == launched
    # Retried after a failure: the old failure stays in the history, the launch decides.
    retried = NodeResult(
        slug="a", plugin="p", status=NodeStatus.COMPLETED, task_count=1, reasons=(launched, failed)
    )
    assert retried.reason == launched
    assert (
        NodeResult(
            slug="a", plugin="p", status=NodeStatus.FAILED, task_count=1, reasons=(launched, failed)
        ).reason
        == failed
    )
    assert (
        NodeResult(
            slug="a", plugin="p", status=NodeStatus.SKIPPED, task_count=1, reasons=(skipped,)
        ).reason
        == skipped
    )
    assert NodeResult(slug="a", plugin="p", status=NodeStatus.SKIPPED, task_count=1).reason is None
    not_run = NotRunReason(node="a", node_index=0, run_status="failed", ended_by="b")
    assert (
        NodeResult(
            slug="a", plugin="p", status=NodeStatus.NOT_RUN, task_count=0, reasons=(not_run,)
        ).reason
        == not_run
    )


def test_a_reason_of_another_kind_never_decides() -> None:
    # The deciding reason was lost (a store that failed to record it): the
    # node has no reason rather than one telling another story.
    launched = LaunchedReason(node="a", node_index=0, tasks=3, fan_mode="single", fan_out_limit=9)
    failed = FailedReason(node="a", node_index=0, task_id="t", error="ValueError: boom")
    completed = NodeResult(
        slug="a", plugin="p", status=NodeStatus.COMPLETED, task_count=1, reasons=(failed,)
    )
    assert completed.reason is None
    failing = NodeResult(
        slug="a", plugin="p", status=NodeStatus.FAILED, task_count=3, reasons=(launched,)
    )
    assert failing.reason is None
    result = RunResult(run_id="r", status=RunStatus.FAILED, nodes={"a": failing})
    assert result.explain("a") == "a  failed (no reason recorded)"
    assert RunResult(run_id="r", status=RunStatus.COMPLETED, nodes={"a": completed}).explain(
        "a"
    ) == ("a  completed (no reason recorded)")


def test_a_launch_reason_counting_other_tasks_is_stale() -> None:
    # Retried and launched again, the new launch's reason lost: the old one
    # speaks of another number of tasks and must not explain the node.
    old = LaunchedReason(node="a", node_index=0, tasks=3, fan_mode="single", fan_out_limit=9)
    node = NodeResult(
        slug="a", plugin="p", status=NodeStatus.COMPLETED, task_count=5, reasons=(old,)
    )
    assert node.reason is None
    current = NodeResult(
        slug="a", plugin="p", status=NodeStatus.COMPLETED, task_count=3, reasons=(old,)
    )
    assert current.reason == old


def test_a_long_chain_with_a_huge_slug_stays_small() -> None:
    # A hostile document: a slug of a million characters at the end of a
    # chain of a thousand skipped nodes. Each line is cut, none is padded to it.
    huge = "x" * 1_000_000
    slugs = [f"n{i}" for i in range(1_000)] + [huge]
    nodes = [
        {
            "slug": slug,
            "plugin": "p",
            "status": "skipped",
            "task_count": 1,
            "reasons": [
                {
                    "outcome": "skipped",
                    "node": slug,
                    "node_index": position,
                    "dependency": slugs[position + 1] if position + 1 < len(slugs) else "n0",
                    "cause": "dependency_skipped",
                }
            ],
        }
        for position, slug in enumerate(slugs)
    ]
    result = RunResult.from_dict({"run_id": "r", "status": "completed", "nodes": nodes})
    text = result.explain("n0")
    assert len(text.splitlines()) == len(slugs)
    assert len(text) < 3_000_000  # the slug's summary once, not a padded line per node
