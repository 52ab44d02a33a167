"""What dagabaaz reads about a plugin: its name and the run inputs it declares.

dagabaaz never imports or runs plugins; the application does. It describes
them through :class:`PluginMeta` so the library can build the run-input form
(:func:`dagabaaz.schema.get_pipeline_input_schema`). Any object with these
members fits; :class:`PluginInfo` is a ready-made one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from dagabaaz.schema import InputFieldSpec

__all__ = ["InputDeclaration", "PluginInfo", "PluginMeta"]

InputDeclaration: TypeAlias = "InputFieldSpec | Mapping[str, Any]"
"""One run input a plugin declares: an :class:`~dagabaaz.schema.InputFieldSpec`,
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
        inputs: The run inputs the plugin declares.
        worker_only: See :class:`PluginMeta`.
    """

    name: str
    inputs: tuple[InputDeclaration, ...] = ()
    worker_only: bool = False

    def get_effective_inputs(self) -> Sequence[InputDeclaration]:
        """Return the declared inputs."""
        return self.inputs
