"""``dagabaaz run PIPELINE --plugins FILE``: run a pipeline here, with live progress."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagabaaz._base.suggest import Suggester
from dagabaaz.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    add_fan_out_limit_option,
    add_input_option,
    checked_fan_out_limit,
    dump_json,
    parse_inputs,
    print_lines,
    read_json_object,
)
from dagabaaz.cli._plugins import add_plugins_option, load_plugins
from dagabaaz.cli._reasons import one_line, short_reason
from dagabaaz.cli._run_result import node_states
from dagabaaz.cli.check import render_diagnostics
from dagabaaz.cli.graph import graph_format_for
from dagabaaz.constants import FAN_OUT_LIMIT_EXCEEDED
from dagabaaz.drawing import GraphFormat, render_graph
from dagabaaz.errors import DagabaazError, NodeConfigError, PipelineValidationError, RunInputError
from dagabaaz.loading import load_pipeline
from dagabaaz.models import DagNode, Pipeline

if TYPE_CHECKING:
    from dagabaaz.runner import LocalRunner, RunResult

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``run`` command."""
    parser = commands.add_parser(
        "run",
        help="run a pipeline in this process",
        description="Run a pipeline with the local runner: plugins are the functions in "
        "the plugins file's PLUGINS, run on a thread pool. Exit 0 when the run "
        "completed, 1 when it did not (invalid pipeline, missing input, failed or "
        "cancelled run), 2 when a file cannot be read.",
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="a .json, .yaml or .yml file")
    add_plugins_option(
        parser,
        "a .py file or module defining PLUGINS (and optionally PASSTHROUGH, PIPES and PLUGIN_META)",
        required=True,
    )
    add_input_option(parser)
    parser.add_argument(
        "--config",
        metavar="FILE.json",
        help="node configs: a JSON object of node slug -> object (read as config.* in expressions)",
    )
    parser.add_argument(
        "--workers", "-w", type=int, default=4, metavar="N", help="tasks at once (default: 4)"
    )
    add_fan_out_limit_option(parser)
    parser.add_argument(
        "--task-timeout",
        type=float,
        metavar="SECONDS",
        help="fail a task (and the run) whose plugin runs longer; the plugin's thread is "
        "left to finish on its own (default: no limit)",
    )
    parser.add_argument(
        "--run-timeout",
        type=float,
        metavar="SECONDS",
        help="fail the run when it takes longer (default: no limit)",
    )
    parser.add_argument("--run-id", metavar="ID", help="the run's id (default: a random one)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail a task whose binding reads a reference that has no value (strict mode)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON, no progress")
    parser.add_argument(
        "--graph",
        metavar="FILE",
        help="after the run, draw the pipeline coloured by node status "
        "(.mmd/.mermaid/.md: Mermaid, .dot/.gv: Graphviz)",
    )
    parser.set_defaults(handler=run_run)


def run_run(args: argparse.Namespace) -> int:
    """Load, run, report; return the exit code."""
    if args.workers < 1:
        raise CliError(f"--workers must be at least 1, got {args.workers}")
    fan_out_limit = checked_fan_out_limit(args.fan_out_limit)
    for option, seconds in (
        ("--task-timeout", args.task_timeout),
        ("--run-timeout", args.run_timeout),
    ):
        if seconds is not None and not 0 < seconds < math.inf:
            raise CliError(f"{option} must be a positive number of seconds, got {seconds:g}")
    graph_format = None if args.graph is None else graph_format_for(args.graph)
    if args.graph is not None:
        _check_graph_target(args.graph)
    pipeline = load_pipeline(args.pipeline)
    plugins = load_plugins(args.plugins)
    run_input = parse_inputs(args.input)
    node_configs = {} if args.config is None else read_json_object(args.config, "--config")
    for slug, config in node_configs.items():
        if not isinstance(config, dict):
            raise CliError(f"--config {args.config}: the config of {slug!r} must be an object")
    # Imported here: the other commands (check, above all) never need the runner.
    from dagabaaz.cli._display import choose_display
    from dagabaaz.runner import LocalRunner

    runner = LocalRunner(
        plugins.functions,
        passthrough=plugins.passthrough,
        max_workers=args.workers,
        pipes=plugins.pipes,
        fan_out_limit=fan_out_limit,
        task_timeout=args.task_timeout,
        run_timeout=args.run_timeout,
        strict=args.strict,
    )
    _warn_unread_inputs(runner, pipeline, run_input)
    try:
        with choose_display(quiet=args.json) as display:
            result = runner.run(
                pipeline,
                run_input,
                run_id=args.run_id,
                node_configs=node_configs,
                progress=display,
            )
    except PipelineValidationError as error:
        print(render_diagnostics(error.diagnostics, args.pipeline), file=sys.stderr)
        print(f"{args.pipeline}: not run, the pipeline is invalid", file=sys.stderr)
        return EXIT_FAILED
    except RunInputError as error:
        print(f"{args.pipeline}: not run: {error}", file=sys.stderr)
        return EXIT_FAILED
    except NodeConfigError as error:
        print(f"{args.pipeline}: not run: --config {args.config}: {error}", file=sys.stderr)
        return EXIT_FAILED
    _report(result, args.pipeline, as_json=args.json)
    if not args.json and _over_fan_out_limit(result):
        print(
            f"hint: a node may start at most {fan_out_limit} tasks in a run; "
            "allow more with --fan-out-limit N",
            file=sys.stderr,
        )
    if graph_format is not None:
        _write_graph(args.graph, graph_format, pipeline.nodes, result)
    return EXIT_OK if result.ok else EXIT_FAILED


