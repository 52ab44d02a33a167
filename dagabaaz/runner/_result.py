"""The outcome of a local run: per-node results and a readable summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter

from dagabaaz._base.quoting import one_line, quote_value
from dagabaaz._base.suggest import did_you_mean
from dagabaaz.constants import RunStatus, TaskStatus
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.errors import RunResultError
from dagabaaz.models import (
    FailedReason,
    FilteredReason,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    Output,
    SkippedReason,
    cut_text,
)
from dagabaaz.runner._causes import Cause, describe, next_node
from dagabaaz.runner._reading import parse_run_result

__all__ = ["Cause", "NodeResult", "NodeStatus", "RunResult", "deciding_reason", "node_status"]


class NodeStatus(StrEnum):
    """How a node ended, summed up from its tasks."""

    COMPLETED = "completed"
    """Every task completed."""
    MIXED = "mixed"
    """Some tasks completed, the others were skipped or filtered (none failed).

    Not the store's :attr:`~dagabaaz.constants.NodeSummaryStatus.PARTIAL`,
    which says some task failed, crashed or was cancelled.
    """
    FAILED = "failed"
    """At least one task failed."""
    CRASHED = "crashed"
    """At least one task crashed (and none failed)."""
    CANCELLED = "cancelled"
    """At least one task was cancelled or never finished."""
    SKIPPED = "skipped"
    """Skipped: a dependency was dead."""
    FILTERED = "filtered"
    """Filtered: no artifact reached the node."""
    NOT_RUN = "not_run"
    """The run ended before the node launched."""


_FIRST_MATCH = (
    (TaskStatus.FAILED, NodeStatus.FAILED),
    (TaskStatus.CRASHED, NodeStatus.CRASHED),
    (TaskStatus.CANCELLED, NodeStatus.CANCELLED),
    (TaskStatus.PENDING, NodeStatus.CANCELLED),
    (TaskStatus.QUEUED, NodeStatus.CANCELLED),
    (TaskStatus.RUNNING, NodeStatus.CANCELLED),
)
_ALL_SAME = {
    TaskStatus.COMPLETED: NodeStatus.COMPLETED,
    TaskStatus.SKIPPED: NodeStatus.SKIPPED,
    TaskStatus.FILTERED: NodeStatus.FILTERED,
}


def node_status(task_statuses: Iterable[TaskStatus | str]) -> NodeStatus:
    """Sum up a node's task statuses: a failure wins, then a crash, then a cancellation."""
    statuses = {TaskStatus(status) for status in task_statuses}
    if not statuses:
        return NodeStatus.NOT_RUN
    for task_status, result in _FIRST_MATCH:
        if task_status in statuses:
            return result
    if len(statuses) == 1:
        return _ALL_SAME[statuses.pop()]
    return NodeStatus.MIXED


@dataclass(frozen=True, slots=True)
class NodeResult:
    """What one node did in a run.

    Attributes:
        slug: The node's slug.
        plugin: The node's plugin name.
        status: How the node ended.
        task_count: How many tasks the node had (marker tasks included).
        outputs: The outputs its tasks recorded, in completion order.
        elapsed_seconds: From its first task starting to its last ending (0 if none ran).
        errors: The error of each failed task (not of a task the run
            cancelled while its plugin ran).
        reasons: Why the node ended as it did: every reason recorded for
            it, in recording order (see :attr:`reason` for the one that
            decided its status).
    """

    slug: str
    plugin: str
    status: NodeStatus
    task_count: int
    outputs: tuple[Output, ...] = ()
    elapsed_seconds: float = 0.0
    errors: tuple[str, ...] = ()
    reasons: tuple[NodeReason, ...] = ()

    @property
    def reason(self) -> NodeReason | None:
        """The reason that decided the node's status, or None when none was recorded.

        The last reason of the kind the status calls for: a failure for a
        failed or crashed node, a skip for a skipped one, a filter for a
        filtered one, a launch for a completed or mixed one, the run's end
        for one that never ran or was cancelled. Reasons of other kinds stay
        in :attr:`reasons` as history (a node retried after a failure keeps
        its old failure) and never decide: a node whose deciding reason is
        missing (a store that failed to record it) has none, rather than one
        that would tell another story than its status; so has a node whose
        last launch reason counts other tasks than it has (an older
        attempt's launch, the latest one's lost).
        """
        return deciding_reason(self.status, self.reasons, self.task_count)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "slug": self.slug,
            "plugin": self.plugin,
            "status": self.status.value,
            "task_count": self.task_count,
            "outputs": [_output_dict(output) for output in self.outputs],
            "elapsed_seconds": round(self.elapsed_seconds, 6),
            "errors": list(self.errors),
            "reasons": [reason.model_dump(mode="json") for reason in self.reasons],
        }


