"""Engine throughput: complete runs through InMemoryStore, in microseconds per task.

Three pipeline shapes, each at a small size and a 25x larger one:

* chain: N nodes in a line, one task each;
* fan-in: a root, N parallel nodes, and one AGGREGATE node reading them all;
* scatter-gather: a root producing 200 files, N SINGLE branches (200 tasks
  each) and a GROUPED merge (200 tasks).

A timed run is ``start_run`` (validation included), then a worker loop that polls queued
tasks (100 at a time) and, under the run lock, completes each (one output) and calls
``on_task_complete``. The floor beside it is ``graphlib.TopologicalSorter``
walking the same graph (prepare, get_ready, done) per node. Targets: at most
20 us per task at every size, and the large size at most 1.3x the small one;
the targets line says, from the numbers measured, whether each target passed.

Reasons (issue 13): a second table runs each case at its small size with
reasons on (InMemoryStore records every node's reason) and off (the same
store without the optional ``record_reason``/``get_reasons``), alternating
runs so both see the same machine, plus a filtered scatter (a root of 200
files, N SINGLE branches whose edge filter keeps half, so every launch
tallies its rules). Target: reasons on at most 1.15x the per-task time of
reasons off; the last line says whether it passed.

Run: ``python tests/benchmarks/bench_engine.py`` (``--scale 0.05`` for a quick look).
"""

from __future__ import annotations

import argparse
import graphlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run

GROWTH = 25
TARGET_US_PER_TASK = 20.0
"""Most microseconds per task at any size."""
TARGET_GROWTH = 1.3
"""Most the large size may cost per task, as a multiple of the small size."""
TARGET_REASONS = 1.15
"""Most per-task time with reasons on, as a multiple of reasons off."""
BATCH = 100
"""Tasks the worker loop takes per poll, like a worker pulling from a queue."""
ITEMS = 200
ONE_OUTPUT = [Output(file_name="part.bin", file_size=1)]
ITEM_OUTPUTS = [Output(file_name=f"item{i}.bin", file_size=i) for i in range(ITEMS)]


@dataclass(frozen=True, slots=True)
class Result:
    """One measured case at one size."""

    case: str
    size: int
    tasks: int
    us_per_task: float
    floor_us_per_node: float


def chain(size: int) -> list[DagNode]:
    """N nodes in a line."""
    nodes = [DagNode(slug="n0", plugin="step")]
    nodes += [
        DagNode(slug=f"n{i}", plugin="step", depends_on=[f"n{i - 1}"]) for i in range(1, size)
    ]
    return nodes


def fan_in(size: int) -> list[DagNode]:
    """A root, N parallel nodes, one AGGREGATE node over all of them."""
    middle = [f"m{i}" for i in range(size)]
    return [
        DagNode(slug="root", plugin="source"),
        *(DagNode(slug=m, plugin="work", depends_on=["root"]) for m in middle),
        DagNode(slug="sink", plugin="join", depends_on=middle, fan_mode=FanMode.AGGREGATE),
    ]


def scatter_gather(size: int) -> list[DagNode]:
    """200 files through N branches, merged per file."""
    branches = [f"b{i}" for i in range(size)]
    return [
        DagNode(slug="source", plugin="source"),
        *(DagNode(slug=b, plugin="work", depends_on=["source"]) for b in branches),
        DagNode(slug="merge", plugin="merge", depends_on=branches, fan_mode=FanMode.GROUPED),
    ]


def filtered_scatter(size: int) -> list[DagNode]:
    """200 files through N SINGLE branches whose edge filter keeps the larger half."""
    half = EdgeFilter(rules=[FilterRule(field="file_size", operator=FilterOperator.GTE, value=100)])
    return [
        DagNode(slug="source", plugin="source"),
        *(
            DagNode(
                slug=f"b{i}", plugin="work", depends_on=["source"], edge_filters={"source": half}
            )
            for i in range(size)
        ),
    ]


