"""The library's own exceptions: every error a caller is expected to handle.

Each one is a :class:`ValueError` so code written against earlier versions,
which caught ``ValueError``, keeps working; the one exception is
:class:`WorkerLost`, which reports no mistake of the caller's.

One rule for arguments: a value of the wrong Python type handed to the API
raises a :class:`TypeError` naming the argument. Where earlier versions raised
a library error for it, the error raised is both (:class:`TaskInputTypeError`,
:class:`StoreTypeError`, :class:`ArgumentTypeError`), so either ``except``
catches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from dagabaaz.diagnostics import Diagnostic, format_path

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "BindingError",
    "DagabaazError",
    "DagabaazWarning",
    "DocgenError",
    "ExpressionError",
    "FileProblem",
    "LimitExceeded",
    "NodeConfigError",
    "PipeError",
    "PipeRegistryError",
    "PipelineFileError",
    "PipelineValidationError",
    "PluginError",
    "RetryError",
    "RunInputError",
    "RunResultError",
    "StoreError",
    "StoreTypeError",
    "TaskInputError",
    "TaskInputTypeError",
    "UnrenderableValue",
    "WorkerLost",
]

Clause = Literal["value", "when"]
"""Which part of a binding failed: the binding's value or its ``when`` clause."""


class DagabaazError(ValueError):
    """Base class of every error raised on purpose by dagabaaz."""


class ArgumentTypeError(DagabaazError, TypeError):
    """An argument of the wrong Python type (a :class:`DagabaazError` and a :class:`TypeError`)."""


