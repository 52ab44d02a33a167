"""Every node of a local run says why it ended as it did, on the README's patterns."""

from __future__ import annotations

import runpy
from typing import Any

import pytest

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator, RunStatus
from dagabaaz.loading import load_pipeline
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    BindingsReason,
    DagNode,
    EdgeFilter,
    FailedReason,
    FilteredReason,
    FilterRule,
    LaunchedReason,
    NodeReason,
    NodeSource,
    NotRunReason,
    Output,
    SkippedReason,
)
from dagabaaz.runner import LocalRunner, NodeStatus, RunResult

EXAMPLES = runpy.run_path("docs/examples/plugins.py")["PLUGINS"]


def only(file_type: str, dep: str = "source") -> dict[str, EdgeFilter]:
    rule = FilterRule(field="file_type", operator=FilterOperator.EQ, value=file_type)
    return {dep: EdgeFilter(rules=[rule])}


def reason_of(result: RunResult, slug: str, kind: type[NodeReason]) -> Any:
    reason = result.nodes[slug].reason
    assert isinstance(reason, kind), f"{slug}: {reason!r}"
    return reason


# --- routing by type, with an empty branch (README: conditional routing) ----------------

ROUTING = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(
        slug="video",
        plugin="transcode",
        depends_on=["source"],
        fan_mode=FanMode.AGGREGATE,
        edge_filters=only("video"),
    ),
    DagNode(
        slug="subtitle", plugin="parse_subs", depends_on=["source"], edge_filters=only("subtitle")
    ),
]
ROUTING_PLUGINS = {
    "fetch": lambda task: [Output(file_name=name) for name in task["files"]],
    "transcode": lambda task: Output(file_name=f"{len(task['artifacts'])} videos.webm"),
    "parse_subs": lambda task: Output(file_name=task["file_name"] + ".json"),
}


def test_routing_by_type_explains_the_empty_branch() -> None:
    result = LocalRunner(ROUTING_PLUGINS).run(ROUTING, {"files": ["a.mp4", "b.mkv"]})
    assert result.status is RunStatus.COMPLETED
    source = reason_of(result, "source", LaunchedReason)
    assert (source.root, source.tasks, source.delivered, source.edges) == (True, 1, 0, ())
    video = reason_of(result, "video", LaunchedReason)
    assert (video.tasks, video.fan_mode, video.delivered) == (1, FanMode.AGGREGATE, 2)
    [edge] = video.edges
    assert (edge.arrived, edge.matched, edge.delivered, edge.rules[0].rejected) == (2, 2, 2, 0)
    assert edge.kept_sample == ("a.mp4", "b.mkv")
    subtitle = reason_of(result, "subtitle", FilteredReason)
    [edge] = subtitle.edges
    assert (edge.dependency, edge.arrived, edge.delivered) == ("source", 2, 0)
    [rule] = edge.rules
    assert (rule.field, rule.operator, rule.value) == ("file_type", FilterOperator.EQ, "subtitle")
    assert (rule.rejected, rule.sample) == (2, ('"video"', '"video"'))
    [cause] = result.causes("subtitle")
    assert cause.summary == (
        "filtered: nothing reached it "
        '(from \'source\': 2 arrived, file_type eq "subtitle" rejected 2 ("video", "video"))'
    )


# --- a skip cascade through a join (docs/examples/cascade.yaml) --------------------------


