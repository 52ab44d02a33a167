"""Compiled graphs reused across entry-point calls, keyed by store object and run id.

Why keyed by the store object: two stores (two databases, two tests) may
both hold a run "run-1", and they must never see each other's graph. Why
not a store hook: stores written for the earlier version must plug in
unchanged, so the engine cannot require one. Entries are keyed by
``id(store)``, and a weak-reference finalizer drops a store's entries when
the store is garbage collected, so a recycled id never finds a dead store's
graphs. A store that cannot be weakly referenced is simply not cached: each
call compiles the graph again (correct, only slower).

Why a cached graph stays valid: it depends only on the run's nodes, which do
not change while a run is live. ``start_run`` installs the graph compiled
from the nodes it was given; ``reconcile_run`` re-reads the store's nodes
and replaces the entry when they differ; the engine drops the entry when it
ends the run. Each store keeps at most :data:`MAX_RUNS_PER_STORE` entries,
least recently used first out.

The entry also carries the readiness cursors of :mod:`.session`. They are
hints only (every positive verdict is re-checked against the store), so an
entry that lags behind another process's progress costs work, never
correctness.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from dagabaaz._pipeline.compiled import CompiledGraph

MAX_RUNS_PER_STORE = 1024
"""Most runs whose compiled graph one store keeps cached."""


@dataclass(slots=True)
class RunEntry:
    """A run's compiled graph and the engine's readiness hints for it.

    ``dep_cursor[i] = k`` means the first ``k`` dependencies of node ``i``
    were seen done; ``sink_cursor`` is the same for the graph's sinks.
    ``known_done`` holds the done nodes whose dependents this process has
    already looked at; a done node outside it was finished by an event the
    engine never heard of (a worker died between recording a task and
    reporting it), so its dependents are looked at on the next event.
    """

    graph: CompiledGraph
    keeps_reasons: bool | None = None
    """Whether the store is a :class:`~dagabaaz.store.ReasonStore`; None until asked
    (once per cached run, see :mod:`.reasons`). A flag, not the store: an entry
    must never keep its store alive."""
    dep_cursor: dict[int, int] = field(default_factory=dict)
    sink_cursor: int = 0
    known_done: set[int] = field(default_factory=set)

    def forget_hints(self) -> None:
        """Drop the readiness hints (after a reconcile or a retry)."""
        self.dep_cursor.clear()
        self.sink_cursor = 0
        self.known_done = set()


_lock = threading.Lock()
_stores: dict[int, OrderedDict[str, RunEntry]] = {}
_dead_stores: list[int] = []
"""Ids of collected stores whose entries are still to be dropped (see :func:`_purge`)."""


def lookup(store: object, run_id: str) -> RunEntry | None:
    """Return the cached entry of ``run_id`` in ``store``, or None."""
    with _lock:
        _purge()
        runs = _stores.get(id(store))
        if runs is None:
            return None
        entry = runs.get(run_id)
        if entry is not None:
            runs.move_to_end(run_id)
        return entry


def install(store: object, run_id: str, graph: CompiledGraph) -> RunEntry:
    """Cache a fresh entry for ``graph`` (replacing any) and return it."""
    entry = RunEntry(graph)
    key = id(store)
    with _lock:
        _purge()
        runs = _stores.get(key)
        if runs is None:
            try:
                finalizer = weakref.finalize(store, _forget_store, key)
            except TypeError:
                return entry
            finalizer.atexit = False
            runs = _stores[key] = OrderedDict()
        runs[run_id] = entry
        runs.move_to_end(run_id)
        while len(runs) > MAX_RUNS_PER_STORE:
            runs.popitem(last=False)
    return entry


def forget(store: object, run_id: str) -> None:
    """Drop the entry of ``run_id`` in ``store``, if any."""
    with _lock:
        _purge()
        runs = _stores.get(id(store))
        if runs is not None:
            runs.pop(run_id, None)


def cached_run_count(store: object) -> int:
    """Return how many runs of ``store`` have a cached entry (for tests)."""
    with _lock:
        _purge()
        return len(_stores.get(id(store), ()))


def cached_store_count() -> int:
    """Return how many stores have cached entries (for tests)."""
    with _lock:
        _purge()
        return len(_stores)


def _forget_store(key: int) -> None:
    # A finalizer runs wherever garbage collection happens, possibly in this
    # module while _lock is held: taking the lock here could deadlock, so it
    # only records the id (list.append is atomic) for the next _purge.
    _dead_stores.append(key)


def _purge() -> None:
    # Called with _lock held, before any use of _stores: a dead store's id
    # is dropped before a new store could be allocated at the same address
    # and be looked up.
    while _dead_stores:
        _stores.pop(_dead_stores.pop(), None)
