"""Save-time checks of a node's bindings, ``when`` clauses included."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator

from dagabaaz._base.suggest import Suggester
from dagabaaz._pipeline.codes import PIPELINE_CODES, problem
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.expressions import check_expression
from dagabaaz.models import BindingSource, DagNode, ExpressionSource, NodeSource
from dagabaaz.pipes import PipeRegistry

__all__ = ["RESERVED_NAMESPACES", "check_bindings"]

RESERVED_NAMESPACES = frozenset({"input", "config"})
"""Expression namespaces that are not node slugs: the run input and the node config."""


def check_bindings(
    node: DagNode, index: int, slugs: Collection[str], pipes: PipeRegistry | None
) -> Iterator[Diagnostic]:
    """Yield every problem of ``node.bindings``, located in the pipeline.

    ``slugs`` are all the pipeline's slugs: a read of one of them that is
    not in ``depends_on`` is an ``undeclared-dependency``, a read of any
    other name stays the toolkit's ``unknown-namespace``.
    """
    context = _Context(
        own_slug=node.slug,
        dependencies=frozenset(node.depends_on),
        namespaces=frozenset(node.depends_on) | RESERVED_NAMESPACES,
        slugs=slugs,
        suggest=Suggester(node.depends_on),
        pipes=pipes,
    )
    for field, binding in node.bindings.items():
        base: tuple[str | int, ...] = ("nodes", index, "bindings", field)
        for diagnostic, part in _binding_problems(field, binding, context):
            yield diagnostic.located(node=node.slug, field=field, path=base + part)


@dataclasses.dataclass(frozen=True, slots=True)
class _Context:
    """What the checks of one node's bindings share."""

    own_slug: str
    dependencies: frozenset[str]
    namespaces: frozenset[str]
    """What an expression may read: the dependencies, ``input`` and ``config``."""
    slugs: Collection[str]
    suggest: Suggester
    pipes: PipeRegistry | None


def _binding_problems(
    field: str, binding: BindingSource, context: _Context
) -> Iterator[tuple[Diagnostic, tuple[str, ...]]]:
    if not field.strip():
        yield problem("empty-binding-field", "a binding is keyed by an empty field"), ()
    if isinstance(binding, NodeSource):
        for diagnostic, part in _node_source_problems(binding, context):
            yield diagnostic, (part,)
    elif isinstance(binding, ExpressionSource):
        for diagnostic in _expression_problems(binding.expression, context):
            yield diagnostic, ("expression",)
    if binding.when is not None:
        for diagnostic in _expression_problems(binding.when, context, when=True):
            yield diagnostic, ("when",)


def _node_source_problems(
    binding: NodeSource, context: _Context
) -> Iterator[tuple[Diagnostic, str]]:
    if not binding.node.strip():
        yield problem("empty-source-node", "the binding names no node to read"), "node"
    elif binding.node not in context.dependencies:
        message, hint = _undeclared(binding.node, context, reader="binding")
        yield problem("undeclared-dependency", message, hint=hint), "node"
    if not binding.key.strip():
        yield problem("empty-source-key", "the binding names no key to read"), "key"


def _undeclared(name: str, context: _Context, *, reader: str) -> tuple[str, str | None]:
    """Return the message and hint for a read of node ``name`` outside depends_on."""
    if name == context.own_slug:
        return f"the {reader} reads its own node '{name}'; a node cannot read its outputs", None
    message = f"the {reader} reads node '{name}', which is not in depends_on"
    if name in context.slugs:
        return message, f"add '{name}' to depends_on"
    return message, context.suggest.hint(name)


def _expression_problems(
    source: str, context: _Context, *, when: bool = False
) -> Iterator[Diagnostic]:
    for diagnostic in _check_expression(source, context.namespaces, context.pipes, when=when):
        yield _as_undeclared_dependency(diagnostic, context) or diagnostic


def _as_undeclared_dependency(diagnostic: Diagnostic, context: _Context) -> Diagnostic | None:
    """Turn the toolkit's unknown-namespace into ours when the namespace is a node."""
    if diagnostic.code != "unknown-namespace" or diagnostic.expression is None:
        return None
    name = _namespace_at(diagnostic.expression, diagnostic.start, diagnostic.end)
    if name not in context.slugs:
        return None
    message, hint = _undeclared(name, context, reader="expression")
    return dataclasses.replace(
        diagnostic,
        code="undeclared-dependency",
        severity=PIPELINE_CODES["undeclared-dependency"].severity,
        message=message,
        hint=hint,
    )


def _namespace_at(expression: str, start: int, end: int) -> str:
    return expression[start:end].partition(".")[0].strip()


def _check_expression(
    source: str, namespaces: frozenset[str], pipes: PipeRegistry | None, *, when: bool
) -> list[Diagnostic]:
    """Call the expression toolkit: the only place validation does."""
    return check_expression(source, namespaces=namespaces, pipes=pipes, when=when)
