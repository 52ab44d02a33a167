"""Plugins and pipeline for the worker tests: every fan mode, edge filters, routing and skips.

Each plugin's outputs depend only on its input, so a run's outcome is known
whatever the order tasks run in: a sequential replay on the in-memory store
must end exactly the same way. A short random sleep spreads the tasks out,
giving a killed worker something to be killed in the middle of.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, RuntimeSource

PAUSE = tuple(float(x) for x in os.environ.get("DAGABAAZ_FAULT_PAUSE", "0,0.01").split(","))
# Seeded per worker process: the pauses only spread tasks out, outcomes never depend on them.
_PAUSES = random.Random(os.getpid())


def _pause() -> None:
    time.sleep(_PAUSES.uniform(*PAUSE))


def fetch(task: dict[str, Any]) -> list[dict[str, Any]]:
    _pause()
    count = int(task.get("count", 3))
    kinds = ["mp4", "srt", "mkv", "mp3"]
    return [
        {"file_name": f"f{i}.{kinds[i % len(kinds)]}", "file_size": 10 + i, "metadata": {"n": i}}
        for i in range(count)
    ]


def work(task: dict[str, Any]) -> dict[str, Any]:
    _pause()
    if task.get("fail") and task["n"] == 0:
        raise RuntimeError(f"work refuses {task['file_name']}")
    return {"file_name": task["file_name"] + ".work", "file_size": task["file_size"] * 2}


def index(task: dict[str, Any]) -> dict[str, Any]:
    _pause()
    names = sorted(a["file_name"] for a in task["artifacts"])
    return {"file_name": "index.txt", "metadata": {"names": names}}


def merge(task: dict[str, Any]) -> dict[str, Any]:
    _pause()
    names = sorted(a["file_name"] for a in task["artifacts"])
    return {"file_name": "+".join(names) + ".merged"}


def publish(task: dict[str, Any]) -> dict[str, Any]:
    _pause()
    return {"file_name": f"{len(task['artifacts'])}.published"}


def audio(task: dict[str, Any]) -> dict[str, Any]:
    _pause()
    return {"file_name": "audio.out"}


PLUGINS = {
    "fetch": fetch,
    "work": work,
    "index": index,
    "merge": merge,
    "publish": publish,
    "audio": audio,
    "after_audio": audio,
}
PASSTHROUGH = ["route"]


def _rule(field: str, value: Any, operator: FilterOperator = FilterOperator.EQ) -> EdgeFilter:
    return EdgeFilter(rules=[FilterRule(field=field, operator=operator, value=value)])


def pipeline() -> list[DagNode]:
    """Fan-out over videos, an aggregate, a routing node, a grouped merge, a skip cascade."""
    return [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="each",
            plugin="work",
            depends_on=["source"],
            edge_filters={"source": _rule("file_type", "video")},
            bindings={"fail": RuntimeSource(key="fail")},
        ),
        DagNode(slug="all", plugin="index", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(slug="routed", plugin="route", depends_on=["each"]),
        DagNode(
            slug="merge", plugin="merge", depends_on=["routed", "all"], fan_mode=FanMode.GROUPED
        ),
        DagNode(slug="sink", plugin="publish", depends_on=["merge"], fan_mode=FanMode.AGGREGATE),
        # Skipped whenever the source has files but none is audio: an aggregate edge
        # rejecting every artifact skips the node, and the skip cascades.
        DagNode(
            slug="gate",
            plugin="audio",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={"source": _rule("file_type", "audio")},
        ),
        DagNode(slug="after_gate", plugin="after_audio", depends_on=["gate"]),
    ]
