"""The records and indexes behind :class:`dagabaaz.memory.InMemoryStore`.

Everything here is guarded by the store's lock. Kept lean on purpose: a task
is a :data:`TaskRow` and an artifact an :data:`ArtifactRow`, exact tuples of
plain values that Python's garbage collector stops tracking (it never
untracks tuple subclasses such as named tuples), and the per-run and
per-node indexes hold ids. Long-lived objects the collector has
to walk would make every task of a large run slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from dagabaaz._base.copying import copy_value
from dagabaaz._stores.rules import STATUS_OF, TaskRecord
from dagabaaz.constants import (
    TERMINAL_TASK_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import StoreError
from dagabaaz.models import DagArtifact, DagNode, NodeReason, Output, TaskArtifact

StoredMetadata = tuple[tuple[str, Any], ...]
"""Metadata as stored: its items, in order, the store's own copy of each value.

Not a dict: the collector keeps tracking any tuple holding a dict, even an
empty one, and a run's artifact rows would then be walked by every full
collection. Items whose values are plain leave the row untrackable.
"""

ArtifactRow = tuple[str, int, str, str, int | None, str | None, StoredMetadata, str | None]
"""An artifact as stored: ``(id, node_index, file_name, file_path, file_size,
mime_type, metadata, origin)``. An exact tuple of plain values, so the
garbage collector can stop tracking it."""

StoredReason = NodeReason | str
"""A reason as stored: itself when it holds only immutable values, else its JSON text."""


def stored_reason(reason: NodeReason) -> StoredReason:
    """Return what the store keeps of ``reason``: the reason, or a copy when it could change.

    A reason is frozen and its fields are strings, numbers and tuples, except
    a rule's ``value``, which may be a list or an object: such a reason is
    kept as its JSON text, read back on the way out.
    """
    for edge in getattr(reason, "edges", ()):
        for rule in edge.rules:
            if isinstance(rule.value, list | dict):
                return reason.model_dump_json()
    return reason


A_ID: Final = 0
A_NODE: Final = 1
A_ORIGIN: Final = 7


def stored_metadata(task_id: str, position: int, output: Output) -> StoredMetadata:
    """Return the store's own copy of an output's metadata.

    Raises:
        StoreError: A value cannot be copied (a lock, an open file...); the
            message names the task and the output's position.
    """
    if not output.metadata:
        return ()
    try:
        return tuple(copy_value(output.metadata).items())
    except Exception as error:  # deepcopy raises whatever the value's own hooks raise
        raise StoreError(
            f"complete_task('{task_id}'): output {position} metadata cannot be copied: "
            f"{type(error).__name__}: {error}"
        ) from None


def artifact_row(
    artifact_id: str,
    node_index: int,
    output: Output,
    metadata: StoredMetadata,
    origin: str | None,
) -> ArtifactRow:
    """Store ``output`` (its metadata already copied) as artifact ``artifact_id``."""
    return (
        artifact_id,
        node_index,
        output.file_name,
        output.file_path,
        output.file_size,
        output.mime_type,
        metadata,
        origin,
    )


def to_dag(row: ArtifactRow) -> DagArtifact:
    """Return a fresh DagArtifact (the caller may mutate its metadata)."""
    # Two constructors written out, not one shared dict of fields: this runs
    # for every artifact the engine reads, and keyword unpacking costs more.
    artifact_id, _, name, _, size, mime, metadata, origin = row
    return DagArtifact(
        id=artifact_id,
        file_name=name,
        file_size=size,
        mime_type=mime,
        metadata=_thawed(metadata) if metadata else {},
        origin_artifact_id=origin,
    )


def to_task(row: ArtifactRow) -> TaskArtifact:
    """Return a fresh TaskArtifact (the caller may mutate its metadata)."""
    _, _, name, path, size, mime, metadata, origin = row
    return TaskArtifact(
        file_path=path,
        file_name=name,
        file_size=size,
        mime_type=mime,
        metadata=_thawed(metadata) if metadata else {},
        origin_artifact_id=origin,
    )


def _thawed(metadata: StoredMetadata) -> dict[str, Any]:
    return {key: copy_value(value) for key, value in metadata}


class NodeState:
    """Per (run, node) indexes: its tasks, status counts and artifacts."""

    __slots__ = ("artifacts", "counts", "fan_mode", "index", "root", "task_ids", "terminal")

    def __init__(self, index: int, node: DagNode) -> None:
        self.index = index
        self.root = not node.depends_on
        self.fan_mode = FanMode(node.fan_mode)
        # Ids only (insertion-ordered): plain strings cost the GC nothing.
        self.task_ids: dict[str, None] = {}
        self.counts = _ZERO_COUNTS.copy()
        self.terminal = 0
        self.artifacts: list[ArtifactRow] = []

    def is_done(self) -> bool:
        """Whether the node has tasks and all of them are terminal."""
        return bool(self.task_ids) and self.terminal == len(self.task_ids)

    def summary(self) -> NodeSummaryStatus:
        """Skipped (all skipped), completed (all completed or filtered) or partial."""
        total = len(self.task_ids)
        if self.counts[TaskStatus.SKIPPED] == total:
            return NodeSummaryStatus.SKIPPED
        if self.counts[TaskStatus.COMPLETED] + self.counts[TaskStatus.FILTERED] == total:
            return NodeSummaryStatus.COMPLETED
        return NodeSummaryStatus.PARTIAL


class RunState:
    """One run: its pipeline, status, launch claims and task indexes."""

    __slots__ = (
        "active",
        "by_origin",
        "done",
        "error",
        "input",
        "launched",
        "node_data",
        "progress",
        "reasons",
        "reasons_by_node",
        "run_id",
        "states",
        "status",
        "task_ids",
        "task_reasons",
    )

    def __init__(self, run_id: str, nodes: Sequence[DagNode], run_input: dict[str, Any]) -> None:
        self.run_id = run_id
        # The pipeline as plain data: the store's own deep copy, and each
        # DagNode.model_validate of it is a fresh deep copy for a caller.
        self.node_data = tuple(node.model_dump() for node in nodes)
        self.input = run_input
        self.status = RunStatus.RUNNING
        self.error: str | None = None
        self.progress = 0
        self.launched: set[int] = set()
        self.states = tuple(NodeState(i, node) for i, node in enumerate(nodes))
        self.done: set[int] = set()
        # Insertion-ordered task ids: every task in creation order, and the
        # non-terminal ones (what a worker polls and what a cancel touches).
        self.task_ids: dict[str, None] = {}
        self.active: dict[str, None] = {}
        # Artifacts by origin across the run's nodes: one list per origin
        # rather than per (node, origin) keeps the object count low.
        self.by_origin: dict[str, list[ArtifactRow]] = {}
        # Reasons in recording order, all of them and by node (see stored_reason).
        self.reasons: list[StoredReason] = []
        self.reasons_by_node: dict[int, list[StoredReason]] = {}
        self.task_reasons: dict[int, int] = {}

    def node(self, node_index: int) -> NodeState:
        """Return the state of one node, or raise a clear error."""
        if type(node_index) is not int or not 0 <= node_index < len(self.states):
            raise StoreError(
                f"run '{self.run_id}' has no node {node_index!r} "
                f"(it has {len(self.states)} nodes, indices 0 to {len(self.states) - 1})"
            )
        return self.states[node_index]

    def refresh_done(self, node: NodeState) -> None:
        """Keep the index of done nodes in step with ``node``."""
        if node.is_done():
            self.done.add(node.index)
        else:
            self.done.discard(node.index)


TaskRow = tuple[str, str, int, str, str, str | None, str | None, str | None, tuple[str, ...]]
"""A task as stored: ``(task_id, run_id, node_index, plugin_name, status,
input_artifact_id, origin_artifact_id, error, artifact_ids)``, replaced whole
on every change. An exact tuple of plain values (``status`` is the string of
a :class:`TaskStatus`), so the garbage collector can stop tracking it."""

T_ID: Final = 0
T_RUN: Final = 1
T_NODE: Final = 2
T_PLUGIN: Final = 3
T_STATUS: Final = 4
T_INPUT: Final = 5
T_ORIGIN: Final = 6
T_ARTIFACTS: Final = 8


def task_record(row: TaskRow) -> TaskRecord:
    """Return the public snapshot of a stored task."""
    task_id, run_id, node_index, plugin, status, input_id, origin, error, _ = row
    return TaskRecord(
        task_id, run_id, node_index, plugin, STATUS_OF[status], input_id, origin, error
    )


def moved_row(
    row: TaskRow, status: str, error: str | None, artifact_ids: tuple[str, ...] | None = None
) -> TaskRow:
    """Return ``row`` with a new status and error (and artifacts, when given)."""
    task_id, run_id, node_index, plugin, _, input_id, origin, _, produced = row
    return (
        task_id,
        run_id,
        node_index,
        plugin,
        status,
        input_id,
        origin,
        error,
        produced if artifact_ids is None else artifact_ids,
    )


_ZERO_COUNTS: dict[str, int] = {status.value: 0 for status in TaskStatus}
TERMINAL: frozenset[str] = frozenset(status.value for status in TERMINAL_TASK_STATUSES)
"""Terminal task statuses as plain strings."""
