"""The README's pipeline patterns, run end to end through InMemoryStore."""

from __future__ import annotations

from collections import Counter

from engine_harness import EngineRun, out

from dagabaaz.constants import FanMode, FilterOperator, RunStatus, TaskStatus
from dagabaaz.memory import TaskRecord
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, NodeSource, Output


def test_linear_pipeline_runs_each_step_once_in_order() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(slug="transform", plugin="transform", depends_on=["fetch"]),
        DagNode(slug="export", plugin="export", depends_on=["transform"]),
    ]
    run = EngineRun(nodes)
    assert run.start() == [0]
    assert [t.plugin_name for t in run.store.queued_tasks(run.run_id)] == ["fetch"]

    run.drive(
        {"fetch": [out("page.html")], "transform": [out("page.json")], "export": [out("a.csv")]}
    )

    assert run.outcome() == {
        "fetch": ["completed"],
        "transform": ["completed"],
        "export": ["completed"],
    }
    assert run.input_names("transform") == ["page.html"]
    assert run.input_names("export") == ["page.json"]
    assert run.events == [("completed", "run-1")]
    assert run.store.run("run-1").progress == 3


def _scatter_gather_nodes(branches: int) -> list[DagNode]:
    slugs = [f"branch_{i}" for i in range(branches)]
    return [
        DagNode(slug="source", plugin="fetch"),
        *(DagNode(slug=s, plugin=f"process_{s}", depends_on=["source"]) for s in slugs),
        DagNode(slug="merge", plugin="merge", depends_on=slugs, fan_mode=FanMode.GROUPED),
    ]


def test_scatter_gather_merges_results_that_came_from_the_same_file() -> None:
    run = EngineRun(_scatter_gather_nodes(2))
    run.start()

    def produce(task: TaskRecord) -> list[Output]:
        slug = run.nodes[task.node_index].slug
        if slug == "source":
            return [out(f"file{i}.mp4") for i in range(10)]
        return [out(f"{slug}.json")]

    run.drive(produce)

    # 10 files, 2 branches: each branch gets 10 tasks, the merge 10 groups.
    assert Counter(t.plugin_name for t in run.store.tasks(run.run_id)) == {
        "fetch": 1,
        "process_branch_0": 10,
        "process_branch_1": 10,
        "merge": 10,
    }
    roots = [a.id for a in run.artifacts("source")]
    merge_tasks = run.tasks("merge")
    assert [t.origin_artifact_id for t in merge_tasks] == roots
    for origin in roots:
        group = run.store.get_grouped_artifacts(run.run_id, [1, 2], origin)
        assert sorted(a.file_name for a in group) == ["branch_0.json", "branch_1.json"]
    assert run.events == [("completed", "run-1")]


def test_scatter_gather_over_three_branches_gives_each_merge_task_three_results() -> None:
    run = EngineRun(_scatter_gather_nodes(3))
    run.start()
    run.drive(
        lambda t: [out(f"f{i}.wav") for i in range(4)] if t.node_index == 0 else [out("r.txt")]
    )
    merge = run.tasks("merge")
    assert len(merge) == 4
    for task in merge:
        assert task.origin_artifact_id is not None
        grouped = run.store.get_grouped_artifacts(run.run_id, [1, 2, 3], task.origin_artifact_id)
        assert len(grouped) == 3


def _media_nodes() -> list[DagNode]:
    def by_type(kind: str) -> dict[str, EdgeFilter]:
        rule = FilterRule(field="file_type", operator=FilterOperator.EQ, value=kind)
        return {"source": EdgeFilter(rules=[rule])}

    return [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="video",
            plugin="transcode",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters=by_type("video"),
        ),
        DagNode(
            slug="subtitle",
            plugin="parse_subs",
            depends_on=["source"],
            edge_filters=by_type("subtitle"),
        ),
    ]


def test_edge_filters_route_videos_and_subtitles_to_their_branches() -> None:
    run = EngineRun(_media_nodes())
    run.start()
    mixed = [out("a.mp4"), out("a.en.srt"), out("b.mkv"), out("a.fr.vtt")]
    run.drive({"source": mixed, "video": [out("a.webm")], "subtitle": [out("cues.json")]})

    assert len(run.tasks("video")) == 1  # AGGREGATE: one task for both videos
    assert run.tasks("video")[0].input_artifact_id is None
    assert run.input_names("subtitle") == ["a.en.srt", "a.fr.vtt"]
    assert run.events == [("completed", "run-1")]


def test_a_branch_without_matching_files_is_filtered_and_the_run_completes() -> None:
    run = EngineRun(_media_nodes())
    run.start()
    run.drive({"source": [out("a.mp4"), out("b.mp4")], "video": [out("a.webm")]})

    assert run.outcome() == {
        "source": ["completed"],
        "video": ["completed"],
        "subtitle": ["filtered"],
    }
    assert run.status is RunStatus.COMPLETED
    assert run.events == [("completed", "run-1")]


def test_conditional_binding_pipeline_validates_and_runs() -> None:
    nodes = [
        DagNode(slug="lookup", plugin="library_lookup"),
        DagNode(
            slug="create",
            plugin="create_record",
            depends_on=["lookup"],
            bindings={
                "title": NodeSource(node="lookup", key="title"),
                "thumbnail_url": NodeSource(
                    node="lookup", key="thumbnail_url", when="{lookup.existing_id | not}"
                ),
            },
        ),
    ]
    run = EngineRun(nodes)
    run.start()
    run.drive({"lookup": [out("lookup.json", title="Dune", existing_id="")]})
    assert run.statuses("create") == [TaskStatus.COMPLETED]
    assert run.input_names("create") == ["lookup.json"]
    assert run.events == [("completed", "run-1")]
