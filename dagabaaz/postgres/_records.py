"""The rows PostgresStore hands to workers and to people watching runs."""

from __future__ import annotations

from typing import Any, NamedTuple

from dagabaaz.constants import RunStatus
from dagabaaz.models import DagNode

__all__ = ["STATUS_OF_RUN", "NodeProgress", "RunDefinition", "StartedTask"]

STATUS_OF_RUN: dict[str, RunStatus] = {status.value: status for status in RunStatus}
"""Plain run status string -> the enum member."""


class StartedTask(NamedTuple):
    """A task a worker is about to run, as :meth:`PostgresStore.start_task` returns it."""

    task_id: str
    run_id: str
    run_seq: int
    """Tells apart two runs that had the same id (one deleted, one created after)."""
    node_index: int
    plugin_name: str
    input_artifact_id: str | None
    origin_artifact_id: str | None
    attempt: int
    """1 the first time; more when a worker died while running it."""


class NodeProgress(NamedTuple):
    """One node of a run as :meth:`PostgresStore.node_progress` reports it."""

    node_index: int
    launched: bool
    total: int
    terminal: int
    skipped: int
    succeeded: int
    """Tasks completed or filtered."""


class RunDefinition(NamedTuple):
    """A run as workers need it, from :meth:`PostgresStore.run_definition`."""

    run_id: str
    run_seq: int
    nodes: tuple[DagNode, ...]
    node_configs: dict[str, dict[str, Any]]
    passthrough: frozenset[str]
