"""Plugins for the worker tests that need a task to hang or fail exactly once.

Markers live in the folder named by DAGABAAZ_TEST_MARKERS: a plugin that
finds no marker for its input creates one and misbehaves; the next attempt
finds it and behaves. ``fail_once`` fails only for ``item0.txt``, so what a
retry has to redo does not depend on which tasks the failure cancelled.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def _first_time(name: str) -> bool:
    marker = Path(os.environ["DAGABAAZ_TEST_MARKERS"]) / name
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def start(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file_name": f"item{i}.txt"} for i in range(int(task.get("count", 2)))]


def hang_once(task: dict[str, Any]) -> dict[str, Any]:
    if _first_time("hang-" + task["file_name"]):
        time.sleep(600)  # killed long before
    return {"file_name": task["file_name"] + ".done"}


def fail_once(task: dict[str, Any]) -> dict[str, Any]:
    if task["file_name"] == "item0.txt" and _first_time("fail-" + task["file_name"]):
        raise RuntimeError(f"first attempt at {task['file_name']} fails")
    return {"file_name": task["file_name"] + ".ok"}


def collect(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": f"{len(task['artifacts'])} collected"}


def echo(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": task["file_name"] + ".echo"}


def explode(task: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError(f"explode refuses {len(task['artifacts'])} artifacts")


PLUGINS = {
    "start": start,
    "hang_once": hang_once,
    "fail_once": fail_once,
    "collect": collect,
    "echo": echo,
    "explode": explode,
}
