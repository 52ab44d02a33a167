"""Why a node ended the way it did: one typed reason per decision the engine makes.

The engine records a reason at the moment it decides (a launch, a skip, a
filter, a failure); a worker records which bindings a ``when`` clause gated
off. Each reason is a frozen pydantic model told apart by its ``outcome``
field, so a list of them saved as JSON loads back into the same objects
(:data:`NodeReason`, :func:`parse_reason`).

Every reason is bounded whatever the fan-out: samples hold at most
:data:`~dagabaaz.constants.REASON_SAMPLE_SIZE` entries, quoted values at most
:data:`~dagabaaz.constants.REASON_VALUE_LENGTH` characters and errors at most
:data:`~dagabaaz.constants.REASON_ERROR_LENGTH`; longer text is cut with
``...`` and longer samples keep their first entries (the counts beside them
stay exact).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
)

from dagabaaz.constants import (
    REASON_CHAIN_LENGTH,
    REASON_ERROR_LENGTH,
    REASON_SAMPLE_SIZE,
    REASON_VALUE_LENGTH,
    ArtifactSelector,
    FanMode,
    FilterOperator,
    RunStatus,
)

__all__ = [
    "REASON_ADAPTER",
    "BindingsReason",
    "ChainLink",
    "EdgeReport",
    "FailedReason",
    "FailureCause",
    "FilteredReason",
    "GatedBinding",
    "LaunchedReason",
    "NodeReason",
    "NotRunReason",
    "RuleReport",
    "RuleValue",
    "SkipCause",
    "SkippedReason",
    "cut_text",
    "parse_reason",
]

_REASON = ConfigDict(frozen=True, extra="forbid")


def cut_text(text: str, limit: int = REASON_VALUE_LENGTH) -> str:
    """Return ``text`` cut to ``limit`` characters, ``...`` marking the cut."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _cut_value(text: str) -> str:
    return cut_text(text, REASON_VALUE_LENGTH)


def _cut_error(text: str) -> str:
    return cut_text(text, REASON_ERROR_LENGTH)


def _cut_optional_value(text: str | None) -> str | None:
    return None if text is None else cut_text(text, REASON_VALUE_LENGTH)


