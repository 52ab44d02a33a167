"""The run-input form of a pipeline, and merging what a user typed into it.

A pipeline reads run inputs in three ways: a plugin declares them
(:class:`dagabaaz.plugins.PluginMeta`), a :class:`~dagabaaz.models.RuntimeSource`
binding asks for one, or an expression or ``when`` clause reads ``input.<key>``.
:func:`get_pipeline_input_schema` lists them all once; :func:`merge_run_input`
layers defaults and the user's values into the run input the engine stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dagabaaz._base.arguments import check_callable, check_mapping, check_nodes, type_name
from dagabaaz._pipeline.references import binding_input_keys, binding_node_slugs
from dagabaaz._runtime.values import is_missing
from dagabaaz.errors import BindingError, PluginError, RunInputError
from dagabaaz.models import DagNode, RuntimeSource
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import InputDeclaration, InputFieldSpec, PluginMeta, declared_fields

__all__ = [
    "InputFieldSpec",
    "get_pipeline_input_schema",
    "merge_run_input",
    "validate_binding_references",
]

_SPEC_KEYS = frozenset({"name", "label", "placeholder", "required", "default"})


def get_pipeline_input_schema(
    nodes: Sequence[DagNode],
    plugin_lookup: Callable[[str], PluginMeta | None],
    *,
    pipes: PipeRegistry | None = None,
) -> list[InputFieldSpec]:
    """List every run input the pipeline reads, each name once.

    Fields come in this order, and the first declaration of a name wins:

    1. inputs declared by the nodes' plugins (``plugin_lookup(node.plugin)``;
       None means the plugin declares nothing; worker-only plugins are left out);
    2. :class:`~dagabaaz.models.RuntimeSource` bindings, named by their ``key``
       or, when the key is empty, by the bound field;
    3. ``input.<key>`` references in expressions and ``when`` clauses, in the
       order they first appear; such a field is required when some reference
       to it is piped into ``required`` before any ``default``
       (``{input.url | required}``) in an expression every run evaluates.

    A binding with a ``when`` clause is evaluated only when the clause is
    truthy, so nothing its value requires (``| required``, or a
    ``RuntimeSource`` with ``required=True``) is required of every run; the
    clause itself is always evaluated, so what it requires is.

    Args:
        nodes: The pipeline, in node order.
        plugin_lookup: Returns the metadata of a plugin by name, or None.
        pipes: The pipe registry the expressions use; the built-ins when None.

    Returns:
        The form fields.

    Raises:
        TypeError: ``nodes`` is not a list of DagNode or ``plugin_lookup``
            cannot be called.
        PluginError: ``plugin_lookup`` returned something that is not a
            :class:`~dagabaaz.plugins.PluginMeta`, or a plugin declared an
            input that is not a field spec.
        BindingError: An expression or ``when`` clause does not compile.
    """
    nodes = check_nodes(nodes)
    check_callable(plugin_lookup, "plugin_lookup")
    fields: dict[str, InputFieldSpec] = {}
    for node in nodes:
        meta = _plugin_meta(plugin_lookup, node.plugin)
        if meta is None or meta.worker_only:
            continue
        for declaration in _declarations(meta):
            spec = _as_field_spec(declaration, meta.name)
            fields.setdefault(spec.name, spec)
    for node in nodes:
        for field, binding in node.bindings.items():
            if isinstance(binding, RuntimeSource):
                name = binding.key or field
                fields.setdefault(
                    name,
                    InputFieldSpec(
                        name=name,
                        label=binding.label or _in_words(field),
                        placeholder=binding.placeholder,
                        # Behind a ``when`` the value is asked for only when the clause holds.
                        required=binding.required and binding.when is None,
                        default=binding.default,
                    ),
                )
    referenced: dict[str, bool] = {}
    for node in nodes:
        for field, binding in node.bindings.items():
            keys = binding_input_keys(binding, node=node.slug, field=field, pipes=pipes)
            for key, required in keys.items():
                referenced[key] = referenced.get(key, False) or required
    for key, required in referenced.items():
        fields.setdefault(key, InputFieldSpec(name=key, label=_in_words(key), required=required))
    return list(fields.values())


def _in_words(name: str) -> str:
    return name.replace("_", " ").title()


def merge_run_input(
    schema_fields: Iterable[InputFieldSpec],
    default_input: Mapping[str, Any] | None,
    run_input: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Layer the run input: field defaults, then pipeline defaults, then the user's values.

    An empty value (None or ``""``) never replaces a value from a lower layer,
    so a form submitted with a blank field keeps the default. Keys that are not
    in the schema pass through unchanged by the same rule.

    Args:
        schema_fields: The form, usually from :func:`get_pipeline_input_schema`.
        default_input: The pipeline's default run input
            (:attr:`dagabaaz.models.Pipeline.default_input`), or None.
        run_input: What the user supplied, or None.

    Returns:
        A new dict; the arguments are not changed.

    Raises:
        TypeError: ``default_input`` or ``run_input`` is not a mapping, or a
            schema field is not an :class:`InputFieldSpec`.
        RunInputError: Required fields have no value; it names all of them.
    """
    specs = _field_specs(schema_fields)
    for layer, name in ((default_input, "default_input"), (run_input, "run_input")):
        if layer is not None:
            check_mapping(layer, name, "a mapping of input name to value")
    merged: dict[str, Any] = {
        spec.name: spec.default for spec in specs if not is_missing(spec.default)
    }
    for layer in (default_input or {}, run_input or {}):
        for key, value in layer.items():
            if key not in merged or not is_missing(value):
                merged[key] = value
    missing = [spec.name for spec in specs if spec.required and is_missing(merged.get(spec.name))]
    if missing:
        raise RunInputError(missing)
    return merged


