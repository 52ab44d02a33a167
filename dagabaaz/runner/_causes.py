"""A node's chain of causes, read from a run's reasons: what ``dagabaaz explain`` prints.

Each reason says one thing about one node and, for a node that did not run
on its own account, which node to look at next: the dead dependency of a
skip, the dependency a filtered node got nothing from, the unfinished
dependency a node never launched for. Following those links from a node
ends at a first cause: a failure, a filter that rejected everything, or a
node with no recorded reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagabaaz._base.quoting import one_line, quote_value, shown_name
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
)

__all__ = ["Cause", "describe", "next_node"]


@dataclass(frozen=True, slots=True)
class Cause:
    """One link of a node's chain of causes.

    Attributes:
        node: The node's slug.
        status: How the node ended (a :class:`~dagabaaz.runner.NodeStatus` value).
        summary: One line saying why, such as ``"failed on movie.mkv: ValueError: boom"``.
        reason: The reason the summary is read from; None when none was recorded.
    """

    node: str
    status: str
    summary: str
    reason: NodeReason | None = None


def describe(status: str, reason: NodeReason | None) -> str:
    """Say in one line why a node with ``status`` ended as it did, from its deciding reason.

    Always one line: a file name or an error holding a line break or a
    terminal control character shows it escaped (a backslash and n), so no text a
    plugin chose can forge another line of a chain.
    """
    return one_line(_describe(status, reason))


def _describe(status: str, reason: NodeReason | None) -> str:
    if reason is None:
        return f"{status} (no reason recorded)"
    if isinstance(reason, FailedReason):
        return _failed(reason)
    if isinstance(reason, SkippedReason):
        if reason.cause == "dependency_skipped":
            return f"skipped: its dependency '{reason.dependency}' was skipped"
        edge = _edge(reason.edges, reason.dependency)
        detail = "" if edge is None else f" ({_rejections(edge)})"
        arrived = "" if edge is None else f" {edge.arrived}"
        return (
            f"skipped: the filter on the edge from '{reason.dependency}' rejected all"
            f"{arrived} artifacts{detail}"
        )
    if isinstance(reason, FilteredReason):
        parts = [_edge_story(edge) for edge in reason.edges]
        return "filtered: nothing reached it" + (f" ({'; '.join(parts)})" if parts else "")
    if isinstance(reason, NotRunReason):
        waiting = ", ".join(f"'{dep}'" for dep in reason.waiting_on)
        why = f"waiting on {waiting} when " if waiting else ""
        ended = f"the run {reason.run_status.value}"
        by = f" ('{reason.ended_by}' failed)" if reason.ended_by and not waiting else ""
        return f"{status.replace('_', ' ')}: {why}{ended}{by}"
    if isinstance(reason, LaunchedReason):
        return f"{status}: {_launched(reason)}"
    return _gated(reason)


def next_node(reason: NodeReason | None, status_of: Callable[[str], str | None]) -> str | None:
    """Return the node a reason points back to, or None when it is a first cause.

    ``status_of(slug)`` gives a node's status, to choose among unfinished
    dependencies (a failed one first) and the dependencies of a filtered node
    (one that was filtered or skipped itself).
    """
    if isinstance(reason, SkippedReason):
        return reason.dependency if reason.cause == "dependency_skipped" else None
    if isinstance(reason, NotRunReason):
        waiting = reason.waiting_on
        failed = [dep for dep in waiting if status_of(dep) in ("failed", "crashed")]
        if failed:
            return failed[0]
        if waiting:
            return waiting[0]
        return reason.ended_by
    if isinstance(reason, FilteredReason):
        for edge in reason.edges:
            if edge.arrived == 0 and status_of(edge.dependency) in ("filtered", "skipped"):
                return edge.dependency
    return None


def _failed(reason: FailedReason) -> str:
    if reason.cause == "fan_out_limit":
        return f"failed: {reason.error}"
    if reason.cause == "launch_failed":
        return f"failed to launch: {reason.error}"
    verb = "crashed" if reason.cause == "task_crashed" else "failed"
    name = reason.input_file_name
    shown = shown_name(name) if name else None
    if name and (reason.error.startswith(f"{shown}: ") or reason.error.startswith(f"{name}: ")):
        return f"{verb} on {reason.error}"  # a worker already led the error with its input
    on = f" on {shown}" if shown else ""
    return f"{verb}{on}: {reason.error}"


def _launched(reason: LaunchedReason) -> str:
    tasks = _count(reason.tasks, "task")
    if reason.root:
        return f"launched {tasks} (a root)"
    if reason.groups is not None:
        why = _count(reason.groups, "origin group")
        if reason.broadcast:
            why += f", {_count(reason.broadcast, 'broadcast artifact')}"
    else:
        why = f"{_count(reason.delivered, 'artifact')} delivered"
    return f"launched {tasks} ({reason.fan_mode.value}: {why})"


def _gated(reason: BindingsReason) -> str:
    shown = ", ".join(f"{g.name} (when {g.when} was {g.value})" for g in reason.gated)
    more = reason.gated_count - len(reason.gated)
    return f"task {reason.task_id} bindings gated off: {shown}" + (
        f" and {more} more" if more > 0 else ""
    )


def _edge(edges: tuple[EdgeReport, ...], dependency: str) -> EdgeReport | None:
    return next((edge for edge in edges if edge.dependency == dependency), None)


def _edge_story(edge: EdgeReport) -> str:
    if edge.dependency_skipped:
        return f"'{edge.dependency}' was skipped"
    walked = (
        f" (empty; walked past {', '.join(repr(n) for n in edge.walked_past)})"
        if edge.walked_past
        else ""
    )
    story = f"from '{edge.dependency}'{walked}: {edge.arrived} arrived"
    rejections = _rejections(edge)
    if rejections:
        story += f", {rejections}"
    if edge.select is not None and edge.selected is not None:
        story += f", select {edge.select.value} kept {edge.selected}"
    return story


def _rejections(edge: EdgeReport) -> str:
    return ", ".join(_rule(rule) for rule in edge.rules if rule.rejected)


def _rule(rule: RuleReport) -> str:
    sample = f" ({', '.join(rule.sample)})" if rule.sample else ""
    value = quote_value(rule.value)
    return f"{rule.field} {rule.operator.value} {value} rejected {rule.rejected}{sample}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
