"""What a binding can read: the artifacts it sees by node, the run input, the node config.

The one rule for reading a field from a node's artifacts lives here, shared by
``NodeSource`` and by expression references: each artifact contributes its
value when it has one (None counts as none); one value is handed over as it
is, several as a list in artifact order, none means missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from dagabaaz.constants import ARTIFACT_STANDARD_FIELDS, CONFIG_NAMESPACE, INPUT_NAMESPACE
from dagabaaz.expressions import Limits
from dagabaaz.models import TaskArtifact
from dagabaaz.pipes import PipeRegistry


class Unset(Enum):
    """Type of :data:`UNSET`, so type checkers can narrow it away."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""A binding produced no value: the field keeps whatever it had."""


def artifact_value(artifact: TaskArtifact, key: str) -> Any:
    """Return ``key`` of one artifact: a standard field, else a metadata key; None if absent."""
    if key in ARTIFACT_STANDARD_FIELDS:
        # A DagArtifact handed to the legacy resolve_binding has no file_path.
        return getattr(artifact, key, None)
    return artifact.metadata.get(key)


def collected_value(artifacts: Sequence[TaskArtifact], key: str) -> Any:
    """Return ``key`` across artifacts: one value, a list of several, or :data:`UNSET`."""
    values = [value for a in artifacts if (value := artifact_value(a, key)) is not None]
    if not values:
        return UNSET
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True, slots=True)
class BindingScope:
    """Everything the bindings of one task may read.

    Attributes:
        node: Slug of the task's node, for error messages.
        artifacts: The artifacts the task sees, by the slug of the node they
            are seen under.
        readable: Slugs a binding may read (the node's dependencies, plus
            the producing node of a fan-out task's artifact).
        run_input: The run input (``input.`` in expressions).
        node_config: The node's config (``config.`` in expressions).
        pipes: The pipe registry expressions compile with; the built-ins when None.
        limits: The limits expressions evaluate under; the defaults when None.
        node_index: Index of the task's node in the pipeline, when known; it
            places a failed expression's diagnostics in the pipeline document.
        any_node: Whether a binding may read any node, one outside
            ``readable`` reading as missing (the README's version's
            ``resolve_binding``), instead of failing.
    """

    node: str
    artifacts: Mapping[str, Sequence[TaskArtifact]]
    readable: frozenset[str]
    run_input: Mapping[str, Any]
    node_config: Mapping[str, Any]
    pipes: PipeRegistry | None = None
    limits: Limits | None = None
    node_index: int | None = None
    any_node: bool = False

    def binding_path(self, field: str, part: str) -> tuple[str | int, ...] | None:
        """Return the document path of one part of a binding, or None without a node index."""
        if self.node_index is None:
            return None
        return ("nodes", self.node_index, "bindings", field, part)

    def lookup(self, namespace: str, key: str) -> Any:
        """Resolve one expression reference; a missing value is None."""
        if namespace == INPUT_NAMESPACE:
            return self.run_input.get(key)
        if namespace == CONFIG_NAMESPACE:
            return self.node_config.get(key)
        value = collected_value(self.artifacts.get(namespace, ()), key)
        return None if value is UNSET else value
