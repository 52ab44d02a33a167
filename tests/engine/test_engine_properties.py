"""Properties over random pipelines: the engine agrees with a direct reference model."""

from __future__ import annotations

import random
from dataclasses import dataclass

from engine_harness import EngineRun, out
from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz.constants import FanMode, RunStatus
from dagabaaz.memory import TaskRecord
from dagabaaz.models import DagNode

MODES = [FanMode.SINGLE, FanMode.AGGREGATE, FanMode.GROUPED]


@dataclass(frozen=True)
class Case:
    nodes: list[DagNode]
    outputs: list[int]  # files each task of node i produces


@st.composite
def cases(draw: st.DrawFn) -> Case:
    size = draw(st.integers(1, 7))
    nodes = []
    for i in range(size):
        deps = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        mode = draw(st.sampled_from(MODES)) if deps else FanMode.SINGLE
        nodes.append(
            DagNode(slug=f"n{i}", plugin=f"p{i}", depends_on=[f"n{d}" for d in deps], fan_mode=mode)
        )
    return Case(nodes, draw(st.lists(st.integers(0, 3), min_size=size, max_size=size)))


def reference(case: Case) -> list[tuple[int, str]]:
    """Per node: (task count, 'completed' or 'filtered'), computed directly."""
    produced: list[list[str | None]] = []  # the origins of each node's artifacts
    result: list[tuple[int, str]] = []
    serial = 0
    for i, node in enumerate(case.nodes):
        deps = [int(s[1:]) for s in node.depends_on]
        inputs = [origin for d in deps for origin in produced[d]]
        if not deps:
            groups: list[str | None] = [None]  # a root: one task, outputs are their own origin
        elif not inputs:
            result.append((1, "filtered"))
            produced.append([])
            continue
        elif node.fan_mode is FanMode.SINGLE:
            groups = inputs
        elif node.fan_mode is FanMode.AGGREGATE:
            groups = [None]
        else:
            origins = list(dict.fromkeys(o for o in inputs if o is not None))
            groups = origins or [None]  # all broadcast: one task
        mine: list[str | None] = []
        for origin in groups:
            for _ in range(case.outputs[i]):
                serial += 1
                mine.append(f"own-{serial}" if not deps else origin)
        produced.append(mine)
        result.append((len(groups), "completed"))
    return result


def drive_shuffled(run: EngineRun, case: Case, rng: random.Random, echo: bool) -> None:
    def make(task: TaskRecord) -> list[object]:
        return [out(f"{task.task_id}-{k}.bin") for k in range(case.outputs[task.node_index])]

    for _ in range(1000):
        queued = run.store.queued_tasks(run.run_id)
        if not queued:
            return
        rng.shuffle(queued)
        for task in queued:
            run.complete(task.task_id, make(task))  # type: ignore[arg-type]
            if echo:  # a duplicate notice, and a reconcile, at random moments
                run.notify(task.task_id)
                run.reconcile()
    raise AssertionError("the run did not settle")


@settings(max_examples=60)
@given(cases(), st.randoms(use_true_random=False), st.booleans())
def test_any_pipeline_runs_to_completion_as_the_reference_says(
    case: Case, rng: random.Random, echo: bool
) -> None:
    run = EngineRun(case.nodes)
    run.start()
    drive_shuffled(run, case, rng, echo)

    assert run.status is RunStatus.COMPLETED
    assert run.events == [("completed", "run-1")]
    assert run.store.get_launched_node_indices(run.run_id) == set(range(len(case.nodes)))
    observed = []
    for node in case.nodes:
        statuses = {str(s) for s in run.statuses(node.slug)}
        assert len(statuses) == 1, f"{node.slug}: mixed statuses {statuses}"
        observed.append((len(run.tasks(node.slug)), statuses.pop()))
    assert observed == reference(case)
    assert run.store.run(run.run_id).progress == len(case.nodes)
