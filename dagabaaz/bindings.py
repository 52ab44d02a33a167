"""Resolving input bindings: the values a node's bindings put into a task's input.

A binding is one of four sources (see :mod:`dagabaaz.models`), optionally gated
by a ``when`` clause:

* :class:`~dagabaaz.models.NodeSource` reads a field of a dependency's
  artifacts: a standard field (file_path, file_name, file_size, mime_type) or a
  metadata key, native types kept. One value is handed over as it is, several
  as a list, none leaves the field unset.
* :class:`~dagabaaz.models.ConfigSource` is a literal.
* :class:`~dagabaaz.models.RuntimeSource` reads the run input under its key (or,
  with an empty key, under the bound field's name), else its default.
* :class:`~dagabaaz.models.ExpressionSource` evaluates an expression over the
  dependencies' artifacts, ``input.`` and ``config.``.

A binding whose value is None leaves the field as it was; so does a binding
whose ``when`` clause is falsy (:func:`dagabaaz.expressions.is_truthy`). Values
are copies, so a plugin mutating its input never changes a stored artifact.
Every failure raises :class:`~dagabaaz.errors.BindingError` naming the node,
the field and the expression.

The task-level entry point is :func:`dagabaaz.task_input.resolve_task_bindings`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Container, Mapping, Sequence
from typing import Any

from dagabaaz._base.arguments import check_mapping, type_name
from dagabaaz._base.copying import copy_value
from dagabaaz._pipeline.references import compile_binding_expression
from dagabaaz._runtime.values import is_missing
from dagabaaz._worker.scope import UNSET, BindingScope, collected_value
from dagabaaz.constants import RESERVED_NAMESPACES
from dagabaaz.errors import BindingError, Clause, ExpressionError
from dagabaaz.expressions import Expression, Limits, is_truthy
from dagabaaz.models import (
    BindingSource,
    ConfigSource,
    DagArtifact,
    ExpressionSource,
    NodeSource,
    RuntimeSource,
    TaskArtifact,
)
from dagabaaz.pipes import PipeRegistry

__all__ = ["resolve_binding"]


def resolve_binding(
    binding: BindingSource,
    artifacts_by_node: Mapping[int, Sequence[TaskArtifact]],
    slug_to_node_index: Mapping[str, int],
    run_input: Mapping[str, Any] | None,
    node_config: Mapping[str, Any] | None = None,
    *,
    node: str = "",
    field: str = "",
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
) -> Any:
    """Resolve one binding against artifacts grouped by producing node.

    Kept for callers of the earlier version; tasks use
    :func:`dagabaaz.task_input.resolve_task_bindings`, which also decides what
    each task may see.

    Args:
        binding: The binding to resolve.
        artifacts_by_node: Artifacts by the index of the node they are seen
            under (:class:`~dagabaaz.models.TaskArtifact`; a
            :class:`~dagabaaz.models.DagArtifact` also fits, without a
            ``file_path``).
        slug_to_node_index: Slug of every node the binding may read, to its
            index; a node it does not hold reads as missing (no artifacts).
        run_input: The run input.
        node_config: The node's config.
        node: Slug of the bound node, for error messages.
        field: The bound field; names the run input of a ``RuntimeSource``
            with an empty key, and appears in error messages.
        pipes: The pipe registry for expressions; the built-ins when None.
        limits: The limits expressions evaluate under; the defaults when None.

    Returns:
        The value (a copy), or None when the binding yields no value. A
        ``when`` clause is not evaluated here (as in the README's version):
        :func:`dagabaaz.task_input.resolve_task_bindings` applies it.

    Raises:
        TypeError: An argument is of the wrong kind (the message names it).
        BindingError: See :func:`apply_bindings`.
    """
    _check_legacy_arguments(binding, artifacts_by_node, slug_to_node_index, run_input, node_config)
    scope = BindingScope(
        node=node,
        artifacts={
            slug: artifacts_by_node[index]
            for slug, index in slug_to_node_index.items()
            if index in artifacts_by_node
        },
        readable=frozenset(slug_to_node_index),
        run_input=run_input or {},
        node_config=node_config or {},
        pipes=pipes,
        limits=limits,
        any_node=True,
    )
    # The README's version's contract: a ``when`` clause belongs to the task
    # (resolve_task_bindings), so one binding resolves to its value regardless.
    value = _unconditional_value(field, binding, scope)
    return None if value is UNSET else value


_SOURCES = (NodeSource, ConfigSource, RuntimeSource, ExpressionSource)


def _check_legacy_arguments(
    binding: object,
    artifacts_by_node: object,
    slug_to_node_index: object,
    run_input: object,
    node_config: object,
) -> None:
    if not isinstance(binding, _SOURCES):
        raise TypeError(
            "binding must be a NodeSource, ConfigSource, RuntimeSource or ExpressionSource, "
            f"got {type_name(binding)}"
        )
    artifacts = check_mapping(
        artifacts_by_node, "artifacts_by_node", "a mapping of node index to artifacts"
    )
    for index, found in artifacts.items():
        if isinstance(found, str | bytes) or not isinstance(found, Sequence):
            raise TypeError(
                f"artifacts_by_node[{index!r}] must be a list of TaskArtifact, "
                f"got {type_name(found)}"
            )
        for position, artifact in enumerate(found):
            if not isinstance(artifact, TaskArtifact | DagArtifact):
                raise TypeError(
                    f"artifacts_by_node[{index!r}][{position}] must be a TaskArtifact "
                    f"or DagArtifact, got {type_name(artifact)}"
                )
    check_mapping(slug_to_node_index, "slug_to_node_index", "a mapping of node slug to index")
    for value, name in ((run_input, "run_input"), (node_config, "node_config")):
        if value is not None:
            check_mapping(value, name)


def apply_bindings(
    bindings: Mapping[str, BindingSource],
    input_data: Mapping[str, Any],
    scope: BindingScope,
    *,
    inherited: Container[str] = (),
    gated: list[tuple[str, str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a new dict: ``input_data`` with every binding that yields a value applied.

    The building block of :func:`dagabaaz.task_input.resolve_task_bindings`,
    which builds the scope from what the task sees.

    Args:
        bindings: Field name to binding, in the node's order.
        input_data: The task input the bindings overlay; not modified.
        scope: What the bindings may read.
        inherited: Fields of ``input_data`` that were spread in from the
            task's input artifact metadata. A bound field belongs to its
            binding, so when the binding yields nothing (a falsy ``when``, no
            value) such a field is removed rather than left to leak through.
        gated: When given, each binding a falsy ``when`` clause gated off is
            appended to it as ``(field, clause, value the clause evaluated to)``,
            in the node's binding order (for the task's bindings reason).

    Raises:
        BindingError: An expression or ``when`` clause failed to compile or
            to evaluate, a required run input is missing, or a binding reads
            a node outside ``scope.readable``.
    """
    result = dict(input_data)
    for field, binding in bindings.items():
        value = _binding_value(field, binding, scope, gated)
        if value is not UNSET:
            result[field] = value
        elif field in inherited:
            result.pop(field, None)
    return result


def _binding_value(
    field: str,
    binding: BindingSource,
    scope: BindingScope,
    gated: list[tuple[str, str, Any]] | None,
) -> Any:
    if binding.when is not None:
        condition = _evaluate(binding.when, field, "when", scope)
        if not is_truthy(condition):
            if gated is not None:
                gated.append((field, binding.when, condition))
            return UNSET
    return _unconditional_value(field, binding, scope)


def _unconditional_value(field: str, binding: BindingSource, scope: BindingScope) -> Any:
    value = _raw_value(field, binding, scope)
    return UNSET if value is None or value is UNSET else copy_value(value)


def _raw_value(field: str, binding: BindingSource, scope: BindingScope) -> Any:
    if isinstance(binding, NodeSource):
        _require_readable(binding.node, field, None, "value", scope)
        return collected_value(scope.artifacts.get(binding.node, ()), binding.key)
    if isinstance(binding, ConfigSource):
        # As in the README's version, where the value was a string: "" is no value.
        return None if binding.value == "" else binding.value
    if isinstance(binding, RuntimeSource):
        return _runtime_value(field, binding, scope)
    if isinstance(binding, ExpressionSource):
        return _evaluate(binding.expression, field, "value", scope)
    raise BindingError(
        f"unsupported binding type {type(binding).__name__}", node=scope.node, field=field
    )


def _runtime_value(field: str, binding: RuntimeSource, scope: BindingScope) -> Any:
    key = binding.key or field
    value = scope.run_input.get(key)
    if is_missing(value) and not is_missing(binding.default):
        value = binding.default
    if binding.required and is_missing(value):
        raise BindingError(f"required run input '{key}' is missing", node=scope.node, field=field)
    return value


def _evaluate(source: str, field: str, clause: Clause, scope: BindingScope) -> Any:
    expression = compile_binding_expression(
        source,
        node=scope.node,
        field=field,
        clause=clause,
        pipes=scope.pipes,
        limits=scope.limits,
    )
    _check_references(expression, field, clause, scope)
    try:
        if scope.strict:
            return expression.evaluate(scope.values(), strict=True)
        return expression.evaluate(scope.lookup)
    except ExpressionError as error:
        raise _evaluation_failure(error, source, field, clause, scope) from error


# The evaluator names the expression in its messages; a BindingError names it
# in its own prefix (and a diagnostic shows it under the carets), so the
# evaluator's phrase is dropped to say it once.
_EXPRESSION_PHRASE = re.compile(r""" in expression (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _without_expression(message: str) -> str:
    return _EXPRESSION_PHRASE.sub("", message, count=1)


def _evaluation_failure(
    error: ExpressionError, source: str, field: str, clause: Clause, scope: BindingScope
) -> BindingError:
    path = scope.binding_path(field, "when" if clause == "when" else "expression")
    diagnostics = [
        dataclasses.replace(d, message=_without_expression(d.message)).located(
            node=scope.node or None, field=field, path=path
        )
        for d in error.diagnostics
    ]
    return BindingError(
        _without_expression(str(error)),
        node=scope.node,
        field=field,
        expression=source,
        clause=clause,
        diagnostics=diagnostics,
    )


def _check_references(
    expression: Expression, field: str, clause: Clause, scope: BindingScope
) -> None:
    for namespace, _key in expression.references:
        if namespace not in RESERVED_NAMESPACES:
            _require_readable(namespace, field, expression.source, clause, scope)


def _require_readable(
    slug: str, field: str, source: str | None, clause: Clause, scope: BindingScope
) -> None:
    if slug not in scope.readable and not scope.any_node:
        raise BindingError(
            f"reads node '{slug}', which is not one of its dependencies",
            node=scope.node,
            field=field,
            expression=source,
            clause=clause,
        )
