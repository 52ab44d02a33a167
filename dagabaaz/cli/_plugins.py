"""``--plugins FILE_OR_MODULE``: find the plugin functions a run or a check uses.

A plugins file (or importable module) defines ``PLUGINS``, a mapping from
plugin name to function, and optionally ``PASSTHROUGH``, the names of routing
plugins. A file is imported like a script: its folder goes on ``sys.path`` so
it can import its neighbours.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import sysconfig
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dagabaaz.cli._common import CliError

if TYPE_CHECKING:
    from dagabaaz.runner import PluginFunction

__all__ = ["LoadedPlugins", "load_plugins"]


@dataclass(frozen=True, slots=True)
class LoadedPlugins:
    """The plugin functions and routing plugin names a plugins file declares."""

    functions: Mapping[str, PluginFunction]
    passthrough: frozenset[str]

    @property
    def names(self) -> frozenset[str]:
        """Every plugin name a node may use."""
        return frozenset(self.functions) | self.passthrough


def load_plugins(spec: str) -> LoadedPlugins:
    """Import ``spec`` (a ``.py`` file or a dotted module name) and read its plugins.

    Raises:
        CliError: The file or module cannot be imported, or its ``PLUGINS`` or
            ``PASSTHROUGH`` has the wrong shape.
    """
    module = _import_file(spec) if _is_file(spec) else _import_module(spec)
    return LoadedPlugins(_functions(spec, module), _passthrough(spec, module))


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