def validate_binding_references(
    nodes: Sequence[DagNode],
    slug_to_index: Mapping[str, int],
    *,
    pipes: PipeRegistry | None = None,
) -> str | None:
    """Return the first binding that reads a node it may not read, or None.

    A binding (a :class:`~dagabaaz.models.NodeSource`, or a node namespace in an
    expression or ``when`` clause) may read only the node's own dependencies.
    Kept for callers of the earlier version; :func:`dagabaaz.validation.validate_pipeline`
    reports every problem with its location.

    Args:
        nodes: The pipeline.
        slug_to_index: Slug of every node to its index.
        pipes: The pipe registry the expressions use; the built-ins when None.

    Returns:
        A message naming the node, the field and the slug read, or None when
        every reference is allowed.
    """
    for node in nodes:
        allowed = set(node.depends_on)
        for field, binding in node.bindings.items():
            try:
                slugs = binding_node_slugs(binding, node=node.slug, field=field, pipes=pipes)
            except BindingError as error:
                return str(error)
            for slug in slugs:
                if slug not in slug_to_index:
                    return f"node '{node.slug}', field '{field}': reads unknown node '{slug}'"
                if slug not in allowed:
                    return (
                        f"node '{node.slug}', field '{field}': reads node '{slug}', "
                        f"which is not in its depends_on"
                    )
    return None


def _plugin_meta(lookup: Callable[[str], PluginMeta | None], plugin: str) -> PluginMeta | None:
    meta = lookup(plugin)
    if meta is not None and not isinstance(meta, PluginMeta):
        raise PluginError(
            f"plugin_lookup({plugin!r}) returned {type_name(meta)}; "
            "expected a PluginMeta (such as PluginInfo) or None"
        )
    return meta


def _declarations(meta: PluginMeta) -> Sequence[InputDeclaration]:
    declarations = meta.get_effective_inputs()
    if isinstance(declarations, str | bytes | Mapping) or not isinstance(declarations, Iterable):
        raise PluginError(
            f"plugin '{meta.name}': get_effective_inputs() returned {type_name(declarations)}; "
            "expected a list of input declarations"
        )
    return tuple(declarations)


def _field_specs(schema_fields: object) -> list[InputFieldSpec]:
    if isinstance(schema_fields, str | bytes | Mapping) or not isinstance(schema_fields, Iterable):
        raise TypeError(
            f"schema_fields must be a list of InputFieldSpec, got {type_name(schema_fields)}"
        )
    specs = list(schema_fields)
    for position, spec in enumerate(specs):
        if not isinstance(spec, InputFieldSpec):
            raise TypeError(
                f"schema_fields[{position}] must be an InputFieldSpec, got {type_name(spec)}"
            )
    return specs


def _as_field_spec(declaration: InputDeclaration, plugin: str) -> InputFieldSpec:
    if isinstance(declaration, InputFieldSpec):
        spec = declaration
    elif isinstance(declaration, Mapping):
        spec = InputFieldSpec(**declared_fields(declaration, _SPEC_KEYS, "an input", plugin))
    else:
        raise PluginError(
            f"plugin '{plugin}' declares an input of type {type(declaration).__name__}; "
            f"expected an InputFieldSpec or a mapping"
        )
    _check_spec_types(spec, plugin)
    return spec


def _check_spec_types(spec: InputFieldSpec, plugin: str) -> None:
    if not isinstance(spec.name, str) or not spec.name:
        raise PluginError(
            f"plugin '{plugin}' declares an input whose name is not a non-empty string"
        )
    for attribute in ("label", "placeholder"):
        if not isinstance(getattr(spec, attribute), str):
            raise PluginError(
                f"plugin '{plugin}', input '{spec.name}': {attribute} must be a string"
            )
    if not isinstance(spec.required, bool):
        raise PluginError(f"plugin '{plugin}', input '{spec.name}': required must be a bool")
