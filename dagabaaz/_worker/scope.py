"""What a binding can read: the artifacts it sees by node, the run input, the node config.

The one rule for reading a field from a node's artifacts lives here, shared by
``NodeSource`` and by expression references: each artifact contributes its
value when it has one (None counts as none); one value is handed over as it
is, several as a list in artifact order, none means missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
        strict: Whether expressions evaluate strictly (a missing reference
            fails; see :mod:`dagabaaz.expressions.strict`).
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
    strict: bool = False

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

    def values(self) -> Mapping[str, Mapping[str, Any]]:
        """Return the values :meth:`lookup` reads, as mappings whose keys can be listed.

        What strict evaluation reads, so that a missing reference is told
        apart from one whose namespace is absent, and a close key suggested.
        """
        return _ScopeValues(self)


class _ScopeValues(Mapping[str, Mapping[str, Any]]):
    """``input``, ``config`` and each readable node, by name."""

    __slots__ = ("_scope",)

    def __init__(self, scope: BindingScope) -> None:
        self._scope = scope

    def __getitem__(self, namespace: str) -> Mapping[str, Any]:
        scope = self._scope
        if namespace == INPUT_NAMESPACE:
            return scope.run_input
        if namespace == CONFIG_NAMESPACE:
            return scope.node_config
        if namespace in scope.readable or namespace in scope.artifacts:
            return _NodeValues(scope.artifacts.get(namespace, ()))
        raise KeyError(namespace)

    def __iter__(self) -> Iterator[str]:
        yield INPUT_NAMESPACE
        yield CONFIG_NAMESPACE
        yield from sorted(self._scope.readable)

    def __len__(self) -> int:
        return 2 + len(self._scope.readable)


class _NodeValues(Mapping[str, Any]):
    """A node's fields across its artifacts, as :func:`collected_value` reads them."""

    __slots__ = ("_artifacts",)

    def __init__(self, artifacts: Sequence[TaskArtifact]) -> None:
        self._artifacts = artifacts

    def __getitem__(self, key: str) -> Any:
        value = collected_value(self._artifacts, key)
        if value is UNSET:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        keys: dict[str, None] = {}
        for artifact in self._artifacts:
            keys.update(dict.fromkeys(ARTIFACT_STANDARD_FIELDS))
            keys.update(dict.fromkeys(artifact.metadata))
        return (key for key in keys if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)
