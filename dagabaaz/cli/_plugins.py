"""``--plugins FILE_OR_MODULE``: the plugins, custom pipes and plugin metadata a command uses.

A plugins file (or importable module) defines ``PLUGINS``, a mapping from
plugin name to function, and optionally ``PASSTHROUGH``, the names of routing
plugins, ``PIPES``, the pipe registry its pipelines' expressions use (a
``DEFAULT_PIPES.copy()`` with custom pipes registered), and ``PLUGIN_META``,
the plugins' metadata (:class:`~dagabaaz.plugins.PluginMeta` objects such as
``PluginInfo``, as a list or by name: declared inputs and outputs). A file is
imported like a script: its folder goes on ``sys.path`` so it can import its
neighbours.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import sysconfig
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dagabaaz.cli._common import CliError
from dagabaaz.errors import PluginError
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta, declared_outputs

if TYPE_CHECKING:
    from dagabaaz.runner import PluginFunction

__all__ = ["LoadedPlugins", "add_plugins_option", "load_plugins"]


@dataclass(frozen=True, slots=True)
class LoadedPlugins:
    """What a plugins file declares.

    Attributes:
        functions: ``PLUGINS``: plugin name -> function (empty when not defined).
        passthrough: ``PASSTHROUGH``: the routing plugins' names.
        pipes: ``PIPES``: the pipe registry, or None for the built-in pipes.
        metadata: ``PLUGIN_META``: plugin name -> metadata.
    """

    functions: Mapping[str, PluginFunction]
    passthrough: frozenset[str]
    pipes: PipeRegistry | None = None
    metadata: Mapping[str, PluginMeta] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        """Every plugin name a node may use."""
        return frozenset(self.functions) | self.passthrough | frozenset(self.metadata)

    @property
    def known(self) -> dict[str, PluginMeta | None] | None:
        """Every plugin name with its metadata, if declared (what validation reads).

        None when the file names no plugin (it holds only ``PIPES``): plugin
        names are then not checked, rather than every one reported unknown.
        """
        if not self.names:
            return None
        return {name: self.metadata.get(name) for name in sorted(self.names)}


def add_plugins_option(
    parser: argparse.ArgumentParser, help: str, *, required: bool = False
) -> None:
    """Add ``--plugins``/``-p FILE_OR_MODULE``, the same on every command that reads plugins."""
    parser.add_argument("--plugins", "-p", required=required, metavar="FILE_OR_MODULE", help=help)


def load_plugins(spec: str, *, functions: bool = True) -> LoadedPlugins:
    """Import ``spec`` (a ``.py`` file or a dotted module name) and read what it declares.

    Args:
        spec: The file or module.
        functions: Whether ``PLUGINS`` is required (running needs it; checking
            and evaluating need only ``PIPES`` or ``PLUGIN_META``).

    Raises:
        CliError: The file or module cannot be imported, declares none of what
            is required, or one of its tables has the wrong shape.
    """
    module = _import_file(spec) if _is_file(spec) else _import_module(spec)
    pipes = _pipes(spec, module)
    metadata = _metadata(spec, module)
    if functions or getattr(module, "PLUGINS", None) is not None:
        table = _functions(spec, module)
    elif pipes is None and not metadata:
        raise CliError(
            f"--plugins {spec}: defines none of PLUGINS, PIPES and PLUGIN_META; add "
            "PLUGINS = {'name': function, ...}, or PIPES = <your PipeRegistry> for custom pipes"
        )
    else:
        table = {}
    return LoadedPlugins(table, _passthrough(spec, module), pipes, metadata)


def _is_file(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec or Path(spec).is_file()


def _import_file(spec: str) -> ModuleType:
    path = Path(spec).resolve()
    if not path.is_file():
        raise CliError(f"--plugins {spec}: no such file")
    name = f"_dagabaaz_plugins_{abs(hash(str(path)))}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise CliError(f"--plugins {spec}: cannot be imported as Python")
    module = importlib.util.module_from_spec(loader_spec)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise CliError(f"--plugins {spec}: importing failed: {_describe(error, path)}") from None
    return module


def _import_module(spec: str) -> ModuleType:
    try:
        return importlib.import_module(spec)
    except Exception as error:
        raise CliError(f"--plugins {spec}: importing failed: {_describe(error, None)}") from None


def _describe(error: BaseException, path: Path | None) -> str:
    if isinstance(error, SyntaxError):
        # str() of a SyntaxError already ends with its location: say it once.
        return f"{type(error).__name__}: {error.msg} ({error.filename}, line {error.lineno})"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _is_users(f.filename)]
    in_file = [f for f in frames if path is not None and Path(f.filename) == path]
    shown = (in_file or frames)[-1:]
    where = f" ({shown[0].filename}, line {shown[0].lineno})" if shown else ""
    return f"{type(error).__name__}: {error}{where}"


_LIBRARY = Path(__file__).resolve().parents[1]
_STANDARD_LIBRARY = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _is_users(filename: str) -> bool:
    """Whether a frame's file is the user's: not the import machinery, Python or dagabaaz."""
    if filename.startswith("<"):  # <frozen importlib._bootstrap> and the like
        return False
    resolved = Path(filename).resolve()
    return not (resolved.is_relative_to(_LIBRARY) or resolved.is_relative_to(_STANDARD_LIBRARY))


def _functions(spec: str, module: ModuleType) -> dict[str, PluginFunction]:
    table: Any = getattr(module, "PLUGINS", None)
    if table is None:
        raise CliError(
            f"--plugins {spec}: defines no PLUGINS; add PLUGINS = {{'name': function, ...}}"
        )
    if not isinstance(table, Mapping):
        raise CliError(
            f"--plugins {spec}: PLUGINS must be a dict of name -> function, "
            f"got {type(table).__name__}"
        )
    for name, function in table.items():
        if not isinstance(name, str) or not callable(function):
            raise CliError(
                f"--plugins {spec}: PLUGINS[{name!r}] must be a function with a string name, "
                f"got {type(function).__name__}"
            )
    return dict(table)


def _passthrough(spec: str, module: ModuleType) -> frozenset[str]:
    names: Any = getattr(module, "PASSTHROUGH", ())
    if not isinstance(names, list | tuple | set | frozenset) or not all(
        isinstance(name, str) for name in names
    ):
        raise CliError(f"--plugins {spec}: PASSTHROUGH must be a list of plugin names")
    return frozenset(names)


def _pipes(spec: str, module: ModuleType) -> PipeRegistry | None:
    registry: Any = getattr(module, "PIPES", None)
    if registry is None:
        return None
    if not isinstance(registry, PipeRegistry):
        raise CliError(
            f"--plugins {spec}: PIPES must be a PipeRegistry (DEFAULT_PIPES.copy() with "
            f"your pipes registered), got {type(registry).__name__}"
        )
    return registry


def _metadata(spec: str, module: ModuleType) -> dict[str, PluginMeta]:
    declared: Any = getattr(module, "PLUGIN_META", None)
    if declared is None:
        return {}
    if isinstance(declared, Mapping):
        items = list(declared.values())
    elif isinstance(declared, list | tuple):
        items = list(declared)
    else:
        raise CliError(
            f"--plugins {spec}: PLUGIN_META must be a list of plugin metadata (such as "
            f"PluginInfo) or a dict of name -> metadata, got {type(declared).__name__}"
        )
    found: dict[str, PluginMeta] = {}
    for meta in items:
        if not isinstance(meta, PluginMeta):
            raise CliError(
                f"--plugins {spec}: PLUGIN_META holds a {type(meta).__name__}; expected "
                "PluginMeta objects such as dagabaaz.plugins.PluginInfo"
            )
        try:
            declared_outputs(meta)
        except PluginError as error:
            raise CliError(f"--plugins {spec}: PLUGIN_META: {error}") from None
        if meta.name in found:
            raise CliError(f"--plugins {spec}: PLUGIN_META describes plugin '{meta.name}' twice")
        found[meta.name] = meta
    return found
