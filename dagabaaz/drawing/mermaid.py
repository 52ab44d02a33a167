"""Draw a pipeline as a Mermaid flowchart (rendered by GitHub and the docs site)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dagabaaz.drawing._scene import NodeState, build_scene
from dagabaaz.drawing._styles import STATUS_COLOURS, STATUS_MEANINGS, legend_statuses
from dagabaaz.models import DagNode

__all__ = ["escape_mermaid", "render_mermaid"]

# Inside a quoted Mermaid label these characters would end the label, start an
# entity, be read as HTML or as markdown; Mermaid's entity codes stand for them.
_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
}


def escape_mermaid(text: str) -> str:
    """Escape ``text`` for a quoted Mermaid label; a newline becomes a line break."""
    out = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char == "\n":
            out.append("<br/>")
        elif not char.isprintable():
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def render_mermaid(
    nodes: Sequence[DagNode], *, states: Mapping[str, NodeState] | None = None
) -> str:
    """Return a Mermaid ``flowchart`` of ``nodes``.

    Dependency edges are solid and labelled with their edge filter; bindings
    that read a node are dotted and labelled with the fields they fill.
    ``states`` (by slug) colours each node by its final status, adds its
    reason under it and a legend of the statuses drawn.
    """
    scene = build_scene(nodes, states)
    lines = ["flowchart TD"]
    for box in scene.boxes:
        label = "<br/>".join(escape_mermaid(line) for line in box.lines)
        lines.append(f'    {box.id}["{label}"]')
    for edge in scene.edges:
        arrow = "-.->" if edge.reads else "-->"
        label = f'|"{escape_mermaid(edge.label)}"|' if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    used = legend_statuses(box.status for box in scene.boxes)
    if used:
        lines += ['    subgraph legend ["legend"]', "        direction LR"]
        lines += [f'        legend_{status}["{STATUS_MEANINGS[status]}"]' for status in used]
        lines.append("    end")
    for status in used:
        fill, stroke, dashed = STATUS_COLOURS[status]
        dash = ",stroke-dasharray:4 3" if dashed else ""
        lines.append(f"    classDef {status} fill:{fill},stroke:{stroke},color:#000{dash}")
        members = ",".join(box.id for box in scene.boxes if box.status == status)
        lines.append(f"    class {members} {status}")
        lines.append(f"    class legend_{status} {status}")
    return "\n".join(lines) + "\n"
