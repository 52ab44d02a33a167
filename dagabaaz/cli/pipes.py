"""``dagabaaz pipes``: list the pipes and functions expressions can use."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from dagabaaz.cli._common import EXIT_OK, dump_json
from dagabaaz.pipes import DEFAULT_PIPES

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``pipes`` command."""
    parser = commands.add_parser(
        "pipes",
        help="list the pipe vocabulary",
        description="List every built-in pipe and function with its parameters and doc.",
    )
    parser.add_argument("--json", action="store_true", help="print the vocabulary as JSON")
    parser.set_defaults(handler=run_pipes)


def run_pipes(args: argparse.Namespace) -> int:
    """Print the vocabulary."""
    vocabulary = DEFAULT_PIPES.vocabulary()
    if args.json:
        dump_json(vocabulary)
        return EXIT_OK
    for entry in vocabulary:
        print(_line(entry))
    return EXIT_OK


def _line(entry: Mapping[str, Any]) -> str:
    signature = str(entry.get("signature") or entry["name"])
    return f"{signature:<28} {entry.get('kind', 'pipe'):<8} {entry.get('summary', '')}".rstrip()
