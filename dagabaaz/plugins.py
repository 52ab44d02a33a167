"""What dagabaaz reads about a plugin: its name, the run inputs and the outputs it declares.

dagabaaz never imports or runs plugins; the application does. It describes
them through :class:`PluginMeta` so the library can build the run-input form
(:func:`dagabaaz.schema.get_pipeline_input_schema`) and, when a plugin
declares the keys its outputs carry, complete them in an editor and flag a
misspelt one at save time. Any object with these members fits;
:class:`PluginInfo` is a ready-made one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

from dagabaaz.errors import PluginError

__all__ = [
    "VALUE_TYPES",
    "InputDeclaration",
    "InputFieldSpec",
    "OutputDeclaration",
    "OutputSpec",
    "PluginInfo",
    "PluginMeta",
    "PluginsArgument",
    "declared_outputs",
    "plugin_lookup",
]

VALUE_TYPES = ("any", "string", "integer", "number", "boolean", "list", "object")
"""The types an output key may declare (JSON's, plus ``any``)."""


@dataclass(frozen=True, slots=True)
class InputFieldSpec:
    """One field of the run-input form.

    Attributes:
        name: Key of the value in the run input.
        label: Human label for a form. A binding that declares none gets its
            name in words, as the README's version gave it: the bound field
            for a ``RuntimeSource`` (``"api_key"`` gives ``"Api Key"``), the
            input key for an ``input.`` reference.
        placeholder: Hint text for an empty form field.
        required: Whether a run cannot start without a value.
        default: Value used when neither the pipeline nor the user gives one.
    """

    name: str
    label: str = ""
    placeholder: str = ""
    required: bool = False
    default: Any = None


InputDeclaration: TypeAlias = InputFieldSpec | Mapping[str, Any]
"""One run input a plugin declares: an :class:`InputFieldSpec`,
or a mapping with the same keys (``name`` required; ``label``, ``placeholder``,
``required`` and ``default`` optional)."""


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """One metadata key a plugin's outputs carry, which downstream bindings may read.

    Attributes:
        name: The key (``{node.name}`` in an expression reads it).
        type: One of :data:`VALUE_TYPES`.
        description: One sentence for an editor's hover and completion.
    """

    name: str
    type: str = "any"
    description: str = ""


OutputDeclaration: TypeAlias = OutputSpec | Mapping[str, Any]
"""One output key a plugin declares: an :class:`OutputSpec`, or a mapping with
the same keys (``name`` required; ``type`` and ``description`` optional)."""

_OUTPUT_KEYS = frozenset({"name", "type", "description"})


@runtime_checkable
class PluginMeta(Protocol):
    """The metadata of one plugin, as the application describes it to dagabaaz.

    Attributes:
        name: The plugin name that :attr:`dagabaaz.models.DagNode.plugin` refers to.
        worker_only: True for a plugin that only ever runs on a worker, fed
            entirely by the pipeline (its inputs come from bindings and
            upstream artifacts, never from the person starting the run). Its
            declared inputs are left out of the run-input form.

    Optionally, an ``outputs`` attribute lists the metadata keys the plugin's
    outputs carry (:class:`OutputSpec` or mappings); None or absent means
    undeclared, so any key may be read. It is not a member of the protocol,
    so metadata objects written before it existed still fit; read it with
    :func:`declared_outputs`.
    """

    @property
    def name(self) -> str:
        """The plugin name nodes refer to."""
        ...

    @property
    def worker_only(self) -> bool:
        """Whether the plugin's inputs are never asked of the user starting a run."""
        ...

    def get_effective_inputs(self) -> Sequence[InputDeclaration]:
        """Return the run inputs this plugin needs, in the order a form shows them."""
        ...


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A plain, immutable :class:`PluginMeta`.

    Attributes:
        name: The plugin name nodes refer to.
        inputs: The run inputs the plugin declares (a list is stored as a tuple).
        worker_only: See :class:`PluginMeta`.
        outputs: The metadata keys its outputs carry, or None (undeclared:
            any key may be read). The standard artifact fields
            (``file_path``, ``file_name``, ``file_size``, ``mime_type``) are
            always there and need no declaration.

    Raises:
        TypeError: ``name`` is not a string, ``inputs`` is not a list or tuple
            of declarations, or ``worker_only`` is not a bool.
        PluginError: An output declaration is malformed (see :func:`declared_outputs`).
    """

    name: str
    inputs: tuple[InputDeclaration, ...] = ()
    worker_only: bool = False
    outputs: tuple[OutputDeclaration, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"PluginInfo name must be a string, got {type(self.name).__name__}")
        inputs: object = self.inputs
        if isinstance(inputs, str | bytes | Mapping) or not isinstance(inputs, Iterable):
            raise TypeError(
                f"PluginInfo '{self.name}': inputs must be a list of input declarations, "
                f"got {type(inputs).__name__}"
            )
        if not isinstance(self.worker_only, bool):
            raise TypeError(
                f"PluginInfo '{self.name}': worker_only must be a bool, "
                f"got {type(self.worker_only).__name__}"
            )
        # A list is welcome but the dataclass is frozen: keep an immutable copy.
        object.__setattr__(self, "inputs", tuple(inputs))
        if self.outputs is not None:
            object.__setattr__(self, "outputs", _output_specs(self.outputs, self.name))

    def get_effective_inputs(self) -> Sequence[InputDeclaration]:
        """Return the declared inputs."""
        return self.inputs


def declared_outputs(meta: object) -> tuple[OutputSpec, ...] | None:
    """Return the output keys ``meta`` declares, checked, or None when it declares none.

    Raises:
        PluginError: ``outputs`` is not a list of declarations, or one has no
            name, an unknown key or a type outside :data:`VALUE_TYPES`.
    """
    outputs = getattr(meta, "outputs", None)
    if outputs is None:
        return None
    return _output_specs(outputs, str(getattr(meta, "name", "?")))


def _output_specs(outputs: object, plugin: str) -> tuple[OutputSpec, ...]:
    if isinstance(outputs, str | bytes | Mapping) or not isinstance(outputs, Iterable):
        raise PluginError(
            f"plugin '{plugin}': outputs must be a list of output declarations, "
            f"got {type(outputs).__name__}"
        )
    specs: list[OutputSpec] = []
    for declaration in outputs:
        spec = _output_spec(declaration, plugin)
        if any(known.name == spec.name for known in specs):
            raise PluginError(f"plugin '{plugin}' declares output '{spec.name}' twice")
        specs.append(spec)
    return tuple(specs)


def declared_fields(
    declaration: Mapping[Any, Any], keys: frozenset[str], what: str, plugin: str
) -> dict[str, Any]:
    """Return a declaration written as a mapping, once its keys are known and it has a name.

    Raises:
        PluginError: A key is not one of ``keys``, or ``name`` is missing.
    """
    unknown = sorted(str(key) for key in declaration if key not in keys)
    if unknown:
        raise PluginError(
            f"plugin '{plugin}' declares {what} with unknown keys {unknown}; "
            f"allowed keys are {sorted(keys)}"
        )
    if "name" not in declaration:
        raise PluginError(f"plugin '{plugin}' declares {what} without a 'name'")
    return dict(declaration)


def _output_spec(declaration: object, plugin: str) -> OutputSpec:
    if isinstance(declaration, Mapping):
        declaration = OutputSpec(**declared_fields(declaration, _OUTPUT_KEYS, "an output", plugin))
    if not isinstance(declaration, OutputSpec):
        raise PluginError(
            f"plugin '{plugin}' declares an output of type {type(declaration).__name__}; "
            "expected an OutputSpec or a mapping"
        )
    if not isinstance(declaration.name, str) or not declaration.name:
        raise PluginError(
            f"plugin '{plugin}' declares an output whose name is not a non-empty string"
        )
    if declaration.type not in VALUE_TYPES:
        raise PluginError(
            f"plugin '{plugin}', output '{declaration.name}': type must be one of "
            f"{', '.join(VALUE_TYPES)}, got {declaration.type!r}"
        )
    if not isinstance(declaration.description, str):
        raise PluginError(
            f"plugin '{plugin}', output '{declaration.name}': description must be a string"
        )
    return declaration


PluginsArgument: TypeAlias = (
    "Mapping[str, PluginMeta] | Iterable[PluginMeta] | Callable[[str], PluginMeta | None]"
)
"""Plugin metadata as callers hold it: by name, as a list, or a lookup function."""


def plugin_lookup(plugins: PluginsArgument | None) -> Callable[[str], PluginMeta | None]:
    """Return a function finding a plugin's metadata by name, whatever form ``plugins`` takes.

    Raises:
        TypeError: ``plugins`` is none of a mapping, an iterable of
            :class:`PluginMeta` or a callable.
    """
    if plugins is None:
        return _nothing
    if isinstance(plugins, Mapping):
        table = dict(plugins)
        return table.get
    if callable(plugins):
        return plugins
    if isinstance(plugins, str | bytes) or not isinstance(plugins, Iterable):
        raise TypeError(
            "plugins must be a mapping of name to PluginMeta, a list of PluginMeta "
            f"or a lookup function, got {type(plugins).__name__}"
        )
    by_name: dict[str, PluginMeta] = {}
    for meta in plugins:
        if not isinstance(meta, PluginMeta):
            raise TypeError(f"plugins must hold PluginMeta objects, got {type(meta).__name__}")
        by_name.setdefault(meta.name, meta)
    return by_name.get


def _nothing(name: str) -> PluginMeta | None:
    return None
