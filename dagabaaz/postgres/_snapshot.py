"""A locked run's counters, read once per transaction and kept in step with its writes.

While a transaction holds a run's lock, nobody else can change the run's
status, launch claims or task counters (every writer takes the lock), so the
engine's many small questions in one call (barriers, done nodes, summaries)
are answered from this copy. It is loaded by the very statement that takes
the lock, and each write the transaction makes updates it exactly as the
counting trigger updates the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from dagabaaz.constants import NodeSummaryStatus

__all__ = ["RunSnapshot"]

LIVE: Final = frozenset({"pending", "queued", "running"})


class RunSnapshot:
    """Status, launch claims and task counters of one run, by node index."""

    __slots__ = ("launched", "skipped", "status", "succeeded", "terminal", "total")

    def __init__(self, status: str, rows: Iterable[tuple[int, bool, int, int, int, int]]) -> None:
        self.status = status
        ordered = sorted(rows)
        self.launched = [row[1] for row in ordered]
        self.total = [row[2] for row in ordered]
        self.terminal = [row[3] for row in ordered]
        self.skipped = [row[4] for row in ordered]
        self.succeeded = [row[5] for row in ordered]

    @classmethod
    def from_json(cls, locked: dict[str, Any]) -> RunSnapshot:
        """Build from what ``dagabaaz_lock_run`` returns: status and, per node, its counters."""
        return cls(locked["status"], ((i, *node) for i, node in enumerate(locked["nodes"])))

    @property
    def node_count(self) -> int:
        """How many nodes the run has."""
        return len(self.total)

    def count(self, node: int, old: str | None, new: str | None) -> None:
        """Move a task of ``node`` from ``old`` to ``new`` (None: absent), as the trigger does."""
        for status, sign in ((old, -1), (new, 1)):
            if status is None:
                continue
            self.total[node] += sign
            if status not in LIVE:
                self.terminal[node] += sign
            if status == "skipped":
                self.skipped[node] += sign
            elif status in ("completed", "filtered"):
                self.succeeded[node] += sign

    def done(self) -> list[int]:
        """Return the nodes that have tasks, all of them terminal."""
        return [i for i, total in enumerate(self.total) if 0 < total == self.terminal[i]]

    def summary(self) -> dict[int, NodeSummaryStatus]:
        """Per done node: skipped, completed (completed or filtered) or partial."""
        found = {}
        for index in self.done():
            total = self.total[index]
            if self.skipped[index] == total:
                found[index] = NodeSummaryStatus.SKIPPED
            elif self.succeeded[index] == total:
                found[index] = NodeSummaryStatus.COMPLETED
            else:
                found[index] = NodeSummaryStatus.PARTIAL
        return found
