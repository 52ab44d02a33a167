"""Checked AST to a specialised evaluation function.

Each template shape gets its own closure, so evaluating does almost no
interpretation: a lone reference is two subscripts, a pipe chain is a loop
over pre-bound ``(function, arguments)`` pairs, and text is a join.

Semantics:

* A template that is exactly one interpolation returns its native value.
* Otherwise the parts render as text (see :mod:`dagabaaz.expressions.values`).
* Before each pipe, None becomes ``""``.
* A result that is ``""`` is returned as None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions.ast import FunctionCall, Interpolation, Reference, Template
from dagabaaz.expressions.checker import BoundPipe
from dagabaaz.expressions.limits import Budget
from dagabaaz.expressions.scope import LOOKUP_ERRORS, Scope, lookup
from dagabaaz.expressions.values import to_text

__all__ = ["Evaluator", "build_evaluator"]

Evaluator = Callable[[Scope], Any]
"""A compiled template: scope in, value out."""


@dataclass(frozen=True, slots=True)
class _Site:
    """A part of the expression, to explain a failure there.

    ``pipe`` names the pipe call the site is; None for rendering a value.
    """

    source: str
    start: int
    end: int
    pipe: str | None
    subject: str


def build_evaluator(
    source: str, tree: Template, bound: tuple[tuple[BoundPipe, ...], ...], budget: Budget
) -> Evaluator:
    """Return the function evaluating ``tree`` (which must have checked out)."""
    parts = tree.parts
    if not parts:
        return _constant(None)
    chains = iter(bound)
    if len(parts) == 1:
        part = parts[0]
        if isinstance(part, Interpolation):
            return _interpolation(source, part, next(chains), budget, native=True)
        return _constant(part.value or None)
    pieces: list[str | tuple[Evaluator, _Site]] = []
    for part in parts:
        if isinstance(part, Interpolation):
            get = _interpolation(source, part, next(chains), budget, native=False)
            subject = source[part.start : part.end]
            pieces.append((get, _Site(source, part.start, part.end, None, subject)))
        else:
            pieces.append(part.value)
    whole = _Site(source, 0, len(source), None, "the template")
    return _text(tuple(pieces), budget, whole)


def _constant(value: Any) -> Evaluator:
    def evaluate(scope: Scope) -> Any:
        return value

    return evaluate


def _interpolation(
    source: str,
    node: Interpolation,
    chain: tuple[BoundPipe, ...],
    budget: Budget,
    *,
    native: bool,
) -> Evaluator:
    get = _primary(node.value)
    if not chain:
        if native:
            return _empty_to_none(get)
        return get
    subject = source[node.value.start : node.value.end]
    calls = tuple(
        (
            pipe.spec.bind(budget),
            pipe.args,
            pipe.spec.signature.text_value,
            _Site(source, pipe.node.start, pipe.node.end, pipe.node.name, subject),
        )
        for pipe in chain
    )
    last = calls[-1][3]
    check = budget.value
    # A cheap pre-filter for the common case; budget.value decides and raises.
    max_text = budget.limits.max_string_length

    def evaluate(scope: Scope) -> Any:
        value = get(scope)
        for call, args, text_value, site in calls:
            try:
                if value.__class__ is str:
                    if len(value) > max_text:
                        check(value)
                elif value is None:
                    value = ""
                else:
                    check(value)
                    if text_value:
                        value = to_text(value, budget)
                value = call(value, *args)
            except Exception as error:
                raise _failure(error, site) from error
        if value.__class__ is str:
            if len(value) > max_text:
                _check_result(check, value, last)
            return value or None
        _check_result(check, value, last)
        return value

    return evaluate


def _primary(node: Reference | FunctionCall) -> Evaluator:
    if isinstance(node, Reference):
        return _reference(node.namespace, node.key)
    getters = tuple(_reference(arg.namespace, arg.key) for arg in node.args)

    def collect(scope: Scope) -> list[Any]:
        return [get(scope) for get in getters]

    return collect


def _reference(namespace: str, key: str) -> Evaluator:
    def get(scope: Scope) -> Any:
        try:
            return scope[namespace][key]  # type: ignore[index]
        except LOOKUP_ERRORS:
            return lookup(scope, namespace, key)

    return get


def _empty_to_none(get: Evaluator) -> Evaluator:
    def evaluate(scope: Scope) -> Any:
        value = get(scope)
        return None if value.__class__ is str and not value else value

    return evaluate


def _text(
    pieces: tuple[str | tuple[Evaluator, _Site], ...], budget: Budget, whole: _Site
) -> Evaluator:
    def evaluate(scope: Scope) -> str | None:
        rendered: list[str] = []
        for piece in pieces:
            if isinstance(piece, str):
                rendered.append(piece)
                continue
            get, site = piece
            value = get(scope)
            if value.__class__ is str:
                rendered.append(value)
                continue
            try:
                rendered.append(to_text(value, budget))
            except Exception as error:
                raise _failure(error, site) from error
        try:
            budget.text(sum(map(len, rendered)), "the text of the template")
        except Exception as error:
            raise _failure(error, whole) from error
        return "".join(rendered) or None

    return evaluate


def _check_result(check: Callable[[Any], None], value: Any, site: _Site) -> None:
    try:
        check(value)
    except Exception as error:
        raise _failure(error, site) from error


def _failure(error: Exception, site: _Site) -> ExpressionError:
    """Turn what a pipe or the rendering raised into an ExpressionError pointing at it."""
    if isinstance(error, ExpressionError) and error.diagnostics:
        return error
    source, pipe, subject = site.source, site.pipe, site.subject
    where = f"in expression {_excerpt(source)}"
    code = str(getattr(error, "code", "pipe-failed"))
    if code == "required-missing":
        message = f"required value '{subject}' is missing {where}"
    elif not isinstance(error, ExpressionError):
        code = "pipe-failed"
        message = f"pipe '{pipe}' failed on '{subject}' {where}: {type(error).__name__}: {error}"
    elif pipe is None:
        message = f"cannot render {_quoted(subject)} {where}: {error}"
    else:
        message = f"pipe '{pipe}' on '{subject}' {where}: {error}"
    diagnostic = Diagnostic.at(code, message, source, site.start, site.end)
    return ExpressionError(message, (diagnostic,))


def _quoted(subject: str) -> str:
    return subject if subject == "the template" else repr(subject)


def _excerpt(source: str, width: int = 80) -> str:
    return repr(source if len(source) <= width else source[: width - 3] + "...")
