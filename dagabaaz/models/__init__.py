"""Pipeline and artifact models (pydantic 2, JSON round-trip).

A pipeline is a list of :class:`DagNode`. Bindings are a tagged union told
apart by their ``source`` field, so a pipeline saved as JSON loads back into
the same objects. Why a node ended as it did is a :data:`NodeReason`, a
tagged union told apart by its ``outcome`` field.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator, TaskStatus
from dagabaaz.errors import ExpressionError
from dagabaaz.models._reasons import (
    REASON_ADAPTER,
    BindingsReason,
    ChainLink,
    EdgeReport,
    FailedReason,
    FailureCause,
    FilteredReason,
    GatedBinding,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    RuleReport,
    SkipCause,
    SkippedReason,
    cut_text,
    parse_reason,
)

__all__ = [
    "REASON_ADAPTER",
    "BindingSource",
    "BindingsReason",
    "ChainLink",
    "ConfigSource",
    "DagArtifact",
    "DagNode",
    "EdgeFilter",
    "EdgeReport",
    "ExpressionError",
    "ExpressionSource",
    "FailedReason",
    "FailureCause",
    "FilterRule",
    "FilteredReason",
    "GatedBinding",
    "InputBinding",
    "LaunchedReason",
    "NodeReason",
    "NodeSource",
    "NotRunReason",
    "Output",
    "Pipeline",
    "RuleReport",
    "RuntimeSource",
    "SkipCause",
    "SkippedReason",
    "TaskArtifact",
    "TaskContext",
    "cut_text",
    "parse_reason",
]

_VALUE = ConfigDict(frozen=True, extra="forbid")
_RECORD = ConfigDict(extra="forbid")


class FilterRule(BaseModel):
    """One condition of an edge filter: ``field`` compared with ``value``.

    ``field`` is a virtual field (``file_type``, ``extension``, ``file_size``,
    ``file_name``, ``mime_type``) or a metadata key. ``value`` is any JSON
    value and is kept exactly as given.
    """

    model_config = _VALUE

    field: str
    operator: FilterOperator
    value: JsonValue = None


class EdgeFilter(BaseModel):
    """Decides which artifacts cross one dependency edge.

    Every rule must match (AND); then ``select`` optionally keeps only the
    largest or smallest artifact by ``file_size``.
    """

    model_config = _VALUE

    rules: list[FilterRule] = Field(default_factory=list)
    select: ArtifactSelector | None = None


class _Binding(BaseModel):
    """What every binding shares: its ``source`` is always written out.

    ``source`` tells the four kinds apart when a pipeline is loaded, and it
    has a default, so ``model_dump(exclude_defaults=True)`` (or
    ``exclude_unset=True``) would drop it and the dump would no longer load.
    It is kept whatever the dump excludes, unless it is excluded by name.
    """

    model_config = _VALUE

    @model_serializer(mode="wrap")
    def _keep_source(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "source" not in data and not _excludes_source(info):
            return {"source": getattr(self, "source"), **data}  # noqa: B009 (each kind has it)
        return data


def _excludes_source(info: SerializationInfo) -> bool:
    exclude = info.exclude
    return bool(exclude) and "source" in exclude  # type: ignore[operator]


class NodeSource(_Binding):
    """Bind a field to ``key`` of the artifacts produced by dependency ``node``."""

    model_config = _VALUE

    source: Literal["previous_node"] = "previous_node"
    node: str
    key: str
    when: str | None = None


class ConfigSource(_Binding):
    """Bind a field to a literal value."""

    model_config = _VALUE

    source: Literal["config"] = "config"
    value: JsonValue = None
    when: str | None = None


class RuntimeSource(_Binding):
    """Bind a field to a run input supplied when the run starts.

    An empty ``key`` reads the run input named like the bound field.
    ``label`` and ``placeholder`` describe the input for a form.
    """

    model_config = _VALUE

    source: Literal["runtime"] = "runtime"
    key: str = ""
    label: str = ""
    placeholder: str = ""
    required: bool = False
    default: JsonValue = None
    when: str | None = None


class ExpressionSource(_Binding):
    """Bind a field to an expression template such as ``"{source.title | upper}"``."""

    model_config = _VALUE

    source: Literal["expression"] = "expression"
    expression: str
    when: str | None = None


BindingSource = Annotated[
    NodeSource | ConfigSource | RuntimeSource | ExpressionSource,
    Field(discriminator="source"),
]
"""Any binding source; the ``source`` field says which."""

InputBinding = BindingSource
"""The README's version's name of :data:`BindingSource`."""


class DagNode(BaseModel):
    """One step of a pipeline: a plugin, its dependencies and its input bindings."""

    model_config = _RECORD

    slug: str = ""
    plugin: str
    name: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    edge_filters: dict[str, EdgeFilter] = Field(default_factory=dict)
    bindings: dict[str, BindingSource] = Field(default_factory=dict)
    fan_mode: FanMode = FanMode.SINGLE


class Pipeline(BaseModel):
    """A pipeline document: its nodes and the run input used when none is given."""

    model_config = _RECORD

    nodes: list[DagNode]
    default_input: dict[str, JsonValue] = Field(default_factory=dict)


class DagArtifact(BaseModel):
    """An artifact as the orchestrator sees it: identity, file facts and metadata.

    ``origin_artifact_id`` ties the artifact to the root output it descends
    from; artifacts without one are broadcast to every group.
    """

    model_config = _VALUE

    id: str
    file_name: str
    file_size: int | None = None
    mime_type: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    origin_artifact_id: str | None = None


class TaskArtifact(BaseModel):
    """An artifact as a worker sees it: where the file is, plus its facts."""

    model_config = _VALUE

    file_path: str
    file_name: str
    file_size: int | None = None
    mime_type: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    origin_artifact_id: str | None = None

    def to_input_dict(self) -> dict[str, Any]:
        """Return a fresh dict for a plugin: metadata first, standard fields on top."""
        data: dict[str, Any] = copy.deepcopy(self.metadata)
        data["file_path"] = self.file_path
        data["file_name"] = self.file_name
        data["file_size"] = self.file_size
        data["mime_type"] = self.mime_type
        return data


class TaskContext(BaseModel):
    """Where a task belongs: its run and the index of its node.

    ``status`` is optional: a store that fills it lets the engine ignore a
    completion reported for a task that failed or was cancelled meanwhile.
    ``input_artifact_id`` is optional too: a store that fills it lets a
    failure's reason name the task's input file.
    """

    model_config = _VALUE

    run_id: str
    node_index: int
    status: TaskStatus | None = None
    input_artifact_id: str | None = None


class Output(BaseModel):
    """One file a plugin produced, as handed to a store to become an artifact."""

    model_config = _VALUE

    file_name: str
    file_path: str = ""
    file_size: int | None = None
    mime_type: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
