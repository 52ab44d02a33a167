"""Limits on what one expression may cost, and the budget that enforces them.

:class:`Limits` is plain configuration with documented defaults. :class:`Budget`
holds one ``Limits`` and is the only place where each limit is compared
with a size: every check below raises :class:`LimitExceeded` naming the limit.

Expressions have no loops, so the number of pipe calls per evaluation is known
when the expression is compiled and is checked then; everything else is a size
checked when a value is about to be built. A budget therefore has no mutable
state: it is created once per compiled expression and handed to the pipes
that declare a keyword-only parameter annotated :class:`Budget`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dagabaaz.errors import LimitExceeded

__all__ = ["DEFAULT_LIMITS", "Budget", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one expression may read, build and run.

    Attributes:
        max_source_length: Characters in the expression source.
        max_pipe_calls: Pipe calls in one evaluation (counted at compile time).
        max_string_length: Characters in any string an expression builds or
            pipes, including the final result.
        max_list_length: Items in any list an expression builds or a pipe reads.
        max_container_items: Values walked when a pipe reads a nested list or
            dict (rendering it as JSON, for example).
        max_json_depth: Nesting depth of a list or dict rendered as JSON, and
            of JSON text parsed by ``json_get``.
        max_int_argument: Largest integer argument, in absolute value (the
            width of ``pad``, the length of ``truncate``, the index of ``nth``).
        max_regex_pattern_length: Characters in a regular expression pattern.
        max_regex_subject_length: Characters of text a regular expression runs on.
    """

    max_source_length: int = 100_000
    max_pipe_calls: int = 1_000
    max_string_length: int = 1_000_000
    max_list_length: int = 100_000
    max_container_items: int = 100_000
    max_json_depth: int = 64
    max_int_argument: int = 100_000
    max_regex_pattern_length: int = 1_000
    max_regex_subject_length: int = 1_000_000

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{item.name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = Limits()
"""The default limits, one instance (a budget of it is built once and shared)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Checks sizes against one :class:`Limits`; each method guards one limit.

    A pipe that builds a value whose size it can compute in advance calls the
    matching method first, so nothing over the limit is ever allocated.
    """

    limits: Limits = DEFAULT_LIMITS

    def source(self, length: int) -> None:
        """Check the length of an expression's source."""
        if length > self.limits.max_source_length:
            raise LimitExceeded(
                "max_source_length",
                f"expression is {length} characters long, over the limit "
                f"max_source_length={self.limits.max_source_length}",
                code="source-too-long",
            )

    def pipe_calls(self, count: int) -> None:
        """Check the number of pipe calls of one evaluation."""
        if count > self.limits.max_pipe_calls:
            raise LimitExceeded(
                "max_pipe_calls",
                f"expression makes {count} pipe calls, over the limit "
                f"max_pipe_calls={self.limits.max_pipe_calls}",
            )

    def allows_text(self, length: int) -> bool:
        """Return whether a string of ``length`` characters is within the limit."""
        return length <= self.limits.max_string_length

    def text(self, length: int, what: str = "a string", *, at_least: bool = False) -> None:
        """Check the length of a string about to be built.

        ``at_least`` says ``length`` is only what was counted before stopping.
        """
        if not self.allows_text(length):
            size = f"at least {length}" if at_least else str(length)
            raise LimitExceeded(
                "max_string_length",
                f"{what} would be {size} characters long, over the limit "
                f"max_string_length={self.limits.max_string_length}",
            )

    def items(self, count: int, what: str = "a list") -> None:
        """Check the length of a list about to be built or read."""
        if count > self.limits.max_list_length:
            raise LimitExceeded(
                "max_list_length",
                f"{what} has {count} items, over the limit "
                f"max_list_length={self.limits.max_list_length}",
            )

    def value(self, value: object) -> None:
        """Check a value flowing through a template: a string's length, a list's items."""
        cls = value.__class__
        if cls is str:
            self.text(len(value))  # type: ignore[arg-type]
        elif cls is list or cls is tuple or cls is dict:
            self.items(len(value), "a value")  # type: ignore[arg-type]

    def container_items(self, count: int, what: str = "a value") -> None:
        """Check how many values a pipe has walked inside a nested container."""
        if count > self.limits.max_container_items:
            raise LimitExceeded(
                "max_container_items",
                f"{what} holds more than {self.limits.max_container_items} values, "
                f"the limit max_container_items",
            )

    def depth(self, depth: int, what: str = "a value") -> None:
        """Check the nesting depth of a list, dict or JSON text."""
        if depth > self.limits.max_json_depth:
            raise LimitExceeded(
                "max_json_depth",
                f"{what} is nested more than {self.limits.max_json_depth} levels deep, "
                f"the limit max_json_depth",
            )

    def int_argument(self, value: int, what: str = "an integer argument") -> None:
        """Check the size of an integer argument."""
        if abs(value) > self.limits.max_int_argument:
            raise LimitExceeded(
                "max_int_argument",
                f"{what} is {value}, over the limit "
                f"max_int_argument={self.limits.max_int_argument}",
            )

    def regex_pattern(self, length: int) -> None:
        """Check the length of a regular expression pattern."""
        if length > self.limits.max_regex_pattern_length:
            raise LimitExceeded(
                "max_regex_pattern_length",
                f"regular expression is {length} characters long, over the limit "
                f"max_regex_pattern_length={self.limits.max_regex_pattern_length}",
            )

    def regex_subject(self, length: int) -> None:
        """Check the length of the text a regular expression runs on."""
        if length > self.limits.max_regex_subject_length:
            raise LimitExceeded(
                "max_regex_subject_length",
                f"text to match is {length} characters long, over the limit "
                f"max_regex_subject_length={self.limits.max_regex_subject_length}",
            )
