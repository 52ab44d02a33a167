# ruff: noqa: E501  (expected pictures read best line for line)
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator
from dagabaaz.drawing import (
    NodeState,
    escape_dot,
    escape_mermaid,
    render_dot,
    render_graph,
    render_mermaid,
)
from dagabaaz.models import DagNode, EdgeFilter, ExpressionSource, FilterRule, NodeSource

VIDEO = EdgeFilter(rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")])
NODES = [
    DagNode(slug="source", plugin="fetch"),
    DagNode(
        slug="video",
        plugin="transcode",
        depends_on=["source"],
        fan_mode=FanMode.AGGREGATE,
        edge_filters={"source": VIDEO},
    ),
    DagNode(
        slug="merge",
        plugin="merge",
        depends_on=["video", "source"],
        fan_mode=FanMode.GROUPED,
        bindings={
            "title": ExpressionSource(expression="{source.title | upper}"),
            "url": NodeSource(node="video", key="url", when="{source.ok}"),
            "mode": ExpressionSource(expression="{input.mode}"),
        },
    ),
]

MERMAID = """\
flowchart TD
    n0["source<br/>fetch · single"]
    n1["video<br/>transcode · aggregate"]
    n2["merge<br/>merge · grouped"]
    n0 -->|"file_type eq video"| n1
    n1 --> n2
    n0 --> n2
    n0 -.->|"reads title, url"| n2
    n1 -.->|"reads url"| n2
"""

DOT = """\
digraph pipeline {
    rankdir=TB;
    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
    edge [fontname="Helvetica", fontsize=10];
    n0 [label="source\\nfetch · single"];
    n1 [label="video\\ntranscode · aggregate"];
    n2 [label="merge\\nmerge · grouped"];
    n0 -> n1 [label="file_type eq video"];
    n1 -> n2;
    n0 -> n2;
    n0 -> n2 [label="reads title, url", style=dotted, arrowhead=open, color="#555555"];
    n1 -> n2 [label="reads url", style=dotted, arrowhead=open, color="#555555"];
}
"""


def test_mermaid_picture() -> None:
    assert render_mermaid(NODES) == MERMAID
    assert render_graph(NODES) == MERMAID


def test_dot_picture() -> None:
    assert render_dot(NODES) == DOT
    assert render_graph(NODES, "dot") == DOT


def test_states_colour_nodes_and_count_tasks() -> None:
    states = {
        "source": NodeState("completed", 1),
        "video": NodeState("filtered", 1),
        "merge": NodeState("skipped", 3),
    }
    mermaid = render_mermaid(NODES, states=states)
    assert 'n0["source<br/>fetch · single<br/>completed · 1 task"]' in mermaid
    assert 'n2["merge<br/>merge · grouped<br/>skipped · 3 tasks"]' in mermaid
    assert (
        "    classDef filtered fill:#f8f9fa,stroke:#adb5bd,color:#000,stroke-dasharray:4 3"
        in mermaid
    )
    assert "    class n1 filtered" in mermaid
    assert "    class n0 completed" in mermaid
    dot = render_dot(NODES, states=states)
    assert (
        'n1 [label="video\\ntranscode · aggregate\\nfiltered · 1 task", fillcolor="#f8f9fa", color="#adb5bd", style="rounded,filled,dashed"];'
        in dot
    )
    assert (
        'n0 [label="source\\nfetch · single\\ncompleted · 1 task", fillcolor="#d3f9d8", color="#2b8a3e", style="rounded,filled"];'
        in dot
    )


@pytest.mark.parametrize(
    ("edge_filter", "label"),
    [
        (
            EdgeFilter(rules=[FilterRule(field="file_size", operator=FilterOperator.GT, value=10)]),
            "file_size gt 10",
        ),
        (
            EdgeFilter(rules=[FilterRule(field="x", operator=FilterOperator.EQ, value="10")]),
            'x eq \\"10\\"',
        ),
        (
            EdgeFilter(rules=[FilterRule(field="x", operator=FilterOperator.EQ, value="true")]),
            'x eq \\"true\\"',
        ),
        (
            EdgeFilter(
                rules=[FilterRule(field="x", operator=FilterOperator.IN, value=["a", "b c"])]
            ),
            'x in [\\"a\\", \\"b c\\"]',
        ),
        (
            EdgeFilter(rules=[FilterRule(field="lang", operator=FilterOperator.EXISTS)]),
            "lang exists",
        ),
        (
            EdgeFilter(
                rules=[
                    FilterRule(field="a", operator=FilterOperator.EQ, value=True),
                    FilterRule(field="b", operator=FilterOperator.NEQ, value=None),
                ],
                select=ArtifactSelector.LARGEST,
            ),
            "a eq true and b neq; keep largest",
        ),
        (EdgeFilter(select=ArtifactSelector.SMALLEST), "keep smallest"),
    ],
    ids=[
        "number",
        "numeric-string",
        "keyword-string",
        "list",
        "exists",
        "two-rules-select",
        "select-only",
    ],
)
def test_filter_labels(edge_filter: EdgeFilter, label: str) -> None:
    nodes = [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="b", plugin="q", depends_on=["a"], edge_filters={"a": edge_filter}),
    ]
    assert f'    n0 -> n1 [label="{label}"];' in render_dot(nodes)


