"""Colours of node statuses, shared by every picture format."""

from __future__ import annotations

from collections.abc import Iterable

STATUS_COLOURS: dict[str, tuple[str, str, bool]] = {
    # status: (fill, stroke, dashed outline)
    "completed": ("#d3f9d8", "#2b8a3e", False),
    "mixed": ("#fff3bf", "#e67700", False),
    "failed": ("#ffe3e3", "#c92a2a", False),
    "crashed": ("#ffc9c9", "#862e9c", False),
    "cancelled": ("#ffe8cc", "#d9480f", False),
    "skipped": ("#e9ecef", "#868e96", True),
    "filtered": ("#f8f9fa", "#adb5bd", True),
    "not_run": ("#ffffff", "#ced4da", True),
}
"""Status -> (fill colour, outline colour, dashed outline); unknown statuses stay plain."""

STATUS_MEANINGS: dict[str, str] = {
    "completed": "completed",
    "mixed": "mixed: some tasks skipped or filtered",
    "failed": "failed",
    "crashed": "crashed",
    "cancelled": "cancelled",
    "skipped": "skipped: a dependency is dead",
    "filtered": "filtered: nothing to work on",
    "not_run": "not run: the run ended first",
}
"""Status -> its entry in a picture's legend."""


def legend_statuses(statuses: Iterable[str | None]) -> list[str]:
    """Return the known statuses among ``statuses``, each once, in legend order."""
    present = set(statuses)
    return [status for status in STATUS_COLOURS if status in present]
