"""``dagabaaz lsp``: the language server for pipeline files, over standard input and output."""

from __future__ import annotations

import argparse
import importlib.util

import dagabaaz
from dagabaaz.cli._common import EXIT_OK, CliError
from dagabaaz.cli._plugins import add_plugins_option, load_plugins

__all__ = ["add_parser"]

LSP_EXTRA_HINT = "pip install 'dagabaaz[lsp]'"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``lsp`` command."""
    parser = commands.add_parser(
        "lsp",
        help="serve pipeline files to an editor (Language Server Protocol)",
        description="Run the language server for pipeline YAML and JSON files over "
        "standard input and output: diagnostics, completion, hover, signature help, "
        f"code actions and semantic tokens. Needs the lsp extra: {LSP_EXTRA_HINT}.",
    )
    add_plugins_option(
        parser,
        "a plugins file: its PIPES (custom pipes), PLUGINS and PLUGIN_META (plugin "
        "names, declared inputs and outputs) are what the pipelines are checked against",
    )
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="accepted for editors that pass it; stdio is the only transport",
    )
    parser.set_defaults(handler=run_lsp)


def run_lsp(args: argparse.Namespace) -> int:
    """Serve until the editor ends the session."""
    if not _installed("pygls"):
        raise CliError(
            f"the language server needs pygls, which is not installed; install it with: "
            f"{LSP_EXTRA_HINT}"
        )
    from dagabaaz.lsp import Project, serve

    project = Project()
    if args.plugins is not None:
        loaded = load_plugins(args.plugins, functions=False)
        project = Project(pipes=loaded.pipes, plugins=loaded.known)
    serve(project, dagabaaz.__version__)
    return EXIT_OK


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, for one
        return False
