"""What the engine calls when a run ends (re-exported by :mod:`dagabaaz.orchestrator`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagabaaz.constants import RunStatus

__all__ = ["OrchestratorCallbacks", "RunCallback", "callback_for"]

RunCallback = Callable[[str], object]
"""Called with the run id when a run reaches the matching terminal state."""


@dataclass(frozen=True, slots=True)
class OrchestratorCallbacks:
    """What the engine calls, exactly once per run, when the run ends.

    Each callback receives the run id; a callback left as None is skipped.
    """

    on_run_completed: RunCallback | None = None
    on_run_failed: RunCallback | None = None
    on_run_crashed: RunCallback | None = None
    on_run_cancelled: RunCallback | None = None


def callback_for(callbacks: OrchestratorCallbacks | None, status: RunStatus) -> RunCallback | None:
    """Return the callback for a run ending in ``status``; None when there is none."""
    if callbacks is None:
        return None
    chosen: RunCallback | None = {
        RunStatus.COMPLETED: callbacks.on_run_completed,
        RunStatus.FAILED: callbacks.on_run_failed,
        RunStatus.CRASHED: callbacks.on_run_crashed,
        RunStatus.CANCELLED: callbacks.on_run_cancelled,
    }.get(status)
    return chosen
