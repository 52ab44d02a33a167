"""Read a pipeline file the way an editor needs it: every problem, and every node it can.

:func:`dagabaaz.loading.parse_pipeline` refuses a file with any problem, which
is what running needs. An editor (and ``dagabaaz check``) needs more: where
each problem is in the file, and the nodes that are fine despite a
misspelt field elsewhere, so that their expressions are still checked. A
node with a problem is salvaged by leaving out what is wrong with it (a
field, a binding, an edge filter); a diagnostic about what was left out
would only repeat the file problem, so :meth:`PipelineReading.covers` says
which to drop.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading import _parse_json, _yaml_problem
from dagabaaz.loading._model_errors import describe_errors
from dagabaaz.loading._sourcemap import Path, SourceMap
from dagabaaz.loading._yaml import YamlError, load_yaml
from dagabaaz.models import DagNode, Pipeline

__all__ = ["PipelineReading", "read_pipeline"]

Syntax = Literal["json", "yaml"]


@dataclass(frozen=True)
class PipelineReading:
    """A pipeline file as far as it could be read.

    Attributes:
        text: The file's text.
        syntax: ``"json"`` or ``"yaml"``.
        positions: Where every value is; None when the text does not parse.
        nodes: One entry per node of the file: the node, salvaged when it
            had problems, or None when nothing could be made of it.
        problems: What is wrong with the file, each with its document path
            and, when known, its line and column.
        listed: True when the file is a bare list of nodes (its paths have
            no leading ``"nodes"``).
        data: The document as parsed (a list of nodes or a mapping), or
            None when the text does not parse.
    """

    text: str
    syntax: Syntax
    positions: SourceMap | None
    nodes: tuple[DagNode | None, ...] = ()
    problems: tuple[FileProblem, ...] = ()
    listed: bool = False
    problem_spans: tuple[tuple[int, int] | None, ...] = ()
    """For each problem, the span of the file it is about (a key, a value), when known."""
    data: Any = None
    _covered: tuple[Path, ...] = field(default=(), repr=False)

    def document_path(self, path: Sequence[str | int]) -> Path:
        """Return the path in the file of a pipeline path (``("nodes", 2, ...)``)."""
        path = tuple(path)
        if self.listed and path[:1] == ("nodes",):
            return path[1:]
        return path

    def covers(self, path: Sequence[str | int]) -> bool:
        """Whether a file problem already explains anything found at pipeline ``path``."""
        path = tuple(path)
        return any(path[: len(covered)] == covered for covered in self._covered)

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
        return entry.start, _first_line_end(self.text, entry.start, entry.end)


def read_pipeline(text: str, *, syntax: Syntax, filename: str = "<pipeline>") -> PipelineReading:
    """Read ``text`` as a pipeline file, keeping every problem and every node possible."""
    if not text.strip():
        problem = FileProblem("file is empty; expected a list of nodes or an object")
        return PipelineReading(text, syntax, None, problems=(problem,))
    try:
        data, positions = _parse(text, syntax, filename)
    except PipelineFileError as error:
        spans = tuple(_line_span(text, problem) for problem in error.problems)
        return PipelineReading(text, syntax, None, problems=error.problems, problem_spans=spans)
    listed = isinstance(data, list)
    document: Any = {"nodes": data} if listed else data
    if not isinstance(document, dict):
        kind = "nothing" if data is None else type(data).__name__
        problem = FileProblem(f"expected a list of nodes or an object with 'nodes', got {kind}")
        return PipelineReading(text, syntax, positions, problems=(problem,), data=data)
    try:
        pipeline = Pipeline.model_validate(document)
    except ValidationError as error:
        salvaged = _salvage(text, syntax, positions, document, error, listed)
        return dataclasses.replace(salvaged, data=data)
    return PipelineReading(text, syntax, positions, tuple(pipeline.nodes), listed=listed, data=data)


def _parse(text: str, syntax: Syntax, filename: str) -> tuple[Any, SourceMap]:
    if syntax == "json":
        return _parse_json(text, filename), SourceMap.from_json(text)
    try:
        data, node = load_yaml(text)
    except YamlError as error:
        raise PipelineFileError(filename, [_yaml_problem(error)]) from None
    except RecursionError:
        problem = FileProblem("invalid YAML: nested too deeply")
        raise PipelineFileError(filename, [problem]) from None
    return data, SourceMap.from_yaml(text, node)


def _salvage(
    text: str,
    syntax: Syntax,
    positions: SourceMap,
    document: dict[str, Any],
    error: ValidationError,
    listed: bool,
) -> PipelineReading:
    reading = PipelineReading(text, syntax, positions, listed=listed)
    problems: list[FileProblem] = []
    covered: list[Path] = []
    wrong: dict[int, list[Path]] = {}
    spans: dict[int, tuple[int, int] | None] = {}
    for path, message, key in describe_errors(error, Pipeline):
        shown = reading.document_path(path)
        span = _span(positions, text, shown, key)
        line, column = (None, None) if span is None else positions.line_column(span[0])
        problem = FileProblem(message, path=shown, line=line, column=column)
        spans[id(problem)] = span
        problems.append(problem)
        missing = _MISSING.fullmatch(message)
        part = (*path, key) if key is not None else tuple(path)
        if missing is not None:
            part = (*part, missing.group(1))
        covered.append(part)
        if len(part) >= 2 and part[0] == "nodes" and isinstance(part[1], int):
            wrong.setdefault(part[1], []).append(part[2:])
    problems.sort(key=lambda problem: (problem.line or 0, problem.column or 0))
    raw = document.get("nodes")
    items = raw if isinstance(raw, list) else []
    nodes = tuple(_node(item, wrong.get(index, [])) for index, item in enumerate(items))
    ordered = tuple(spans[id(problem)] for problem in problems)
    return PipelineReading(
        text, syntax, positions, nodes, tuple(problems), listed, ordered, tuple(covered)
    )


def _line_span(text: str, problem: FileProblem) -> tuple[int, int] | None:
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


def _first_line_end(text: str, start: int, end: int) -> int:
    stop = text.find("\n", start, end)
    return end if stop < 0 else stop


_MISSING = re.compile(r"missing required field '(.+)'")


def _span(positions: SourceMap, text: str, path: Path, key: str | None) -> tuple[int, int] | None:
    """Return the span a problem is about: the unknown key itself, or the nearest value."""
    found = positions.nearest(path)
    if found is None:
        return None
    reached, entry = found
    if key is not None and reached == path:
        member = positions.entry((*path, key))
        if member is not None and member.key_start is not None and member.key_end is not None:
            return member.key_start, member.key_end
    return entry.start, _first_line_end(text, entry.start, entry.end)


def _node(item: Any, wrong: list[Path]) -> DagNode | None:
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
