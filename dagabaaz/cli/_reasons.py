"""One short line saying why a node did not complete: for the summary, live view and pictures.

The line is read from the node's deciding reason (:attr:`NodeResult.reason
<dagabaaz.runner.NodeResult.reason>`) and is bounded whatever the fan-out:
at most two edges and two rules are named, the rest counted, and the whole
line is cut to :data:`REASON_LINE_LENGTH` characters. ``dagabaaz explain``
tells the whole story.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagabaaz._base.quoting import quote_value
from dagabaaz.models import (
    BindingsReason,
    EdgeReport,
    FailedReason,
    FilteredReason,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    RuleReport,
    SkippedReason,
    cut_text,
)

__all__ = ["REASON_LINE_LENGTH", "one_line", "short_reason"]

REASON_LINE_LENGTH = 100
"""The longest short reason, in characters."""
_SHOWN = 2
"""Edges, and rules of an edge, named in a short reason; the rest are counted."""
_QUIET = frozenset({"completed", "mixed"})
"""Statuses that need no explanation beside them."""


def short_reason(status: str, reason: NodeReason | None) -> str | None:
    """Return one bounded line saying why a node ended with ``status``.

    None when it completed (or completed in part), and when no reason was
    recorded (a store that keeps none): nothing is better than a guess.
    """
    if status in _QUIET or reason is None:
        return None
    return one_line(_text(reason))


def one_line(text: str, limit: int = REASON_LINE_LENGTH) -> str:
    """Return ``text`` on one line of at most ``limit`` characters, control characters escaped."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return cut_text(text, limit)


def _text(reason: NodeReason) -> str:
    if isinstance(reason, SkippedReason):
        return _skipped(reason)
    if isinstance(reason, FilteredReason):
        return _filtered(reason)
    if isinstance(reason, FailedReason):
        return _failed(reason)
    if isinstance(reason, NotRunReason):
        return _not_run(reason)
    if isinstance(reason, LaunchedReason):
        tasks = f"{reason.tasks} task{'' if reason.tasks == 1 else 's'}"
        return f"launched {tasks} ({reason.fan_mode.value})"
    return _gated(reason)


def _skipped(reason: SkippedReason) -> str:
    dependency = reason.dependency
    if reason.cause == "edge_rejected_all":
        edge = _edge(reason.edges, dependency)
        emptied = (
            "aggregate edge rejected all" if edge is None else _emptied(edge, "aggregate edge")
        )
        return f"← {dependency}{_past(edge)}: {emptied}"
    text = f"← {dependency} skipped"
    first = reason.chain[-1] if len(reason.chain) > 1 else None
    if first is not None and first.cause == "edge_rejected_all":
        whose = "its" if first.node == dependency else f"first cause: {first.node}'s"
        text += f" ({whose} edge from {first.dependency} rejected all)"
    return text


def _filtered(reason: FilteredReason) -> str:
    empty = [edge for edge in reason.edges if not edge.delivered]
    if not empty:
        return "nothing reached it"
    parts = [f"← {_edge_text(edge)}" for edge in empty[:_SHOWN]]
    more = len(empty) - _SHOWN
    if more > 0:
        parts.append(f"+{more} more edge{'' if more == 1 else 's'}")
    return "; ".join(parts)


def _edge_text(edge: EdgeReport) -> str:
    if edge.dependency_skipped:
        return f"{edge.dependency} skipped"
    if not edge.arrived:
        return f"{edge.dependency}{_past(edge)}: nothing arrived"
    return f"{edge.dependency}{_past(edge)}: {_emptied(edge, 'edge')}"


def _emptied(edge: EdgeReport, what: str) -> str:
    """Say how an edge that had artifacts came to deliver none."""
    rules = [rule for rule in edge.rules if rule.rejected]
    details = [_rule(rule) for rule in rules[:_SHOWN]]
    if len(rules) > _SHOWN:
        details.append(f"+{len(rules) - _SHOWN} more rules")
    if edge.select is not None and edge.matched:
        details.append(f"select {edge.select.value} kept {edge.selected or 0}")
    detail = f" ({', '.join(details)})" if details else ""
    return f"{what} rejected all {edge.arrived}{detail}"


def _rule(rule: RuleReport) -> str:
    if rule.operator.value in ("exists", "not_exists"):
        return f"{rule.field} {rule.operator.value}: {rule.rejected}"
    return f"{rule.field} {rule.operator.value} {quote_value(rule.value, 30)}: {rule.rejected}"


def _past(edge: EdgeReport | None) -> str:
    if edge is None or not edge.walked_past:
        return ""
    return f" (past {', '.join(edge.walked_past[:_SHOWN])})"


def _edge(edges: Sequence[EdgeReport], dependency: str) -> EdgeReport | None:
    return next((edge for edge in edges if edge.dependency == dependency), None)


def _failed(reason: FailedReason) -> str:
    """Say what failed; the status beside the line says that it failed."""
    if reason.cause == "launch_failed":
        return f"its launch: {_first_line(reason.error)}"
    if reason.cause == "fan_out_limit":
        return _first_line(reason.error)
    name = reason.input_file_name
    if not name:
        return f"task {reason.task_id}: {_first_line(reason.error)}"
    error = reason.error
    for written in (name, one_line(name)):  # a task's error may already start with its input
        error = error.removeprefix(f"{written}: ")
    return f"on {name}: {_first_line(error)}"


def _not_run(reason: NotRunReason) -> str:
    waiting = reason.waiting_on
    status = reason.run_status.value
    ended = "the run was cancelled" if status == "cancelled" else f"the run {status}"
    if waiting:
        shown = ", ".join(waiting[:_SHOWN])
        more = f" +{len(waiting) - _SHOWN}" if len(waiting) > _SHOWN else ""
        return f"waiting on {shown}{more} when {ended}"
    if reason.ended_by:
        return f"{ended} ({reason.ended_by} failed)"
    return ended


def _gated(reason: BindingsReason) -> str:
    names = ", ".join(gated.name for gated in reason.gated[:_SHOWN])
    more = reason.gated_count - min(len(reason.gated), _SHOWN)
    return f"bindings gated off: {names}" + (f" +{more}" if more > 0 else "")


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "(no message)"
