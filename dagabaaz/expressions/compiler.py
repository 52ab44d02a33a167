"""Compiled expressions: check once, then evaluate many times.

Compiling the same source with the same registry (unchanged since) and the
same limits returns the same :class:`Expression` from a cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagabaaz.expressions.ast import Template
from dagabaaz.expressions.checker import DEFAULT_LIMITS, analyze
from dagabaaz.expressions.evaluator import build_evaluator, build_plan
from dagabaaz.expressions.limits import Limits
from dagabaaz.expressions.parser import expression_error
from dagabaaz.expressions.scope import Scope
from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["Expression", "build_expression", "compile_expression"]

_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Expression:
    """A checked, compiled expression template.

    Attributes:
        source: The template text.
        ast: Its typed syntax tree.
        references: Every ``(namespace, key)`` it reads.
        limits: The limits it runs under.
        evaluate: ``evaluate(scope)`` returns the value of the template in
            ``scope``: a mapping ``namespace -> mapping key -> value``, or a
            callable ``(namespace, key) -> value``. Raises
            :class:`~dagabaaz.errors.ExpressionError` when a pipe fails
            (``required`` on a missing value, a limit exceeded).
    """

    source: str
    ast: Template = field(repr=False)
    references: frozenset[tuple[str, str]] = field(repr=False)
    limits: Limits = field(repr=False)
    evaluate: Callable[[Scope], Any] = field(repr=False, compare=False)

    @property
    def namespaces(self) -> frozenset[str]:
        """The namespaces the expression reads."""
        return frozenset(namespace for namespace, _ in self.references)


def compile_expression(
    source: str, *, pipes: PipeRegistry | None = None, limits: Limits | None = None
) -> Expression:
    """Check and compile an expression template.

    Args:
        source: The template, such as ``"{source.title | upper | truncate(50)}"``.
        pipes: The pipe registry; the built-ins by default.
        limits: The limits evaluation runs under; the defaults by default.

    Raises:
        ExpressionError: The expression has errors; ``diagnostics`` lists them all.
    """
    if not isinstance(source, str):
        raise TypeError(f"an expression must be a str, not {type(source).__name__}")
    registry = DEFAULT_PIPES if pipes is None else pipes
    if not isinstance(registry, PipeRegistry):
        raise TypeError(f"pipes must be a PipeRegistry, not {type(registry).__name__}")
    chosen = DEFAULT_LIMITS if limits is None else limits
    if not isinstance(chosen, Limits):
        raise TypeError(f"limits must be a Limits, not {type(chosen).__name__}")
    return _compile(source, registry, registry.generation, chosen)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(source: str, pipes: PipeRegistry, generation: int, limits: Limits) -> Expression:
    # ``generation`` is only part of the cache key: a registry that gained a
    # pipe since must not get an expression compiled before.
    return build_expression(source, pipes, limits)


def build_expression(source: str, pipes: PipeRegistry, limits: Limits) -> Expression:
    """Compile ``source`` without the cache (what :func:`compile_expression` caches).

    Raises:
        ExpressionError: The expression has errors; ``diagnostics`` lists them all.
    """
    analysis = analyze(source, pipes=pipes, limits=limits)
    if not analysis.ok:
        raise expression_error(source, analysis.diagnostics)
    tree = analysis.tree
    references = frozenset((r.namespace, r.key) for r in analysis.references)
    plan = build_plan(source, tree, analysis.bound, analysis.budget)
    evaluate = build_evaluator(plan)
    return Expression(source, tree, references, limits, evaluate)