def test_a_skip_cascade_through_a_join_chains_back_to_the_first_cause() -> None:
    result = LocalRunner(EXAMPLES).run(load_pipeline("docs/examples/cascade.yaml"))
    bundle = reason_of(result, "bundle", SkippedReason)
    assert (bundle.cause, bundle.dependency) == ("edge_rejected_all", "fetch")
    assert bundle.edges[0].rules[0].rejected == 2
    notify = reason_of(result, "notify", SkippedReason)
    assert (notify.cause, notify.dependency) == ("dependency_skipped", "publish")
    assert [(link.node, link.cause, link.dependency) for link in notify.chain] == [
        ("notify", "dependency_skipped", "publish"),
        ("publish", "dependency_skipped", "bundle"),
        ("bundle", "edge_rejected_all", "fetch"),
    ]
    # The join's live edge is reported too: report delivered before publish was found dead.
    assert [(e.dependency, e.dependency_skipped) for e in notify.edges] == [
        ("report", False),
        ("publish", True),
    ]
    translate = reason_of(result, "translate", FilteredReason)
    assert translate.edges[0].arrived == 0
    assert [(c.node, c.status) for c in result.causes("translate")] == [
        ("translate", "filtered"),
        ("subtitles", "filtered"),
    ]
    assert result.explain("notify").splitlines() == [
        "notify      skipped: its dependency 'publish' was skipped",
        "<- publish  skipped: its dependency 'bundle' was skipped",
        "<- bundle   skipped: the filter on the edge from 'fetch' rejected all 2 artifacts "
        '(file_type eq "archive" rejected 2 ("video", "video"))',
    ]


# --- a grouped merge with a filtered branch (README: scatter-gather) -------------------


def test_a_grouped_merge_with_a_filtered_branch() -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="videos", plugin="tag", depends_on=["source"], edge_filters=only("video")),
        DagNode(slug="subs", plugin="tag", depends_on=["source"], edge_filters=only("subtitle")),
        DagNode(slug="index", plugin="index", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(
            slug="merge",
            plugin="merge",
            depends_on=["videos", "subs", "index"],
            fan_mode=FanMode.GROUPED,
            edge_filters={"videos": EdgeFilter(select=ArtifactSelector.LARGEST)},
        ),
    ]
    plugins = {
        "fetch": lambda task: [Output(file_name=f"f{i}.mp4", file_size=i) for i in range(3)],
        "tag": lambda task: [
            Output(file_name=task["file_name"] + ".a", file_size=1),
            Output(file_name=task["file_name"] + ".b", file_size=2),
        ],
        "index": lambda task: Output(file_name="index.txt"),
        "merge": lambda task: Output(file_name="merged"),
    }
    result = LocalRunner(plugins).run(nodes)
    assert result.nodes["subs"].status is NodeStatus.FILTERED
    merge = reason_of(result, "merge", LaunchedReason)
    assert (merge.tasks, merge.fan_mode, merge.groups, merge.broadcast) == (
        3,
        FanMode.GROUPED,
        3,
        1,
    )
    videos, subs, index = merge.edges
    # select keeps the largest per origin group: 6 arrived, 3 delivered.
    assert (videos.arrived, videos.select, videos.selected, videos.delivered) == (
        6,
        ArtifactSelector.LARGEST,
        3,
        3,
    )
    assert (subs.arrived, subs.delivered) == (0, 0)
    assert (index.arrived, index.delivered) == (1, 1)
    assert merge.delivered == 4


# --- a `when`-gated binding (README: conditional bindings) ------------------------------

