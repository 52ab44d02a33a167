"""Reading a saved run result back: the shape ``RunResult.to_dict`` writes, checked.

The shapes here mirror :meth:`dagabaaz.runner.RunResult.to_dict` field for
field; pydantic checks them, and the first problems are reported with where
they are in the document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dagabaaz.constants import RunStatus
from dagabaaz.diagnostics import format_path, shortened
from dagabaaz.errors import RunResultError
from dagabaaz.models import NodeReason, Output

__all__ = ["DiagnosticData", "NodeData", "RunData", "parse_run_result"]

_SAVED = ConfigDict(extra="ignore", frozen=True)
_SHOWN_PROBLEMS = 3


class NodeData(BaseModel):
    """One entry of ``nodes``."""

    model_config = _SAVED

    slug: str
    plugin: str
    status: str
    task_count: int
    outputs: tuple[Output, ...] = ()
    elapsed_seconds: float = 0.0
    errors: tuple[str, ...] = ()
    reasons: tuple[NodeReason, ...] = ()


class DiagnosticData(BaseModel):
    """One entry of ``diagnostics``."""

    model_config = _SAVED

    code: str
    message: str
    severity: Literal["error", "warning"] = "error"
    start: int = 0
    end: int = 0
    line: int = 1
    column: int = 1
    hint: str | None = None
    node: str | None = None
    field: str | None = None
    path: tuple[str | int, ...] = ()
    expression: str | None = None


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
    diagnostics: tuple[DiagnosticData, ...] = ()


def parse_run_result(data: object) -> RunData:
    """Check ``data`` against the saved shape.

    Raises:
        RunResultError: ``data`` is not a mapping, misses a field, holds a
            value of the wrong kind or names a node twice.
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
            f"{format_path(tuple(problem['loc'])) or 'the result'}: {problem['msg']}"
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
    return parsed
