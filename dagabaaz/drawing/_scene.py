"""What a pipeline picture shows, worked out once from the models for every format.

A :class:`Scene` holds boxes (one per node), dependency edges labelled with
their edge filter, and "reads" edges for bindings that take data from a node
(a ``NodeSource``, or a reference in an expression or a ``when`` clause).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dagabaaz.constants import RESERVED_NAMESPACES
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import compile_expression
from dagabaaz.models import BindingSource, DagNode, EdgeFilter, ExpressionSource, NodeSource

__all__ = ["Box", "Edge", "NodeState", "Scene", "build_scene"]

_BARE = re.compile(r"[A-Za-z_][\w./-]*")
_KEYWORDS = frozenset({"true", "false", "null"})


@dataclass(frozen=True, slots=True)
class NodeState:
    """How a node ended in a run, drawn on its box.

    Attributes:
        status: The node's final status (``completed``, ``failed``, ``skipped``,
            ``filtered``, ``cancelled``, ``crashed``, ``mixed``, ``not_run``).
        task_count: How many tasks the node had.
        reason: A short line saying why it ended so (drawn under the
            status, wrapped); None for none.
    """

    status: str
    task_count: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Box:
    """One node's box: its id in the picture and the lines of its label."""

    id: str
    lines: tuple[str, ...]
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """An arrow from ``source`` to ``target`` box ids; ``reads`` edges are drawn dotted."""

    source: str
    target: str
    label: str
    reads: bool = False


@dataclass(frozen=True, slots=True)
class Scene:
    """Everything a renderer draws."""

    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def build_scene(nodes: Sequence[DagNode], states: Mapping[str, NodeState] | None = None) -> Scene:
    """Work out the boxes and edges of ``nodes``; ``states`` (by slug) adds run outcomes.

    References to unknown slugs are left out: ``dagabaaz check`` reports them.
    """
    ids: dict[str, str] = {}
    for index, node in enumerate(nodes):
        ids.setdefault(node.slug, f"n{index}")
    states = states or {}
    boxes = tuple(
        _box(f"n{index}", node, states.get(node.slug)) for index, node in enumerate(nodes)
    )
    edges: list[Edge] = []
    for index, node in enumerate(nodes):
        target = f"n{index}"
        for dependency in dict.fromkeys(node.depends_on):
            if dependency in ids:
                edge_filter = node.edge_filters.get(dependency)
                edges.append(Edge(ids[dependency], target, _filter_label(edge_filter)))
        for slug, fields in _reads(node).items():
            if slug in ids:
                edges.append(Edge(ids[slug], target, "reads " + ", ".join(fields), reads=True))
    return Scene(boxes, tuple(edges))


def _box(box_id: str, node: DagNode, state: NodeState | None) -> Box:
    title = node.slug or "(no slug)"
    if node.name and node.name != node.slug:
        title += f" ({node.name})"
    lines = [title, f"{node.plugin} · {node.fan_mode.value}"]
    if state is None:
        return Box(box_id, tuple(lines))
    tasks = f"{state.task_count} task{'' if state.task_count == 1 else 's'}"
    lines.append(f"{state.status} · {tasks}")
    if state.reason:
        lines += _wrapped(state.reason)
    return Box(box_id, tuple(lines), state.status)


REASON_WIDTH = 40
"""Characters per line of a reason drawn in a box."""
REASON_LINES = 3
"""Lines of a reason drawn in a box; a longer reason is cut with ``...``."""


def _wrapped(reason: str) -> list[str]:
    """Wrap a reason to at most REASON_LINES lines of REASON_WIDTH characters."""
    flat = " ".join(reason.split())  # a newline in a reason never becomes a line of its own
    lines = textwrap.wrap(flat, REASON_WIDTH, break_long_words=True, break_on_hyphens=False)
    if len(lines) > REASON_LINES:
        lines = lines[:REASON_LINES]
        lines[-1] = lines[-1][: REASON_WIDTH - 3] + "..."
    return lines


def _filter_label(edge_filter: EdgeFilter | None) -> str:
    if edge_filter is None:
        return ""
    parts = [
        " ".join(
            part
            for part in (rule.field, rule.operator.value, _value_text(rule.value))
            if part is not None
        )
        for rule in edge_filter.rules
    ]
    label = " and ".join(parts)
    if edge_filter.select is not None:
        label += ("; " if label else "") + f"keep {edge_filter.select.value}"
    return label


def _value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _BARE.fullmatch(value) and value not in _KEYWORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _reads(node: DagNode) -> dict[str, list[str]]:
    """Map each slug the node's bindings read to the fields that read it."""
    reads: dict[str, list[str]] = {}
    for field, binding in node.bindings.items():
        for slug in _binding_slugs(binding):
            fields = reads.setdefault(slug, [])
            if field not in fields:
                fields.append(field)
    return reads


def _binding_slugs(binding: BindingSource) -> list[str]:
    slugs = [binding.node] if isinstance(binding, NodeSource) else []
    sources = [binding.expression] if isinstance(binding, ExpressionSource) else []
    if binding.when is not None:
        sources.append(binding.when)
    for source in sources:
        try:
            references = compile_expression(source).references
        except ExpressionError:
            continue  # an invalid expression reads nothing we can draw
        slugs.extend(sorted({ns for ns, _ in references if ns not in RESERVED_NAMESPACES}))
    return list(dict.fromkeys(slugs))
