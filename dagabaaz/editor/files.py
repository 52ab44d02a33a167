"""Every problem of a pipeline file, each placed in the file: what ``check`` and the server report.

:func:`diagnose_file` puts together what reading the file found (a syntax
error, a misspelt field: :class:`~dagabaaz.errors.FileProblem`) and what
validating the nodes found (:func:`~dagabaaz.validation.validate_pipeline`),
the nodes with a problem salvaged so the rest of them are still checked.
Each :class:`FileDiagnostic` says where its problem is in the file: the
expression's own characters for a problem inside an expression, the key or
value for any other, or nothing at all where no place is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import FileProblem
from dagabaaz.loading import PipelineReading
from dagabaaz.models import DagNode
from dagabaaz.pipes import PipeRegistry
from dagabaaz.validation import PipelineValidator, PluginsArgument

__all__ = ["FileDiagnostic", "diagnose_file"]

_PLACEHOLDER = DagNode(slug="", plugin="")
"""Stands in for a node nothing could be made of, so the others keep their indices."""


@dataclass(frozen=True, slots=True)
class FileDiagnostic:
    """A diagnostic and where it is in the pipeline file.

    Attributes:
        diagnostic: The problem (a file problem becomes a diagnostic with its
            own code, such as ``unknown-field``).
        start: Offset of its first character in the file (code points), or
            None where no place is known.
        end: Offset just past its last character, or None.
        line: 1-based line of ``start`` in the file, or None.
        column: 1-based column of ``start``, or None.
        end_line: 1-based line of ``end``, or None.
        end_column: 1-based column of ``end``, or None.
    """

    diagnostic: Diagnostic
    start: int | None = None
    end: int | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the diagnostic's JSON shape, ``line`` and ``column`` places in the file.

        ``start`` and ``end`` stay offsets inside ``expression`` (as in
        :meth:`Diagnostic.to_dict`); ``line``, ``column``, ``end_line`` and
        ``end_column`` say where the problem is in the file, null where that
        is not known.
        """
        found = self.diagnostic.to_dict()
        found.update(
            line=self.line, column=self.column, end_line=self.end_line, end_column=self.end_column
        )
        return found

    def render(self, filename: str) -> str:
        """Render compiler-style, the location ``file:line:column`` when the place is known."""
        where = filename
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return self.diagnostic.render(where)


def diagnose_file(
    reading: PipelineReading,
    *,
    pipes: PipeRegistry | None = None,
    plugins: PluginsArgument | None = None,
    validator: PipelineValidator | None = None,
) -> list[FileDiagnostic]:
    """Return every problem of a pipeline file, each placed, in file order.

    Args:
        reading: The file as :func:`dagabaaz.loading.read_pipeline` read it.
        pipes: The pipe registry expressions are checked against.
        plugins: The known plugins, by name or with their metadata (see
            :func:`dagabaaz.validation.validate_pipeline`).
        validator: A validator to reuse (an editor keeps one per file, so an
            edit checks again only the nodes it changed); ``pipes`` and
            ``plugins`` are then the validator's.
    """
    found: list[FileDiagnostic] = []
    for problem, span in zip(reading.problems, reading.problem_spans, strict=False):
        found.append(_placed(reading, _file_diagnostic(problem, reading), span, problem))
    if reading.nodes:
        checker = validator or PipelineValidator(pipes=pipes, plugins=plugins)
        nodes = [node if node is not None else _PLACEHOLDER for node in reading.nodes]
        for diagnostic in checker.validate(nodes):
            if _about_nothing(diagnostic, reading) or reading.covers(diagnostic.path):
                continue
            found.append(_placed(reading, diagnostic, reading.locate(diagnostic), None))
    # File order; what has no place keeps its order, after the rest.
    order = {id(item): index for index, item in enumerate(found)}
    found.sort(key=lambda item: (item.start is None, item.start or 0, order[id(item)]))
    return found


def _placed(
    reading: PipelineReading,
    diagnostic: Diagnostic,
    span: tuple[int, int] | None,
    problem: FileProblem | None,
) -> FileDiagnostic:
    if span is None:
        if problem is not None and problem.line is not None:
            return FileDiagnostic(diagnostic, line=problem.line, column=problem.column)
        return FileDiagnostic(diagnostic)
    start, end = span
    line, column = _line_column(reading, start)
    end_line, end_column = _line_column(reading, end)
    return FileDiagnostic(diagnostic, start, end, line, column, end_line, end_column)


def _line_column(reading: PipelineReading, offset: int) -> tuple[int, int]:
    text = reading.text
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _about_nothing(diagnostic: Diagnostic, reading: PipelineReading) -> bool:
    """Whether a diagnostic is about a node nothing could be made of (a placeholder)."""
    path = diagnostic.path
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        return path[1] < len(reading.nodes) and reading.nodes[path[1]] is None
    return False


def _file_diagnostic(problem: FileProblem, reading: PipelineReading) -> Diagnostic:
    """Return the problem as a diagnostic, placed on its node and field when its path says."""
    diagnostic = problem.to_diagnostic()
    path = problem.path if not reading.listed else ("nodes", *problem.path)
    if len(path) < 2 or path[0] != "nodes" or not isinstance(path[1], int):
        return diagnostic.located(path=path)
    slug = _slug(reading, path[1])
    field = _field(path[2:])
    return diagnostic.located(node=slug, field=field, path=path)


def _slug(reading: PipelineReading, index: int) -> str | None:
    node = reading.nodes[index] if index < len(reading.nodes) else None
    if node is not None and node.slug:
        return node.slug
    data: Any = reading.data if reading.listed else (reading.data or {}).get("nodes")
    if isinstance(data, list) and index < len(data) and isinstance(data[index], dict):
        slug = data[index].get("slug")
        return slug if isinstance(slug, str) and slug else None
    return None


def _field(rest: tuple[str | int, ...]) -> str | None:
    if len(rest) >= 2 and rest[0] in ("bindings", "edge_filters") and isinstance(rest[1], str):
        return rest[1] if rest[0] == "bindings" else "edge_filters"
    if rest and isinstance(rest[0], str):
        return rest[0]
    return None
