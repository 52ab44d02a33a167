"""Tools for testing code built on dagabaaz.

:class:`StoreConformance` is the store contract as a test suite: subclass it
in your own tests, tell it how to create a store, a run and a task outcome,
and every guarantee the engine relies on is checked against your store::

    class TestMyStore(StoreConformance):
        def make_store(self): ...
        def create_run(self, store, run_id, nodes, run_input): ...
        def complete_task(self, store, task_id, outputs): ...
        def queued_task_ids(self, store, run_id): ...

It needs no test framework at import time: plain ``assert`` statements, and
``unittest.SkipTest`` for checks that do not apply (pytest and unittest both
understand it). One of its checks is :func:`check_concurrent_runs`, the
threaded stress test, which can also be called on its own. See
``docs/store.md`` ("Writing a store").
"""

from dagabaaz.testing.conformance import StoreConformance
from dagabaaz.testing.stress import StressReport, check_concurrent_runs

__all__ = ["StoreConformance", "StressReport", "check_concurrent_runs"]