CASES: dict[str, tuple[Callable[[int], list[DagNode]], int]] = {
    "chain": (chain, 40),
    "fan-in": (fan_in, 40),
    "scatter-gather": (scatter_gather, 2),
}
REASON_CASES: dict[str, tuple[Callable[[int], list[DagNode]], int]] = {
    **CASES,
    "filtered-scatter": (filtered_scatter, 4),
}


class NoReasonsStore(InMemoryStore):
    """InMemoryStore without the optional reason methods: the engine records nothing."""

    record_reason = None
    get_reasons = None


def drive(
    nodes: Sequence[DagNode], fan_out: bool, store_class: type[InMemoryStore] = InMemoryStore
) -> tuple[float, int]:
    """Run the pipeline to completion; return (seconds, tasks)."""
    store = store_class()
    finished: list[str] = []
    callbacks = OrchestratorCallbacks(on_run_completed=finished.append)
    store.create_run("bench", nodes)  # the application's setup, not timed
    started = time.perf_counter()
    start_run(store, "bench", nodes)
    lock = store.run_lock("bench")
    tasks = 0
    while queued := store.queued_tasks("bench", limit=BATCH):
        for task in queued:
            outputs = ITEM_OUTPUTS if fan_out and task.node_index == 0 else ONE_OUTPUT
            with lock:
                store.complete_task(task.task_id, outputs)
                on_task_complete(
                    store,
                    task_id=task.task_id,
                    callbacks=callbacks,
                    resolve_passthrough=_never,
                )
            tasks += 1
    elapsed = time.perf_counter() - started
    if finished != ["bench"]:
        raise RuntimeError(f"the run did not complete: {store.run('bench')}")
    return elapsed, tasks


def floor(nodes: Sequence[DagNode]) -> float:
    """graphlib's cost of walking the same graph, in seconds per node."""
    started = time.perf_counter()
    sorter = graphlib.TopologicalSorter({n.slug: n.depends_on for n in nodes})
    sorter.prepare()
    while sorter.is_active():
        ready = sorter.get_ready()
        sorter.done(*ready)
    return (time.perf_counter() - started) / len(nodes)


def measure(case: str, size: int, repeats: int, budget: float) -> Result:
    """Best of at least ``repeats`` complete runs, repeated until ``budget`` seconds pass.

    A first run warms up (imports, caches) and is not counted.
    """
    build = CASES[case][0]
    nodes = build(size)
    fan_out = case == "scatter-gather"
    drive(nodes, fan_out)
    times: list[float] = []
    tasks = 0
    deadline = time.perf_counter() + budget
    while len(times) < repeats or time.perf_counter() < deadline:
        elapsed, tasks = drive(nodes, fan_out)
        times.append(elapsed)
    best_floor = min(floor(nodes) for _ in range(len(times)))
    return Result(case, size, tasks, min(times) / tasks * 1e6, best_floor * 1e6)


def run(scale: float, repeats: int, budget: float) -> list[tuple[Result, Result]]:
    """Measure every case at its small and large size."""
    pairs = []
    for case, (_, small) in CASES.items():
        size = max(2, round(small * scale))
        pairs.append(
            (
                measure(case, size, repeats, budget),
                measure(case, size * GROWTH, repeats, budget),
            )
        )
    return pairs


@dataclass(frozen=True, slots=True)
class ReasonsResult:
    """One case measured with reasons off and on."""

    case: str
    size: int
    tasks: int
    off_us_per_task: float
    on_us_per_task: float

    @property
    def ratio(self) -> float:
        """Reasons on as a multiple of reasons off."""
        return self.on_us_per_task / self.off_us_per_task