def test_unknown_references_and_bad_expressions_are_left_out() -> None:
    nodes = [
        DagNode(slug="a", plugin="p", depends_on=["ghost", "a"], name="Alpha"),
        DagNode(
            slug="",
            plugin="q",
            depends_on=["a", "a"],
            bindings={"x": ExpressionSource(expression="{a.x | nope(")},
        ),
    ]
    assert render_mermaid(nodes) == (
        'flowchart TD\n    n0["a (Alpha)<br/>p · single"]\n    n1["(no slug)<br/>q · single"]\n'
        "    n0 --> n0\n    n0 --> n1\n"
    )


HOSTILE = 'a"b]c[d|e\nf#g<h>i&j`k\\l;m}n{o\x07p'


@pytest.mark.parametrize(
    ("escape", "expected"),
    [
        (escape_mermaid, "a#quot;b]c[d#124;e<br/>f#35;g#lt;h#gt;i#amp;j#96;k\\l;m}n{o#7;p"),
        (escape_dot, 'a\\"b]c[d|e\\nf#g<h>i&j`k\\\\l;m}n{o p'),
    ],
    ids=["mermaid", "dot"],
)
def test_escaping_hostile_text(escape: object, expected: str) -> None:
    assert escape(HOSTILE) == expected  # type: ignore[operator]


_MERMAID_NODE = re.compile(r'^    n\d+\["[^"]*"\]$')
_MERMAID_EDGE = re.compile(r'^    n\d+ (-->|-\.->)(\|"[^"|]*"\|)? n\d+$')
_DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
_DOT_NODE = re.compile(rf"^    n\d+ \[label={_DOT_STRING}\];$")
_DOT_EDGE = re.compile(rf"^    n\d+ -> n\d+( \[label={_DOT_STRING}.*\])?;$")

_text = st.text(min_size=1, max_size=30)


def _unescape_dot(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


@given(slug=_text, plugin=_text, field=_text, value=_text)
def test_any_user_text_keeps_the_pictures_well_formed(
    slug: str, plugin: str, field: str, value: str
) -> None:
    rule = FilterRule(field=field, operator=FilterOperator.EQ, value=value)
    nodes = [
        DagNode(slug=slug, plugin=plugin),
        DagNode(
            slug=slug + "2",
            plugin="p",
            depends_on=[slug],
            edge_filters={slug: EdgeFilter(rules=[rule])},
        ),
    ]
    mermaid = render_mermaid(nodes).splitlines()
    assert mermaid[0] == "flowchart TD"
    assert all(_MERMAID_NODE.match(line) for line in mermaid[1:3]), mermaid
    assert _MERMAID_EDGE.match(mermaid[3]), mermaid
    dot = render_dot(nodes).splitlines()
    assert all(_DOT_NODE.match(line) for line in dot[4:6]), dot
    assert _DOT_EDGE.match(dot[6]), dot
    label = re.match(rf"^    n0 \[label=({_DOT_STRING})\];$", dot[4])
    assert label is not None
    printable = "".join(c if c.isprintable() or c == "\n" else " " for c in slug + "\n" + plugin)
    assert _unescape_dot(label.group(1)[1:-1]) == f"{printable} · single"
