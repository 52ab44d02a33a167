"""Pictures of pipelines: Mermaid flowcharts and Graphviz DOT, from the models alone.

Each node is a box with its slug, plugin and fan mode; dependency edges carry
their edge filter; bindings that read a node are dotted edges. After a run,
pass ``states`` to colour each node by its final status and task count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from dagabaaz.drawing._scene import NodeState
from dagabaaz.drawing.dot import escape_dot, render_dot
from dagabaaz.drawing.mermaid import escape_mermaid, render_mermaid
from dagabaaz.models import DagNode

__all__ = [
    "GRAPH_FORMATS",
    "GraphFormat",
    "NodeState",
    "escape_dot",
    "escape_mermaid",
    "render_dot",
    "render_graph",
    "render_mermaid",
]

GraphFormat = Literal["mermaid", "dot"]
GRAPH_FORMATS: tuple[GraphFormat, ...] = ("mermaid", "dot")
"""The picture formats, the first one the default."""


def render_graph(
    nodes: Sequence[DagNode],
    graph_format: GraphFormat = "mermaid",
    *,
    states: Mapping[str, NodeState] | None = None,
) -> str:
    """Draw ``nodes`` in ``graph_format`` (``"mermaid"`` or ``"dot"``)."""
    if graph_format == "dot":
        return render_dot(nodes, states=states)
    return render_mermaid(nodes, states=states)
