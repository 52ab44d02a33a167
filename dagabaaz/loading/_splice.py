"""What every way of reading a file again after an edit shares: new data, moved problems.

Each path of :mod:`dagabaaz.loading._edits` reads one part of the file again
and keeps the rest. Keeping the rest means the same few steps: the document
with one value replaced (copying only the containers on the way), each kept
problem moved to where its span went, and the pipeline put together again
from parts that were already validated, exactly as a fresh read gives it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading._parsing import parse_json
from dagabaaz.loading._sourcemap import Path, SourceMap
from dagabaaz.models import DagNode, Pipeline

__all__ = [
    "UNREADABLE",
    "Placed",
    "by_place",
    "moved_problems",
    "pipeline_of",
    "read_scalar",
    "replaced_data",
]

Placed = tuple[FileProblem, tuple[int, int] | None]
"""A problem and the span of the file it is about."""

UNREADABLE: Any = object()
"""What :func:`read_scalar` returns for text it cannot prove reads the same alone."""

# A tab ends a plain scalar in one YAML reader and not in the other: not read alone.
_UNSAFE_PLAIN = re.compile(r": |:$| #|[\t\n\r\x85\u2028\u2029]")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}:]")
_INDICATORS = "{[&*!|>'\"%@`#,?:-"


def replaced_data(data: Any, path: Path, value: Any) -> Any:
    """Return ``data`` with ``value`` at ``path``, copying only the containers on the way."""
    if not path:
        return value
    head = path[0]
    copy: Any = list(data) if isinstance(data, list) else dict(data)
    copy[head] = replaced_data(data[head], path[1:], value)
    return copy


def moved_problems(
    placed: Iterable[Placed], positions: SourceMap, old_end: int, delta: int
) -> list[Placed]:
    """Return problems whose spans start at or past ``old_end`` moved by ``delta``, lines again."""
    found: list[Placed] = []
    for problem, span in placed:
        if span is None:
            found.append((problem, span))
            continue
        if span[0] >= old_end:
            span = (span[0] + delta, span[1] + delta)
        line, column = positions.line_column(span[0])
        found.append((dataclasses.replace(problem, line=line, column=column), span))
    return found


def by_place(placed: list[Placed]) -> list[Placed]:
    """Return problems in document order, as a fresh read lists them (ties keep their order)."""
    return sorted(placed, key=lambda item: (item[0].line or 0, item[0].column or 0))


def pipeline_of(
    nodes: Sequence[DagNode | None], default_input: dict[str, Any], fields_set: set[str]
) -> Pipeline | None:
    """Return the pipeline of validated parts, the same as validating the whole document.

    ``fields_set`` is what the document wrote (``default_input`` may be
    left out): a fresh read records it, and ``exclude_unset`` dumps read it.
    """
    if any(node is None for node in nodes):
        return None
    return Pipeline.model_construct(set(fields_set), nodes=list(nodes), default_input=default_input)


def read_scalar(raw: str, syntax: str, style: str, *, in_flow: bool) -> Any:
    """Read one scalar's text alone: a JSON value, or a YAML flow scalar of ``style``.

    Returns :data:`UNREADABLE` unless the text is whole and of the same
    kind (a YAML plain scalar stays plain, a quoted one stays quoted), so
    that it reads in the file as it reads alone.
    """
    if syntax == "json":
        return _json_scalar(raw)
    return _yaml_scalar(raw, style, in_flow=in_flow)


def _json_scalar(raw: str) -> Any:
    if not raw or raw[0] in "{[" or raw != raw.strip():
        return UNREADABLE
    try:
        return parse_json(raw, "<edit>")
    except PipelineFileError:
        return UNREADABLE


def _yaml_scalar(raw: str, style: str, *, in_flow: bool) -> Any:
    """Read one flow scalar alone, by the strict rules; unreadable unless the same kind, whole."""
    from dagabaaz.loading._yaml import YamlError, load_yaml

    if style in ("|", ">") or not raw:
        return UNREADABLE
    if style == "" and (_UNSAFE_PLAIN.search(raw) or raw[0] in _INDICATORS or raw != raw.strip()):
        return UNREADABLE
    if style == "" and in_flow and _FLOW_INDICATORS.search(raw):
        return UNREADABLE
    try:
        value, node = load_yaml(raw, fast_only=True)
    except (YamlError, RecursionError):
        return UNREADABLE
    if node is None or node.value is None or isinstance(node.value, list):
        return UNREADABLE
    if (node.style or "") != style or node.end_mark.index != len(raw):
        return UNREADABLE
    return value