def _chain(links: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(links) <= REASON_CHAIN_LENGTH:
        return links
    return (*links[: REASON_CHAIN_LENGTH - 1], links[-1])


def _first(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return items[:REASON_SAMPLE_SIZE]


def _sample(values: tuple[str, ...]) -> tuple[str, ...]:
    # One call for the whole tuple: a launch builds several of these.
    if len(values) <= REASON_SAMPLE_SIZE and all(len(v) <= REASON_VALUE_LENGTH for v in values):
        return values
    return tuple(cut_text(value) for value in values[:REASON_SAMPLE_SIZE])


_VALUE_DEPTH = 2
"""Levels of lists and objects a rule's value keeps; deeper ones are quoted as text."""
_SMALL_INT_BITS = 256


def _bounded_value(value: Any, depth: int = 0) -> Any:
    """Return a rule's value as a reason keeps it: itself when small, else cut to a few items.

    A list keeps its first REASON_SAMPLE_SIZE items and then says how many
    more there were (``"... 9995 more"``), an object its first entries and a
    ``"..."`` key saying the same; text is cut like any quoted value, an
    integer of hundreds of digits is written by its size. The cut form is
    cut again to itself, so a reason read back from JSON is equal. Runs
    before validation, so a huge value is never copied whole; what is not
    JSON is left for validation to refuse.
    """
    if isinstance(value, str):
        return cut_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value.bit_length() <= _SMALL_INT_BITS else _quoted(value)
    if not isinstance(value, list | dict):
        return value
    if depth >= _VALUE_DEPTH:
        return _quoted(value)
    if isinstance(value, list):
        if len(value) <= REASON_SAMPLE_SIZE + 1:
            return [_bounded_value(item, depth + 1) for item in value]
        kept = [_bounded_value(item, depth + 1) for item in value[:REASON_SAMPLE_SIZE]]
        return [*kept, f"... {len(value) - REASON_SAMPLE_SIZE} more"]
    items = list(itertools.islice(value.items(), REASON_SAMPLE_SIZE + 2))
    if len(value) <= REASON_SAMPLE_SIZE + 1:
        return {_key(k): _bounded_value(v, depth + 1) for k, v in items}
    cut = {_key(k): _bounded_value(v, depth + 1) for k, v in items[:REASON_SAMPLE_SIZE]}
    cut["..."] = f"{len(value) - REASON_SAMPLE_SIZE} more"
    return cut


def _key(key: Any) -> Any:
    return cut_text(key) if isinstance(key, str) else key


def _quoted(value: list[Any] | dict[Any, Any] | int) -> str:
    """Say what a value too big or too deep to keep was."""
    if isinstance(value, int):
        # Python refuses to write an int of more than 4,300 digits at all.
        return f"<integer of about {(value.bit_length() - 1) * 30103 // 100000 + 1} digits>"
    if isinstance(value, list):
        return f"<list of {len(value)} items>"
    return f"<object of {len(value)} entries>"


RuleValue = Annotated[JsonValue, BeforeValidator(_bounded_value)]
"""A rule's value as a reason or an explanation quotes it: as written when
small; a long text, a long list or object, or a deep one is cut (see
:data:`~dagabaaz.constants.REASON_SAMPLE_SIZE`)."""
COUNT_LIMIT = 2**63 - 1
"""Largest count or index a reason holds: what a database's bigint holds, and far
below what JSON readers refuse."""
Count = Annotated[int, Field(ge=0, le=COUNT_LIMIT)]
"""A count or an index in a reason: never negative, never beyond :data:`COUNT_LIMIT`."""
Quoted = Annotated[str, AfterValidator(_cut_value)]
"""A value quoted in a reason: at most REASON_VALUE_LENGTH characters."""
ErrorText = Annotated[str, AfterValidator(_cut_error)]
"""An error quoted in a reason: at most REASON_ERROR_LENGTH characters."""
Sample = Annotated[tuple[str, ...], AfterValidator(_sample)]
"""At most REASON_SAMPLE_SIZE quoted values."""


class RuleReport(BaseModel):
    """What one rule of an edge filter rejected on one edge.

    Each rejected artifact is charged to the **first** rule, in the filter's
    order, that rejects it, so the ``rejected`` counts of an edge's rules add
    up to the artifacts its rules rejected; a later rule that would also
    have rejected an artifact is not charged for it.

    Attributes:
        field: The rule's field.
        operator: The rule's operator.
        value: The rule's value, as written; cut when huge (see :data:`RuleValue`).
        rejected: How many artifacts this rule was the first to reject.
        sample: The first rejected values as compared (``missing`` for a
            field the artifact lacks), each quoted and cut.
    """

    model_config = _REASON

    field: Quoted
    operator: FilterOperator
    value: RuleValue = None
    rejected: Count = 0
    sample: Sample = ()


class EdgeReport(BaseModel):
    """What one dependency edge of a node collected and delivered.

    Attributes:
        dependency: The dependency's slug.
        dependency_skipped: Whether the dependency was skipped (then nothing
            was collected and the other counts are 0).
        arrived: Artifacts collected before the filter (after a passthrough walk).
        walked_past: Routing nodes that produced nothing and that the
            collection walked past to find ``arrived``, nearest first.
        rules: Per rule of the edge's filter, what it rejected (empty
            without a filter or rules).
        matched: Artifacts that matched every rule.
        select: The filter's ``select``, None when it has none.
        selected: Artifacts ``select`` kept (at a GROUPED node, one per origin
            group and one among the broadcast artifacts); None without ``select``.
        delivered: Artifacts the edge delivered to the node.
        kept_sample: File names of the first delivered artifacts, for an edge
            with a filter or a walk (an unfiltered edge delivers all it collected).
    """

    model_config = _REASON

    dependency: str
    dependency_skipped: bool = False
    arrived: Count = 0
    walked_past: tuple[str, ...] = ()
    rules: tuple[RuleReport, ...] = ()
    matched: Count = 0
    select: ArtifactSelector | None = None
    selected: Count | None = None
    delivered: Count = 0
    kept_sample: Sample = ()


class _NodeReason(BaseModel):
    """What every reason carries: the node it explains."""

    model_config = _REASON

    node: str
    node_index: Count


class LaunchedReason(_NodeReason):
    """The node launched ``tasks`` tasks, and why that many.

    Attributes:
        tasks: How many tasks the launch dispatched.
        fan_mode: The node's fan mode (a root gets one task whatever it is).
        root: Whether the node has no dependencies.
        delivered: Distinct artifacts its edges delivered (an artifact
            delivered over two edges counts once).
        groups: At a GROUPED node, the origin groups left after the filters
            and ``select`` (0 when only broadcast artifacts were delivered,
            which then make one task); else None.
        broadcast: At a GROUPED node, the delivered artifacts without an
            origin, which join every group; else 0.
        fan_out_limit: The fan-out limit in force.
        edges: Per dependency edge, what it collected and delivered. Empty for
            a root, and for the common case the engine keeps cheap: a SINGLE
            node with one unfiltered edge, whose dependency's artifacts each
            became one task (``delivered`` of them).
    """

    outcome: Literal["launched"] = "launched"
    tasks: Count
    fan_mode: FanMode
    root: bool = False
    delivered: Count = 0
    groups: Count | None = None
    broadcast: Count = 0
    fan_out_limit: Count
    edges: tuple[EdgeReport, ...] = ()


SkipCause = Literal["dependency_skipped", "edge_rejected_all"]
"""Why a node was skipped: a skipped dependency, or (at an AGGREGATE node) an
edge filter that rejected every artifact of an edge that had some."""


class ChainLink(BaseModel):
    """One step of a skip's chain of causes: ``node`` was skipped because of ``dependency``."""

    model_config = _REASON

    node: str
    cause: SkipCause
    dependency: str


class SkippedReason(_NodeReason):
    """The node was skipped: one of its dependencies is dead.

    Attributes:
        dependency: The dead dependency (the skipped one, or the one whose
            edge the filter emptied).
        cause: ``dependency_skipped`` or ``edge_rejected_all``.
        chain: From this node back to the first cause, one link per node:
            the first link is this node's, the last one's cause is not
            ``dependency_skipped`` (unless the chain could not be read back).
            At most REASON_CHAIN_LENGTH links: past that, the links before
            the first cause are left out.
        omitted_links: How many links were left out, just before the last one.
        edges: Per dependency edge the engine looked at (in order, up to the
            dead one), what it collected and delivered.
    """

    outcome: Literal["skipped"] = "skipped"
    dependency: str
    cause: SkipCause
    chain: Annotated[tuple[ChainLink, ...], AfterValidator(_chain)] = ()
    omitted_links: Count = 0
    edges: tuple[EdgeReport, ...] = ()


class FilteredReason(_NodeReason):
    """The node was filtered: its edges delivered no artifact at all.

    Attributes:
        fan_mode: The node's fan mode.
        edges: Per dependency edge, what it collected and why nothing was delivered.
    """

    outcome: Literal["filtered"] = "filtered"
    fan_mode: FanMode
    edges: tuple[EdgeReport, ...] = ()


FailureCause = Literal["task_failed", "task_crashed", "launch_failed", "fan_out_limit"]
"""What failed: a task (its plugin raised), a task's worker (crashed), the
node's launch, or the node's fan-out limit."""


class FailedReason(_NodeReason):
    """A task of the node failed (or its launch did, or it was over its fan-out limit).

    Attributes:
        cause: What failed (see :data:`FailureCause`).
        task_id: The failed task, or the marker task of a failed launch.
        input_artifact_id: The task's input artifact; None for a task without one.
        input_file_name: That artifact's file name; None for a task without one.
        error: The error, cut to REASON_ERROR_LENGTH characters.
    """

    outcome: Literal["failed"] = "failed"
    cause: FailureCause = "task_failed"
    task_id: str
    input_artifact_id: str | None = None
    input_file_name: Annotated[str | None, AfterValidator(_cut_optional_value)] = None
    error: ErrorText


class GatedBinding(BaseModel):
    """One binding a falsy ``when`` clause gated off.

    Attributes:
        name: The bound field.
        when: The clause's text (quoted and cut).
        value: What the clause evaluated to (quoted and cut).
    """

    model_config = _REASON

    name: Quoted
    when: Quoted
    value: Quoted


class BindingsReason(_NodeReason):
    """Bindings of one task that their ``when`` clauses gated off.

    Attributes:
        task_id: The task.
        gated: The first gated bindings, in the node's binding order.
        gated_count: How many bindings were gated off in all.
    """

    outcome: Literal["bindings_gated"] = "bindings_gated"
    task_id: str
    gated: Annotated[tuple[GatedBinding, ...], AfterValidator(_first)] = ()
    gated_count: Count = 0


class NotRunReason(_NodeReason):
    """The run ended before the node ran (derived from a run's result, never recorded).

    Attributes:
        run_status: How the run ended.
        ended_by: The node whose failure ended the run, when one did.
        waiting_on: The node's dependencies that had not finished without
            a failure when the run ended (the way back to ``ended_by``).
        error: Why the run ended, cut to REASON_ERROR_LENGTH characters.
    """

    outcome: Literal["not_run"] = "not_run"
    run_status: RunStatus
    ended_by: str | None = None
    waiting_on: tuple[str, ...] = ()
    error: Annotated[str | None, AfterValidator(lambda t: None if t is None else _cut_error(t))] = (
        None
    )


NodeReason = Annotated[
    LaunchedReason | SkippedReason | FilteredReason | FailedReason | BindingsReason | NotRunReason,
    Field(discriminator="outcome"),
]
"""Any reason; the ``outcome`` field says which."""

REASON_ADAPTER: TypeAdapter[NodeReason] = TypeAdapter(NodeReason)
"""Validates and dumps any :data:`NodeReason` (``REASON_ADAPTER.validate_python(data)``)."""


def parse_reason(data: Mapping[str, Any] | str | bytes) -> NodeReason:
    """Read a reason back from ``reason.model_dump(mode="json")`` or its JSON text.

    Raises:
        pydantic.ValidationError: ``data`` is not a reason.
    """
    if isinstance(data, str | bytes):
        return REASON_ADAPTER.validate_json(data)
    return REASON_ADAPTER.validate_python(data)
