# ruff: noqa: E501  (expected pictures read best line for line)
"""Pictures of a finished run: each box's status, task count and reason, and a legend."""

import re

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.drawing import NodeState, render_dot, render_mermaid
from dagabaaz.drawing._scene import REASON_LINES, REASON_WIDTH
from dagabaaz.models import DagNode

NODES = [
    DagNode(slug="fetch", plugin="fetch"),
    DagNode(slug="probe", plugin="probe", depends_on=["fetch"]),
    DagNode(slug="pack", plugin="pack", depends_on=["probe"]),
]
STATES = {
    "fetch": NodeState("completed", 1),
    "probe": NodeState("failed", 3, "on clip.mp4: ValueError: bad header"),
    "pack": NodeState("not_run", 0, "waiting on probe when the run failed"),
}


def test_mermaid_draws_the_reason_under_the_status_and_a_legend_of_what_is_drawn() -> None:
    assert render_mermaid(NODES, states=STATES) == (
        "flowchart TD\n"
        '    n0["fetch<br/>fetch · single<br/>completed · 1 task"]\n'
        '    n1["probe<br/>probe · single<br/>failed · 3 tasks<br/>on clip.mp4: ValueError: bad header"]\n'
        '    n2["pack<br/>pack · single<br/>not_run · 0 tasks<br/>waiting on probe when the run failed"]\n'
        "    n0 --> n1\n"
        "    n1 --> n2\n"
        '    subgraph legend ["legend"]\n'
        "        direction LR\n"
        '        legend_completed["completed"]\n'
        '        legend_failed["failed"]\n'
        '        legend_not_run["not run: the run ended first"]\n'
        "    end\n"
        "    classDef completed fill:#d3f9d8,stroke:#2b8a3e,color:#000\n"
        "    class n0 completed\n"
        "    class legend_completed completed\n"
        "    classDef failed fill:#ffe3e3,stroke:#c92a2a,color:#000\n"
        "    class n1 failed\n"
        "    class legend_failed failed\n"
        "    classDef not_run fill:#ffffff,stroke:#ced4da,color:#000,stroke-dasharray:4 3\n"
        "    class n2 not_run\n"
        "    class legend_not_run not_run\n"
    )


def test_dot_draws_the_same_with_a_legend_cluster() -> None:
    assert render_dot(NODES, states=STATES).splitlines()[4:] == [
        '    n0 [label="fetch\\nfetch · single\\ncompleted · 1 task", fillcolor="#d3f9d8", color="#2b8a3e", style="rounded,filled"];',
        '    n1 [label="probe\\nprobe · single\\nfailed · 3 tasks\\non clip.mp4: ValueError: bad header", fillcolor="#ffe3e3", color="#c92a2a", style="rounded,filled"];',
        '    n2 [label="pack\\npack · single\\nnot_run · 0 tasks\\nwaiting on probe when the run failed", fillcolor="#ffffff", color="#ced4da", style="rounded,filled,dashed"];',
        "    n0 -> n1;",
        "    n1 -> n2;",
        "    subgraph cluster_legend {",
        '        label="legend";',
        '        color="#ced4da";',
        '        legend_completed [label="completed", fillcolor="#d3f9d8", color="#2b8a3e", style="rounded,filled"];',
        '        legend_failed [label="failed", fillcolor="#ffe3e3", color="#c92a2a", style="rounded,filled"];',
        '        legend_not_run [label="not run: the run ended first", fillcolor="#ffffff", color="#ced4da", style="rounded,filled,dashed"];',
        "    }",
        "}",
    ]


def test_without_states_there_is_no_legend() -> None:
    assert "legend" not in render_mermaid(NODES)
    assert "legend" not in render_dot(NODES)


def test_an_unknown_status_is_drawn_plain_and_left_out_of_the_legend() -> None:
    mermaid = render_mermaid(NODES[:1], states={"fetch": NodeState("exploded", 1)})
    assert 'n0["fetch<br/>fetch · single<br/>exploded · 1 task"]' in mermaid
    assert "legend" not in mermaid and "classDef" not in mermaid


def test_a_long_reason_is_wrapped_and_cut() -> None:
    reason = "word " * 100 + "x" * 500
    mermaid = render_mermaid(NODES[:1], states={"fetch": NodeState("skipped", 1, reason)})
    label = re.search(r'n0\["(.*)"\]', mermaid)
    assert label is not None
    lines = label.group(1).split("<br/>")
    assert len(lines) == 3 + REASON_LINES
    assert all(len(line) <= REASON_WIDTH for line in lines[3:])
    assert lines[-1].endswith("...")


def test_a_newline_in_a_reason_never_starts_a_line_of_its_own() -> None:
    state = NodeState("failed", 1, "boom\n\n\nmore")
    mermaid = render_mermaid(NODES[:1], states={"fetch": state})
    assert 'n0["fetch<br/>fetch · single<br/>failed · 1 task<br/>boom more"]' in mermaid


_text = st.text(min_size=1, max_size=60)
_MERMAID_NODE = re.compile(r'^    n\d+\["[^"]*"\]$')
_DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
_DOT_NODE = re.compile(rf"^    n\d+ \[label={_DOT_STRING}(, [a-z]+={_DOT_STRING})*\];$")


@given(slug=_text, reason=_text, status=st.sampled_from(["failed", "skipped", "odd status"]))
def test_any_reason_keeps_both_pictures_well_formed(slug: str, reason: str, status: str) -> None:
    nodes = [DagNode(slug=slug, plugin="p")]
    states = {slug: NodeState(status, 1, reason)}
    mermaid = render_mermaid(nodes, states=states).splitlines()
    assert _MERMAID_NODE.match(mermaid[1]), mermaid
    dot = render_dot(nodes, states=states).splitlines()
    assert _DOT_NODE.match(dot[4]), dot
    assert dot[-1] == "}"
