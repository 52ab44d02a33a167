"""Draw a pipeline as a Graphviz DOT digraph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dagabaaz.drawing._scene import NodeState, build_scene
from dagabaaz.drawing._styles import STATUS_COLOURS, STATUS_MEANINGS, legend_statuses
from dagabaaz.models import DagNode

__all__ = ["escape_dot", "render_dot"]


def escape_dot(text: str) -> str:
    r"""Escape ``text`` for a quoted DOT label; a newline becomes the ``\n`` line break."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif not char.isprintable():
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def render_dot(nodes: Sequence[DagNode], *, states: Mapping[str, NodeState] | None = None) -> str:
    """Return a Graphviz ``digraph`` of ``nodes``.

    Dependency edges are solid and labelled with their edge filter; bindings
    that read a node are dotted and labelled with the fields they fill.
    ``states`` (by slug) colours each node by its final status, adds its
    reason under it and a legend of the statuses drawn.
    """
    scene = build_scene(nodes, states)
    lines = [
        "digraph pipeline {",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for box in scene.boxes:
        label = escape_dot("\n".join(box.lines))
        attributes = [f'label="{label}"', *_status_attributes(box.status)]
        lines.append(f"    {box.id} [{', '.join(attributes)}];")
    for edge in scene.edges:
        attributes = [f'label="{escape_dot(edge.label)}"'] if edge.label else []
        if edge.reads:
            attributes += ["style=dotted", "arrowhead=open", 'color="#555555"']
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {edge.source} -> {edge.target}{suffix};")
    used = legend_statuses(box.status for box in scene.boxes)
    if used:
        lines += [
            "    subgraph cluster_legend {",
            '        label="legend";',
            '        color="#ced4da";',
        ]
        for status in used:
            attributes = [f'label="{STATUS_MEANINGS[status]}"', *_status_attributes(status)]
            lines.append(f"        legend_{status} [{', '.join(attributes)}];")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _status_attributes(status: str | None) -> list[str]:
    if status not in STATUS_COLOURS:
        return []
    fill, stroke, dashed = STATUS_COLOURS[status]
    style = "rounded,filled,dashed" if dashed else "rounded,filled"
    return [f'fillcolor="{fill}"', f'color="{stroke}"', f'style="{style}"']
