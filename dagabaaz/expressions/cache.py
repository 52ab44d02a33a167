"""A least-recently-used cache bounded in entries and in (estimated) bytes.

The compile cache of :mod:`dagabaaz.expressions.compiler` is one. Each entry
carries a weight, the bytes its value is estimated to hold; the cache keeps
the total weight within ``max_bytes`` and the number of entries within
``max_entries``, dropping the least recently used entries first. A value
heavier than ``max_bytes / LARGE_ENTRY_DIVISOR`` is not cached at all: it
would push out many ordinary entries to make room for one rare one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["LARGE_ENTRY_DIVISOR", "BoundedCache", "CacheInfo"]

LARGE_ENTRY_DIVISOR = 16
"""A value weighing more than ``max_bytes`` divided by this is never cached."""

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """What a cache holds and may hold.

    Attributes:
        entries: Values cached now.
        bytes: Their total estimated size.
        max_entries: The most values it keeps.
        max_bytes: The most estimated bytes it keeps.
        hits: Lookups that found a value since the cache was made or cleared.
        misses: Lookups that did not.
        uncached: Values refused for weighing more than ``max_bytes`` / 16.
    """

    entries: int
    bytes: int
    max_entries: int
    max_bytes: int
    hits: int
    misses: int
    uncached: int


class BoundedCache(Generic[V]):
    """Least recently used first out, within ``max_entries`` and ``max_bytes``; thread-safe."""

    def __init__(self, *, max_bytes: int, max_entries: int) -> None:
        _check_bounds(max_bytes, max_entries)
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._uncached = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """Return the value cached under ``key`` (now the most recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V, weight: int) -> bool:
        """Cache ``value`` under ``key`` unless it is too heavy; return whether it was cached."""
        with self._lock:
            if weight > self._max_bytes // LARGE_ENTRY_DIVISOR:
                self._uncached += 1
                return False
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, weight)
            self._bytes += weight
            self._evict()
            return True

    def configure(self, *, max_bytes: int | None = None, max_entries: int | None = None) -> None:
        """Change the bounds; entries over the new bounds are dropped at once."""
        with self._lock:
            new_bytes = self._max_bytes if max_bytes is None else max_bytes
            new_entries = self._max_entries if max_entries is None else max_entries
            _check_bounds(new_bytes, new_entries)
            self._max_bytes, self._max_entries = new_bytes, new_entries
            heaviest = new_bytes // LARGE_ENTRY_DIVISOR
            for key in [k for k, (_, weight) in self._entries.items() if weight > heaviest]:
                self._bytes -= self._entries.pop(key)[1]
            self._evict()

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._hits = self._misses = self._uncached = 0

    def info(self) -> CacheInfo:
        """Return the cache's size, bounds and counters."""
        with self._lock:
            return CacheInfo(
                entries=len(self._entries),
                bytes=self._bytes,
                max_entries=self._max_entries,
                max_bytes=self._max_bytes,
                hits=self._hits,
                misses=self._misses,
                uncached=self._uncached,
            )

    def _evict(self) -> None:
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            _, (_, weight) = self._entries.popitem(last=False)
            self._bytes -= weight


def _check_bounds(max_bytes: object, max_entries: object) -> None:
    for name, value in (("max_bytes", max_bytes), ("max_entries", max_entries)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be an int >= 0, got {value!r}")
