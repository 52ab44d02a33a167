"""``dagabaaz check PIPELINE...``: validate pipeline files, print compiler-style diagnostics.

With ``--artifacts FILE.json``, also show what each edge filter would let
through of sample artifacts (see :mod:`dagabaaz.cli._samples`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagabaaz.cli._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, dump_json
from dagabaaz.cli._plugins import LoadedPlugins, add_plugins_option, load_plugins
from dagabaaz.cli._samples import (
    Samples,
    explain_edges,
    read_samples,
    render_edges,
    warn_unknown_slugs,
)
from dagabaaz.diagnostics import Diagnostic, has_errors
from dagabaaz.editor.files import FileDiagnostic, diagnose_file
from dagabaaz.loading import PipelineFileError, read_pipeline
from dagabaaz.models import DagNode

__all__ = ["add_parser", "render_diagnostics"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``check`` command."""
    parser = commands.add_parser(
        "check",
        help="validate pipeline files",
        description="Validate pipeline files and print every problem, compiler style, "
        "each placed in its file. Exit 0 when there is no error, 1 when there are errors, "
        "2 when a file cannot be read or parsed (the worst file decides).",
    )
    parser.add_argument(
        "pipelines", metavar="PIPELINE", nargs="+", help="one or more .json, .yaml or .yml files"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    add_plugins_option(
        parser,
        "check against this plugins file: its PIPES (custom pipes), its PLUGINS and "
        "PLUGIN_META (nodes naming another plugin are reported, and so are keys a "
        "plugin does not declare among its outputs)",
    )
    parser.add_argument(
        "--artifacts",
        metavar="FILE.json",
        help="sample artifacts: show what each edge filter would let through, artifact by "
        "artifact; a JSON list (every edge gets it) or an object of producing node slug -> list",
    )
    parser.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Validate the files named in ``args`` and print the diagnostics; the worst file decides."""
    filenames: list[str] = args.pipelines
    samples = None if args.artifacts is None else read_samples(args.artifacts)
    loaded = None if args.plugins is None else load_plugins(args.plugins, functions=False)
    checked = [_check(filename, loaded) for filename in filenames]
    if samples is not None:
        slugs = {node.slug for item in checked for node in item.nodes if node is not None}
        warn_unknown_slugs(samples, slugs, ", ".join(filenames))
    if args.format == "json":
        reports = [_report(item, samples) for item in checked]
        dump_json(reports[0] if len(reports) == 1 else _combined(reports))
    else:
        for position, item in enumerate(checked):
            if item.found:
                if position:
                    print()  # a file's diagnostics stand apart from the file before
                print(
                    "".join(found.render(item.filename) + "\n\n" for found in item.found).rstrip(
                        "\n"
                    )
                )
            print(
                _summary(item.filename, [found.diagnostic for found in item.found], item.node_count)
            )
            if samples is not None:
                edges, without = explain_edges(item.nodes, samples)
                for line in render_edges(edges, without):
                    print(line)
        if len(checked) > 1:
            print(_total(checked))
    return max(item.code for item in checked)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A file's name, its diagnostics, the nodes that could be read and its exit code."""

    filename: str
    found: list[FileDiagnostic]
    nodes: tuple[DagNode | None, ...]
    code: int

    @property
    def node_count(self) -> int:
        return len(self.nodes)


def _check(filename: str, loaded: LoadedPlugins | None) -> _Checked:
    try:
        reading = read_pipeline(filename)
    except PipelineFileError as error:  # the file cannot be read at all
        found = [FileDiagnostic(problem.to_diagnostic()) for problem in error.problems]
        return _Checked(filename, found, (), EXIT_UNUSABLE)
    found = diagnose_file(
        reading,
        pipes=None if loaded is None else loaded.pipes,
        plugins=None if loaded is None else loaded.known,
    )
    if reading.problems and (reading.positions is None or not reading.nodes):
        return _Checked(filename, found, reading.nodes, EXIT_UNUSABLE)  # not a pipeline at all
    failed = has_errors(item.diagnostic for item in found)
    return _Checked(filename, found, reading.nodes, EXIT_FAILED if failed else EXIT_OK)


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


def _total(checked: Sequence[_Checked]) -> str:
    diagnostics = [found.diagnostic for item in checked for found in item.found]
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    failing = sum(item.code != EXIT_OK for item in checked)
    return (
        f"{len(checked)} files checked, {failing} with errors: "
        f"{errors} error{'' if errors == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}"
    )


def _combined(reports: Sequence[dict[str, Any]]) -> dict[str, object]:
    return {
        "valid": all(report["valid"] for report in reports),
        "errors": sum(report["errors"] for report in reports),
        "warnings": sum(report["warnings"] for report in reports),
        "files": list(reports),
    }


def _report(checked: _Checked, samples: Samples | None) -> dict[str, Any]:
    found = checked.found
    errors = sum(item.diagnostic.is_error for item in found)
    report: dict[str, Any] = {
        "file": checked.filename,
        "valid": errors == 0,
        "errors": errors,
        "warnings": len(found) - errors,
        "diagnostics": [item.to_dict() for item in found],
    }
    if samples is not None:
        edges, without = explain_edges(checked.nodes, samples)
        report["artifacts"] = {
            "file": samples.path,
            "edges": [edge.to_dict() for edge in edges],
            "without_samples": without,
        }
    return report
