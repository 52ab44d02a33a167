# ruff: noqa: E501  (expected pictures read best line for line)
"""`dagabaaz graph PIPELINE --run-result RUN_RESULT.json`: the picture of a saved run."""

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import pytest

from dagabaaz.cli import main
from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.models import (
    ChainLink,
    EdgeReport,
    FailedReason,
    FilteredReason,
    LaunchedReason,
    NotRunReason,
    RuleReport,
    SkippedReason,
)
from dagabaaz.runner import NodeResult, NodeStatus, RunResult

Write = Callable[[str, str], str]

ROOT = Path(__file__).resolve().parents[2]
CASCADE = str(ROOT / "docs" / "examples" / "cascade.yaml")

_VIDEOS = RuleReport(
    field="file_type", operator=FilterOperator.EQ, value="archive", rejected=2,
    sample=('"video"', '"video"'),
)  # fmt: skip


def cascade_result() -> RunResult:
    """What a run of docs/examples/cascade.yaml returns, reasons included."""

    def node(slug: str, plugin: str, status: NodeStatus, *reasons: object) -> NodeResult:
        return NodeResult(slug, plugin, status, 1, reasons=reasons)  # type: ignore[arg-type]

    fetch_edge = EdgeReport(dependency="fetch", arrived=2, rules=(_VIDEOS,))
    nodes = [
        node(
            "fetch",
            "fetch_videos",
            NodeStatus.COMPLETED,
            LaunchedReason(
                node="fetch", node_index=0, tasks=1, fan_mode=FanMode.SINGLE, root=True,
                fan_out_limit=200,
            ),
        ),
        node(
            "subtitles",
            "parse_subtitles",
            NodeStatus.FILTERED,
            FilteredReason(
                node="subtitles", node_index=1, fan_mode=FanMode.SINGLE,
                edges=(fetch_edge.model_copy(update={"rules": (_VIDEOS.model_copy(update={"value": "subtitle"}),)}),),
            ),
        ),
        node(
            "translate",
            "translate",
            NodeStatus.FILTERED,
            FilteredReason(
                node="translate", node_index=2, fan_mode=FanMode.SINGLE,
                edges=(EdgeReport(dependency="subtitles"),),
            ),
        ),
        node("report", "report", NodeStatus.COMPLETED),
        node(
            "bundle",
            "unpack",
            NodeStatus.SKIPPED,
            SkippedReason(
                node="bundle", node_index=4, dependency="fetch", cause="edge_rejected_all",
                chain=(ChainLink(node="bundle", cause="edge_rejected_all", dependency="fetch"),),
                edges=(fetch_edge,),
            ),
        ),
        node(
            "publish",
            "publish",
            NodeStatus.SKIPPED,
            SkippedReason(
                node="publish", node_index=5, dependency="bundle", cause="dependency_skipped",
                chain=(
                    ChainLink(node="publish", cause="dependency_skipped", dependency="bundle"),
                    ChainLink(node="bundle", cause="edge_rejected_all", dependency="fetch"),
                ),
            ),
        ),
        node(
            "notify",
            "notify",
            NodeStatus.SKIPPED,
            SkippedReason(
                node="notify", node_index=6, dependency="publish", cause="dependency_skipped",
                chain=(
                    ChainLink(node="notify", cause="dependency_skipped", dependency="publish"),
                    ChainLink(node="publish", cause="dependency_skipped", dependency="bundle"),
                    ChainLink(node="bundle", cause="edge_rejected_all", dependency="fetch"),
                ),
            ),
        ),
    ]  # fmt: skip
    return RunResult(
        "run-1",
        RunStatus.COMPLETED,
        MappingProxyType({item.slug: item for item in nodes}),
        sinks=("notify",),
    )


def _save(write: Write, result: RunResult | object, name: str = "result.json") -> str:
    data = result.to_dict() if isinstance(result, RunResult) else result
    return write(name, json.dumps(data))


