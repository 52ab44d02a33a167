"""What the local runner adds on top of the engine, per task, at a small and a 10x larger size.

The pipeline is a fan-out: a source emits N artifacts, a SINGLE node runs one
no-op task per artifact, an AGGREGATE sink collects them (N + 2 tasks). Each
row is microseconds per task:

* engine: InMemoryStore and the orchestrator driven by a plain loop on one
  thread, plugins called without building their input (the floor);
* engine + inputs: the same loop also builds every task's input with
  ``assemble_task_input``, as any worker must;
* runner (1 worker), runner (4 workers): ``LocalRunner.run`` on the same
  pipeline: thread pool, progress bookkeeping and result included.

The ratio column compares each row with "engine + inputs", the work a
hand-written in-process loop cannot avoid.

Run from the repository root: ``PYTHONPATH=. python tests/benchmarks/bench_runner.py``
(``--scale 0.1`` for a quick look).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run
from dagabaaz.runner import LocalRunner
from dagabaaz.task_input import assemble_task_input

GROWTH = 10
NODES = [
    DagNode(slug="source", plugin="source"),
    DagNode(slug="work", plugin="work", depends_on=["source"]),
    DagNode(slug="sink", plugin="sink", depends_on=["work"], fan_mode=FanMode.AGGREGATE),
]


def plugins(size: int) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """The three no-op plugins; the source emits ``size`` artifacts."""
    return {
        "source": lambda task: [Output(file_name=f"f{i}.txt") for i in range(size)],
        "work": lambda task: [Output(file_name="done.txt")],
        "sink": lambda task: None,
    }


def engine_loop(size: int, *, build_inputs: bool) -> None:
    """Drive one run with a plain single-threaded loop."""
    store, callbacks = InMemoryStore(), OrchestratorCallbacks()
    table = plugins(size)
    store.create_run("bench", NODES)
    start_run(store, "bench", NODES, callbacks=callbacks, fan_out_limit=size)
    while queued := store.queued_tasks("bench"):
        for task in queued:
            node = NODES[task.node_index]
            task_input: dict[str, Any] = {}
            if build_inputs:
                task_input = assemble_task_input(
                    store,
                    run_id="bench",
                    node_index=task.node_index,
                    nodes=NODES,
                    input_artifact_id=task.input_artifact_id,
                    origin_artifact_id=task.origin_artifact_id,
                )
            store.complete_task(task.task_id, table[node.plugin](task_input) or ())
            on_task_complete(
                store,
                task_id=task.task_id,
                callbacks=callbacks,
                resolve_passthrough=lambda plugin: False,
                fan_out_limit=size,
            )
    if store.get_run_status("bench") != RunStatus.COMPLETED:
        raise SystemExit("benchmark run did not complete")


def runner_run(size: int, workers: int) -> None:
    """Run the pipeline with the local runner."""
    runner = LocalRunner(plugins(size), max_workers=workers, fan_out_limit=size)
    if not runner.run(NODES).ok:
        raise SystemExit("benchmark run did not complete")


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Return the fastest of ``repeat`` timings of ``work``, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def per_task(size: int, work: Callable[[], object], repeat: int) -> float:
    """Microseconds per task of one run of ``work`` (N + 2 tasks)."""
    return best_of(repeat, work) / (size + 2) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table: case, microseconds per task at both sizes, ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (best is kept)")
    args = parser.parse_args(argv)
    small = max(2, int(200 * args.scale))
    large = small * GROWTH
    cases: list[tuple[str, Callable[[int], object]]] = [
        ("engine", lambda n: engine_loop(n, build_inputs=False)),
        ("engine + inputs", lambda n: engine_loop(n, build_inputs=True)),
        ("runner (1 worker)", lambda n: runner_run(n, 1)),
        ("runner (4 workers)", lambda n: runner_run(n, 4)),
    ]
    rows = []
    for name, case in cases:
        rows.append(
            (
                name,
                per_task(small, lambda case=case: case(small), args.repeat),
                per_task(large, lambda case=case: case(large), args.repeat),
            )
        )
    base_small, base_large = rows[1][1], rows[1][2]
    print(
        f"| case | us/task at N={small} | us/task at N={large} | large/small"
        " | vs engine + inputs (small, large) |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for name, at_small, at_large in rows:
        print(
            f"| {name} | {at_small:.1f} | {at_large:.1f} | {at_large / at_small:.2f}"
            f" | {at_small / base_small:.2f}x, {at_large / base_large:.2f}x |"
        )


if __name__ == "__main__":
    main()
