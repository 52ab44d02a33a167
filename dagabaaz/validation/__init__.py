"""Save-time pipeline validation: every problem of a pipeline, each located.

:func:`validate_pipeline` never raises on a bad pipeline; it returns
:class:`~dagabaaz.diagnostics.Diagnostic` objects, each placed with the node
slug, the field (a binding name or a node attribute such as ``depends_on``)
and a JSON path into the pipeline document. Expression diagnostics keep
their span inside the expression. :func:`validate_or_raise` is the strict
form the engine uses before it dispatches anything. docs/editor/codes.md
lists every code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from dagabaaz._base.suggest import Suggester
from dagabaaz._pipeline.codes import PIPELINE_CODES, CodeInfo, problem
from dagabaaz._pipeline.cycles import find_cycles
from dagabaaz.constants import RESERVED_NAMESPACES, FanMode
from dagabaaz.diagnostics import Diagnostic, has_errors
from dagabaaz.environment import Environment, environment_of
from dagabaaz.errors import PipelineValidationError
from dagabaaz.models import DagNode
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta, declared_outputs
from dagabaaz.validation._bindings import check_bindings
from dagabaaz.validation._filters import check_edge_filters

__all__ = [
    "PIPELINE_CODES",
    "CodeInfo",
    "PipelineValidator",
    "PluginsArgument",
    "validate_or_raise",
    "validate_pipeline",
]

_CYCLES_PER_GROUP = 10
"""Most cycles reported per group of nodes entangled in cycles; the rest are listed."""
_SHOWN_UNCOVERED = 10


PluginsArgument = Collection[str] | Mapping[str, PluginMeta | None] | Iterable[PluginMeta]
"""Known plugins: names, metadata by name (None where a plugin has none), or a list of metadata."""


def validate_pipeline(
    nodes: Sequence[DagNode],
    *,
    pipes: PipeRegistry | None = None,
    plugins: PluginsArgument | None = None,
    environment: Environment | None = None,
) -> list[Diagnostic]:
    """Return every problem of the pipeline ``nodes``; an empty list means valid.

    Args:
        nodes: The pipeline's nodes, in document order.
        pipes: Pipe registry the expressions are checked against (the
            built-in pipes when None).
        plugins: The known plugins; when given, a node naming another
            plugin gets an ``unknown-plugin`` error. Either their names, or
            their metadata (:class:`~dagabaaz.plugins.PluginMeta`, as a list
            or by name, None for a plugin without): then a binding reading a
            key that a dependency's plugin does not declare among its
            ``outputs`` gets an ``unknown-key`` warning.
        environment: The :class:`~dagabaaz.environment.Environment` whose
            pipes the expressions are checked against, instead of ``pipes``.

    Returns:
        Errors and warnings in document order, graph-wide ones (cycles, no
        root) last. Warnings do not make a pipeline invalid.

    Raises:
        TypeError: ``pipes`` is not a :class:`~dagabaaz.pipes.PipeRegistry`,
            ``plugins`` none of the forms above, or ``environment`` not an
            Environment, or both ``pipes`` and ``environment`` are given
            (programming errors, unlike anything wrong in ``nodes``).
        PluginError: A plugin's metadata declares its outputs wrongly.
    """
    validator = PipelineValidator(pipes=pipes, plugins=plugins, environment=environment)
    return validator.validate(nodes)


def validate_or_raise(
    nodes: Sequence[DagNode],
    *,
    pipes: PipeRegistry | None = None,
    plugins: PluginsArgument | None = None,
    environment: Environment | None = None,
) -> list[Diagnostic]:
    """Validate like :func:`validate_pipeline` and raise when any error was found.

    Returns:
        The warnings, when there is no error.

    Raises:
        PipelineValidationError: The pipeline has errors; its message lists
            every one and ``diagnostics`` holds them.
    """
    diagnostics = validate_pipeline(nodes, pipes=pipes, plugins=plugins, environment=environment)
    if has_errors(diagnostics):
        raise PipelineValidationError.from_diagnostics(diagnostics)
    return diagnostics


class PipelineValidator:
    """:func:`validate_pipeline` for a pipeline being edited: only what changed is checked again.

    An editor validates the same pipeline after every keystroke. The
    validator remembers each node's diagnostics; a node is checked again
    when it changed (it is no longer equal to the node at its index last
    time), when the pipe registry changed, or when something its own checks
    read of the other nodes changed: where its slug and its dependencies'
    slugs are (and their plugins' declared outputs), or, for a node that
    reads a name that is none of its dependencies, the set of slugs (a
    did-you-mean or an "add it to depends_on" comes from it). Renaming one
    node checks it and the nodes naming it. Graph-wide checks (cycles, no
    root) always run. The diagnostics are exactly those
    :func:`validate_pipeline` returns.

    Example:
        >>> from dagabaaz.models import DagNode
        >>> validator = PipelineValidator()
        >>> validator.validate([DagNode(slug="a", plugin="p", depends_on=["b"])])[0].code
        'unknown-dependency'
    """

    __slots__ = ("_names", "_outputs", "_pipes", "_previous")

    def __init__(
        self,
        *,
        pipes: PipeRegistry | None = None,
        plugins: PluginsArgument | None = None,
        environment: Environment | None = None,
    ) -> None:
        if pipes is not None and not isinstance(pipes, PipeRegistry):
            raise TypeError(f"pipes must be a PipeRegistry, not {type(pipes).__name__}")
        if environment is not None:
            pipes = environment_of(environment, pipes=pipes).pipes
        self._pipes = pipes
        self._names, self._outputs = _plugin_facts(plugins)
        self._previous: tuple[_Facts, int, list[tuple[object, list[Diagnostic]]]] | None = None

    def validate(self, nodes: Sequence[DagNode]) -> list[Diagnostic]:
        """Return every problem of ``nodes``, as :func:`validate_pipeline` does."""
        if isinstance(nodes, str | bytes) or not isinstance(nodes, Sequence):
            message = f"expected a list of DagNode, got {type(nodes).__name__}"
            return [problem("invalid-node", message).located(path=("nodes",))]
        if not nodes:
            return [problem("empty-pipeline", "the pipeline has no nodes").located(path=("nodes",))]
        facts = _Facts.of(nodes, self._names, self._outputs)
        generation = -1 if self._pipes is None else self._pipes.generation
        before: list[tuple[object, list[Diagnostic]]] = []
        moved: _Moved | None = None  # None: nothing any node reads of the others changed
        previous = self._previous
        if previous is not None and previous[1] == generation:
            before = previous[2]
            if not previous[0].same_for_nodes(facts):
                moved = previous[0].moved(facts)
                if moved is None:
                    before = []
        results: list[tuple[object, list[Diagnostic]]] = []
        diagnostics: list[Diagnostic] = []
        for index, node in enumerate(nodes):
            if (
                index < len(before)
                and _same(before[index][0], node)
                and (moved is None or not moved.reaches(node, before[index][1]))
            ):
                found = before[index][1]
            else:
                found = list(_node_problems(node, index, facts, self._pipes))
            results.append((node, found))
            diagnostics.extend(found)
        diagnostics.extend(_graph_problems(facts))
        self._previous = (facts, generation, results)
        return diagnostics


def _same(before: object, node: object) -> bool:
    return before is node or (type(before) is type(node) and before == node)


_READS_EVERY_SLUG = frozenset({"unknown-dependency", "undeclared-dependency", "unknown-namespace"})
"""Codes of a node reading a name that is none of its dependencies: their words (a
did-you-mean, "add it to depends_on") come from the set of every slug."""


@dataclass(frozen=True, slots=True)
class _Moved:
    """What changed, between two validations, of what one node's checks read of the others."""

    slugs: frozenset[str]
    """Slugs whose node (its index) or whose declared outputs changed, or that came or went."""
    every: bool
    """Whether the set of slugs changed."""

    def reaches(self, node: object, found: Sequence[Diagnostic]) -> bool:
        """Whether ``node`` (unchanged), which found ``found`` last time, must be checked again."""
        if not isinstance(node, DagNode):
            return False  # its one diagnostic reads nothing of the others
        if node.slug in self.slugs or not self.slugs.isdisjoint(node.depends_on):
            return True
        return self.every and any(item.code in _READS_EVERY_SLUG for item in found)


def _plugin_facts(
    plugins: PluginsArgument | None,
) -> tuple[frozenset[str] | None, dict[str, frozenset[str]]]:
    """Return the known plugin names and, for plugins declaring outputs, their output keys."""
    if plugins is None:
        return None, {}
    if isinstance(plugins, str | bytes):
        raise TypeError("plugins must be a collection of names or of PluginMeta, not a string")
    metas: list[PluginMeta] = []
    names: set[str] = set()
    if isinstance(plugins, Mapping):
        for name, meta in plugins.items():
            names.add(name)
            if meta is not None:
                metas.append(_checked_meta(meta))
    else:
        for item in plugins:
            if isinstance(item, str):
                names.add(item)
            else:
                meta = _checked_meta(item)
                names.add(meta.name)
                metas.append(meta)
    outputs = {}
    for meta in metas:
        declared = declared_outputs(meta)
        if declared is not None:
            outputs[meta.name] = frozenset(spec.name for spec in declared)
    return frozenset(names), outputs


def _checked_meta(meta: object) -> PluginMeta:
    if not isinstance(meta, PluginMeta):
        raise TypeError(
            f"plugins must hold plugin names or PluginMeta objects, got {type(meta).__name__}"
        )
    return meta


@dataclass(frozen=True, slots=True)
class _Facts:
    """What every check may ask about the whole pipeline."""

    nodes: tuple[DagNode | None, ...]
    index_of: dict[str, int]
    """Slug -> index of the first node carrying it (later duplicates are errors)."""
    slugs: frozenset[str]
    """The keys of ``index_of``, as a set for subset tests."""
    plugins: frozenset[str] | None
    slug_hints: Suggester
    plugin_hints: Suggester
    declared: dict[str, tuple[str, frozenset[str]]]
    """Slug -> (plugin, output keys) of the nodes whose plugin declares its outputs."""

    @classmethod
    def of(
        cls,
        nodes: Sequence[object],
        plugins: frozenset[str] | None,
        outputs: Mapping[str, frozenset[str]],
    ) -> _Facts:
        valid = tuple(node if isinstance(node, DagNode) else None for node in nodes)
        index_of: dict[str, int] = {}
        declared: dict[str, tuple[str, frozenset[str]]] = {}
        for index, node in enumerate(valid):
            if node is not None and node.slug.strip():
                index_of.setdefault(node.slug, index)
                keys = outputs.get(node.plugin)
                if keys is not None and index_of[node.slug] == index:
                    declared[node.slug] = (node.plugin, keys)
        return cls(
            nodes=valid,
            index_of=index_of,
            slugs=frozenset(index_of),
            plugins=plugins,
            slug_hints=Suggester(index_of),
            plugin_hints=Suggester(plugins or ()),
            declared=declared,
        )

    def same_for_nodes(self, other: _Facts) -> bool:
        """Whether every node's own checks read the same from ``other`` as from these."""
        return (
            self.index_of == other.index_of
            and self.declared == other.declared
            and self.plugins == other.plugins
        )

    def moved(self, other: _Facts) -> _Moved | None:
        """Return what changed from these facts to ``other``; None when every node must be checked.

        A node's checks read the other nodes only through its own slug's
        place, its dependencies' places and declared outputs, and (for a
        name it reads that is no dependency) the set of slugs.
        """
        if self.plugins != other.plugins:
            return None
        slugs = {
            slug
            for slug in self.slugs | other.slugs
            if self.index_of.get(slug) != other.index_of.get(slug)
            or self.declared.get(slug) != other.declared.get(slug)
        }
        return _Moved(frozenset(slugs), self.slugs != other.slugs)


def _node_problems(
    node: object, index: int, facts: _Facts, pipes: PipeRegistry | None
) -> Iterator[Diagnostic]:
    if not isinstance(node, DagNode):
        message = f"nodes[{index}] is a {type(node).__name__}, not a DagNode"
        hint = "build it with DagNode.model_validate(...)" if isinstance(node, dict) else None
        yield problem("invalid-node", message, hint=hint).located(path=("nodes", index))
        return
    yield from _slug_problems(node, index, facts)
    yield from _plugin_problems(node, index, facts)
    yield from _dependency_problems(node, index, facts)
    if not node.depends_on and node.fan_mode != FanMode.SINGLE:
        message = f"fan_mode '{node.fan_mode}' has no effect on a root node, which runs once"
        yield problem("root-fan-mode", message).located(
            node=node.slug, field="fan_mode", path=("nodes", index, "fan_mode")
        )
    # Most nodes of a large pipeline have neither: skip even creating the checks.
    if node.edge_filters:
        yield from check_edge_filters(node, index)
    if node.bindings:
        yield from check_bindings(node, index, facts.index_of, pipes, facts.declared)


def _slug_problems(node: DagNode, index: int, facts: _Facts) -> Iterator[Diagnostic]:
    path = ("nodes", index, "slug")
    if not node.slug.strip():
        message = f"node {index} has an empty slug"
        yield problem("empty-slug", message).located(node=node.slug, field="slug", path=path)
        return
    first = facts.index_of[node.slug]
    if first != index:
        message = f"slug '{node.slug}' is already used by node {first}"
        yield problem("duplicate-slug", message).located(node=node.slug, field="slug", path=path)
    if node.slug in RESERVED_NAMESPACES:
        message = f"slug '{node.slug}' is reserved: expressions read the {node.slug} under it"
        yield problem("reserved-slug", message).located(node=node.slug, field="slug", path=path)


def _plugin_problems(node: DagNode, index: int, facts: _Facts) -> Iterator[Diagnostic]:
    path = ("nodes", index, "plugin")
    if not node.plugin.strip():
        found = problem("empty-plugin", "the node names no plugin")
    elif facts.plugins is not None and node.plugin not in facts.plugins:
        message = f"plugin '{node.plugin}' is not known"
        found = problem("unknown-plugin", message, hint=facts.plugin_hints.hint(node.plugin))
    else:
        return
    yield found.located(node=node.slug, field="plugin", path=path)


def _dependency_problems(node: DagNode, index: int, facts: _Facts) -> Iterator[Diagnostic]:
    named = set(node.depends_on)
    if len(named) == len(node.depends_on) and node.slug not in named and named <= facts.slugs:
        return  # no repeat, no self-reference, every name a node: the usual case
    seen: set[str] = set()
    for position, dependency in enumerate(node.depends_on):
        found = _dependency_problem(node, dependency, seen, facts)
        seen.add(dependency)
        if found is not None:
            path = ("nodes", index, "depends_on", position)
            yield found.located(node=node.slug, field="depends_on", path=path)


def _dependency_problem(
    node: DagNode, dependency: str, seen: Collection[str], facts: _Facts
) -> Diagnostic | None:
    if dependency in seen:
        return problem("repeated-dependency", f"depends_on names '{dependency}' more than once")
    if dependency == node.slug and dependency.strip():
        return problem("self-dependency", f"node '{node.slug}' depends on itself")
    if dependency not in facts.index_of:
        message = f"depends_on names '{dependency}', which is no node's slug"
        return problem("unknown-dependency", message, hint=facts.slug_hints.hint(dependency))
    return None


def _graph_problems(facts: _Facts) -> Iterator[Diagnostic]:
    yield from _cycle_problems(facts)
    present = [node for node in facts.nodes if node is not None]
    if present and all(node.depends_on for node in present):
        message = "no node is a root: every node has dependencies, so nothing can start"
        yield problem("no-root", message).located(path=("nodes",))


def _cycle_problems(facts: _Facts) -> Iterator[Diagnostic]:
    # Edges point the way data flows: from a dependency to its dependent.
    successors: list[list[int]] = [[] for _ in facts.nodes]
    for index, node in enumerate(facts.nodes):
        if node is None:
            continue
        for dependency in dict.fromkeys(node.depends_on):
            source = facts.index_of.get(dependency)
            if source is not None and source != index:
                successors[source].append(index)
    for group in find_cycles(successors, per_group=_CYCLES_PER_GROUP):
        for position, cycle in enumerate(group.cycles):
            last = position == len(group.cycles) - 1
            yield _cycle_diagnostic(cycle, group.uncovered if last else (), facts)


def _cycle_diagnostic(cycle: Sequence[int], uncovered: Sequence[int], facts: _Facts) -> Diagnostic:
    slugs = [_slug_at(index, facts) for index in cycle]
    message = "dependency cycle: " + " -> ".join([*slugs, slugs[0]])
    if uncovered:
        message += f" (also in cycles with these nodes: {_name_some(uncovered, facts)})"
    return problem(
        "dependency-cycle",
        message,
        hint="each node waits for the one before it; remove one of these dependencies",
    ).located(node=slugs[0], field="depends_on", path=("nodes", cycle[0], "depends_on"))


def _name_some(indices: Sequence[int], facts: _Facts) -> str:
    names = ", ".join(f"'{_slug_at(index, facts)}'" for index in indices[:_SHOWN_UNCOVERED])
    more = len(indices) - _SHOWN_UNCOVERED
    return f"{names} and {more} more" if more > 0 else names


def _slug_at(index: int, facts: _Facts) -> str:
    node = facts.nodes[index]
    return "" if node is None else node.slug
