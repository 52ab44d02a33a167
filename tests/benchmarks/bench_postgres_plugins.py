"""Plugins of the PostgreSQL benchmark: they return at once, so what is measured is dagabaaz."""

from __future__ import annotations

from typing import Any


def step(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": "out.txt", "file_size": 1}


def burst(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file_name": f"f{i}.mp4", "file_size": i} for i in range(int(task["width"]))]


def gather(task: dict[str, Any]) -> dict[str, Any]:
    return {"file_name": f"{len(task.get('artifacts', []))}.txt"}


PLUGINS = {"step": step, "burst": burst, "gather": gather}
