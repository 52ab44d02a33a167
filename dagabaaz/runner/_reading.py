"""Reading a saved run result back: the shape ``RunResult.to_dict`` writes, checked.

The shapes here mirror :meth:`dagabaaz.runner.RunResult.to_dict` field for
field (diagnostics are read into :class:`~dagabaaz.diagnostics.Diagnostic`
itself); pydantic checks them, and the first problems are reported with where
they are in the document.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dagabaaz.constants import RunStatus
from dagabaaz.diagnostics import Diagnostic, format_path, shortened
from dagabaaz.errors import RunResultError
from dagabaaz.models import NodeReason, Output

__all__ = ["NodeData", "RunData", "parse_run_result"]

_SAVED = ConfigDict(extra="ignore", frozen=True)
_COUNT = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A task count: as in a reason, never negative and never beyond a bigint."""
_SHOWN_PROBLEMS = 3


class NodeData(BaseModel):
    """One entry of ``nodes``."""

    model_config = _SAVED

    slug: str
    plugin: str
    status: str
    task_count: _COUNT
    outputs: tuple[Output, ...] = ()
    elapsed_seconds: float = 0.0
    errors: tuple[str, ...] = ()
    reasons: tuple[NodeReason, ...] = ()


class RunData(BaseModel):
    """A whole saved run result."""

    model_config = _SAVED

    run_id: str
    status: RunStatus
    error: str | None = None
    traceback: str | None = None
    elapsed_seconds: float = 0.0
    nodes: tuple[NodeData, ...] = Field(default=())
    sinks: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def parse_run_result(data: object) -> RunData:
    """Check ``data`` against the saved shape.

    Raises:
        RunResultError: ``data`` is not a mapping, misses a field, holds a
            value of the wrong kind or out of range, names a node twice, or
            names a sink that is not one of its nodes.
    """
    if not isinstance(data, dict):
        raise RunResultError(
            f"a run result is a JSON object (what `dagabaaz run --json` prints), "
            f"got {type(data).__name__}"
        )
    try:
        parsed = RunData.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{format_path(_located(problem['loc'])) or 'the result'}: {problem['msg']}"
            for problem in error.errors()[:_SHOWN_PROBLEMS]
        ]
        more = error.error_count() - len(problems)
        if more > 0:
            problems.append(f"and {more} more")
        raise RunResultError("not a run result: " + shortened("; ".join(problems), 600)) from None
    seen: set[str] = set()
    for position, node in enumerate(parsed.nodes):
        if node.slug in seen:
            raise RunResultError(f"nodes[{position}].slug: node '{node.slug}' is listed twice")
        seen.add(node.slug)
    for position, sink in enumerate(parsed.sinks):
        if sink not in seen:
            raise RunResultError(
                f"sinks[{position}]: '{shortened(sink)}' is not one of the result's nodes"
            )
    return parsed


def _located(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Return a problem's location without the union tag pydantic adds inside a reason.

    ``nodes.0.reasons.1.failed.error`` is where the user looks as
    ``nodes[0].reasons[1].error``.
    """
    return tuple(
        part
        for position, part in enumerate(loc)
        if not (position >= 2 and loc[position - 2] == "reasons" and part in _REASON_TAGS)
    )


_REASON_TAGS = frozenset(
    model.model_fields["outcome"].default for model in get_args(get_args(NodeReason)[0])
)
