"""A cancel token: cancel a local run from any thread, even before it has started."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["DEFAULT_CANCEL_REASON", "CancelToken"]

DEFAULT_CANCEL_REASON = "cancel requested"
"""Why a run was cancelled when the caller gave no reason."""


class CancelToken:
    """Cancels every local run it is given to, from any thread, once.

    Pass it to :meth:`LocalRunner.run` or :meth:`LocalRunner.retry` as
    ``cancel=``; call :meth:`cancel` from anywhere. A run given a token that
    is already cancelled ends as cancelled without running a plugin. Unlike
    :meth:`LocalRunner.cancel`, a token needs no run id, so it cannot race
    with the run's creation.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._listeners: list[Callable[[str], object]] = []

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._reason is not None

    @property
    def reason(self) -> str | None:
        """The reason given to the first :meth:`cancel`, or None."""
        return self._reason

    def cancel(self, reason: str = DEFAULT_CANCEL_REASON) -> bool:
        """Cancel the runs using this token (now and later).

        Returns:
            True for the first call; False when the token was already cancelled
            (the first reason stands).

        Raises:
            TypeError: ``reason`` is not a string.
        """
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a string, got {type(reason).__name__}")
        with self._lock:
            if self._reason is not None:
                return False
            self._reason = reason
            listeners = list(self._listeners)
        for listener in listeners:
            listener(reason)
        return True

    def subscribe(self, listener: Callable[[str], object]) -> None:
        """Call ``listener(reason)`` on cancel; at once when already cancelled."""
        with self._lock:
            reason = self._reason
            if reason is None:
                self._listeners.append(listener)
        if reason is not None:
            listener(reason)

    def unsubscribe(self, listener: Callable[[str], object]) -> None:
        """Stop telling ``listener`` (a run that ended)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def __repr__(self) -> str:
        state = "live" if self._reason is None else f"cancelled: {self._reason}"
        return f"<CancelToken {state}>"
