"""Diagnostics: the one shape in which every save-time problem is reported.

A :class:`Diagnostic` is produced by expression checking
(:func:`dagabaaz.expressions.check_expression`) and by pipeline validation
(:func:`dagabaaz.validation.validate_pipeline`). It is structured data for an
editor (``to_dict``) and renders itself compiler-style for a terminal
(``render``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "MAX_QUOTED",
    "Diagnostic",
    "Severity",
    "explain_all",
    "format_path",
    "has_errors",
    "line_and_column",
    "shortened",
]

Severity = Literal["error", "warning"]

MAX_QUOTED = 80
"""Most characters of the user's text a message quotes (the span points at all of it)."""


def shortened(text: str, width: int = MAX_QUOTED) -> str:
    """Return ``text`` cut to ``width`` characters for a message, ``...`` marking the cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def format_path(path: Sequence[str | int]) -> str:
    """Format JSON-path segments as ``nodes[2].bindings["my field"]``."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif segment.isidentifier():
            text += f".{segment}" if text else segment
        else:
            text += f"[{segment!r}]"
    return text


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of character ``offset`` in ``source``."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found before anything runs.

    Attributes:
        code: Stable machine-readable identifier, such as ``"unknown-pipe"``.
        message: One sentence for a human, naming what is wrong.
        severity: ``"error"`` makes the input invalid; ``"warning"`` does not.
        start: Offset of the first offending character in ``expression``.
        end: Offset just past the last offending character (``end >= start``).
        line: 1-based line of ``start`` in ``expression``.
        column: 1-based column of ``start`` in ``expression``.
        hint: Optional suggestion, such as ``"did you mean 'upper'?"``.
        node: Slug of the pipeline node the problem belongs to, if any.
        field: Binding field (or node attribute) the problem belongs to, if any.
        path: Location inside the pipeline document, as JSON-path segments
            (for example ``("nodes", 2, "bindings", "title", "when")``).
        expression: The expression text that ``start``/``end`` point into.
    """

    code: str
    message: str
    severity: Severity = "error"
    start: int = 0
    end: int = 0
    line: int = 1
    column: int = 1
    hint: str | None = None
    node: str | None = None
    field: str | None = None
    path: tuple[str | int, ...] = ()
    expression: str | None = None

    @classmethod
    def at(
        cls,
        code: str,
        message: str,
        source: str,
        start: int,
        end: int | None = None,
        *,
        severity: Severity = "error",
        hint: str | None = None,
    ) -> Diagnostic:
        """Build a diagnostic for the span ``start:end`` of an expression ``source``."""
        stop = start if end is None else max(start, end)
        line, column = line_and_column(source, start)
        return cls(
            code=code,
            message=message,
            severity=severity,
            start=start,
            end=stop,
            line=line,
            column=column,
            hint=hint,
            expression=source,
        )

    @property
    def is_error(self) -> bool:
        """Whether this diagnostic makes its input invalid."""
        return self.severity == "error"

    def located(
        self,
        *,
        node: str | None = None,
        field: str | None = None,
        path: Sequence[str | int] | None = None,
    ) -> Diagnostic:
        """Return a copy placed inside a pipeline (node slug, binding field, path)."""
        return dataclasses.replace(
            self,
            node=self.node if node is None else node,
            field=self.field if field is None else field,
            path=self.path if path is None else tuple(path),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the shape editors and ``--format json`` use)."""
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
            "node": self.node,
            "field": self.field,
            "path": list(self.path),
            "expression": self.expression,
        }

    def explained(self) -> str:
        """Return the message with the hint after it, in parentheses, when there is one.

        What the ``str()`` of an error carrying this diagnostic shows.
        """
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def where(self, filename: str | None = None) -> str:
        """Return the location as text, such as ``node 'b', field 'url' (when)``.

        Empty when the diagnostic is not placed in a file or a pipeline.
        """
        parts = (filename, _node_part(self.node), _field_part(self.field, self.path))
        return ", ".join(part for part in parts if part)

    def render(self, filename: str | None = None) -> str:
        """Render compiler-style: location, the source line, a caret run, the hint.

        A problem in a binding's ``when`` clause (its ``path`` ends in the
        field and ``"when"``) is labelled ``field 'name' (when)``.
        """
        head = f"{self.severity}[{self.code}]: {self.message}"
        where = self.where(filename)
        lines = [head]
        if where:
            lines.append("  --> " + where)
        if self.expression is not None:
            lines.extend(_caret_block(self.expression, self.start, self.end))
        if self.hint:
            lines.append(f"  = hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def explain_all(diagnostics: Iterable[Diagnostic]) -> str:
    """Return the error diagnostics as one line: each message with its hint, ``; `` between.

    What the ``str()`` of an error with several problems shows, so that a log
    line holds every problem and every did-you-mean.
    """
    return "; ".join(d.explained() for d in diagnostics if d.is_error)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Return True when any diagnostic has severity ``"error"``."""
    return any(d.is_error for d in diagnostics)


def _node_part(node: str | None) -> str | None:
    return None if node is None else f"node '{node}'"


def _field_part(field_name: str | None, path: tuple[str | int, ...]) -> str | None:
    if field_name is None:
        return None
    # A binding's ``when`` clause and its value are told apart only by the path.
    clause = " (when)" if path[-2:] == (field_name, "when") else ""
    return f"field '{field_name}'{clause}"


def _caret_block(source: str, start: int, end: int) -> list[str]:
    line_no, column = line_and_column(source, start)
    text = source.split("\n")[line_no - 1]
    # A span running past the end of its line is drawn to the end of that line.
    width = max(1, min(end - start, len(text) - column + 1))
    gutter = " " * len(str(line_no))
    return [
        f" {gutter} |",
        f" {line_no} | {text}",
        f" {gutter} | {' ' * (column - 1)}{'^' * width}",
    ]