def measure_reasons(case: str, size: int, repeats: int, budget: float) -> ReasonsResult:
    """Best of alternating runs with reasons off and on, after one warm-up run of each."""
    nodes = REASON_CASES[case][0](size)
    fan_out = case in ("scatter-gather", "filtered-scatter")
    stores: tuple[type[InMemoryStore], type[InMemoryStore]] = (NoReasonsStore, InMemoryStore)
    for store_class in stores:
        drive(nodes, fan_out, store_class)
    times: tuple[list[float], list[float]] = ([], [])
    tasks = 0
    deadline = time.perf_counter() + budget
    while len(times[0]) < repeats or time.perf_counter() < deadline:
        for kept, store_class in zip(times, stores, strict=True):
            elapsed, tasks = drive(nodes, fan_out, store_class)
            kept.append(elapsed)
    off, on = (min(kept) / tasks * 1e6 for kept in times)
    return ReasonsResult(case, size, tasks, off, on)


def run_reasons(scale: float, repeats: int, budget: float) -> list[ReasonsResult]:
    """Measure every reasons case at its small size."""
    return [
        measure_reasons(case, max(2, round(small * scale)), repeats, budget)
        for case, (_, small) in REASON_CASES.items()
    ]


def reasons_table(results: Sequence[ReasonsResult]) -> str:
    """Render reasons off against on as a Markdown table."""
    lines = [
        "| case | size | tasks | reasons off us/task | reasons on us/task | on/off |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.case} | {r.size} | {r.tasks} | {r.off_us_per_task:.1f} | "
        f"{r.on_us_per_task:.1f} | {r.ratio:.2f}x |"
        for r in results
    ]
    return "\n".join(lines)


def reasons_target(results: Sequence[ReasonsResult]) -> str:
    """Say whether reasons on stayed within TARGET_REASONS of reasons off everywhere."""
    worst = max(results, key=lambda r: r.ratio)
    return (
        f"Reasons: on/off <= {TARGET_REASONS:g}x: {_verdict(worst.ratio <= TARGET_REASONS)} "
        f"(worst {worst.ratio:.2f}x, {worst.case})"
    )


def table(pairs: Sequence[tuple[Result, Result]]) -> str:
    """Render the results as a Markdown table."""
    lines = [
        "| case | size | tasks | us/task | graphlib us/node | large/small |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for small, large in pairs:
        ratio = large.us_per_task / small.us_per_task
        for result, shown in ((small, ""), (large, f"{ratio:.2f}x")):
            lines.append(
                f"| {result.case} | {result.size} | {result.tasks} | "
                f"{result.us_per_task:.1f} | {result.floor_us_per_node:.2f} | {shown} |"
            )
    return "\n".join(lines)


def targets(pairs: Sequence[tuple[Result, Result]]) -> str:
    """Say, from the measured numbers, whether each target passed or missed."""
    worst = max((result for pair in pairs for result in pair), key=lambda r: r.us_per_task)
    small, large = max(pairs, key=lambda pair: pair[1].us_per_task / pair[0].us_per_task)
    growth = large.us_per_task / small.us_per_task
    return (
        f"Targets: <= {TARGET_US_PER_TASK:g} us/task at every size: "
        f"{_verdict(worst.us_per_task <= TARGET_US_PER_TASK)} "
        f"(worst {worst.us_per_task:.1f}, {worst.case} at {worst.size}); "
        f"large/small <= {TARGET_GROWTH:g}x: {_verdict(growth <= TARGET_GROWTH)} "
        f"(worst {growth:.2f}x, {large.case})"
    )


def _verdict(passed: bool) -> str:
    return "pass" if passed else "MISS"


def _never(_plugin: str) -> bool:
    return False


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the small sizes")
    parser.add_argument("--repeats", type=int, default=5, help="least runs per case")
    parser.add_argument("--budget", type=float, default=1.0, help="least seconds per case")
    args = parser.parse_args(argv)
    pairs = run(args.scale, args.repeats, args.budget)
    print(table(pairs))
    print(targets(pairs))
    print()
    reasons = run_reasons(args.scale, args.repeats, args.budget)
    print(reasons_table(reasons))
    print(reasons_target(reasons))


if __name__ == "__main__":
    main()
