"""``dagabaaz explain RUN_RESULT.json NODE``: why a node of a saved run ended as it did.

First the chain of causes (:meth:`RunResult.causes <dagabaaz.runner.RunResult.causes>`),
one line per node from NODE back to the first cause; then, node by node,
what its reason records: per edge what arrived, what each rule rejected
(with samples), what ``select`` kept and what was delivered; how many tasks
a launch made and why; which task failed, on which input, with which error;
which bindings a ``when`` gated off.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from dagabaaz._base.quoting import quote_value
from dagabaaz.cli._common import EXIT_OK, CliError, dump_json, print_lines
from dagabaaz.cli._reasons import one_line
from dagabaaz.cli._run_result import read_run_result
from dagabaaz.constants import FanMode
from dagabaaz.errors import RunResultError
from dagabaaz.models import (
    BindingsReason,
    EdgeReport,
    FailedReason,
    FilteredReason,
    LaunchedReason,
    NodeReason,
    NotRunReason,
    RuleReport,
    SkippedReason,
)

if TYPE_CHECKING:
    from dagabaaz.runner import Cause, NodeResult, RunResult

__all__ = ["add_parser", "explain_lines"]

_GATED_SHOWN = 5
"""Tasks whose gated bindings are listed; the rest are counted."""
_SUMMARY_LENGTH = 240
_ERROR_LINES = 20


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``explain`` command."""
    parser = commands.add_parser(
        "explain",
        help="say why a node of a saved run ended as it did",
        description="Print the chain of causes of NODE in a run result saved with "
        "`dagabaaz run PIPELINE --json > RUN_RESULT.json`: from the node back to the "
        "first cause (a failure, a filter that rejected everything), then what each "
        "node's reason records. Exit 0 when explained, 2 when the file cannot be read, "
        "is not a run result, or has no node NODE.",
    )
    parser.add_argument(
        "result", metavar="RUN_RESULT.json", help="what `dagabaaz run --json` printed"
    )
    parser.add_argument("node", metavar="NODE", help="the slug of the node to explain")
    parser.add_argument("--json", action="store_true", help="print the causes and reasons as JSON")
    parser.set_defaults(handler=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    """Read the result, explain the node; return the exit code."""
    result = read_run_result(args.result, "explain")
    try:
        chain = result.causes(args.node)
    except RunResultError as error:  # no such node; the message suggests the closest
        raise CliError(f"{args.result}: {one_line(str(error), 300)}") from None
    if args.json:
        dump_json(_as_json(result, args.node, chain))
    else:
        print_lines(explain_lines(result, args.node, chain))
    return EXIT_OK


def explain_lines(result: RunResult, slug: str, chain: tuple[Cause, ...]) -> list[str]:
    """Return the text ``explain`` prints for node ``slug`` and its chain of causes."""
    names = [
        ("<- " if position else "") + one_line(cause.node, 60)
        for position, cause in enumerate(chain)
    ]
    width = max(len(name) for name in names)
    lines = [
        f"{name.ljust(width)}  {one_line(cause.summary, _SUMMARY_LENGTH)}"
        for name, cause in zip(names, chain, strict=True)
    ]
    for position, cause in enumerate(chain):
        first = position == len(chain) - 1 and len(chain) > 1
        lines.append("")
        lines.append(
            f"{one_line(cause.node, 60)} ({cause.status.replace('_', ' ')}"
            + (", the first cause)" if first else ")")
        )
        lines += _details(cause.reason, whole=position == 0)
        if position == 0:
            lines += _gated(result.nodes[slug])
    return lines


def _details(reason: NodeReason | None, *, whole: bool) -> list[str]:
    if reason is None:
        return ["  no reason recorded (the store that ran it keeps none)"]
    if isinstance(reason, SkippedReason):
        return _skipped(reason)
    if isinstance(reason, FilteredReason):
        lines = ["  its edges delivered no artifact:"]
        return lines + [line for edge in reason.edges for line in _edge(edge)]
    if isinstance(reason, FailedReason):
        return _failed(reason)
    if isinstance(reason, NotRunReason):
        return _not_run(reason, whole=whole)
    if isinstance(reason, LaunchedReason):
        return _launched(reason)
    return []  # a bindings reason never decides a status


def _skipped(reason: SkippedReason) -> list[str]:
    dependency = one_line(reason.dependency, 60)
    if reason.cause == "dependency_skipped":
        lines = [f"  its dependency {dependency} was skipped, and a skip cascades"]
    else:
        lines = [
            f"  an aggregate node whose edge from {dependency} had artifacts and delivered",
            "  none is skipped: it would otherwise run without that input",
        ]
    if reason.omitted_links:
        lines.append(
            f"  (its chain leaves out {reason.omitted_links} links before the first cause)"
        )
    return lines + [line for edge in reason.edges for line in _edge(edge)]


def _edge(edge: EdgeReport) -> list[str]:
    dependency = one_line(edge.dependency, 60)
    if edge.dependency_skipped:
        return [f"  edge from {dependency}: {dependency} was skipped"]
    walked = ""
    if edge.walked_past:
        past = ", ".join(one_line(slug, 60) for slug in edge.walked_past)
        walked = f" (walked past {past}: routing, produced nothing)"
    if not edge.arrived:
        return [f"  edge from {dependency}{walked}: nothing arrived"]
    lines = [
        f"  edge from {dependency}{walked}: {edge.arrived} arrived, {edge.delivered} delivered"
    ]
    for position, rule in enumerate(edge.rules, start=1):
        lines.append(f"    rule {position}: {_rule(rule)}")
    if edge.select is not None:
        lines.append(f"    {edge.matched} matched every rule")
        kept = "nothing to choose from" if edge.selected is None else f"kept {edge.selected}"
        lines.append(f"    select {edge.select.value}: {kept}")
    if edge.kept_sample:
        names = ", ".join(one_line(name, 60) for name in edge.kept_sample)
        more = edge.delivered - len(edge.kept_sample)
        lines.append(f"    delivered: {names}" + (f" and {more} more" if more > 0 else ""))
    return lines


def _rule(rule: RuleReport) -> str:
    value = "" if rule.operator.value in ("exists", "not_exists") else f" {quote_value(rule.value)}"
    text = f"{one_line(rule.field, 60)} {rule.operator.value}{value}: rejected {rule.rejected}"
    if rule.sample:
        sample = ", ".join(one_line(item) for item in rule.sample)
        first = f"first {len(rule.sample)}: " if rule.rejected > len(rule.sample) else ""
        text += f" ({first}{sample})"
    return text


def _failed(reason: FailedReason) -> list[str]:
    if reason.cause == "fan_out_limit":
        lines = ["  it was over its fan-out limit: no task ran"]
    elif reason.cause == "launch_failed":
        lines = ["  its launch failed: no task ran"]
    else:
        verb = "crashed" if reason.cause == "task_crashed" else "failed"
        lines = [f"  task {one_line(reason.task_id, 60)} {verb}"]
        if reason.input_file_name is not None:
            artifact = reason.input_artifact_id
            of = f" (artifact {one_line(artifact, 60)})" if artifact else ""
            lines.append(f"  input: {one_line(reason.input_file_name)}{of}")
    lines.append("  error:")
    error = reason.error.strip().splitlines() or ["(no message)"]
    lines += [f"    {one_line(line, 200)}" for line in error[:_ERROR_LINES]]
    if len(error) > _ERROR_LINES:
        lines.append(f"    ... {len(error) - _ERROR_LINES} more lines (--json has them)")
    return lines


def _not_run(reason: NotRunReason, *, whole: bool) -> list[str]:
    """Say what the run's end left the node waiting on; ``whole`` adds how the run ended."""
    lines = [f"  the run {reason.run_status.value} before it ran"]
    if reason.waiting_on:
        waiting = ", ".join(one_line(slug, 60) for slug in reason.waiting_on)
        lines.append(f"  it was waiting on {waiting}")
    if not whole:
        return lines
    if reason.ended_by:
        lines.append(f"  the run was ended by {one_line(reason.ended_by, 60)}")
    if reason.error:
        lines.append(f"  run error: {one_line(reason.error, 200)}")
    return lines


def _launched(reason: LaunchedReason) -> list[str]:
    tasks = f"{reason.tasks} task{'' if reason.tasks == 1 else 's'}"
    if reason.root:
        why = "a root node gets one task"
    elif reason.fan_mode == FanMode.SINGLE:
        why = f"a single node gets one task per artifact delivered ({reason.delivered})"
    elif reason.fan_mode == FanMode.AGGREGATE:
        why = (
            f"an aggregate node gets one task for all the artifacts delivered ({reason.delivered})"
        )
    else:
        broadcast = (
            f"; {reason.broadcast} broadcast artifacts join every group" if reason.broadcast else ""
        )
        why = f"a grouped node gets one task per origin group ({reason.groups or 0}){broadcast}"
    lines = [f"  launched {tasks}: {why}", f"  fan-out limit: {reason.fan_out_limit}"]
    if not reason.root and not reason.edges:
        lines.append("  one edge without a filter: every artifact it delivered became a task")
    return lines + [line for edge in reason.edges for line in _edge(edge)]


def _gated(node: NodeResult) -> list[str]:
    gated = [reason for reason in node.reasons if isinstance(reason, BindingsReason)]
    lines = ["  bindings a falsy when gated off:"] if gated else []
    for reason in gated[:_GATED_SHOWN]:
        bindings = "; ".join(
            f"{one_line(item.name, 60)} (when {one_line(item.when)} was {one_line(item.value)})"
            for item in reason.gated
        )
        more = reason.gated_count - len(reason.gated)
        lines.append(
            f"    task {one_line(reason.task_id, 60)}: {bindings}"
            + (f" and {more} more" if more > 0 else "")
        )
    if len(gated) > _GATED_SHOWN:
        lines.append(f"    ... {len(gated) - _GATED_SHOWN} more tasks (--json lists them)")
    return lines


def _as_json(result: RunResult, slug: str, chain: tuple[Cause, ...]) -> dict[str, Any]:
    node = result.nodes[slug]
    return {
        "run_id": result.run_id,
        "node": slug,
        "status": node.status.value,
        "causes": [
            {
                "node": cause.node,
                "status": cause.status,
                "summary": cause.summary,
                "reason": None if cause.reason is None else cause.reason.model_dump(mode="json"),
            }
            for cause in chain
        ],
        "reasons": [reason.model_dump(mode="json") for reason in node.reasons],
    }
