"""What dagabaaz reads about a plugin: its name and the run inputs it declares.

dagabaaz never imports or runs plugins; the application does. It describes
them through :class:`PluginMeta` so the library can build the run-input form
(:func:`dagabaaz.schema.get_pipeline_input_schema`). Any object with these
members fits; :class:`PluginInfo` is a ready-made one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

__all__ = ["InputDeclaration", "InputFieldSpec", "PluginInfo", "PluginMeta"]


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


@runtime_checkable
class PluginMeta(Protocol):
    """The metadata of one plugin, as the application describes it to dagabaaz.

    Attributes:
        name: The plugin name that :attr:`dagabaaz.models.DagNode.plugin` refers to.
        worker_only: True for a plugin that only ever runs on a worker, fed
            entirely by the pipeline (its inputs come from bindings and
            upstream artifacts, never from the person starting the run). Its
            declared inputs are left out of the run-input form.
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

    Raises:
        TypeError: ``name`` is not a string, ``inputs`` is not a list or tuple
            of declarations, or ``worker_only`` is not a bool.
    """

    name: str
    inputs: tuple[InputDeclaration, ...] = ()
    worker_only: bool = False

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

    def get_effective_inputs(self) -> Sequence[InputDeclaration]:
        """Return the declared inputs."""
        return self.inputs
