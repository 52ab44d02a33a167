"""Errors of the pipe toolkit."""

from __future__ import annotations

from dagabaaz.errors import DagabaazError, ExpressionError

__all__ = ["ArgumentError", "PipeError", "PipeRegistryError"]


class PipeError(ExpressionError):
    """Raise from a pipe to fail the evaluation with a message.

    The evaluator adds where it happened (the pipe's span in the expression)
    and re-raises it as an :class:`~dagabaaz.errors.ExpressionError` whose
    diagnostic has this ``code``.
    """

    def __init__(self, message: str, *, code: str = "pipe-failed") -> None:
        super().__init__(message)
        self.code = code


class ArgumentError(ExpressionError):
    """A literal argument does not fit the parameter it is given to.

    Attributes:
        code: ``"invalid-argument"``, ``"argument-out-of-range"`` or
            ``"invalid-regex"``.
    """

    def __init__(self, message: str, *, code: str = "invalid-argument") -> None:
        super().__init__(message)
        self.code = code


class PipeRegistryError(DagabaazError):
    """A registry was misused: a read-only registry, a bad name or an unsupported signature."""
