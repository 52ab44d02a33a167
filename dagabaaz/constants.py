"""Enumerations and fixed sets shared by the engine, the stores and the workers.

Every enum is a :class:`enum.StrEnum`, so a member compares equal to its value
and stores can persist the plain string.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIVE_TASK_STATUSES",
    "ARTIFACT_STANDARD_FIELDS",
    "COMPATIBLE_API_VERSION",
    "CONFIG_NAMESPACE",
    "DEFAULT_FAN_OUT_LIMIT",
    "FAILED_TASK_STATUSES",
    "FAN_OUT_LIMIT_EXCEEDED",
    "INPUT_NAMESPACE",
    "MAX_BFS_DEPTH",
    "MAX_FAN_OUT",
    "REASON_CHAIN_LENGTH",
    "REASON_ERROR_LENGTH",
    "REASON_SAMPLE_SIZE",
    "REASON_TASK_OUTCOMES",
    "REASON_TASK_REASONS_PER_NODE",
    "REASON_VALUE_LENGTH",
    "RESERVED_NAMESPACES",
    "RUN_RETRYABLE_STATUSES",
    "RUN_TERMINAL_STATUSES",
    "TASK_RETRYABLE_STATUSES",
    "TASK_TERMINAL_STATUSES",
    "TERMINAL_RUN_STATUSES",
    "TERMINAL_TASK_STATUSES",
    "ArtifactSelector",
    "BindingSource",
    "FanMode",
    "FileType",
    "FilterOperator",
    "NodeSummaryStatus",
    "RunStatus",
    "TaskStatus",
]


class RunStatus(StrEnum):
    """Lifecycle of a run: one execution of a pipeline."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CRASHED = "crashed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    """Lifecycle of a task: one execution of one node."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CRASHED = "crashed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    FILTERED = "filtered"


class FanMode(StrEnum):
    """How many tasks a node gets from its upstream artifacts."""

    SINGLE = "single"
    """One task per upstream artifact."""
    AGGREGATE = "aggregate"
    """One task for all upstream artifacts."""
    GROUPED = "grouped"
    """One task per origin group (scatter-gather)."""


class FilterOperator(StrEnum):
    """Comparison applied by a :class:`~dagabaaz.models.FilterRule`."""

    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"


class ArtifactSelector(StrEnum):
    """Which single artifact an edge filter keeps after its rules matched."""

    LARGEST = "largest"
    SMALLEST = "smallest"


class NodeSummaryStatus(StrEnum):
    """Outcome of a node once all its tasks are terminal."""

    COMPLETED = "completed"
    SKIPPED = "skipped"
    PARTIAL = "partial"


class BindingSource(StrEnum):
    """Where a binding takes its value from: the ``source`` tag of each binding model."""

    PREVIOUS_NODE = "previous_node"
    CONFIG = "config"
    RUNTIME = "runtime"
    EXPRESSION = "expression"


class FileType(StrEnum):
    """Coarse file family, the value of the virtual filter field ``file_type``."""

    VIDEO = "video"
    SUBTITLE = "subtitle"
    IMAGE = "image"
    AUDIO = "audio"
    ARCHIVE = "archive"
    OTHER = "other"


TERMINAL_RUN_STATUSES: frozenset[RunStatus] = frozenset(
    {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CRASHED, RunStatus.CANCELLED}
)
"""Run statuses that never change again."""

TERMINAL_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {
        TaskStatus.COMPLETED,
        TaskStatus.FAILED,
        TaskStatus.CRASHED,
        TaskStatus.CANCELLED,
        TaskStatus.SKIPPED,
        TaskStatus.FILTERED,
    }
)
"""Task statuses that never change again."""

ACTIVE_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.PENDING, TaskStatus.QUEUED, TaskStatus.RUNNING}
)
"""Task statuses of work that is still to happen; cancelled when a run ends early."""

FAILED_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.FAILED, TaskStatus.CRASHED, TaskStatus.CANCELLED}
)
"""Terminal task statuses that a retry re-dispatches."""

COMPATIBLE_API_VERSION = "0.4.1"
"""The version whose API this one keeps: the one dagabaaz's first README described.

