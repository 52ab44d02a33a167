"""``dagabaaz pipes``: list the pipes and functions expressions can use."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from dagabaaz.cli._common import EXIT_OK, dump_json
from dagabaaz.cli._plugins import add_plugins_option, load_plugins
from dagabaaz.pipes import DEFAULT_PIPES

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``pipes`` command."""
    parser = commands.add_parser(
        "pipes",
        help="list the pipe vocabulary",
        description="List every pipe and function with its parameters and doc: the "
        "built-in ones, or a plugins file's PIPES registry.",
    )
    parser.add_argument("--json", action="store_true", help="print the vocabulary as JSON")
    add_plugins_option(
        parser,
        "list the pipes of this plugins file's PIPES registry (custom pipes included)",
    )
    parser.set_defaults(handler=run_pipes)


def run_pipes(args: argparse.Namespace) -> int:
    """Print the vocabulary."""
    registry = None if args.plugins is None else load_plugins(args.plugins, functions=False).pipes
    vocabulary = (registry or DEFAULT_PIPES).vocabulary()
    if args.json:
        dump_json(vocabulary)
        return EXIT_OK
    for entry in vocabulary:
        print(_line(entry))
    return EXIT_OK


def _line(entry: Mapping[str, Any]) -> str:
    signature = str(entry.get("signature") or entry["name"])
    return f"{signature:<28} {entry.get('kind', 'pipe'):<8} {entry.get('summary', '')}".rstrip()
