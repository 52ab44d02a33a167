"""Save-time checks of a node's bindings, ``when`` clauses included."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping

from dagabaaz._base.suggest import Suggester
from dagabaaz._pipeline.codes import PIPELINE_CODES, problem
from dagabaaz.constants import ARTIFACT_STANDARD_FIELDS, RESERVED_NAMESPACES
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.expressions import check_expression, parse_partial
from dagabaaz.expressions.ast import collect_references
from dagabaaz.expressions.nested import json_get_chain
from dagabaaz.models import BindingSource, DagNode, ExpressionSource, NodeSource
from dagabaaz.pipes import PipeRegistry

__all__ = ["DeclaredOutputs", "check_bindings"]

DeclaredOutputs = Mapping[str, tuple[str, frozenset[str]]]
"""Slug -> (plugin name, the output keys it declares), for nodes whose plugin declares them."""


def check_bindings(
    node: DagNode,
    index: int,
    slugs: Collection[str],
    pipes: PipeRegistry | None,
    declared: DeclaredOutputs | None = None,
) -> Iterator[Diagnostic]:
    """Yield every problem of ``node.bindings``, located in the pipeline.

    ``slugs`` are all the pipeline's slugs: a read of one of them that is
    not in ``depends_on`` is an ``undeclared-dependency``, a read of any
    other name stays the toolkit's ``unknown-namespace``. A read of a key
    that the dependency's plugin does not declare (``declared``) is an
    ``unknown-key`` warning.
    """
    outputs = {slug: declared[slug] for slug in node.depends_on if declared and slug in declared}
    context = _Context(
        own_slug=node.slug,
        dependencies=frozenset(node.depends_on),
        namespaces=frozenset(node.depends_on) | RESERVED_NAMESPACES,
        slugs=slugs,
        suggest=Suggester(node.depends_on),
        pipes=pipes,
        outputs=outputs,
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
    outputs: DeclaredOutputs
    """The dependencies whose plugin declares its output keys."""


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
    elif binding.node in context.outputs:
        found = _unknown_key(binding.node, binding.key, context)
        if found is not None:
            yield found, "key"


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
    found = [
        _as_undeclared_dependency(diagnostic, context) or diagnostic
        for diagnostic in _check_expression(source, context.namespaces, context.pipes, when=when)
    ]
    if context.outputs and "{" in source:
        found.extend(_unknown_keys(source, context))
        found.sort(key=lambda diagnostic: (diagnostic.start, diagnostic.end))
    yield from found


def _unknown_keys(source: str, context: _Context) -> Iterator[Diagnostic]:
    """Yield an ``unknown-key`` for each reference to a key its dependency does not declare."""
    for reference in collect_references(parse_partial(source).tree):
        if reference.namespace not in context.outputs:
            continue
        found = _unknown_key(reference.namespace, reference.key, context)
        if found is not None:
            start = reference.start + len(reference.namespace) + 1
            yield dataclasses.replace(
                Diagnostic.at(found.code, found.message, source, start, reference.end),
                severity=found.severity,
                hint=found.hint,
            )


def _unknown_key(slug: str, key: str, context: _Context) -> Diagnostic | None:
    plugin, declared = context.outputs[slug]
    if key in declared or key in ARTIFACT_STANDARD_FIELDS:
        return None
    message = f"node '{slug}' (plugin '{plugin}') declares no output key '{key}'"
    head, dot, rest = key.partition(".")
    hint: str | None
    if dot and head in declared and rest:
        inside = json_get_chain(slug, head, rest.split("."))
        hint = f"a key is read whole, dots included; to read inside '{head}': {inside}"
    else:
        hint = Suggester(declared | ARTIFACT_STANDARD_FIELDS, budget=None).hint(key)
    return problem("unknown-key", message, hint=hint)


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
