"""Compiled expressions: check once, then evaluate many times.

Compiling the same source with the same registry (unchanged since) and the
same limits returns the same :class:`Expression` from a cache. The cache is
bounded twice: at most ``max_entries`` expressions, and at most ``max_bytes``
of them by an estimate of the memory each holds (:func:`estimated_size`,
weighed by what the compiled form keeps per character, interpolation,
reference, pipe call and argument). An expression estimated above a
sixteenth of ``max_bytes`` is compiled every time instead of cached.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field

from dagabaaz._runtime.limits import DEFAULT_LIMITS, Limits
from dagabaaz.expressions.ast import Template
from dagabaaz.expressions.cache import BoundedCache, CacheInfo
from dagabaaz.expressions.checker import analyze
from dagabaaz.expressions.evaluator import Evaluator, Plan, build_evaluator, build_plan
from dagabaaz.expressions.parser import expression_error
from dagabaaz.expressions.strict import LazyStrict
from dagabaaz.pipes.builtin import DEFAULT_PIPES
from dagabaaz.pipes.registry import PipeRegistry

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_CACHE_ENTRIES",
    "CacheInfo",
    "Expression",
    "build_expression",
    "clear_compile_cache",
    "compile_cache_info",
    "compile_expression",
    "configure_compile_cache",
    "estimated_size",
]

DEFAULT_CACHE_ENTRIES = 1024
"""Most compiled expressions the cache keeps, by default."""

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
"""Most estimated bytes of compiled expressions the cache keeps, by default (64 MiB)."""

# What a compiled expression holds, in bytes, measured with tracemalloc over
# templates of every shape (tests/expressions/test_compile_cache.py checks
# that the estimate stays above the measure). Each is rounded up.
_BASE_BYTES = 12_000
_SOURCE_COPIES = 2  # the source, and the text parts and excerpts cut from it
_REFERENCE_TEXT_COPIES = 4  # a reference's key, its text and two excerpts naming it
_ARGUMENT_TEXT_COPIES = 2  # an argument as parsed and as converted
_BYTES_PER_INTERPOLATION = 650
_BYTES_PER_REFERENCE = 250
_BYTES_PER_PIPE_CALL = 1_500
_BYTES_PER_ARGUMENT = 200


@dataclass(frozen=True, slots=True)
class Expression:
    """A checked, compiled expression template.

    Attributes:
        source: The template text.
        ast: Its typed syntax tree.
        references: Every ``(namespace, key)`` it reads.
        limits: The limits it runs under.
        evaluate: ``evaluate(scope, strict=False)`` returns the value of the
            template in ``scope``: a mapping ``namespace -> mapping key ->
            value``, or a callable ``(namespace, key) -> value``. Raises
            :class:`~dagabaaz.errors.ExpressionError` when a pipe fails
            (``required`` on a missing value, a limit exceeded). With
            ``strict=True`` a missing reference fails too (code
            ``missing-reference``), unless it is piped straight into
            ``default`` or ``required``, and ``int`` fails on text that is
            not a number (see :mod:`dagabaaz.expressions.strict`).
    """

    source: str
    ast: Template = field(repr=False)
    references: frozenset[tuple[str, str]] = field(repr=False)
    limits: Limits = field(repr=False)
    evaluate: Evaluator = field(repr=False, compare=False)

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
    # The registry's generation is part of the key: a registry that gained a
    # pipe since must not get an expression compiled before.
    key = (source, registry, registry.generation, chosen)
    expression = _cache.get(key)
    if expression is None:
        expression, plan = _build(source, registry, chosen)
        _cache.put(key, expression, estimated_size(source, plan))
    return expression


def build_expression(source: str, pipes: PipeRegistry, limits: Limits) -> Expression:
    """Compile ``source`` without the cache (what :func:`compile_expression` caches).

    Raises:
        ExpressionError: The expression has errors; ``diagnostics`` lists them all.
    """
    return _build(source, pipes, limits)[0]


def configure_compile_cache(
    *, max_bytes: int | None = None, max_entries: int | None = None
) -> CacheInfo:
    """Change the bounds of the compile cache; return what it holds afterwards.

    Args:
        max_bytes: Most estimated bytes of compiled expressions to keep
            (default :data:`DEFAULT_CACHE_BYTES`, 64 MiB). An expression
            estimated above a sixteenth of it is never cached. 0 turns the
            cache off.
        max_entries: Most expressions to keep (default
            :data:`DEFAULT_CACHE_ENTRIES`, 1,024).

    Entries over the new bounds are dropped at once, least recently used first.

    Raises:
        ValueError: A bound is not an int >= 0.
    """
    _cache.configure(max_bytes=max_bytes, max_entries=max_entries)
    return _cache.info()


def compile_cache_info() -> CacheInfo:
    """Return how many expressions the compile cache holds, their estimated bytes, its bounds."""
    return _cache.info()


def clear_compile_cache() -> None:
    """Drop every cached expression (the bounds stay)."""
    _cache.clear()


def estimated_size(source: str, plan: Plan) -> int:
    """Estimate the bytes a compiled expression holds.

    An upper bound, from what the plan already holds: the sizes in memory of
    the source, the references' names and the arguments, and the counts of
    interpolations, references, pipe calls and arguments.
    """
    chains = [part for part in plan.parts if not isinstance(part, str)]
    refs = [ref for chain in chains for ref in chain.refs]
    steps = [step for chain in chains for step in chain.steps]
    arguments = [argument for step in steps for argument in step.args]
    return (
        _BASE_BYTES
        + _SOURCE_COPIES * sys.getsizeof(source)
        + _REFERENCE_TEXT_COPIES * sum(map(_payload, itertools.chain.from_iterable(refs)))
        + _ARGUMENT_TEXT_COPIES * sum(map(_payload, arguments))
        + _BYTES_PER_INTERPOLATION * len(chains)
        + _BYTES_PER_REFERENCE * len(refs)
        + _BYTES_PER_PIPE_CALL * len(steps)
        + _BYTES_PER_ARGUMENT * len(arguments)
    )


_EMPTY_OBJECT_BYTES = sys.getsizeof("")


def _payload(value: object) -> int:
    """Bytes ``value`` holds beyond what the per-reference or per-argument cost counts."""
    return max(sys.getsizeof(value) - _EMPTY_OBJECT_BYTES, 0)


def _build(source: str, pipes: PipeRegistry, limits: Limits) -> tuple[Expression, Plan]:
    analysis = analyze(source, pipes=pipes, limits=limits)
    if not analysis.ok:
        raise expression_error(source, analysis.diagnostics)
    tree = analysis.tree
    references = frozenset((r.namespace, r.key) for r in analysis.references)
    plan = build_plan(source, tree, analysis.bound, analysis.budget)
    evaluate = build_evaluator(plan, LazyStrict(plan))
    return Expression(source, tree, references, limits, evaluate), plan


_cache: BoundedCache[Expression] = BoundedCache(
    max_bytes=DEFAULT_CACHE_BYTES, max_entries=DEFAULT_CACHE_ENTRIES
)
