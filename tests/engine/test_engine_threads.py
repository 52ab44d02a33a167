"""Many runs on one store from many threads: each run serialized by its own lock."""

from __future__ import annotations

import threading

from engine_harness import EngineRun, out

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, LaunchedReason

NODES = [
    DagNode(slug="src", plugin="src"),
    DagNode(slug="a", plugin="a", depends_on=["src"]),
    DagNode(slug="b", plugin="b", depends_on=["src"]),
    DagNode(slug="m", plugin="m", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
]


def test_runs_in_parallel_threads_each_complete_once() -> None:
    store = InMemoryStore()
    runs = [EngineRun(NODES, run_id=f"run-{i}", store=store) for i in range(6)]
    start = threading.Barrier(len(runs) * 2)
    errors: list[BaseException] = []

    def worker(run: EngineRun) -> None:
        # Two workers per run race for its queue; the run lock serializes them.
        try:
            start.wait()
            with store.run_lock(run.run_id):
                run.start()
            for _ in range(200):
                queued = store.queued_tasks(run.run_id, limit=3)
                if not queued and run.status is not RunStatus.RUNNING:
                    return
                for task in queued:
                    with store.run_lock(run.run_id):
                        files = (
                            [out(f"{i}.mp4") for i in range(5)]
                            if task.node_index == 0
                            else [out("r.txt")]
                        )
                        if store.complete_task(task.task_id, files):
                            run.notify(task.task_id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(run,)) for run in runs for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for run in runs:
        assert run.events == [("completed", run.run_id)]
        assert [len(run.tasks(s)) for s in ("src", "a", "b", "m")] == [1, 5, 5, 5]
        # One launch reason per node, nothing lost or doubled by the race.
        launched = [
            (r.node, r.tasks)
            for r in store.get_reasons(run.run_id)
            if isinstance(r, LaunchedReason)
        ]
        assert sorted(launched) == [("a", 5), ("b", 5), ("m", 5), ("src", 1)]
