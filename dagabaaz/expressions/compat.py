"""The expression functions of the README's version, on top of the new toolkit.

They keep that version's answers where the toolkit's differ on purpose:

* ``resolve_expression`` returns ``""`` when a template that is one
  interpolation gives the empty string (``Expression.evaluate`` returns None
  for every empty result);
* ``extract_refs`` refuses a template with a syntax error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from dagabaaz.constants import RESERVED_NAMESPACES
from dagabaaz.expressions.ast import Interpolation, Reference, Template, collect_references
from dagabaaz.expressions.checker import analyze, check_expression
from dagabaaz.expressions.compiler import compile_expression
from dagabaaz.expressions.evaluator import Chain, Evaluator, build_evaluator, build_plan
from dagabaaz.expressions.parser import expression_error, parse
from dagabaaz.expressions.scope import Scope, lookup

__all__ = [
    "RESERVED_NAMESPACES",
    "Lookup",
    "extract_refs",
    "resolve_expression",
    "validate_expression",
]

Lookup = Callable[[str, str], Any]
"""The README's version's scope: ``lookup(namespace, key) -> value``, None when absent."""

"""Namespaces that are not node slugs: the run input and the node's config."""


class _Empty:
    """Stands for ``""`` produced by a pipe, so it is not turned into None."""

    __slots__ = ()


_EMPTY: Final = _Empty()


def resolve_expression(expression: str, lookup: Scope) -> object:
    """Evaluate ``expression`` with the built-in pipes, as the README's version did.

    A template that is exactly one interpolation returns its value as it is,
    the empty string included: ``"{missing.key | upper}"`` gives ``""``.
    Otherwise the result is that of :meth:`Expression.evaluate`.

    Args:
        expression: The template.
        lookup: A callable ``(namespace, key) -> value`` or a scope mapping.

    Raises:
        ExpressionError: The expression is invalid or a pipe failed.
    """
    compiled = compile_expression(expression)
    value = compiled.evaluate(lookup)
    if value is not None or not _is_lone(compiled.ast):
        return value
    return _lone_value(expression)(lookup)


def validate_expression(expression: str) -> str | None:
    """Return the message of the first error in ``expression``, or None if it is valid."""
    errors = [d for d in check_expression(expression) if d.is_error]
    return errors[0].message if errors else None


def extract_refs(expression: str) -> tuple[set[str], set[str]]:
    """Return ``(node_slugs, runtime_input_keys)`` read by ``expression``.

    Node slugs are the namespaces other than ``input`` and ``config``; runtime
    input keys are the keys read from ``input``. Pipe names are not checked.

    Raises:
        ExpressionError: The expression is not valid syntax (an unclosed
            brace, an empty reference...).
    """
    slugs: set[str] = set()
    inputs: set[str] = set()
    for reference in collect_references(parse(expression)):
        if reference.namespace == "input":
            inputs.add(reference.key)
        elif reference.namespace not in RESERVED_NAMESPACES:
            slugs.add(reference.namespace)
    return slugs, inputs


def _is_lone(tree: Template) -> bool:
    return len(tree.parts) == 1 and isinstance(tree.parts[0], Interpolation)


def _lone_value(source: str) -> Callable[[Scope], object]:
    """Evaluate a one-interpolation template without turning ``""`` into None.

    Only asked when the compiled expression gave None, so it is not cached:
    the compile cache bounds what it holds, and this keeps no second copy.
    """
    analysis = analyze(source)
    if not analysis.ok:
        raise expression_error(source, analysis.diagnostics)
    plan = build_plan(source, analysis.tree, analysis.bound, analysis.budget)
    chain = plan.parts[0]
    assert isinstance(chain, Chain)  # a lone interpolation
    if not chain.steps:
        value = analysis.tree.parts[0]
        assert isinstance(value, Interpolation)
        if isinstance(value.value, Reference):
            namespace, key = value.value.namespace, value.value.key
            return lambda scope: lookup(scope, namespace, key)
        return build_evaluator(plan)  # list(...) is a list, never ""
    last = chain.steps[-1]
    function = last.function

    def keep_empty(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        return _EMPTY if result.__class__ is str and not result else result

    steps = (*chain.steps[:-1], last._replace(function=keep_empty))
    evaluate: Evaluator = build_evaluator(plan._replace(parts=(chain._replace(steps=steps),)))
    return lambda scope: _unmark(evaluate(scope))


def _unmark(value: object) -> object:
    return "" if value is _EMPTY else value
