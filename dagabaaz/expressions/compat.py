"""The expression functions of the earlier version, on top of the new toolkit."""

from __future__ import annotations

from dagabaaz.expressions.ast import collect_references
from dagabaaz.expressions.checker import check_expression
from dagabaaz.expressions.compiler import compile_expression
from dagabaaz.expressions.parser import parse_partial
from dagabaaz.expressions.scope import Scope

__all__ = ["RESERVED_NAMESPACES", "extract_refs", "resolve_expression", "validate_expression"]

RESERVED_NAMESPACES = frozenset({"input", "config"})
"""Namespaces that are not node slugs: the run input and the node's config."""


def resolve_expression(expression: str, lookup: Scope) -> object:
    """Evaluate ``expression`` with the built-in pipes.

    Args:
        expression: The template.
        lookup: A callable ``(namespace, key) -> value`` or a scope mapping.

    Raises:
        ExpressionError: The expression is invalid or a pipe failed.
    """
    return compile_expression(expression).evaluate(lookup)


def validate_expression(expression: str) -> str | None:
    """Return the message of the first error in ``expression``, or None if it is valid."""
    errors = [d for d in check_expression(expression) if d.is_error]
    return errors[0].message if errors else None


def extract_refs(expression: str) -> tuple[set[str], set[str]]:
    """Return ``(node_slugs, runtime_input_keys)`` read by ``expression``.

    Node slugs are the namespaces other than ``input`` and ``config``; runtime
    input keys are the keys read from ``input``. An expression with syntax
    errors contributes what its valid interpolations read.
    """
    tree = parse_partial(expression).tree
    slugs: set[str] = set()
    inputs: set[str] = set()
    for reference in collect_references(tree):
        if reference.namespace == "input":
            inputs.add(reference.key)
        elif reference.namespace not in RESERVED_NAMESPACES:
            slugs.add(reference.namespace)
    return slugs, inputs
