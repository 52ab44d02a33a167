"""Progress events a local run reports while it runs (for a display or a log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagabaaz.models import NodeReason
from dagabaaz.runner._result import NodeStatus, RunResult, deciding_reason

__all__ = [
    "NodeFinished",
    "NodeStarted",
    "ProgressCallback",
    "RunEvent",
    "RunFinished",
    "TaskFinished",
]


@dataclass(frozen=True, slots=True)
class NodeStarted:
    """A node was launched with ``task_total`` tasks (marker tasks included)."""

    slug: str
    plugin: str
    task_total: int


@dataclass(frozen=True, slots=True)
class TaskFinished:
    """A plugin task of ``slug`` ended; ``done`` of ``total`` tasks of the node have ended."""

    slug: str
    task_id: str
    ok: bool
    done: int
    total: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NodeFinished:
    """Every task of a node has ended.

    ``reasons`` are the node's reasons the store kept by then (none from a
    store that keeps none); :attr:`reason` is the one that decided its status.
    """

    slug: str
    status: NodeStatus
    task_count: int
    elapsed_seconds: float
    reasons: tuple[NodeReason, ...] = ()

    @property
    def reason(self) -> NodeReason | None:
        """The reason that decided the node's status (as :attr:`NodeResult.reason`), or None."""
        return deciding_reason(self.status, self.reasons, self.task_count)


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run ended; ``result`` is what :meth:`LocalRunner.run` returns."""

    result: RunResult


RunEvent = NodeStarted | TaskFinished | NodeFinished | RunFinished
"""Any progress event."""

ProgressCallback = Callable[[RunEvent], None]
"""Called on the runner's thread with each event, in order."""
