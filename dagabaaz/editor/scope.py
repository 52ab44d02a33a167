"""What an expression may read, as an editor needs to know it: names, keys, types, origins.

An :class:`EditorScope` lists the namespaces an expression may use, each with
the keys known under it (name, type, description, where the value comes
from), and the pipe registry. :meth:`EditorScope.for_node` builds it for one
node of a pipeline: the node's dependencies (keys from their plugins'
declared outputs, plus the standard artifact fields), ``input`` (the run-input
form) and ``config``. :meth:`EditorScope.from_values` builds it from sample
values, for a template edited on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dagabaaz.constants import CONFIG_NAMESPACE, INPUT_NAMESPACE
from dagabaaz.editor._scan import scans
from dagabaaz.models import DagNode, ExpressionSource, RuntimeSource
from dagabaaz.pipes import DEFAULT_PIPES, PipeRegistry
from dagabaaz.plugins import PluginsArgument, declared_outputs, plugin_lookup

__all__ = [
    "ARTIFACT_FIELDS",
    "EditorScope",
    "KeyInfo",
    "NamespaceInfo",
    "NamespaceKind",
    "value_type",
]

NamespaceKind = Literal["node", "input", "config", "values"]
"""Where a namespace's values come from: a dependency's artifacts, the run
input, the node config, or sample values given to :meth:`EditorScope.from_values`."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One key of a namespace.

    Attributes:
        name: The key, as written after the dot.
        type: ``any``, ``string``, ``integer``, ``number``, ``boolean``,
            ``list`` or ``object``.
        description: One sentence about the value.
        origin: Where the value comes from, such as ``"output of plugin
            'fetch_clips'"`` or ``"artifact field"``.
    """

    name: str
    type: str = "any"
    description: str = ""
    origin: str = ""


ARTIFACT_FIELDS: tuple[KeyInfo, ...] = (
    KeyInfo("file_path", "string", "Where the artifact's file is.", "artifact field"),
    KeyInfo("file_name", "string", "The artifact's file name.", "artifact field"),
    KeyInfo("file_size", "integer", "The file's size in bytes, when known.", "artifact field"),
    KeyInfo("mime_type", "string", "The file's MIME type, when known.", "artifact field"),
)
"""The fields every artifact has, readable from any dependency whatever its plugin declares."""


@dataclass(frozen=True, slots=True)
class NamespaceInfo:
    """One namespace an expression may read.

    Attributes:
        name: The namespace, as written before the dot.
        kind: See :data:`NamespaceKind`.
        description: One sentence about it, for hover.
        keys: The keys known under it, in the order to suggest them.
        closed: True when ``keys`` are all there is (the plugin declared its
            outputs): reading another key is a mistake. False means other
            keys may exist.
    """

    name: str
    kind: NamespaceKind
    description: str = ""
    keys: tuple[KeyInfo, ...] = ()
    closed: bool = False

    def key(self, name: str) -> KeyInfo | None:
        """Return the key called ``name``, or None when it is not known."""
        for info in self.keys:
            if info.name == name:
                return info
        return None


@dataclass(frozen=True, slots=True, eq=False)
class EditorScope:
    """The namespaces, keys and pipes an expression being edited may use.

    Attributes:
        namespaces: The namespaces, in the order to suggest them.
        pipes: The pipe registry; the built-ins by default.
        any_namespace: True when namespaces other than ``namespaces`` may be
            read too (a template edited without a pipeline around it).
    """

    namespaces: tuple[NamespaceInfo, ...] = ()
    pipes: PipeRegistry = field(default=DEFAULT_PIPES)
    any_namespace: bool = False
    _by_name: dict[str, NamespaceInfo] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.pipes, PipeRegistry):
            raise TypeError(f"pipes must be a PipeRegistry, not {type(self.pipes).__name__}")
        namespaces = tuple(self.namespaces)
        object.__setattr__(self, "namespaces", namespaces)
        for info in namespaces:
            if not isinstance(info, NamespaceInfo):
                raise TypeError(f"namespaces must hold NamespaceInfo, got {type(info).__name__}")
            self._by_name.setdefault(info.name, info)

    def namespace(self, name: str) -> NamespaceInfo | None:
        """Return the namespace called ``name``, or None."""
        return self._by_name.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        """The namespace names, in order."""
        return tuple(self._by_name)

    def key(self, namespace: str, key: str) -> KeyInfo | None:
        """Return what is known of ``namespace.key``, or None."""
        info = self._by_name.get(namespace)
        return None if info is None else info.key(key)

    @classmethod
    def standalone(cls, pipes: PipeRegistry | None = None) -> EditorScope:
        """Return a scope knowing no namespace in particular: any may be read."""
        return cls((), DEFAULT_PIPES if pipes is None else pipes, any_namespace=True)

    @classmethod
    def from_values(
        cls, values: Mapping[str, Mapping[str, Any]], *, pipes: PipeRegistry | None = None
    ) -> EditorScope:
        """Return the scope of sample values: each namespace with its keys and their types.

        Raises:
            TypeError: ``values`` is not a mapping of namespaces to mappings.
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping, got {type(values).__name__}")
        namespaces = []
        for name, keys in values.items():
            if not isinstance(keys, Mapping):
                raise TypeError(f"values[{name!r}] must be a mapping, got {type(keys).__name__}")
            infos = tuple(
                KeyInfo(str(key), value_type(value), origin="sample value")
                for key, value in keys.items()
            )
            namespaces.append(NamespaceInfo(str(name), "values", keys=infos))
        return cls(tuple(namespaces), DEFAULT_PIPES if pipes is None else pipes)

    @classmethod
    def for_node(
        cls,
        nodes: Sequence[DagNode],
        slug: str,
        *,
        pipes: PipeRegistry | None = None,
        plugins: PluginsArgument | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> EditorScope:
        """Return what the expressions of node ``slug`` may read.

        Its dependencies, in ``depends_on`` order (keys: the standard artifact
        fields, then the outputs their plugins declare), then ``input`` (the
        run-input form of the whole pipeline) and ``config`` (keys from
        ``config``, a sample node config, when given).

        Args:
            nodes: The pipeline.
            slug: The node whose expressions are edited.
            pipes: The pipe registry; the built-ins when None.
            plugins: Plugin metadata: a mapping of name to
                :class:`~dagabaaz.plugins.PluginMeta`, a list of them or a
                lookup function. A dependency whose plugin declares outputs
                has closed keys; without metadata, keys are open.
            config: A sample of the node's config, for its keys.

        Raises:
            KeyError: No node has the slug ``slug``.
            PluginError: A plugin's metadata is malformed.
        """
        by_slug = {node.slug: node for node in nodes if isinstance(node, DagNode)}
        node = by_slug.get(slug)
        if node is None:
            raise KeyError(f"no node has the slug {slug!r}")
        lookup = plugin_lookup(plugins)
        namespaces = [
            _dependency(name, by_slug.get(name), lookup) for name in dict.fromkeys(node.depends_on)
        ]
        namespaces.append(_input_namespace(nodes, lookup))
        namespaces.append(_config_namespace(config))
        return cls(tuple(namespaces), DEFAULT_PIPES if pipes is None else pipes)


def value_type(value: Any) -> str:
    """Return the type name of a sample value (``any`` for None or anything unusual)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "any"


def _dependency(name: str, node: DagNode | None, lookup: Any) -> NamespaceInfo:
    if node is None:
        return NamespaceInfo(
            name, "node", f"'{name}' is not a node of this pipeline", ARTIFACT_FIELDS
        )
    meta = lookup(node.plugin)
    outputs = None if meta is None else declared_outputs(meta)
    origin = f"output of plugin '{node.plugin}'"
    described = f"the artifacts of node '{name}' (plugin '{node.plugin}')"
    if outputs is None:
        return NamespaceInfo(name, "node", described, ARTIFACT_FIELDS)
    declared = tuple(KeyInfo(o.name, o.type, o.description, origin) for o in outputs)
    standard = tuple(k for k in ARTIFACT_FIELDS if all(d.name != k.name for d in declared))
    return NamespaceInfo(name, "node", described, declared + standard, closed=True)


def _input_namespace(nodes: Sequence[DagNode], lookup: Any) -> NamespaceInfo:
    """Return the run input: declared by plugins, asked by runtime bindings, read by expressions.

    Unlike :func:`dagabaaz.schema.get_pipeline_input_schema`, this never
    fails on a pipeline being edited: malformed metadata and expressions
    that do not parse are passed over.
    """
    keys: dict[str, KeyInfo] = {}
    for node in nodes:
        if not isinstance(node, DagNode):
            continue
        for key in _plugin_inputs(node, lookup):
            keys.setdefault(key.name, key)
        for field_name, binding in node.bindings.items():
            if isinstance(binding, RuntimeSource):
                name = binding.key or field_name
                keys.setdefault(name, _runtime_key(name, binding, node.slug))
    for node in nodes:
        if not isinstance(node, DagNode):
            continue
        origin = f"run input read by node '{node.slug}'"
        for source in _expressions(node):
            for name in _input_references(source):
                keys.setdefault(name, KeyInfo(name, origin=origin))
    return NamespaceInfo(
        INPUT_NAMESPACE, "input", "the run input, given when the run starts", tuple(keys.values())
    )


def _input_references(source: str) -> Iterable[str]:
    """Yield the ``input`` keys ``source`` reads, from interpolations still being typed too."""
    for read in scans(source):
        for token in read.tokens:
            if token.kind == "REF":
                namespace, _, key = token.text.partition(".")
                if namespace == INPUT_NAMESPACE:
                    yield key


def _plugin_inputs(node: DagNode, lookup: Any) -> Iterable[KeyInfo]:
    meta = lookup(node.plugin)
    if meta is None or getattr(meta, "worker_only", False):
        return ()
    try:
        declarations = list(meta.get_effective_inputs())
    except Exception:  # the application's code: an editor keeps going without it
        return ()
    found = []
    for declaration in declarations:
        get = declaration.get if isinstance(declaration, Mapping) else _attribute(declaration)
        name = get("name")
        if not isinstance(name, str) or not name:
            continue
        default = get("default")
        found.append(
            KeyInfo(
                name,
                value_type(default) if default is not None else "any",
                _describe_input(get("label"), get("required"), default),
                f"run input declared by plugin '{node.plugin}'",
            )
        )
    return found


def _attribute(declaration: object) -> Any:
    return lambda name: getattr(declaration, name, None)


def _runtime_key(name: str, binding: RuntimeSource, slug: str) -> KeyInfo:
    default = binding.default
    return KeyInfo(
        name,
        value_type(default) if default is not None else "any",
        _describe_input(binding.label, binding.required, default),
        f"run input asked for by node '{slug}'",
    )


def _describe_input(label: Any, required: Any, default: Any) -> str:
    parts = [str(label)] if isinstance(label, str) and label else []
    if required is True:
        parts.append("required")
    if default is not None:
        parts.append(f"default {default!r}")
    return "; ".join(parts)


def _expressions(node: DagNode) -> Iterable[str]:
    for binding in node.bindings.values():
        if isinstance(binding, ExpressionSource):
            yield binding.expression
        if binding.when is not None:
            yield binding.when


def _config_namespace(config: Mapping[str, Any] | None) -> NamespaceInfo:
    keys: tuple[KeyInfo, ...] = ()
    if config is not None:
        keys = tuple(
            KeyInfo(str(k), value_type(v), origin="node config") for k, v in config.items()
        )
    return NamespaceInfo(CONFIG_NAMESPACE, "config", "the node's config", keys)
