"""``dagabaaz schema``: print the JSON Schema of the pipeline file format."""

from __future__ import annotations

import argparse

from dagabaaz.cli._common import EXIT_OK, dump_json
from dagabaaz.loading import pipeline_file_schema

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``schema`` command."""
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of pipeline files",
        description="Print the JSON Schema of the pipeline file format, for editors "
        "that validate YAML and JSON files against a schema.",
    )
    parser.set_defaults(handler=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    """Print the schema."""
    dump_json(pipeline_file_schema())
    return EXIT_OK