WHEN_NODES = [
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
WHEN_PLUGINS = {
    "library_lookup": lambda task: Output(file_name="lookup.json", metadata=task["found"]),
    "create_record": lambda task: None,
}
FOUND = {"title": "Dune", "thumbnail_url": "https://img.example/dune.jpg"}


def test_a_when_gated_binding_is_recorded_per_task() -> None:
    gated = LocalRunner(WHEN_PLUGINS).run(WHEN_NODES, {"found": {**FOUND, "existing_id": "r"}})
    create = gated.nodes["create"]
    [bindings] = [r for r in create.reasons if isinstance(r, BindingsReason)]
    assert bindings.gated_count == 1
    [binding] = bindings.gated
    assert (binding.name, binding.when, binding.value) == (
        "thumbnail_url",
        "{lookup.existing_id | not}",
        "false",
    )
    assert isinstance(create.reason, LaunchedReason)  # a bindings reason never decides
    open_gate = LocalRunner(WHEN_PLUGINS).run(WHEN_NODES, {"found": FOUND})
    assert not [r for r in open_gate.nodes["create"].reasons if isinstance(r, BindingsReason)]


# --- a fan-out limit, and what it leaves unrun -----------------------------------------


def test_a_fan_out_limit_failure_and_the_nodes_it_left_unrun() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="fetch_clips"),
        DagNode(slug="thumbs", plugin="thumbnail", depends_on=["fetch"]),
        DagNode(slug="sheet", plugin="contact_sheet", depends_on=["thumbs"], fan_mode="aggregate"),
    ]
    result = LocalRunner(EXAMPLES, fan_out_limit=2).run(nodes)
    assert result.status is RunStatus.FAILED
    thumbs = reason_of(result, "thumbs", FailedReason)
    assert thumbs.cause == "fan_out_limit"
    assert "3 artifacts would start 3 tasks, more than the limit of 2" in thumbs.error
    assert thumbs.task_id
    assert thumbs.input_file_name is None
    sheet = reason_of(result, "sheet", NotRunReason)
    assert (sheet.run_status, sheet.ended_by, sheet.waiting_on) == (
        RunStatus.FAILED,
        "thumbs",
        ("thumbs",),
    )
    assert [c.node for c in result.causes("sheet")] == ["sheet", "thumbs"]


def test_a_failure_three_levels_up_is_the_first_cause() -> None:
    def probe(task: dict[str, Any]) -> Output:
        if task["file_name"] == "movie.mkv":
            raise ValueError("no video stream")
        return Output(file_name=task["file_name"] + ".json")

    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(slug="probe", plugin="probe", depends_on=["fetch"]),
        DagNode(slug="encode", plugin="copy", depends_on=["probe"]),
        DagNode(slug="publish", plugin="copy", depends_on=["encode"]),
    ]
    plugins = {
        "fetch": lambda task: [Output(file_name="movie.mkv"), Output(file_name="clip.mp4")],
        "probe": probe,
        "copy": lambda task: Output(file_name="x"),
    }
    result = LocalRunner(plugins, max_workers=1).run(nodes)
    probe_reason = reason_of(result, "probe", FailedReason)
    assert (probe_reason.cause, probe_reason.input_file_name) == ("task_failed", "movie.mkv")
    assert probe_reason.input_artifact_id is not None
    assert probe_reason.error == "movie.mkv: ValueError: no video stream"  # named by the runner
    assert result.explain("publish").splitlines() == [
        "publish    not run: waiting on 'encode' when the run failed",
        "<- encode  not run: waiting on 'probe' when the run failed",
        "<- probe   failed on movie.mkv: ValueError: no video stream",
    ]
    # The same chain from a result saved as JSON.
    again = RunResult.from_dict(result.to_dict())
    assert again.explain("publish") == result.explain("publish")


def test_causes_of_an_unknown_node_suggest_the_closest() -> None:
    result = LocalRunner(ROUTING_PLUGINS).run(ROUTING, {"files": ["a.mp4"]})
    with pytest.raises(ValueError, match="has no node 'vidoe'; did you mean 'video'"):
        result.causes("vidoe")


# --- every fan mode, and passthrough -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "tasks", "delivered", "groups"),
    [(FanMode.SINGLE, 2, 2, None), (FanMode.AGGREGATE, 1, 2, None), (FanMode.GROUPED, 2, 2, 2)],
)
def test_every_fan_mode_says_why_that_many_tasks(
    mode: FanMode, tasks: int, delivered: int, groups: int | None
) -> None:
    nodes = [
        DagNode(slug="fetch", plugin="fetch_clips"),
        DagNode(
            slug="each",
            plugin="thumbnail",
            depends_on=["fetch"],
            fan_mode=mode,
            edge_filters={
                "fetch": EdgeFilter(
                    rules=[FilterRule(field="file_size", operator=FilterOperator.GTE, value=800)]
                )
            },
        ),
    ]
    plugins = {**EXAMPLES, "thumbnail": lambda task: None}
    result = LocalRunner(plugins).run(nodes)
    each = reason_of(result, "each", LaunchedReason)
    assert (each.tasks, each.fan_mode, each.delivered, each.groups) == (
        tasks,
        mode,
        delivered,
        groups,
    )
    assert each.fan_out_limit == 200
    [edge] = each.edges
    assert (edge.arrived, edge.rules[0].rejected, edge.rules[0].sample) == (3, 1, ("700",))