def _warn_unread_inputs(runner: LocalRunner, pipeline: Pipeline, run_input: dict[str, Any]) -> None:
    """Warn about ``--input`` keys nothing in the pipeline reads: most often a typo."""
    try:
        schema = runner.input_schema(pipeline)
    except DagabaazError:
        return  # the pipeline is broken; the run reports how
    known = {spec.name for spec in schema} | set(pipeline.default_input)
    suggest = Suggester(known)
    for key in run_input:
        if key not in known:
            hint = suggest.hint(key)
            print(
                f"warning: --input {key!r} is read by no binding or expression of the "
                f"pipeline and declared by no plugin{f' ({hint})' if hint else ''}; "
                "a root node's plugin may still read it from its task input",
                file=sys.stderr,
            )


def _report(result: RunResult, filename: str, *, as_json: bool) -> None:
    if as_json:
        dump_json(result.to_dict())
        return
    print(result)
    print_lines(why_lines(result))
    if result.diagnostics:
        print(f"\n{render_diagnostics(result.diagnostics, filename)}", file=sys.stderr)
    if result.traceback:
        print(f"\ntraceback of the first failure:\n{result.traceback.rstrip()}", file=sys.stderr)


WHY_LINES = 30
"""The most nodes the summary explains; ``--json`` has every reason."""


def why_lines(result: RunResult) -> list[str]:
    """Return the summary's ``why:`` block: one short reason per node that did not complete."""
    rows = [
        (one_line(node.slug, 40), node.status.value, reason)
        for node in result.nodes.values()
        if (reason := short_reason(node.status.value, node.reason)) is not None
    ]
    if not rows:
        return []
    shown = rows[:WHY_LINES]
    slug_width = max(len(slug) for slug, _, _ in shown)
    status_width = max(len(status) for _, status, _ in shown)
    lines = ["why:"]
    lines += [
        f"  {slug.ljust(slug_width)}  {status.ljust(status_width)}  {reason}"
        for slug, status, reason in shown
    ]
    if len(rows) > len(shown):
        lines.append(f"  ... and {len(rows) - len(shown)} more (--json has every reason)")
    return lines


def _over_fan_out_limit(result: RunResult) -> bool:
    return any(
        FAN_OUT_LIMIT_EXCEEDED in error for node in result.nodes.values() for error in node.errors
    )


def _check_graph_target(path: str) -> None:
    """Refuse, before anything runs, a graph file that could not be written after the run."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise CliError(f"--graph {path}: is a directory, expected a file name")
    if not folder.is_dir():
        raise CliError(f"--graph {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CliError(f"--graph {path}: cannot write there (permission denied)")


def _write_graph(
    path: str, graph_format: GraphFormat, nodes: Sequence[DagNode], result: RunResult
) -> None:
    """Write the coloured graph; a failure now is a warning, the run's outcome stands."""
    picture = render_graph(nodes, graph_format, states=node_states(result))
    if path.lower().endswith(".md"):
        picture = f"```mermaid\n{picture}```\n"
    try:
        Path(path).write_text(picture, encoding="utf-8")
    except OSError as error:
        print(f"warning: --graph {path}: cannot write: {error.strerror or error}", file=sys.stderr)
        return
    print(f"graph written to {path}", file=sys.stderr)