def _output_dict(output: Output) -> dict[str, Any]:
    """Return an output as JSON-ready data, whatever its plugin put in its metadata.

    Metadata is written the way pydantic writes it (a datetime as ISO text,
    a set as a list); a value JSON cannot hold (an object of no JSON type,
    bytes that are not UTF-8, an integer of thousands of digits, nesting
    deeper than a JSON reader goes) is written as its quoted text instead
    (``"<object>"``), so ``dagabaaz run --json`` always prints.
    """
    try:
        dumped = output.model_dump(mode="json", fallback=quote_value)
        if _fits_json(dumped["metadata"]):
            return dumped
    except Exception:  # some value cannot be written: go value by value
        pass
    dumped = output.model_dump(mode="json", exclude={"metadata"})
    dumped["metadata"] = {key: _json_ready(value) for key, value in output.metadata.items()}
    return dumped


def _json_ready(value: object) -> Any:
    try:
        dumped = _ANY.dump_python(value, mode="json", fallback=quote_value)
    except Exception:
        return quote_value(value)
    return dumped if _fits_json(dumped) else quote_value(value)


_ANY: TypeAdapter[Any] = TypeAdapter(Any)
_JSON_DEPTH = 200
"""Deepest nesting written as is (Python's own JSON writer and readers give up near 1,000)."""
_JSON_INT_BITS = 14_000
"""Largest integer written as is: Python writes and reads at most 4,300 digits."""


def _fits_json(value: object) -> bool:
    """Whether pydantic's JSON-mode output ``value`` can be written and read back as JSON."""
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            items: Iterable[object] = item.values()
        elif isinstance(item, list):
            items = item
        else:
            if isinstance(item, int) and item.bit_length() > _JSON_INT_BITS:
                return False
            continue
        if depth >= _JSON_DEPTH:
            return False
        pending.extend((child, depth + 1) for child in items)
    return True


_DECIDING: dict[NodeStatus, tuple[type, ...]] = {
    NodeStatus.COMPLETED: (LaunchedReason,),
    NodeStatus.MIXED: (LaunchedReason,),
    NodeStatus.FAILED: (FailedReason,),
    NodeStatus.CRASHED: (FailedReason,),
    NodeStatus.CANCELLED: (NotRunReason,),
    NodeStatus.SKIPPED: (SkippedReason,),
    NodeStatus.FILTERED: (FilteredReason,),
    NodeStatus.NOT_RUN: (NotRunReason,),
}


