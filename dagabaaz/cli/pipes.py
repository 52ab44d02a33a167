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
    params = ", ".join(_param(param) for param in entry.get("parameters", ()))
    signature = f"{entry['name']}({params})" if params else str(entry["name"])
    doc = str(entry.get("doc") or "").strip().splitlines()
    return f"{signature:<32} {doc[0] if doc else ''}".rstrip()


def _param(param: Mapping[str, Any]) -> str:
    text = str(param["name"])
    if param.get("type"):
        text += f": {param['type']}"
    if "default" in param:
        text += f" = {param['default']!r}"
    return text
