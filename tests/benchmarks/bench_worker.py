"""Worker hot path: assembling a task's input with its bindings, in microseconds per task.

One finished scatter-gather run in an InMemoryStore (a root producing N files,
branches ``a`` and ``b`` over each file, a GROUPED ``merge``, an AGGREGATE
``export``), at a small N and a 25x larger one. Timed is
``assemble_task_input`` (``build_task_input`` plus ``resolve_task_bindings``)
for every task of one kind:

* fan-out: a task of ``a`` (its artifact, a NodeSource, an expression, a ``when``);
* grouped: a task of ``merge`` (its group from two branches, two bindings);
* aggregate: the task of ``export`` (every merged file; reported per file).

The floor beside each is the least a hand-written worker does with the same
store: read the artifacts the task needs, turn them into dicts, set the same
fields by hand. A fan-out or grouped task should cost the same at both sizes.

Run: ``python tests/benchmarks/bench_worker.py`` (``--scale 0.25`` for a quick look).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz.constants import FanMode
from dagabaaz.graph import resolve_dependency_indices
from dagabaaz.memory import InMemoryStore, TaskRecord
from dagabaaz.models import DagNode, ExpressionSource, NodeSource, Output
from dagabaaz.orchestrator import OrchestratorCallbacks, on_task_complete, start_run
from dagabaaz.task_input import assemble_task_input

GROWTH = 25
SMALL = 8

NODES = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(
        slug="a",
        plugin="work",
        depends_on=["source"],
        bindings={
            "item_number": NodeSource(node="source", key="item"),
            "title": ExpressionSource(expression="{source.file_name | upper}"),
            "flag": NodeSource(node="source", key="item", when="{source.even}"),
        },
    ),
    DagNode(slug="b", plugin="work", depends_on=["source"]),
    DagNode(
        slug="merge",
        plugin="merge",
        depends_on=["a", "b"],
        fan_mode=FanMode.GROUPED,
        bindings={
            "a_name": NodeSource(node="a", key="file_name"),
            "pair": ExpressionSource(expression="{a.file_name}+{b.file_name}"),
        },
    ),
    DagNode(
        slug="export",
        plugin="export",
        depends_on=["merge"],
        fan_mode=FanMode.AGGREGATE,
        bindings={"items": NodeSource(node="merge", key="item")},
    ),
]
DEPS = resolve_dependency_indices(NODES)


@dataclass(frozen=True, slots=True)
class Result:
    """One task kind at one size."""

    case: str
    items: int
    us_per_unit: float
    floor_us_per_unit: float


def finished_run(items: int) -> InMemoryStore:
    """Return a store holding one completed run of NODES over ``items`` files."""
    store = InMemoryStore()
    store.create_run("bench", NODES)
    start_run(store, "bench", NODES, callbacks=OrchestratorCallbacks())
    while queued := store.queued_tasks("bench"):
        for task in queued:
            store.complete_task(task.task_id, _outputs(store, task, items))
            on_task_complete(
                store,
                task_id=task.task_id,
                callbacks=OrchestratorCallbacks(),
                resolve_passthrough=lambda _plugin: False,
            )
    return store


def _outputs(store: InMemoryStore, task: TaskRecord, items: int) -> list[Output]:
    if task.node_index == 0:
        return [
            Output(file_name=f"item{i}.mp4", file_size=i, metadata={"item": i, "even": i % 2 == 0})
            for i in range(items)
        ]
    if task.input_artifact_id is not None:
        source = store.get_artifact_data(task.input_artifact_id)
        item = None if source is None else source.metadata["item"]
        return [Output(file_name=f"{task.node_index}-{item}.txt", metadata={"item": item})]
    return [Output(file_name=f"merged-{task.task_id}.json", metadata={"item": task.task_id})]


def assemble(store: InMemoryStore, task: TaskRecord) -> dict[str, Any]:
    """The measured call."""
    return assemble_task_input(
        store,
        run_id="bench",
        node_index=task.node_index,
        nodes=NODES,
        input_artifact_id=task.input_artifact_id,
        origin_artifact_id=task.origin_artifact_id,
        deps=DEPS,
    )


def floor_fan_out(store: InMemoryStore, task: TaskRecord) -> dict[str, Any]:
    """A hand-written fan-out input with the same three fields."""
    artifact = store.get_artifact_data(task.input_artifact_id or "")
    assert artifact is not None
    data = artifact.to_input_dict()
    data["item_number"] = artifact.metadata["item"]
    data["title"] = artifact.file_name.upper()
    if artifact.metadata["even"]:
        data["flag"] = artifact.metadata["item"]
    return data


def floor_grouped(store: InMemoryStore, task: TaskRecord) -> dict[str, Any]:
    """A hand-written grouped input with the same two fields."""
    origin = task.origin_artifact_id or ""
    a = store.get_grouped_artifacts("bench", [1], origin)
    b = store.get_grouped_artifacts("bench", [2], origin)
    broadcast = store.get_broadcast_artifacts("bench", [1, 2])
    data: dict[str, Any] = {"artifacts": [x.to_input_dict() for x in (*a, *b, *broadcast)]}
    data["a_name"] = a[0].file_name
    data["pair"] = f"{a[0].file_name}+{b[0].file_name}"
    return data


def floor_aggregate(store: InMemoryStore, task: TaskRecord) -> dict[str, Any]:
    """A hand-written aggregate input with the same field."""
    merged = store.get_task_artifacts_by_node_indices("bench", [3])
    data: dict[str, Any] = {"artifacts": [x.to_input_dict() for x in merged]}
    data["items"] = [x.metadata["item"] for x in merged]
    return data


Call = Callable[[InMemoryStore, TaskRecord], dict[str, Any]]
CASES: dict[str, tuple[int, Call]] = {
    "fan-out": (1, floor_fan_out),
    "grouped": (3, floor_grouped),
    "aggregate": (4, floor_aggregate),
}


def _best_us(store: InMemoryStore, tasks: Sequence[TaskRecord], call: Call, budget: float) -> float:
    best = float("inf")
    deadline = time.perf_counter() + budget
    rounds = 0
    while rounds < 3 or time.perf_counter() < deadline:
        started = time.perf_counter()
        for task in tasks:
            call(store, task)
        best = min(best, (time.perf_counter() - started) / len(tasks))
        rounds += 1
    return best * 1e6


def measure(case: str, items: int, budget: float) -> Result:
    """Best time per task (per file for aggregate) of the call and of its floor."""
    node_index, floor = CASES[case]
    store = finished_run(items)
    tasks = [t for t in store.tasks("bench") if t.node_index == node_index]
    if assemble(store, tasks[0]).keys() != floor(store, tasks[0]).keys():
        raise RuntimeError(f"{case}: the floor does not build the same input")
    per = items if case == "aggregate" else 1
    return Result(
        case,
        items,
        _best_us(store, tasks, assemble, budget) / per,
        _best_us(store, tasks, floor, budget) / per,
    )


def run(scale: float, budget: float) -> list[tuple[Result, Result]]:
    """Measure every case at its small and large size."""
    small = max(2, round(SMALL * scale))
    return [(measure(case, small, budget), measure(case, small * GROWTH, budget)) for case in CASES]


def table(pairs: Sequence[tuple[Result, Result]]) -> str:
    """Render the results as a Markdown table."""
    lines = [
        "| case | items | us per task (aggregate: per file) | floor us | vs floor | large/small |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for small, large in pairs:
        growth = large.us_per_unit / small.us_per_unit
        for result, shown in ((small, ""), (large, f"{growth:.2f}x")):
            lines.append(
                f"| {result.case} | {result.items} | {result.us_per_unit:.1f} | "
                f"{result.floor_us_per_unit:.1f} | "
                f"{result.us_per_unit / result.floor_us_per_unit:.1f}x | {shown} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the small size")
    parser.add_argument("--budget", type=float, default=0.5, help="least seconds per measurement")
    args = parser.parse_args(argv)
    print(table(run(args.scale, args.budget)))


if __name__ == "__main__":
    main()
