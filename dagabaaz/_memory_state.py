"""The records and indexes behind :class:`dagabaaz.memory.InMemoryStore`.

Everything here is guarded by the store's lock. Kept lean on purpose: a task
is a :data:`TaskRow` and an artifact an :data:`ArtifactRow`, exact tuples of
plain values that Python's garbage collector stops tracking (it never
untracks tuple subclasses such as named tuples), and the per-run and
per-node indexes hold ids. Long-lived objects the collector has
to walk would make every task of a large run slower.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from pydantic import ValidationError

from dagabaaz.constants import (
    TERMINAL_TASK_STATUSES,
    FanMode,
    NodeSummaryStatus,
    RunStatus,
    TaskStatus,
)
from dagabaaz.errors import StoreError
from dagabaaz.models import DagArtifact, DagNode, Output, TaskArtifact


class TaskRecord(NamedTuple):
    """A snapshot of one task, as :meth:`InMemoryStore.tasks` returns it."""

    task_id: str
    run_id: str
    node_index: int
    plugin_name: str
    status: TaskStatus
    input_artifact_id: str | None = None
    origin_artifact_id: str | None = None
    error: str | None = None


class RunRecord(NamedTuple):
    """A snapshot of one run, as :meth:`InMemoryStore.run` returns it."""

    run_id: str
    status: RunStatus
    error: str | None
    progress: int


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
        "run_id",
        "states",
        "status",
        "task_ids",
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


MAX_VALUE_DEPTH: Final = 100
"""Deepest nesting of lists and dicts accepted in a run input or an output's metadata.

Copies (here and in the workers) recurse over these values, so deeper data
is refused with a :class:`StoreError` instead of a ``RecursionError``.
"""


def check_depth(value: Any, what: str) -> None:
    """Raise StoreError when ``value`` nests lists and dicts deeper than MAX_VALUE_DEPTH."""
    stack = [(value, 1)]
    while stack:  # iterative: the value may be far too deep to recurse over
        current, depth = stack.pop()
        if isinstance(current, dict):
            items: Iterable[Any] = current.values()
        elif isinstance(current, list | tuple):
            items = current
        else:
            continue
        if depth > MAX_VALUE_DEPTH:
            raise StoreError(f"{what} is nested more than {MAX_VALUE_DEPTH} levels deep")
        stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list | tuple))


def check_run_arguments(run_id: str, nodes: Sequence[DagNode], run_input: object) -> None:
    """Refuse, with the store's wording, what ``create_run`` cannot store as given.

    Raises:
        StoreError: ``nodes`` is not a list of DagNode, or ``run_input`` is not
            a mapping or nests too deeply.
    """
    if isinstance(nodes, str | bytes) or not all(isinstance(n, DagNode) for n in nodes):
        raise StoreError(f"create_run('{run_id}'): nodes must be a list of DagNode")
    if run_input is not None and not isinstance(run_input, Mapping):
        raise StoreError(
            f"create_run('{run_id}'): run_input must be a mapping, not {type(run_input).__name__}"
        )
    check_depth(run_input, f"create_run('{run_id}'): run_input")


def prepare_outputs(task_id: str, outputs: Iterable[Output | Mapping[str, Any]]) -> list[Output]:
    """Check a task's outputs, turning dicts into Output, before anything is stored."""
    if type(outputs) is list and all(type(output) is Output for output in outputs):
        _check_metadata_depth(task_id, outputs)
        return outputs
    if isinstance(outputs, (str, bytes, Mapping)) or not isinstance(outputs, Iterable):
        raise StoreError(
            f"complete_task('{task_id}'): outputs must be a list of Output or dicts, "
            f"not {type(outputs).__name__}"
        )
    prepared: list[Output] = []
    for position, output in enumerate(outputs):
        if isinstance(output, Output):
            prepared.append(output)
        elif isinstance(output, Mapping):
            try:
                prepared.append(Output.model_validate(dict(output)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'output'}: {e['msg']}"
                    for e in exc.errors()
                )
                raise StoreError(
                    f"complete_task('{task_id}'): output {position} is invalid: {problems}"
                ) from None
        else:
            raise StoreError(
                f"complete_task('{task_id}'): output {position} must be an Output or a dict, "
                f"not {type(output).__name__}"
            )
    _check_metadata_depth(task_id, prepared)
    return prepared


def _check_metadata_depth(task_id: str, outputs: list[Output]) -> None:
    for position, output in enumerate(outputs):
        if output.metadata:
            check_depth(output.metadata, f"complete_task('{task_id}'): output {position} metadata")


def copy_value(value: Any) -> Any:
    """Copy JSON-shaped data fast; anything else goes through ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {key: copy_value(item) for key, item in value.items()}
    if kind is list:
        return [copy_value(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})
_ZERO_COUNTS: dict[str, int] = {status.value: 0 for status in TaskStatus}
STATUS_OF: dict[str, TaskStatus] = {status.value: status for status in TaskStatus}
"""Plain status string -> the enum member."""
TERMINAL: frozenset[str] = frozenset(status.value for status in TERMINAL_TASK_STATUSES)
"""Terminal task statuses as plain strings."""
