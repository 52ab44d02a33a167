"""Read a pipeline file the way a checker or an editor needs it: every problem, every node it can.

:func:`~dagabaaz.loading.parse_pipeline` refuses a file with any problem,
which is what running needs. Checking and editing need more: where each
problem is in the file, and the nodes that are fine despite a misspelt field
elsewhere, so that their expressions are still checked. A node with a
problem is salvaged by leaving out what is wrong with it (a field, a binding,
an edge filter); a diagnostic about what was left out would only repeat the
file problem, so :meth:`PipelineReading.covers` says which to drop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading._codes import file_problem
from dagabaaz.loading._model_errors import Described, describe_errors
from dagabaaz.loading._parsing import parse_json, parse_yaml
from dagabaaz.loading._sourcemap import Path, SourceMap
from dagabaaz.models import DagNode, Pipeline

__all__ = [
    "PipelineReading",
    "Syntax",
    "first_line_end",
    "line_span",
    "missing_part",
    "not_a_pipeline",
    "placed_problem",
    "read_text_whole",
    "reading_of",
    "salvaged_node",
    "span_of",
]

Syntax = Literal["json", "yaml"]

_TYPE_NAMES = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}
_MISSING = re.compile(r"missing required field '(.+)'")


@dataclass(frozen=True)
class PipelineReading:
    """A pipeline file as far as it could be read.

    Attributes:
        text: The file's text.
        syntax: ``"json"`` or ``"yaml"``.
        positions: Where every value is; None when the text does not parse.
        nodes: One entry per node of the file: the node, salvaged when it
            had problems, or None when nothing could be made of it.
        problems: What is wrong with the file, each with its code, document
            path and, when known, line and column, in document order.
        listed: True when the file is a bare list of nodes (its paths have
            no leading ``"nodes"``).
        problem_spans: For each problem, the span of the file it is about (a
            key, a value), when known.
        data: The document as parsed (a list of nodes or a mapping), or None
            when the text does not parse.
        pipeline: The pipeline, when the file has no problem.
    """

    text: str
    syntax: Syntax
    positions: SourceMap | None
    nodes: tuple[DagNode | None, ...] = ()
    problems: tuple[FileProblem, ...] = ()
    listed: bool = False
    problem_spans: tuple[tuple[int, int] | None, ...] = ()
    data: Any = None
    pipeline: Pipeline | None = None
    covered: tuple[Path, ...] = field(default=(), repr=False)
    """Pipeline paths a file problem explains (see :meth:`covers`)."""

    def document_path(self, path: Sequence[str | int]) -> Path:
        """Return the path in the file of a pipeline path (``("nodes", 2, ...)``)."""
        path = tuple(path)
        if self.listed and path[:1] == ("nodes",):
            return path[1:]
        return path

    def covers(self, path: Sequence[str | int]) -> bool:
        """Whether a file problem already explains anything found at pipeline ``path``."""
        path = tuple(path)
        return any(path[: len(covered)] == covered for covered in self.covered)

    def locate(self, diagnostic: Diagnostic) -> tuple[int, int] | None:
        """Return the span of the file a validation diagnostic is about, or None.

        A problem inside an expression is placed on the expression's own
        characters in the file (quoting, escapes and folding undone); any
        other on the value its path leads to (its first line), or the
        nearest value that exists.
        """
        if self.positions is None:
            return None
        path = self.document_path(diagnostic.path)
        found = self.positions.nearest(path)
        if found is None:
            return None
        reached, entry = found
        if diagnostic.expression is not None and reached == path:
            offsets = self.positions.string_offsets(path)
            if offsets is not None and len(offsets) == len(diagnostic.expression) + 1:
                last = len(offsets) - 1
                start = offsets[min(diagnostic.start, last)]
                end = offsets[min(diagnostic.end, last)]
                return start, max(start, end)
        return entry.start, first_line_end(self.text, entry.start, entry.end)


def read_text_whole(text: str, *, syntax: Syntax, filename: str = "<pipeline>") -> PipelineReading:
    """Read ``text`` as a pipeline file from the start (see ``loading.read_pipeline_text``)."""
    if not text.strip():
        problem = file_problem("empty-file", "file is empty; expected a list of nodes or an object")
        return PipelineReading(text, syntax, None, problems=(problem,), problem_spans=(None,))
    try:
        data, positions = _parse(text, syntax, filename)
    except PipelineFileError as error:
        spans = tuple(line_span(text, problem) for problem in error.problems)
        return PipelineReading(text, syntax, None, problems=error.problems, problem_spans=spans)
    return reading_of(text, syntax, positions, data)


def reading_of(text: str, syntax: Syntax, positions: SourceMap, data: Any) -> PipelineReading:
    """Return the reading of a parsed document: ``data``, mapped by ``positions``."""
    listed = isinstance(data, list)
    document: Any = {"nodes": data} if listed else data
    if not isinstance(document, dict):
        problem = not_a_pipeline(data)
        return PipelineReading(
            text, syntax, positions, problems=(problem,), problem_spans=(None,), data=data
        )
    try:
        pipeline = Pipeline.model_validate(document)
    except ValidationError as error:
        return _salvage(text, syntax, positions, data, error, listed)
    return PipelineReading(
        text, syntax, positions, tuple(pipeline.nodes), listed=listed, data=data, pipeline=pipeline
    )


def not_a_pipeline(data: Any) -> FileProblem:
    """Return the problem of a document that is neither a list nor an object."""
    kind = "nothing" if data is None else _TYPE_NAMES.get(type(data), type(data).__name__)
    message = f"expected a list of nodes or an object with 'nodes', got {kind}"
    return file_problem("not-a-pipeline", message)


def _parse(text: str, syntax: Syntax, filename: str) -> tuple[Any, SourceMap]:
    if syntax == "json":
        return parse_json(text, filename), SourceMap.from_json(text)
    data, node, fast = parse_yaml(text, filename)
    return data, SourceMap.from_yaml(text, node, fast=fast)


def _salvage(
    text: str,
    syntax: Syntax,
    positions: SourceMap,
    data: Any,
    error: ValidationError,
    listed: bool,
) -> PipelineReading:
    reading = PipelineReading(text, syntax, positions, listed=listed)
    placed: list[tuple[FileProblem, tuple[int, int] | None]] = []
    covered: list[Path] = []
    wrong: dict[int, list[Path]] = {}
    for described in describe_errors(error, Pipeline):
        path = described.path
        placed.append(placed_problem(reading, positions, path, described))
        part = missing_part(path, described)
        covered.append(part)
        if len(part) >= 2 and part[0] == "nodes" and isinstance(part[1], int):
            wrong.setdefault(part[1], []).append(part[2:])
    # Document order where positions are known; pydantic reports in model-field order.
    placed.sort(key=lambda item: (item[0].line or 0, item[0].column or 0))
    raw = data if listed else data.get("nodes")
    items = raw if isinstance(raw, list) else []
    nodes = tuple(salvaged_node(item, wrong.get(index, [])) for index, item in enumerate(items))
    return PipelineReading(
        text,
        syntax,
        positions,
        nodes,
        tuple(problem for problem, _ in placed),
        listed,
        tuple(span for _, span in placed),
        data,
        None,
        tuple(covered),
    )


def placed_problem(
    reading: PipelineReading, positions: SourceMap, path: Path, described: Described
) -> tuple[FileProblem, tuple[int, int] | None]:
    """Return the problem pydantic described at pipeline ``path``, and the span it is about."""
    shown = reading.document_path(path)
    span = span_of(positions, reading.text, shown, described.key)
    line, column = (None, None) if span is None else positions.line_column(span[0])
    problem = file_problem(
        described.code,
        described.message,
        path=shown,
        line=line,
        column=column,
        hint=described.hint,
    )
    return problem, span


def missing_part(path: Path, described: Described) -> Path:
    """Return the pipeline path a problem explains: the field it is about, when it names one."""
    part = (*path, described.key) if described.key is not None else tuple(path)
    missing = _MISSING.fullmatch(described.message)
    return (*part, missing.group(1)) if missing is not None else part


def span_of(positions: SourceMap, text: str, path: Path, key: str | None) -> tuple[int, int] | None:
    """Return the span a problem is about: the unknown key itself, or the nearest value."""
    found = positions.nearest(path)
    if found is None:
        return None
    reached, entry = found
    if key is not None and reached == path:
        member = positions.entry((*path, key))
        if member is not None and member.key_start is not None and member.key_end is not None:
            return member.key_start, member.key_end
    return entry.start, first_line_end(text, entry.start, entry.end)


def line_span(text: str, problem: FileProblem) -> tuple[int, int] | None:
    """Return the one character a problem known by line and column points at."""
    if problem.line is None:
        return None
    offset = 0
    for _ in range(problem.line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return None
        offset = found + 1
    offset = min(offset + (problem.column or 1) - 1, len(text))
    return offset, min(offset + 1, len(text))


def first_line_end(text: str, start: int, end: int) -> int:
    """Return where the first line of ``text[start:end]`` ends (a problem's span stops there)."""
    stop = text.find("\n", start, end)
    return end if stop < 0 else stop


def salvaged_node(item: Any, wrong: list[Path]) -> DagNode | None:
    """Return the node ``item`` describes, leaving out the parts ``wrong`` points at."""
    if not wrong:
        try:
            return DagNode.model_validate(item)
        except ValidationError:
            return None
    if not isinstance(item, dict):
        return None
    kept = dict(item)
    for part in wrong:
        _drop(kept, part)
    kept.setdefault("plugin", "")
    try:
        return DagNode.model_validate(kept)
    except ValidationError:
        return None


def _drop(node: dict[str, Any], part: Path) -> None:
    if not part:
        return
    name = part[0]
    inner = node.get(name) if isinstance(name, str) else None
    if name in ("bindings", "edge_filters") and len(part) > 1 and isinstance(inner, dict):
        node[name] = {k: v for k, v in inner.items() if k != part[1]}
    elif isinstance(name, str):
        node.pop(name, None)