class DagabaazWarning(UserWarning):
    """Base class of every warning dagabaaz issues: something works, but maybe not as meant."""


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

    Attributes:
        code: The diagnostic code an evaluation failure raised as this error
            gets: the ``code`` given, else the class's own (``"pipe-failed"``
            here; each subclass names its own).
    """

    code: str = "pipe-failed"

    def __init__(
        self, message: str, diagnostics: Iterable[Diagnostic] = (), *, code: str | None = None
    ) -> None:
        super().__init__(message, diagnostics)
        if code is not None:
            self.code = code


class PipeError(ExpressionError):
    """Raise from a pipe to fail the evaluation with a message.

    The evaluator adds where it happened (the pipe's span in the expression)
    and re-raises it as an :class:`ExpressionError` whose diagnostic has this
    ``code``.
    """

    def __init__(self, message: str, *, code: str = "pipe-failed") -> None:
        super().__init__(message, code=code)


class ArgumentError(ExpressionError):
    """A literal argument does not fit the parameter it is given to.

    Its ``code`` is ``"invalid-argument"``, ``"argument-out-of-range"`` or
    ``"invalid-regex"``.
    """

    code = "invalid-argument"

    def __init__(self, message: str, *, code: str = "invalid-argument") -> None:
        super().__init__(message, code=code)


class LimitExceeded(ExpressionError):
    """A limit of :class:`~dagabaaz.expressions.Limits` was exceeded.

    Its ``code`` is ``"budget-exceeded"`` (``"source-too-long"`` for the source).

    Attributes:
        limit: The name of the exceeded field of :class:`~dagabaaz.expressions.Limits`.
    """

    code = "budget-exceeded"

    def __init__(self, limit: str, message: str, *, code: str = "budget-exceeded") -> None:
        super().__init__(message, code=code)
        self.limit = limit


class UnrenderableValue(ExpressionError):
    """A value cannot be written as text or JSON (a set, bytes, a dict with tuple keys)."""

    code = "unrenderable-value"


class PipeRegistryError(DagabaazError):
    """A registry was misused: a read-only registry, a bad name or an unsupported signature."""


class PipelineValidationError(_DiagnosticError):
    """A pipeline failed save-time validation; ``diagnostics`` lists every problem."""

    @classmethod
    def from_diagnostics(cls, diagnostics: Iterable[Diagnostic]) -> PipelineValidationError:
        """Build the error with a message that lists every error diagnostic."""
        found = [d for d in diagnostics if d.is_error]
        lines = [f"pipeline is invalid ({len(found)} error{'s' if len(found) != 1 else ''}):"]
        for d in found:
            where = d.where()
            lines.append(f"  - {where + ': ' if where else ''}{d.explained()} [{d.code}]")
        return cls("\n".join(lines), found)


class BindingError(ExpressionError):
    """A task's input binding could not be resolved, so the task cannot run.

    It is an :class:`ExpressionError`, which the README's version raised in
    its place, so a worker catching that keeps catching binding failures.

    Raised by :func:`dagabaaz.task_input.resolve_task_bindings` for an
    expression that fails (a ``required`` value missing, a budget exceeded), a
    ``when`` clause that fails, a missing required run input, or a binding that
    reads a node which is not a dependency. The worker fails the task with it.

    Attributes:
        node: Slug of the node whose binding failed.
        field: The bound input field.
        expression: The expression or ``when`` clause that failed, if any.
        clause: ``"value"`` when the binding itself failed, ``"when"`` when its
            ``when`` clause did.
        reason: What went wrong, without the location prefix.
        diagnostics: The underlying expression diagnostics, if any.
    """

    def __init__(
        self,
        reason: str,
        *,
        node: str,
        field: str,
        expression: str | None = None,
        clause: Clause = "value",
        diagnostics: Iterable[Diagnostic] = (),
    ) -> None:
        parts = [f"node '{node}'" if node else "", f"field '{field}'" if field else ""]
        if expression is not None:
            parts.append(f"{'when' if clause == 'when' else 'expression'} {expression!r}")
        where = ", ".join(part for part in parts if part)
        super().__init__(f"{where}: {reason}" if where else reason, diagnostics)
        self.reason = reason
        self.node = node
        self.field = field
        self.expression = expression
        self.clause = clause

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments are not in ``args``: rebuild explicitly so the
        # error survives pickling (task queues send exceptions between processes).
        return (
            _rebuild_binding_error,
            (self.reason, self.node, self.field, self.expression, self.clause, self.diagnostics),
        )


def _rebuild_binding_error(
    reason: str,
    node: str,
    field: str,
    expression: str | None,
    clause: Clause,
    diagnostics: tuple[Diagnostic, ...],
) -> BindingError:
    return BindingError(
        reason,
        node=node,
        field=field,
        expression=expression,
        clause=clause,
        diagnostics=diagnostics,
    )


class NodeConfigError(DagabaazError):
    """Node configs given to a run do not fit its pipeline.

    Raised before the run starts when a config is keyed by a slug the
    pipeline does not have (a typo would otherwise be ignored silently) or a
    config is not a mapping of values.
    """


class PluginError(DagabaazError):
    """A plugin's metadata is malformed (for example an input declared without a name)."""


class RetryError(DagabaazError):
    """A retry was asked of a run that cannot be retried as asked (see :mod:`dagabaaz.retry`)."""


class TaskInputError(DagabaazError):
    """A task's input could not be assembled: an unknown node, artifact or run."""


class TaskInputTypeError(TaskInputError, TypeError):
    """A worker function was handed an argument of the wrong Python type."""


class RunInputError(DagabaazError):
    """Required run inputs are missing; ``missing`` names every one of them."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing: tuple[str, ...] = tuple(missing)
        names = ", ".join(f"'{name}'" for name in self.missing)
        plural = "s" if len(self.missing) != 1 else ""
        super().__init__(f"missing required run input{plural}: {names}")

    def __reduce__(self) -> tuple[object, ...]:
        return (RunInputError, (self.missing,))


class RunResultError(DagabaazError):
    """A saved run result (``dagabaaz run --json``) cannot be read back.

    The message names where in the document the problem is
    (``nodes[2].status: ...``).
    """


class StoreError(DagabaazError):
    """A store was asked about something it does not hold, or for a forbidden change.

    Raised by :class:`dagabaaz.memory.InMemoryStore` (an unknown run or task,
    a run created twice, malformed task outputs, reopening a completed run)
    and by the orchestrator when a store does not know the run it is asked
    to start, or holds another pipeline for it than the nodes given.
    """


class StoreTypeError(StoreError, TypeError):
    """A store method was handed an argument of the wrong Python type."""


class DocgenError(DagabaazError):
    """A docs page's generated part is malformed or asks for something unknown."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One thing wrong with a pipeline file.

    Attributes:
        message: What is wrong, as one sentence.
        path: Where in the document, as JSON-path segments (``("nodes", 2, "plugin")``).
        line: 1-based line in the file, when known.
        column: 1-based column in the file, when known.
        code: What kind of problem it is (``unknown-field``, ``invalid-yaml``,
            ...; ``dagabaaz.loading.FILE_CODES`` lists them).
        hint: A suggestion, such as ``"did you mean 'plugin'?"``, when there is one.
    """

    message: str
    path: tuple[str | int, ...] = ()
    line: int | None = None
    column: int | None = None
    code: str = "invalid-pipeline-file"
    hint: str | None = None

    def render(self, filename: str) -> str:
        """Render as ``file:line:column: path: message; hint``."""
        where = filename
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        location = format_path(self.path)
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}: {location + ': ' if location else ''}{self.message}{hint}"

    def to_diagnostic(self) -> Diagnostic:
        """Return the problem as an error :class:`Diagnostic` with its code, path and hint.

        A diagnostic's ``line`` and ``column`` place it inside an expression;
        a file problem has none, so they are 1. Its place in the file is
        this problem's ``line`` and ``column``.
        """
        return Diagnostic(code=self.code, message=self.message, path=self.path, hint=self.hint)


class PipelineFileError(DagabaazError):
    """A pipeline file cannot be read, parsed or turned into a pipeline.

    Attributes:
        filename: The file as the caller named it.
        problems: Every problem found, in document order.
    """

    def __init__(self, filename: str, problems: Sequence[FileProblem]) -> None:
        self.filename = filename
        self.problems: tuple[FileProblem, ...] = tuple(problems)
        super().__init__("\n".join(problem.render(filename) for problem in self.problems))


class WorkerLost(RuntimeError):
    """A worker stopped on its own, most often because the database went away.

    Not a :class:`DagabaazError`: nothing was wrong with what the caller
    asked; :func:`dagabaaz.procrastinate.run_worker` raises it so the caller
    can start the worker again (``dagabaaz worker`` does, with a backoff).
    """
