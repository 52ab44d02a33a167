"""``dagabaaz check PIPELINE``: validate a pipeline file, print compiler-style diagnostics."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from dagabaaz.cli._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, dump_json
from dagabaaz.cli._plugins import load_plugins
from dagabaaz.diagnostics import Diagnostic, has_errors
from dagabaaz.editor.files import FileDiagnostic, diagnose_file
from dagabaaz.loading import PipelineFileError, read_pipeline

__all__ = ["add_parser", "render_diagnostics"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``check`` command."""
    parser = commands.add_parser(
        "check",
        help="validate a pipeline file",
        description="Validate a pipeline file and print every problem, compiler style, "
        "each placed in the file. Exit 0 when there is no error, 1 when there are errors, "
        "2 when the file cannot be read or parsed.",
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="a .json, .yaml or .yml file")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--plugins",
        "-p",
        metavar="FILE_OR_MODULE",
        help="check against this plugins file: its PIPES (custom pipes), its PLUGINS and "
        "PLUGIN_META (nodes naming another plugin are reported, and so are keys a "
        "plugin does not declare among its outputs)",
    )
    parser.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Validate the file named in ``args`` and print the diagnostics."""
    filename: str = args.pipeline
    loaded = None if args.plugins is None else load_plugins(args.plugins, functions=False)
    try:
        reading = read_pipeline(filename)
    except PipelineFileError as error:  # the file cannot be read at all
        found = [FileDiagnostic(problem.to_diagnostic()) for problem in error.problems]
        _print(args, filename, found, 0)
        return EXIT_UNUSABLE
    found = diagnose_file(
        reading,
        pipes=None if loaded is None else loaded.pipes,
        plugins=None if loaded is None else loaded.known,
    )
    _print(args, filename, found, len(reading.nodes))
    if reading.problems and (reading.positions is None or not reading.nodes):
        return EXIT_UNUSABLE  # not a pipeline at all: nothing could be checked
    return EXIT_FAILED if has_errors(item.diagnostic for item in found) else EXIT_OK


def _print(
    args: argparse.Namespace, filename: str, found: Sequence[FileDiagnostic], node_count: int
) -> None:
    diagnostics = [item.diagnostic for item in found]
    if args.format == "json":
        dump_json(_report(filename, found))
        return
    if found:
        print("".join(item.render(filename) + "\n\n" for item in found).rstrip("\n"))
    print(_summary(filename, diagnostics, node_count))


def render_diagnostics(diagnostics: Sequence[Diagnostic], filename: str | None = None) -> str:
    """Render each diagnostic compiler-style, separated by blank lines."""
    return "".join(d.render(filename) + "\n\n" for d in diagnostics).rstrip("\n")


def _summary(filename: str, diagnostics: Sequence[Diagnostic], node_count: int) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"{filename}: ok ({node_count} node{'' if node_count == 1 else 's'})"
    return (
        f"{filename}: {errors} error{'' if errors == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}"
    )


def _report(filename: str, found: Sequence[FileDiagnostic]) -> dict[str, object]:
    errors = sum(item.diagnostic.is_error for item in found)
    return {
        "file": filename,
        "valid": errors == 0,
        "errors": errors,
        "warnings": len(found) - errors,
        "diagnostics": [item.to_dict() for item in found],
    }