CASCADE_MERMAID = """\
flowchart TD
    n0["fetch<br/>fetch_videos · single<br/>completed · 1 task"]
    n1["subtitles<br/>parse_subtitles · single<br/>filtered · 1 task<br/>← fetch: edge rejected all 2 (file_type<br/>eq #quot;subtitle#quot;: 2)"]
    n2["translate<br/>translate · single<br/>filtered · 1 task<br/>← subtitles: nothing arrived"]
    n3["report<br/>report · aggregate<br/>completed · 1 task"]
    n4["bundle<br/>unpack · aggregate<br/>skipped · 1 task<br/>← fetch: aggregate edge rejected all 2<br/>(file_type eq #quot;archive#quot;: 2)"]
    n5["publish<br/>publish · single<br/>skipped · 1 task<br/>← bundle skipped (its edge from fetch<br/>rejected all)"]
    n6["notify<br/>notify · single<br/>skipped · 1 task<br/>← publish skipped (first cause: bundle's<br/>edge from fetch rejected all)"]
    n0 -->|"file_type eq subtitle"| n1
    n1 --> n2
    n1 --> n3
    n0 --> n3
    n0 -->|"file_type eq archive"| n4
    n4 --> n5
    n3 --> n6
    n5 --> n6
    subgraph legend ["legend"]
        direction LR
        legend_completed["completed"]
        legend_skipped["skipped: a dependency is dead"]
        legend_filtered["filtered: nothing to work on"]
    end
    classDef completed fill:#d3f9d8,stroke:#2b8a3e,color:#000
    class n0,n3 completed
    class legend_completed completed
    classDef skipped fill:#e9ecef,stroke:#868e96,color:#000,stroke-dasharray:4 3
    class n4,n5,n6 skipped
    class legend_skipped skipped
    classDef filtered fill:#f8f9fa,stroke:#adb5bd,color:#000,stroke-dasharray:4 3
    class n1,n2 filtered
    class legend_filtered filtered
"""


