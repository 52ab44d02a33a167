"""Turning database rows into the library's models, and ids into database keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from dagabaaz.errors import StoreError, StoreTypeError
from dagabaaz.models import DagArtifact, TaskArtifact

ARTIFACT_COLUMNS: Final = (
    "a.id, a.file_name, a.file_path, a.file_size, a.mime_type, a.metadata, "
    "a.origin_artifact_id, a.node_index, a.run_id"
)
"""The columns every artifact read selects, in the order :func:`dag_artifact` expects."""

ArtifactRow = tuple[int, str, str, int | None, str | None, Any, str | None, int, str]

_KEY = re.compile(r"[0-9]{1,18}")


def artifact_key(column: str) -> str:
    """Return SQL turning a text id column into an artifact key (NULL for an id never issued)."""
    return f"(CASE WHEN {column} ~ '^[0-9]{{1,18}}$' THEN {column}::bigint END)"


def db_key(text: object) -> int | None:
    """Return the bigint key behind a task or artifact id, or None for an id we never issued."""
    if type(text) is not str or not _KEY.fullmatch(text):
        return None
    return int(text)


def dag_artifact(row: ArtifactRow) -> DagArtifact:
    """Return the engine's view of an artifact row."""
    artifact_id, name, _, size, mime, metadata, origin, _, _ = row
    return DagArtifact(
        id=str(artifact_id),
        file_name=name,
        file_size=size,
        mime_type=mime,
        metadata=metadata or {},
        origin_artifact_id=origin,
    )


def task_artifact(row: ArtifactRow) -> TaskArtifact:
    """Return a worker's view of an artifact row."""
    _, name, path, size, mime, metadata, origin, _, _ = row
    return TaskArtifact(
        file_path=path,
        file_name=name,
        file_size=size,
        mime_type=mime,
        metadata=metadata or {},
        origin_artifact_id=origin,
    )


def check_indices(run_id: str, indices: Sequence[int], node_count: int) -> list[int]:
    """Return ``indices`` as a list, refusing any that is not a node of the run.

    Raises:
        StoreError: With the in-memory store's wording.
    """
    if isinstance(indices, str | bytes):
        raise StoreTypeError(f"run '{run_id}': node indices must be a list of int, not a string")
    found = list(indices)
    for index in found:
        if type(index) is not int or not 0 <= index < node_count:
            raise StoreError(
                f"run '{run_id}' has no node {index!r} "
                f"(it has {node_count} nodes, indices 0 to {node_count - 1})"
            )
    return found