Code, stores and saved pipelines written for it keep working; every deliberate
difference is on docs/migrating.md. The package's own version is set once, in
pyproject.toml, and read from the installed package's metadata
(``dagabaaz.__version__``, ``dagabaaz --version``).
"""

DEFAULT_FAN_OUT_LIMIT = 200
"""Most tasks one node may spawn in one run before the node fails."""

FAN_OUT_LIMIT_EXCEEDED = "fan-out limit exceeded"
"""How the error of a node over its fan-out limit starts, wherever it is shown."""

REASON_SAMPLE_SIZE = 5
"""Most values a reason lists as a sample (rejected values, gated bindings, kept files)."""

REASON_VALUE_LENGTH = 80
"""Most characters of one value a reason quotes; a longer value is cut, ``...`` marking the cut."""

REASON_CHAIN_LENGTH = 20
"""Most links a skip's chain of causes holds: the nearest ones and the first cause."""

REASON_ERROR_LENGTH = 2000
"""Most characters of an error a reason quotes."""

REASON_TASK_OUTCOMES: frozenset[str] = frozenset({"failed", "bindings_gated"})
"""Outcomes of the task-level reasons (about one task, naming it): capped per node."""

REASON_TASK_REASONS_PER_NODE = 20
"""Most reasons of one task-level kind (gated bindings, failures) kept per node in memory.

A node of 10,000 tasks whose bindings are all gated would otherwise record
10,000 reasons; the first ones explain the rest. Of failures it keeps the
latest too, the one that decided the node's status.
"""

ARTIFACT_STANDARD_FIELDS: frozenset[str] = frozenset(
    {"file_path", "file_name", "file_size", "mime_type"}
)
"""Artifact fields read from the artifact itself; every other key is read from its metadata."""

INPUT_NAMESPACE = "input"
"""The namespace of run inputs in expressions: ``{input.url}``."""

CONFIG_NAMESPACE = "config"
"""The namespace of the node's config in expressions: ``{config.format}``."""

RESERVED_NAMESPACES: frozenset[str] = frozenset({INPUT_NAMESPACE, CONFIG_NAMESPACE})
"""Namespaces that never name a node (so no node may take them as its slug)."""

# The names the README's version gave these facts, kept for code written against it.

RUN_TERMINAL_STATUSES = TERMINAL_RUN_STATUSES
"""The README's version's name of :data:`TERMINAL_RUN_STATUSES`."""

TASK_TERMINAL_STATUSES = TERMINAL_TASK_STATUSES
"""The README's version's name of :data:`TERMINAL_TASK_STATUSES`."""

RUN_RETRYABLE_STATUSES: frozenset[RunStatus] = TERMINAL_RUN_STATUSES - {RunStatus.COMPLETED}
"""Terminal run statuses a retry can start from: failed, crashed and cancelled."""

TASK_RETRYABLE_STATUSES: frozenset[TaskStatus] = TERMINAL_TASK_STATUSES - {
    TaskStatus.COMPLETED,
    TaskStatus.SKIPPED,
}
"""The README's version's terminal task statuses other than completed and skipped.

Note that it includes ``filtered``, which a retry does not re-dispatch; the
statuses :func:`dagabaaz.retry.retry_run` re-dispatches are
:data:`FAILED_TASK_STATUSES`.
"""

MAX_FAN_OUT = DEFAULT_FAN_OUT_LIMIT
"""The README's version's name of :data:`DEFAULT_FAN_OUT_LIMIT` (200)."""

MAX_BFS_DEPTH = 50
"""The depth guard the README's version put on the upstream walk.

:func:`dagabaaz.graph.bfs_collect` walks as far as the graph goes unless given
``max_depth``; pass ``max_depth=MAX_BFS_DEPTH`` for the old guard.
"""
