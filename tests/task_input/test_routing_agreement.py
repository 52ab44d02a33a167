"""A task's bindings see exactly what routing delivered to it, edge filters included.

The engine decides which tasks a node gets from what each dependency edge
delivers (collection past empty routing nodes, the edge's rules, then
``select``); a worker's task input and its bindings must see the same
artifacts, under the same slugs. A fan-out task sees its own artifact under
each edge that delivers it, and under no other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worker_harness import WorkerRun, out

from dagabaaz.constants import ArtifactSelector, FanMode, RunStatus
from dagabaaz.errors import PipelineValidationError, TaskInputError
from dagabaaz.filter import apply_rules, partition_by_origin, select_artifacts
from dagabaaz.models import (
    BindingSource,
    DagArtifact,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    NodeSource,
    Output,
)
from dagabaaz.task_input import build_task_input

VIDEOS = EdgeFilter(rules=[FilterRule(field="file_type", operator="eq", value="video")])


def _issue_pipeline(gate_filter: EdgeFilter, mode: FanMode = FanMode.SINGLE) -> list[DagNode]:
    """source -> gate (a routing node that produces nothing) and source, gate -> use."""
    return [
        DagNode(slug="source", plugin="source"),
        DagNode(slug="gate", plugin="router", depends_on=["source"]),
        DagNode(
            slug="use",
            plugin="use",
            depends_on=["source", "gate"],
            edge_filters={"gate": gate_filter},
            fan_mode=mode,
            bindings={
                "via_gate": ExpressionSource(expression="{gate.file_name | default(nothing)}"),
                "via_source": ExpressionSource(expression="{source.file_name}"),
            },
        ),
    ]


def _run(nodes: list[DagNode], produced: list[Output]) -> WorkerRun:
    plugins = {
        "source": lambda data: produced,
        "use": lambda data: None,
        "router": lambda data: None,
    }
    run = WorkerRun(nodes, plugins, routing=["router"]).start().drive()
    assert run.status is RunStatus.COMPLETED
    return run


def test_a_fan_out_task_does_not_see_what_its_edge_filter_rejected() -> None:
    run = _run(_issue_pipeline(VIDEOS), [out("movie.mp4", 10), out("movie.srt", 1)])
    seen = sorted((data["via_source"], data["via_gate"]) for data in run.inputs_of("use"))
    assert seen == [("movie.mp4", "movie.mp4"), ("movie.srt", "nothing")]


def test_a_fan_out_task_does_not_see_what_select_left_out() -> None:
    largest = EdgeFilter(rules=VIDEOS.rules, select=ArtifactSelector.LARGEST)
    produced = [out("small.mp4", 10), out("large.mp4", 30), out("notes.srt", 1)]
    run = _run(_issue_pipeline(largest), produced)
    seen = sorted((data["via_source"], data["via_gate"]) for data in run.inputs_of("use"))
    assert seen == [
        ("large.mp4", "large.mp4"),
        ("notes.srt", "nothing"),
        ("small.mp4", "nothing"),
    ]


def test_an_aggregate_task_sees_each_edge_through_its_filter() -> None:
    run = _run(
        _issue_pipeline(VIDEOS, FanMode.AGGREGATE), [out("movie.mp4", 10), out("movie.srt", 1)]
    )
    [data] = run.inputs_of("use")
    assert data["via_gate"] == "movie.mp4"
    assert data["via_source"] == ["movie.mp4", "movie.srt"]


# --- the fan-out limit of a GROUPED node counts what select leaves -------------------


def _grouped_over_five_files(sized: int) -> WorkerRun:
    """Five files, five origin groups; ``select`` keeps a group only if it has a sized file."""
    nodes = [
        DagNode(slug="src", plugin="five"),
        DagNode(
            slug="merge",
            plugin="merge",
            depends_on=["src"],
            fan_mode=FanMode.GROUPED,
            edge_filters={"src": EdgeFilter(select=ArtifactSelector.LARGEST)},
        ),
    ]
    plugins = {
        "five": lambda data: [out(f"{i}.mp4", 10 if i < sized else None) for i in range(5)],
        "merge": lambda data: None,
    }
    return WorkerRun(nodes, plugins, fan_out_limit=2).start().drive()


def test_a_grouped_fan_out_limit_counts_the_groups_left_after_select() -> None:
    run = _grouped_over_five_files(sized=2)  # two tasks, within a limit of two
    assert run.status is RunStatus.COMPLETED
    names = sorted(data["artifacts"][0]["file_name"] for data in run.inputs_of("merge"))
    assert names == ["0.mp4", "1.mp4"]


def test_a_grouped_fan_out_limit_message_counts_tasks_after_select() -> None:
    run = _grouped_over_five_files(sized=3)
    assert run.status is RunStatus.FAILED
    [marker] = [t for t in run.store.tasks(run.run_id) if t.node_index == 1]
    assert marker.error == (
        "node 'merge': fan-out limit exceeded: 3 origin groups are left after the edge "
        "filters and select, which would start 3 tasks, more than the limit of 2"
        "; raise fan_out_limit to allow more"
    )


# --- every task of a random pipeline, against a direct model of routing -----------------

NAMES = st.sampled_from(["clip.mp4", "film.mkv", "talk.srt", "notes.txt"])
FILTERS = st.one_of(
    st.none(),
    st.builds(
        EdgeFilter,
        rules=st.lists(
            st.sampled_from(
                [
                    FilterRule(field="file_type", operator="eq", value="video"),
                    FilterRule(field="extension", operator="neq", value="srt"),
                    FilterRule(field="file_size", operator="gt", value=15),
                ]
            ),
            max_size=2,
        ),
        select=st.sampled_from([None, ArtifactSelector.LARGEST, ArtifactSelector.SMALLEST]),
    ),
)


@st.composite
def pipelines(draw: st.DrawFn) -> list[DagNode]:
    size = draw(st.integers(2, 6))
    nodes = [DagNode(slug="n0", plugin="root")]
    for i in range(1, size):
        deps = sorted(draw(st.sets(st.integers(0, i - 1), min_size=1, max_size=3)))
        slugs = [f"n{d}" for d in deps]
        filters = {slug: f for slug in slugs if (f := draw(FILTERS)) is not None}
        bindings: dict[str, BindingSource] = {
            f"seen_{slug}": NodeSource(node=slug, key="name") for slug in slugs
        }
        nodes.append(
            DagNode(
                slug=f"n{i}",
                plugin=draw(st.sampled_from(["work", "work", "router"])),
                depends_on=slugs,
                edge_filters=filters,
                fan_mode=draw(st.sampled_from(list(FanMode))),
                bindings=bindings,
            )
        )
    return nodes


def _produce(counter: list[int], names: list[str]) -> Any:
    def plugin(data: dict[str, Any]) -> list[Output]:
        made = []
        for name in names:
            counter[0] += 1
            size = None if counter[0] % 5 == 0 else (counter[0] * 7) % 31
            unique = f"{counter[0]}-{name}"
            made.append(out(unique, size, name=unique))
        return made

    return plugin


def _walk(run: WorkerRun, dep: int) -> list[DagArtifact]:
    """Collect one edge, straight from the store: past empty routing nodes, nearest first."""
    found: list[DagArtifact] = []
    queue, seen = deque([dep]), set()
    while queue:
        index = queue.popleft()
        if index in seen:
            continue
        seen.add(index)
        artifacts = run.store.get_artifacts_by_node_indices(run.run_id, [index])
        if artifacts:
            found.extend(artifacts)
        elif run.nodes[index].plugin == "router":
            queue.extend(run.deps[index])
    return found


def _delivered(run: WorkerRun, node: DagNode, dep: int) -> list[DagArtifact]:
    edge_filter = node.edge_filters.get(run.nodes[dep].slug)
    ruled = apply_rules(_walk(run, dep), edge_filter)
    if edge_filter is None or edge_filter.select is None:
        return ruled
    if node.fan_mode is not FanMode.GROUPED:
        return select_artifacts(ruled, edge_filter.select)
    kept = {
        a.id
        for group in partition_by_origin(ruled).values()
        for a in select_artifacts(group, edge_filter.select)
    }
    return [a for a in ruled if a.id in kept]


def _bound(names: Sequence[str]) -> object:
    return names[0] if len(names) == 1 else list(names)


@settings(max_examples=120, deadline=None)
@given(pipelines(), st.lists(NAMES, min_size=1, max_size=4), st.lists(NAMES, max_size=2))
def test_every_task_sees_what_routing_delivered(
    nodes: list[DagNode], root_names: list[str], work_names: list[str]
) -> None:
    counter = [0]
    plugins = {
        "root": _produce(counter, root_names),
        "work": _produce(counter, work_names),
        "router": lambda data: None,
    }
    run = WorkerRun(nodes, plugins, routing=["router"]).start().drive()
    assert run.status is RunStatus.COMPLETED
    for execution in run.executions:
        task, data = execution.task, execution.input
        node = run.nodes[task.node_index]
        deps = run.deps[task.node_index]
        if not deps:
            continue
        expected: dict[str, object] = {}
        everything: dict[str, None] = {}
        for dep in deps:
            delivered = _delivered(run, node, dep)
            if task.input_artifact_id is not None:
                names = [a.metadata["name"] for a in delivered if a.id == task.input_artifact_id]
            elif task.origin_artifact_id is not None:
                mine = (task.origin_artifact_id, None)
                names = [a.metadata["name"] for a in delivered if a.origin_artifact_id in mine]
            else:
                names = [a.metadata["name"] for a in delivered]
            everything.update(dict.fromkeys(names))
            if names:
                expected[f"seen_n{dep}"] = _bound(names)
        seen = {key: value for key, value in data.items() if key.startswith("seen_")}
        assert seen == expected, (node.slug, task)
        if task.input_artifact_id is None:
            assert [a["name"] for a in data["artifacts"]] == list(everything)


# --- the compiled graph a worker routes with ---------------------------------------------


def _two_pipelines() -> tuple[list[DagNode], list[DagNode], WorkerRun]:
    """Two pipelines with the same slugs; only the second filters out subtitles."""
    open_edge = [
        DagNode(slug="src", plugin="src"),
        DagNode(slug="all", plugin="all", depends_on=["src"], fan_mode=FanMode.AGGREGATE),
    ]
    filtered = [
        open_edge[0],
        open_edge[1].model_copy(update={"edge_filters": {"src": VIDEOS}}),
    ]
    plugins = {"src": lambda data: [out("a.mp4"), out("a.srt")], "all": lambda data: None}
    run = WorkerRun(open_edge, plugins).start().drive()
    return open_edge, filtered, run


def test_a_worker_routes_each_call_with_the_pipeline_it_was_given() -> None:
    open_edge, filtered, run = _two_pipelines()

    def names(nodes: list[DagNode]) -> list[str]:
        built = build_task_input(
            run.store, run_id=run.run_id, node_index=1, input_artifact_id=None, nodes=nodes
        )
        return [artifact["file_name"] for artifact in built["artifacts"]]

    for _ in range(2):  # alternating: each call finds its own pipeline's graph
        assert names(open_edge) == ["a.mp4", "a.srt"]
        assert names(filtered) == ["a.mp4"]
        assert names([node.model_copy(deep=True) for node in filtered]) == ["a.mp4"]


def test_deps_that_are_not_the_pipelines_are_refused() -> None:
    open_edge, _, run = _two_pipelines()
    with pytest.raises(TaskInputError) as caught:
        build_task_input(
            run.store,
            run_id=run.run_id,
            node_index=1,
            input_artifact_id=None,
            nodes=open_edge,
            deps=[[], []],
        )
    assert str(caught.value) == (
        "run 'run-1': deps[1] = [], but node 'all' depends on [0]; "
        "pass resolve_dependency_indices(nodes), or leave deps out"
    )


def test_a_pipeline_the_engine_could_not_run_is_refused() -> None:
    open_edge, _, run = _two_pipelines()
    cyclic = [open_edge[0].model_copy(update={"depends_on": ["all"]}), open_edge[1]]
    with pytest.raises(PipelineValidationError, match="the pipeline has a cycle"):
        build_task_input(
            run.store, run_id=run.run_id, node_index=1, input_artifact_id=None, nodes=cyclic
        )
