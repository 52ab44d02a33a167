"""Source text to typed AST, and syntax errors to diagnostics.

:func:`parse` is the strict entry point (a tree or an :class:`ExpressionError`).
:func:`parse_partial` never raises for bad syntax: it returns what could be
parsed and every syntax problem, which is what save-time checking needs to
report all problems at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dagabaaz._runtime.limits import DEFAULT_LIMITS, Budget, Limits
from dagabaaz.diagnostics import Diagnostic, Severity, explain_all, shortened
from dagabaaz.errors import ExpressionError, LimitExceeded
from dagabaaz.expressions.ast import (
    FunctionCall,
    Interpolation,
    PipeCall,
    Template,
    Text,
)
from dagabaaz.expressions.escapes import decode_text
from dagabaaz.expressions.grammar import fast_parser, lark_parser
from dagabaaz.expressions.segments import split_segments

if TYPE_CHECKING:
    from lark import Token
    from lark.exceptions import UnexpectedInput

__all__ = [
    "MAX_PROBLEMS",
    "ParseResult",
    "expression_error",
    "parse",
    "parse_partial",
    "parse_within",
    "too_many_problems",
]


MAX_PROBLEMS = 100
"""Problems reported for one expression before giving up on the rest."""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What :func:`parse_partial` found.

    Attributes:
        tree: The template; when there are syntax errors it holds the text and
            the interpolations that did parse, so they can still be checked.
        diagnostics: Every syntax problem, in source order (empty when valid).
    """

    tree: Template
    diagnostics: tuple[Diagnostic, ...]


def parse(source: str, *, limits: Limits | None = None) -> Template:
    """Parse an expression template into its typed AST.

    Args:
        source: The template, such as ``"{source.title | upper}"``.
        limits: Limits to apply (only ``max_source_length`` matters here).

    Raises:
        ExpressionError: The template is too long or not valid syntax; its
            ``diagnostics`` list every problem with its span.
    """
    result = parse_partial(source, limits=limits)
    if result.diagnostics:
        raise expression_error(source, result.diagnostics)
    return result.tree


def parse_partial(source: str, *, limits: Limits | None = None) -> ParseResult:
    """Parse as much of ``source`` as possible and report every syntax problem."""
    return parse_within(source, Budget(limits or DEFAULT_LIMITS))


def parse_within(source: str, budget: Budget) -> ParseResult:
    """:func:`parse_partial` with the budget already made (the compiler reuses its own)."""
    if not isinstance(source, str):
        raise TypeError(f"an expression must be a str, not {type(source).__name__}")
    try:
        budget.source(len(source))
    except LimitExceeded as error:
        start = budget.limits.max_source_length
        too_long = Diagnostic.at(error.code, str(error), source, start, len(source))
        return ParseResult(Template((), 0, 0), (too_long,))
    tree: Template | None = fast_parser().parse(source)
    if tree is not None:
        return ParseResult(tree, ())
    return _explain(source)


def _explain(source: str) -> ParseResult:
    """Parse an invalid ``source`` with Lark itself, to report why it is invalid."""
    # Lark is imported only here, for broken templates: valid ones never need it.
    from lark.exceptions import UnexpectedInput, VisitError

    try:
        checked: Template = lark_parser().parse(source, start="template")  # type: ignore[assignment]
    except UnexpectedInput as error:
        return _recover(source, error)
    except VisitError as error:  # a bug in a callback: show it, not Lark's wrapper
        raise error.orig_exc from None
    return ParseResult(checked, ())


def too_many_problems(source: str, start: int, *, severity: Severity = "error") -> Diagnostic:
    """Return the diagnostic ending a list of :data:`MAX_PROBLEMS` errors, or warnings."""
    if severity == "warning":
        code, what = "too-many-warnings", "warnings; the rest are not shown"
    else:
        code, what = "too-many-errors", "problems; the rest of the expression is not checked"
    message = f"more than {MAX_PROBLEMS} {what}"
    return Diagnostic.at(code, message, source, start, len(source), severity=severity)


