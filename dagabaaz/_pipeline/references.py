"""What a binding reads: its expressions, and the run inputs and nodes they name.

One place answers "which expressions does this binding hold" so the schema,
the reference check and the resolver cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagabaaz.constants import INPUT_NAMESPACE, RESERVED_NAMESPACES
from dagabaaz.diagnostics import explain_all
from dagabaaz.errors import BindingError, Clause, ExpressionError
from dagabaaz.expressions import Expression, Limits, compile_expression
from dagabaaz.expressions.ast import Reference, collect_references
from dagabaaz.models import BindingSource, ExpressionSource, NodeSource
from dagabaaz.pipes import PipeRegistry


def binding_expressions(binding: BindingSource) -> Iterator[tuple[Clause, str]]:
    """Yield ``(clause, source)`` for the binding's expression and its ``when`` clause."""
    if isinstance(binding, ExpressionSource):
        yield "value", binding.expression
    if binding.when is not None:
        yield "when", binding.when


def compile_binding_expression(
    source: str,
    *,
    node: str,
    field: str,
    clause: Clause,
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
) -> Expression:
    """Compile one expression of a binding, naming the binding when it does not compile.

    The expression toolkit caches compiled expressions by source, registry and
    limits, so calling this for every task compiles each expression once.
    """
    try:
        return compile_expression(source, pipes=pipes, limits=limits)
    except ExpressionError as error:
        raise BindingError(
            _compile_reason(error),
            node=node,
            field=field,
            expression=source,
            clause=clause,
            diagnostics=error.diagnostics,
        ) from error


def _compile_reason(error: ExpressionError) -> str:
    # BindingError names the expression itself; the toolkit's message would
    # repeat it ("invalid expression '...': ..."), so use the diagnostics.
    errors = [d for d in error.diagnostics if d.is_error]
    if not errors:
        return str(error)
    count = f"{len(errors)} problems: " if len(errors) > 1 else ""
    return count + explain_all(errors)


def ordered_references(expression: Expression) -> list[tuple[str, str]]:
    """Return the expression's ``(namespace, key)`` references, first appearance first."""
    unique: dict[tuple[str, str], None] = {}
    for reference in collect_references(expression.ast):
        unique.setdefault((reference.namespace, reference.key))
    return list(unique)


def required_input_keys(expression: Expression) -> frozenset[str]:
    """Return the ``input`` keys piped into ``required`` before any ``default``.

    Such an expression fails without the value, so the run input is required.
    """
    keys: set[str] = set()
    for interpolation in expression.ast.interpolations:
        value = interpolation.value
        if not isinstance(value, Reference) or value.namespace != INPUT_NAMESPACE:
            continue
        for pipe in interpolation.pipes:
            if pipe.name == "default":
                break
            if pipe.name == "required":
                keys.add(value.key)
                break
    return frozenset(keys)


def binding_input_keys(
    binding: BindingSource, *, node: str, field: str, pipes: PipeRegistry | None = None
) -> dict[str, bool]:
    """Return the run-input keys the binding's expressions read, in order.

    Each key maps to whether every run needs it: an expression requires it
    (see :func:`required_input_keys`) and that expression is always
    evaluated. A ``when`` clause is; the binding's value is evaluated only
    when its clause is truthy, so what the value requires is not required of
    every run.
    """
    keys: dict[str, bool] = {}
    for clause, source in binding_expressions(binding):
        compiled = compile_binding_expression(
            source, node=node, field=field, clause=clause, pipes=pipes
        )
        conditional = clause == "value" and binding.when is not None
        required = frozenset() if conditional else required_input_keys(compiled)
        for namespace, key in ordered_references(compiled):
            if namespace == INPUT_NAMESPACE:
                keys[key] = keys.get(key, False) or key in required
    return keys


def binding_node_slugs(
    binding: BindingSource, *, node: str, field: str, pipes: PipeRegistry | None = None
) -> list[str]:
    """Return the node slugs the binding reads, in order, each once."""
    slugs: dict[str, None] = {}
    if isinstance(binding, NodeSource):
        slugs.setdefault(binding.node)
    for clause, source in binding_expressions(binding):
        compiled = compile_binding_expression(
            source, node=node, field=field, clause=clause, pipes=pipes
        )
        for namespace, _key in ordered_references(compiled):
            if namespace not in RESERVED_NAMESPACES:
                slugs.setdefault(namespace)
    return list(slugs)