def deciding_reason(
    status: NodeStatus, reasons: Iterable[NodeReason], task_count: int | None = None
) -> NodeReason | None:
    """Return the reason that decided a node's ``status``: see :attr:`NodeResult.reason`.

    ``task_count``, the node's tasks, rules out a stale launch reason.
    """
    wanted = _DECIDING.get(status, ())
    for reason in reversed(tuple(reasons)):
        if isinstance(reason, wanted):
            stale = (
                task_count is not None
                and isinstance(reason, LaunchedReason)
                and reason.tasks != task_count
            )
            return None if stale else reason
    return None


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of :meth:`dagabaaz.runner.LocalRunner.run`.

    ``str(result)`` is a readable summary; :meth:`to_dict` is JSON-ready.

    Attributes:
        run_id: The run's id.
        status: The run's final status.
        nodes: Per-node results by slug, in pipeline order.
        error: Why the run did not complete: the node that failed and its
            error, an interrupt, a stall (no task queued or running while
            the run was live), or the reason the engine gave; None when it
            completed.
        traceback: The formatted traceback of the first failure, starting at the
            plugin's own frames; None when the failure needs none (a binding
            that failed, a plugin result that is not an output).
        elapsed_seconds: Wall-clock time of the whole run.
        sinks: Slugs of the nodes nothing depends on: where the results are.
        diagnostics: When the first failure was a binding expression, where it
            went wrong (render them with :meth:`Diagnostic.render`); else empty.
    """

    run_id: str
    status: RunStatus
    nodes: Mapping[str, NodeResult] = field(default_factory=lambda: MappingProxyType({}))
    error: str | None = None
    traceback: str | None = None
    elapsed_seconds: float = 0.0
    sinks: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.status == RunStatus.COMPLETED

    def causes(self, slug: str) -> tuple[Cause, ...]:
        """Return node ``slug``'s chain of causes, from the node back to the first cause.

        Each :class:`Cause` is one node, its status and one line saying why,
        read from its deciding reason (:attr:`NodeResult.reason`). The chain
        follows a skip to its dead dependency, a node the run's end left
        unrun to the dependency it was waiting on (a failed one first), and
        a filtered node to a dependency that was filtered or skipped too;
        it stops at a failure, at a filter that rejected everything, at a
        node that ran, or at a node already in the chain. For a node three
        levels below a failure, :meth:`explain` writes::

            publish    not run: waiting on 'encode' when the run failed
            <- encode  not run: waiting on 'probe' when the run failed
            <- probe   failed on movie.mkv: ValueError: no video stream

        Raises:
            RunResultError: The run has no node ``slug`` (the message suggests
                the closest slug).
        """
        node = self.nodes.get(slug)
        if node is None:
            hint = did_you_mean(slug, self.nodes)
            raise RunResultError(
                f"run '{self.run_id}' has no node '{slug}'" + (f"; {hint}" if hint else "")
            )
        chain: list[Cause] = []
        seen: set[str] = set()

        def status_of(other: str) -> str | None:
            found = self.nodes.get(other)
            return None if found is None else found.status.value

        current: NodeResult | None = node
        while current is not None and current.slug not in seen:
            seen.add(current.slug)
            reason = current.reason
            chain.append(
                Cause(
                    node=current.slug,
                    status=current.status.value,
                    summary=describe(current.status.value, reason),
                    reason=reason,
                )
            )
            following = next_node(reason, status_of)
            current = None if following is None else self.nodes.get(following)
        return tuple(chain)

    def explain(self, slug: str) -> str:
        """Return :meth:`causes` as text: one line per node, ``<-`` marking each step back."""
        chain = self.causes(slug)
        # Names cut like any quoted value: a slug read from a hostile document
        # could otherwise pad every line of a long chain to its length.
        names = [
            ("<- " if position else "") + cut_text(one_line(cause.node))
            for position, cause in enumerate(chain)
        ]
        width = max(len(name) for name in names)
        return "\n".join(
            f"{name.ljust(width)}  {cause.summary}"
            for name, cause in zip(names, chain, strict=True)
        )

    @classmethod
    def from_dict(cls, data: object) -> RunResult:
        """Read back what :meth:`to_dict` returned (what ``dagabaaz run --json`` prints).

        Keys this version does not know are ignored, so a result saved by a
        later version reads too.

        Raises:
            RunResultError: ``data`` is not a run result; the message says
                where (``nodes[2].status: ...``).
        """
        parsed = parse_run_result(data)
        nodes: dict[str, NodeResult] = {}
        for position, node in enumerate(parsed.nodes):
            try:
                status = NodeStatus(node.status)
            except ValueError:
                known = ", ".join(member.value for member in NodeStatus)
                raise RunResultError(
                    f"nodes[{position}].status: '{shortened(node.status)}' is not a node status "
                    f"(one of {known})"
                ) from None
            nodes[node.slug] = NodeResult(
                slug=node.slug,
                plugin=node.plugin,
                status=status,
                task_count=node.task_count,
                outputs=node.outputs,
                elapsed_seconds=node.elapsed_seconds,
                errors=node.errors,
                reasons=node.reasons,
            )
        return cls(
            run_id=parsed.run_id,
            status=parsed.status,
            nodes=MappingProxyType(nodes),
            error=parsed.error,
            traceback=parsed.traceback,
            elapsed_seconds=parsed.elapsed_seconds,
            sinks=parsed.sinks,
            diagnostics=parsed.diagnostics,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (what ``dagabaaz run --json`` prints)."""
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "error": self.error,
            "traceback": self.traceback,
            "elapsed_seconds": round(self.elapsed_seconds, 6),
            "nodes": [node.to_dict() for node in self.nodes.values()],
            "sinks": list(self.sinks),
            "diagnostics": [diagnostic.to_dict() for diagnostic in self.diagnostics],
        }

    def __str__(self) -> str:
        lines = [f"run {self.run_id} {self.status.value} in {self.elapsed_seconds:.2f} s"]
        rows = [
            (
                node.slug,
                node.plugin,
                node.status.value,
                _count(node.task_count, "task"),
                _count(len(node.outputs), "output"),
                f"{node.elapsed_seconds:.2f} s",
            )
            for node in self.nodes.values()
        ]
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(6)]
        for row in rows:
            lines.append(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        for slug in self.sinks:
            paths = [o.file_path or o.file_name for o in self.nodes[slug].outputs]
            if paths:
                lines.append(f"outputs of {slug}:")
                lines.extend(f"  {path}" for path in paths)
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
