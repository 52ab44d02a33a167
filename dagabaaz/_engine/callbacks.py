"""What the engine calls when a run ends (re-exported by :mod:`dagabaaz.orchestrator`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagabaaz.constants import RunStatus
from dagabaaz.errors import ArgumentTypeError

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

    def __post_init__(self) -> None:
        # Refused here, not when the run ends: by then the run is recorded as ended.
        for name in ("on_run_completed", "on_run_failed", "on_run_crashed", "on_run_cancelled"):
            callback = getattr(self, name)
            if callback is not None and not callable(callback):
                raise ArgumentTypeError(
                    f"{name} must be a function taking the run id, or None; "
                    f"got {type(callback).__name__}"
                )


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
