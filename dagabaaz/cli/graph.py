"""``dagabaaz graph PIPELINE``: draw a pipeline as Mermaid or Graphviz DOT."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dagabaaz.cli._common import EXIT_FAILED, EXIT_OK, CliError
from dagabaaz.cli._run_result import check_same_pipeline, node_states, read_run_result
from dagabaaz.drawing import GRAPH_FORMATS, GraphFormat, render_graph
from dagabaaz.loading import load_pipeline
from dagabaaz.models import DagNode

__all__ = ["add_parser", "graph_format_for"]

_SUFFIX_FORMATS: dict[str, GraphFormat] = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".md": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
}


def graph_format_for(path: str) -> GraphFormat:
    """Return the picture format a file name implies.

    Raises:
        CliError: The suffix is not one of .mmd, .mermaid, .md, .dot or .gv.
    """
    graph_format = _SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if graph_format is None:
        raise CliError(
            f"--graph {path}: unknown picture type; name it .mmd, .mermaid or .md (Mermaid) "
            "or .dot or .gv (Graphviz)"
        )
    return graph_format


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``graph`` command."""
    parser = commands.add_parser(
        "graph",
        help="draw a pipeline (Mermaid or Graphviz DOT)",
        description="Print a picture of the pipeline: nodes with their plugin and fan mode, "
        "edges labelled with their filters, bindings that read a node as dotted edges. "
        "A pipeline with a dependency cycle is drawn too, with a warning for each cycle, "
        "and exits 1: it cannot run. With --run-result, exit 1 also when the result is of "
        "another pipeline, 2 when it cannot be read.",
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="a .json, .yaml or .yml file")
    parser.add_argument(
        "--format",
        choices=GRAPH_FORMATS,
        default=GRAPH_FORMATS[0],
        help="picture format (default: mermaid)",
    )
    parser.add_argument(
        "--run-result",
        metavar="RUN_RESULT.json",
        help="colour each node by how it ended in this saved run (dagabaaz run --json), "
        "with its task count and why it did not complete",
    )
    parser.set_defaults(handler=run_graph)


def run_graph(args: argparse.Namespace) -> int:
    """Print the picture of the pipeline file, coloured by a saved run when given one."""
    pipeline = load_pipeline(args.pipeline)
    states = None
    if args.run_result is not None:
        result = read_run_result(args.run_result, "--run-result")
        check_same_pipeline(result, pipeline.nodes, args.run_result, args.pipeline)
        states = node_states(result)
    print(render_graph(pipeline.nodes, args.format, states=states), end="")
    return EXIT_FAILED if warn_about_cycles(pipeline.nodes, args.pipeline) else EXIT_OK


_CYCLE_CODES = frozenset({"dependency-cycle", "self-dependency"})


def warn_about_cycles(nodes: Sequence[DagNode], filename: str) -> bool:
    """Warn on standard error about each dependency cycle; return whether there is one.

    The cycles are the ones validation reports, so ``check`` and ``graph`` name the same.
    """
    from dagabaaz.validation import validate_pipeline

    cycles = [d for d in validate_pipeline(nodes) if d.code in _CYCLE_CODES]
    for diagnostic in cycles:
        print(
            f"warning: {filename}: {diagnostic.message}; a pipeline with a cycle cannot run "
            f"(dagabaaz check {filename} shows where)",
            file=sys.stderr,
        )
    return bool(cycles)
