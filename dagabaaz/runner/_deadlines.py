"""When the local runner stops waiting: for a task (``task_timeout``), the run (``run_timeout``).

Times are ``time.perf_counter()`` readings. A task's clock starts when a
worker thread picks it up (building its input included), not when it is
queued; the run's clock starts when the run does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence

from dagabaaz._base.arguments import type_name

__all__ = ["Deadlines", "check_timeout", "run_timeout_error", "task_timeout_error"]


def check_timeout(value: object, name: str) -> float | None:
    """Return ``value`` as a timeout in seconds (None for none).

    Raises:
        TypeError: It is not a number (a bool is not one).
        ValueError: It is not above zero, or not finite.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds or None, got {type_name(value)}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds, got {value!r}")
    return float(value)


def task_timeout_error(plugin: str, timeout: float) -> str:
    """Return the error of a task whose plugin ran past ``task_timeout``."""
    return f"plugin '{plugin}' timed out after {timeout:g} s (task_timeout)"


def run_timeout_error(timeout: float, running: Sequence[str]) -> str:
    """Return the error of a run past ``run_timeout``, naming the nodes still running."""
    message = f"run timed out after {timeout:g} s (run_timeout)"
    if not running:
        return message
    names = ", ".join(f"'{slug}'" for slug in running)
    if len(running) == 1:
        return f"{message} while node {names} was running"
    return f"{message} while nodes {names} were running"


class Deadlines:
    """The run's deadline and each running task's, for one local run."""

    __slots__ = ("_timed", "run_deadline", "run_timeout", "started", "task_timeout")

    def __init__(self, task_timeout: float | None, run_timeout: float | None) -> None:
        self.task_timeout = task_timeout
        self.run_timeout = run_timeout
        now = time.perf_counter()
        self.run_deadline = None if run_timeout is None else now + run_timeout
        # Task id -> when a worker picked it up. Written on worker threads, one
        # key each; read on the runner's thread (a dict item write is atomic).
        self.started: dict[str, float] = {}
        self._timed = task_timeout is not None or run_timeout is not None

    def task_began(self, task_id: str) -> None:
        """Start ``task_id``'s clock (on the worker thread that runs it)."""
        if self._timed:
            self.started[task_id] = time.perf_counter()

    def task_ended(self, task_id: str) -> None:
        """Forget ``task_id``'s clock."""
        self.started.pop(task_id, None)

    def run_expired(self) -> bool:
        """Whether the run's deadline has passed."""
        return self.run_deadline is not None and time.perf_counter() >= self.run_deadline

    def overdue(self, task_ids: Iterable[str]) -> list[str]:
        """Return the tasks among ``task_ids`` that have run past ``task_timeout``."""
        if self.task_timeout is None:
            return []
        limit = time.perf_counter() - self.task_timeout
        started = self.started
        return [t for t in task_ids if started.get(t, math.inf) <= limit]

    def wait_timeout(self, task_ids: Iterable[str]) -> float | None:
        """How long the runner may wait before some deadline of these tasks or the run passes.

        None means no deadline: wait until a task ends. A task picked up
        during the wait has a deadline of at least ``task_timeout`` from
        now, so the wait never lasts longer than that.
        """
        now = time.perf_counter()
        ends: list[float] = []
        if self.run_deadline is not None:
            ends.append(self.run_deadline)
        if self.task_timeout is not None:
            ends.append(now + self.task_timeout)
            started = self.started
            ends.extend(started[t] + self.task_timeout for t in task_ids if t in started)
        return None if not ends else max(0.0, min(ends) - now)