def test_a_saved_run_colours_the_picture_with_reasons_and_a_legend(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _save(write, cascade_result())
    assert main(["graph", CASCADE, "--run-result", saved]) == 0
    assert capsys.readouterr().out == CASCADE_MERMAID


def test_the_dot_picture_has_the_same_reasons_and_legend(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _save(write, cascade_result())
    assert main(["graph", CASCADE, "--run-result", saved, "--format", "dot"]) == 0
    dot = capsys.readouterr().out.splitlines()
    assert (
        '    n4 [label="bundle\\nunpack · aggregate\\nskipped · 1 task\\n← fetch: aggregate edge rejected all 2\\n'
        '(file_type eq \\"archive\\": 2)", fillcolor="#e9ecef", color="#868e96", style="rounded,filled,dashed"];'
    ) in dot
    assert dot[-8:] == [
        "    subgraph cluster_legend {",
        '        label="legend";',
        '        color="#ced4da";',
        '        legend_completed [label="completed", fillcolor="#d3f9d8", color="#2b8a3e", style="rounded,filled"];',
        '        legend_skipped [label="skipped: a dependency is dead", fillcolor="#e9ecef", color="#868e96", style="rounded,filled,dashed"];',
        '        legend_filtered [label="filtered: nothing to work on", fillcolor="#f8f9fa", color="#adb5bd", style="rounded,filled,dashed"];',
        "    }",
        "}",
    ]


def test_a_failure_and_the_nodes_it_left_unrun(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = write(
        "p.yaml",
        "- {slug: fetch, plugin: fetch}\n"
        "- {slug: probe, plugin: probe, depends_on: [fetch]}\n"
        "- {slug: pack, plugin: pack, depends_on: [probe]}\n",
    )
    failed = FailedReason(
        node="probe", node_index=1, task_id="task-3", input_artifact_id="a-3",
        input_file_name="lighthouse.mp4",
        error="lighthouse.mp4: ValueError: bad header\nmore detail on a second line",
    )  # fmt: skip
    not_run = NotRunReason(
        node="pack", node_index=2, run_status=RunStatus.FAILED, ended_by="probe", error="x"
    )
    result = RunResult(
        "run-2",
        RunStatus.FAILED,
        MappingProxyType(
            {
                "fetch": NodeResult("fetch", "fetch", NodeStatus.COMPLETED, 1),
                "probe": NodeResult("probe", "probe", NodeStatus.FAILED, 3, reasons=(failed,)),
                "pack": NodeResult("pack", "pack", NodeStatus.NOT_RUN, 0, reasons=(not_run,)),
            }
        ),
    )
    assert main(["graph", pipeline, "--run-result", _save(write, result)]) == 0
    out = capsys.readouterr().out
    assert (
        'n1["probe<br/>probe · single<br/>failed · 3 tasks<br/>on lighthouse.mp4: ValueError: bad<br/>header"]'
        in out
    )
    assert (
        'n2["pack<br/>pack · single<br/>not_run · 0 tasks<br/>the run failed (probe failed)"]'
        in out
    )
    assert '        legend_not_run["not run: the run ended first"]' in out


def test_a_result_without_reasons_still_colours_by_status(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    data = cascade_result().to_dict()
    for node in data["nodes"]:
        del node["reasons"]  # a result saved before reasons existed
    assert main(["graph", CASCADE, "--run-result", _save(write, data)]) == 0
    out = capsys.readouterr().out
    assert '    n4["bundle<br/>unpack · aggregate<br/>skipped · 1 task"]' in out
    assert "    class n4,n5,n6 skipped" in out


HOSTILE = 'a"b]c[d|e\nf#g<h>i&j`k\\l;m}n{o\x07p'


@pytest.mark.parametrize("graph_format", ["mermaid", "dot"])
def test_hostile_slugs_file_names_and_errors_keep_the_picture_well_formed(
    write: Write, capsys: pytest.CaptureFixture[str], graph_format: str
) -> None:
    slug = HOSTILE
    pipeline = write(
        "hostile.json",
        json.dumps(
            [{"slug": slug, "plugin": "p"}, {"slug": "end", "plugin": "q", "depends_on": [slug]}]
        ),
    )
    failed = FailedReason(
        node=slug, node_index=0, task_id="t", input_file_name=f"{HOSTILE}.mp4",
        error=f"Error: {HOSTILE}\n" + "x" * 5000,
    )  # fmt: skip
    skipped = SkippedReason(
        node="end", node_index=1, dependency=slug, cause="edge_rejected_all",
        edges=(EdgeReport(dependency=slug, arrived=3, rules=(RuleReport(field=HOSTILE, operator=FilterOperator.EQ, value=HOSTILE, rejected=3),)),),
    )  # fmt: skip
    result = RunResult(
        "r",
        RunStatus.FAILED,
        MappingProxyType(
            {
                slug: NodeResult(slug, "p", NodeStatus.FAILED, 1, reasons=(failed,)),
                "end": NodeResult("end", "q", NodeStatus.SKIPPED, 1, reasons=(skipped,)),
            }
        ),
    )
    saved = _save(write, result)
    assert main(["graph", pipeline, "--run-result", saved, "--format", graph_format]) == 0
    lines = capsys.readouterr().out.splitlines()
    boxes = [line for line in lines if line.startswith(("    n0", "    n1")) and "->" not in line]
    assert len(boxes) == 2
    if graph_format == "mermaid":
        # Each label is one quoted string: no raw quote, newline or bracket can end it early.
        assert all(line.count('"') == 2 and line.endswith('"]') for line in boxes), boxes
        assert all("<br/>" in line and "\n" not in line for line in boxes)
    else:
        label = r'"(?:[^"\\\n]|\\.)*"'
        assert all(re.fullmatch(rf"    n\d \[label={label}, .*\];", line) for line in boxes), boxes
    assert all(len(line) < 600 for line in lines)  # a 5,000-character error is cut


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("{", 2, "--run-result {path}:1:2: invalid JSON: Expecting property name"),
        ("[1, 2]", 2, "--run-result {path}: a run result is a JSON object"),
        ('{"run_id": "r"}', 2, "--run-result {path}: not a run result: status: Field required"),
        (
            '{"run_id": "r", "status": "completed", "nodes": [{"slug": "a", "plugin": "p", "status": "great", "task_count": 1}]}',
            2,
            "--run-result {path}: nodes[0].status: 'great' is not a node status",
        ),
    ],
    ids=["not-json", "a-list", "no-status", "bad-node-status"],
)
def test_unreadable_results_are_located_errors(
    write: Write, capsys: pytest.CaptureFixture[str], text: str, code: int, message: str
) -> None:
    path = write("result.json", text)
    assert main(["graph", CASCADE, "--run-result", path]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message.format(path=path) in captured.err, captured.err
    if "invalid JSON" not in message:  # JSON that is not a result says how to save one
        assert "(`dagabaaz run PIPELINE --json` prints one)" in captured.err


def test_a_missing_result_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "none.json")
    assert main(["graph", CASCADE, "--run-result", path]) == 2
    assert capsys.readouterr().err == f"dagabaaz: --run-result {path}: no such file\n"


def test_a_result_of_another_pipeline_is_refused(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write(
        "other.yaml",
        "- {slug: fetch, plugin: fetch_videos}\n- {slug: extra, plugin: p, depends_on: [fetch]}\n",
    )
    saved = _save(write, cascade_result())
    assert main(["graph", other, "--run-result", saved]) == 1
    assert capsys.readouterr().err == (
        f"dagabaaz: --run-result {saved}: not a result of {other}: it has nodes 'subtitles', "
        f"'translate', 'report', 'bundle', 'publish' and 1 more that {other} has not\n"
    )


def test_a_node_missing_from_the_result_is_named(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    data = cascade_result().to_dict()
    data["nodes"] = [node for node in data["nodes"] if node["slug"] != "report"]
    saved = _save(write, data)
    assert main(["graph", CASCADE, "--run-result", saved]) == 1
    assert capsys.readouterr().err == (
        f"dagabaaz: --run-result {saved}: not a result of {CASCADE}: node 'report' of "
        f"{CASCADE} is missing from it\n"
    )


def test_a_node_that_ran_another_plugin_is_named(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    data = cascade_result().to_dict()
    data["nodes"][3]["plugin"] = "summarize"
    saved = _save(write, data)
    assert main(["graph", CASCADE, "--run-result", saved]) == 1
    assert capsys.readouterr().err == (
        f"dagabaaz: --run-result {saved}: not a result of {CASCADE}: node 'report' ran plugin "
        f"'summarize', {CASCADE} gives it 'report'\n"
    )


def test_a_result_too_large_is_refused_without_reading_it(
    write: Write, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagabaaz.cli._run_result as run_result

    monkeypatch.setattr(run_result, "RUN_RESULT_FILE_LIMIT", 1024 * 1024)
    path = write("big.json", " " * (1024 * 1024 + 1))
    assert main(["graph", CASCADE, "--run-result", path]) == 2
    assert capsys.readouterr().err == (
        f"dagabaaz: --run-result {path}: the file is 1048577 bytes; at most 1 MiB is read\n"
    )


@pytest.mark.parametrize(
    ("run_status", "waiting_on", "label"),
    [
        (RunStatus.CANCELLED, ("probe",), "waiting on probe when the run was cancelled"),
        (RunStatus.CANCELLED, (), "the run was cancelled"),
        (RunStatus.CRASHED, ("a", "b", "c"), "waiting on a, b +1 when the run crashed"),
    ],
    ids=["cancelled-waiting", "cancelled", "crashed-three-waiting"],
)
def test_nodes_the_run_ended_before_say_how_it_ended(
    write: Write,
    capsys: pytest.CaptureFixture[str],
    run_status: RunStatus,
    waiting_on: tuple[str, ...],
    label: str,
) -> None:
    pipeline = write("one.yaml", "- {slug: pack, plugin: pack}\n")
    reason = NotRunReason(node="pack", node_index=0, run_status=run_status, waiting_on=waiting_on)
    result = RunResult(
        "r",
        run_status,
        MappingProxyType(
            {"pack": NodeResult("pack", "pack", NodeStatus.CANCELLED, 1, reasons=(reason,))}
        ),
    )
    assert main(["graph", pipeline, "--run-result", _save(write, result)]) == 0
    unwrapped = capsys.readouterr().out.replace("<br/>", " ")  # a long reason wraps
    assert f'n0["pack pack · single cancelled · 1 task {label}"]' in unwrapped