def test_a_passthrough_walk_is_reported() -> None:
    result = LocalRunner(EXAMPLES, passthrough=["gate"]).run(
        load_pipeline("docs/examples/passthrough.yaml")
    )
    encode = reason_of(result, "encode", LaunchedReason)
    [edge] = encode.edges
    assert (edge.dependency, edge.walked_past, edge.arrived, edge.delivered) == (
        "gate",
        ("gate",),
        3,
        3,
    )


# --- stores: without reasons, failing reasons ------------------------------------------


class _NoReasons(InMemoryStore):
    record_reason = None
    get_reasons = None


class _FailingReasons(InMemoryStore):
    def record_reason(self, run_id: str, reason: NodeReason) -> None:
        raise ConnectionError("reasons table is gone")

    def get_reasons(self, run_id: str, node_index: int | None = None) -> list[NodeReason]:
        raise ConnectionError("reasons table is gone")


def _statuses(result: RunResult) -> dict[str, str]:
    return {slug: node.status.value for slug, node in result.nodes.items()}


def test_a_store_without_reasons_runs_the_same() -> None:
    pipeline = load_pipeline("docs/examples/cascade.yaml")
    kept = LocalRunner(EXAMPLES).run(pipeline)
    bare = LocalRunner(EXAMPLES, store=_NoReasons()).run(pipeline)  # type: ignore[arg-type]
    assert bare.status is kept.status is RunStatus.COMPLETED
    assert _statuses(bare) == _statuses(kept)
    assert all(node.reasons == () for node in bare.nodes.values())


def test_a_store_whose_reasons_fail_loses_only_the_reasons(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pipeline = load_pipeline("docs/examples/cascade.yaml")
    kept = LocalRunner(EXAMPLES).run(pipeline)
    with caplog.at_level("WARNING", logger="dagabaaz"):
        broken = LocalRunner(EXAMPLES, store=_FailingReasons()).run(pipeline)
    assert broken.status is RunStatus.COMPLETED
    assert _statuses(broken) == _statuses(kept)
    assert [n.task_count for n in broken.nodes.values()] == [
        n.task_count for n in kept.nodes.values()
    ]
    assert all(node.reasons == () for node in broken.nodes.values())
    assert "reasons table is gone" in caplog.text
    assert "the run goes on without it" in caplog.text
    assert "its result has none" in caplog.text


def test_reasons_are_bounded_at_a_huge_fan_out() -> None:
    nodes = [
        DagNode(slug="fetch", plugin="fetch"),
        DagNode(
            slug="pick",
            plugin="pick",
            depends_on=["fetch"],
            edge_filters={
                "fetch": EdgeFilter(
                    rules=[FilterRule(field="note", operator=FilterOperator.EQ, value="wanted")]
                )
            },
        ),
    ]
    plugins = {
        "fetch": lambda task: [
            Output(file_name=f"{i:05}.bin", metadata={"note": "x" * 1000}) for i in range(10_000)
        ],
        "pick": lambda task: None,
    }
    result = LocalRunner(plugins).run(nodes)
    pick = reason_of(result, "pick", FilteredReason)
    [edge] = pick.edges
    assert (edge.arrived, edge.rules[0].rejected, len(edge.rules[0].sample)) == (10_000, 10_000, 5)
    assert len(pick.model_dump_json()) < 1_500
