"""The local runner's worker threads: a small pool that can stop waiting for a task.

A Python thread cannot be stopped from outside. When a task runs past its
timeout, or the run's deadline passes, the runner gives up on the task's
thread instead: :meth:`TaskPool.abandon` lets that thread finish its call
alone (what it returns is dropped), takes it out of the pool and starts a
fresh thread in its place, so the pool keeps its size. Every thread is a
daemon thread, so an abandoned one never keeps the process alive; the
threads that were not abandoned are idle when the run ends and are joined.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["TaskPool"]

A = TypeVar("A")
R = TypeVar("R")

_WorkItem = tuple[Future[Any], Callable[[Any], Any], Any]


class TaskPool:
    """At most ``max_workers`` threads calling submitted functions, in submission order."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._numbers = itertools.count()
        self._queue: queue.SimpleQueue[_WorkItem | None] = queue.SimpleQueue()
        # Released by a thread each time it waits for work: a token means an idle thread.
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._workers: set[threading.Thread] = set()  # the pool's own: never an abandoned one
        self._busy: dict[Future[Any], threading.Thread] = {}
        self._closed = False

    def submit(self, function: Callable[[A], R], argument: A) -> Future[R]:
        """Queue ``function(argument)``; return the future of its result."""
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("submit: the pool is closed")
            self._queue.put((future, function, argument))
            if not self._idle.acquire(blocking=False) and len(self._workers) < self._max_workers:
                self._start_worker()
        return future

    def abandon(self, future: Future[Any]) -> None:
        """Stop waiting for ``future``: cancel it if it has not started, else let its thread go.

        The thread finishes its call on its own (the result is dropped) and
        then ends; a fresh thread takes its place unless the pool is closed.
        """
        if future.cancel() or future.done():
            return  # never started (the thread that takes it skips it), or already over
        with self._lock:
            thread = self._busy.pop(future, None)
            if thread is None:
                return  # it ended meanwhile and its thread went back to waiting
            self._workers.discard(thread)
            if not self._closed:
                self._start_worker()

    def close(self) -> None:
        """Take no more work; cancel what has not started; end and join the idle threads.

        A thread still busy (its caller stopped waiting for it without
        abandoning it, say a KeyboardInterrupt landed before ``submit``
        returned) is let go as if abandoned: closing never waits for a plugin.
        """
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            busy = set(self._busy.values())
            self._workers -= busy
            idle = list(self._workers)
            for _ in idle:
                self._queue.put(None)
        for worker in idle:
            worker.join()

    def _start_worker(self) -> None:
        thread = threading.Thread(
            target=self._serve, name=f"{self._name}-{next(self._numbers)}", daemon=True
        )
        self._workers.add(thread)
        thread.start()

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, function, argument = item
            # Registered before it may run, so that abandon() finds the thread of
            # any future it could not cancel.
            self._busy[future] = me
            if not future.set_running_or_notify_cancel():
                self._busy.pop(future, None)
                self._idle.release()
                continue
            try:
                result = function(argument)
            except BaseException as error:  # KeyboardInterrupt too: the runner's thread decides
                future.set_exception(error)
            else:
                future.set_result(result)
            with self._lock:
                if me not in self._workers:
                    return  # abandoned while it ran: its place is taken
                self._busy.pop(future, None)
                self._idle.release()
