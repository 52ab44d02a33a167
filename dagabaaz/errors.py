"""The library's own exceptions: every error a caller is expected to handle.

Each one is a :class:`ValueError` so code written against earlier versions,
which caught ``ValueError``, keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable

from dagabaaz.diagnostics import Diagnostic

__all__ = ["DagabaazError", "ExpressionError", "PipelineValidationError"]


class DagabaazError(ValueError):
    """Base class of every error raised on purpose by dagabaaz."""


class _DiagnosticError(DagabaazError):
    """An error that carries the diagnostics explaining it."""

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)


class ExpressionError(_DiagnosticError):
    """An expression failed to compile or to evaluate.

    ``diagnostics`` holds every problem found at compile time; for an
    evaluation failure (a ``required`` value missing, a budget exceeded) it
    holds one diagnostic pointing at the responsible part of the expression.
    """


class PipelineValidationError(_DiagnosticError):
    """A pipeline failed save-time validation; ``diagnostics`` lists every problem."""

    @classmethod
    def from_diagnostics(cls, diagnostics: Iterable[Diagnostic]) -> PipelineValidationError:
        """Build the error with a message that lists every error diagnostic."""
        found = [d for d in diagnostics if d.is_error]
        lines = [f"pipeline is invalid ({len(found)} error{'s' if len(found) != 1 else ''}):"]
        for d in found:
            where = " ".join(
                part
                for part in (
                    f"node '{d.node}'" if d.node is not None else "",
                    f"field '{d.field}'" if d.field is not None else "",
                )
                if part
            )
            lines.append(f"  - {where + ': ' if where else ''}{d.message} [{d.code}]")
        return cls("\n".join(lines), found)