def expression_error(source: str, diagnostics: tuple[Diagnostic, ...]) -> ExpressionError:
    """Build the error raised for an expression with error diagnostics."""
    errors = [d for d in diagnostics if d.is_error]
    count = f" ({len(errors)} problems)" if len(errors) > 1 else ""
    message = f"invalid expression {shortened(source, 60)!r}{count}: {explain_all(errors)}"
    return ExpressionError(message, diagnostics)


def _recover(source: str, error: UnexpectedInput) -> ParseResult:
    """Parse each candidate interpolation alone so every problem is reported."""
    from dagabaaz.expressions.syntax_errors import escaped_interpolation, nested_brace

    parts: list[Text | Interpolation] = []
    problems: list[Diagnostic] = []
    text_start = 0
    for segment in split_segments(source):
        start, end = segment.start, segment.end
        if len(problems) == MAX_PROBLEMS:
            problems.append(too_many_problems(source, start))
            break
        if segment.kind == "text":
            parts.append(Text(decode_text(source[start:end]), start, end))
            text_start = start
            continue
        if segment.kind == "stray":
            escaped = escaped_interpolation(source, text_start, start)
            problems.append(
                escaped
                or Diagnostic.at(
                    "stray-brace",
                    "unexpected '}' outside an interpolation",
                    source,
                    start,
                    end,
                    hint="write '\\}' for a literal brace",
                )
            )
        elif segment.kind == "nested":
            problems.append(nested_brace(source, start))
        elif segment.kind == "unclosed":
            problems.append(
                Diagnostic.at(
                    "unclosed-brace",
                    "unclosed '{': no matching '}'",
                    source,
                    start,
                    start + 1,
                    hint="add '}' to close it, or write '\\{' for a literal brace",
                )
            )
        else:
            node, problem = _parse_interpolation(source, start, end)
            if problem is not None:
                problems.append(problem)
            else:
                parts.append(node)  # type: ignore[arg-type]
        text_start = end  # only the text right before a stray brace can hold its escaped '{'
    if not problems:
        # The cut above disagreed with the grammar: report Lark's own position.
        problems.append(_fallback(source, error))
    tree = Template(tuple(parts), 0, len(source))
    return ParseResult(tree, tuple(problems))


def _parse_interpolation(
    source: str, start: int, end: int
) -> tuple[Interpolation | None, Diagnostic | None]:
    from lark.exceptions import UnexpectedInput

    from dagabaaz.expressions.syntax_errors import translate

    text = source[start:end]
    interactive = lark_parser().parse_interactive(text, start="interpolation")
    history: list[Token] = []
    try:
        for token in interactive.iter_parse():
            history.append(token)
        node: Interpolation = interactive.feed_eof(  # type: ignore[no-untyped-call]
            history[-1] if history else None
        )
    except UnexpectedInput as error:
        if history and getattr(error, "token", None) is history[-1]:
            history.pop()
        return None, translate(source, start, text, error, history)
    shifted: Interpolation = _shift(node, start)
    return shifted, None


def _fallback(source: str, error: UnexpectedInput) -> Diagnostic:
    position = error.pos_in_stream if error.pos_in_stream is not None else len(source)
    position = min(int(position), len(source))
    found = repr(source[position]) if position < len(source) else "end of expression"
    return Diagnostic.at(
        "syntax-error", f"unexpected {found}", source, position, min(position + 1, len(source))
    )


def _shift(node: Any, offset: int) -> Any:
    """Return ``node`` with every span moved by ``offset`` characters."""
    changes: dict[str, Any] = {"start": node.start + offset, "end": node.end + offset}
    if isinstance(node, Interpolation):
        changes["value"] = _shift(node.value, offset)
        changes["pipes"] = tuple(_shift(p, offset) for p in node.pipes)
    elif isinstance(node, FunctionCall | PipeCall):
        changes["args"] = tuple(_shift(a, offset) for a in node.args)
    return dataclasses.replace(node, **changes)
