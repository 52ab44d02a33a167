"""``dagabaaz runs list|show|cancel|retry``: watch and steer runs kept in PostgreSQL."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from dagabaaz.cli._common import EXIT_FAILED, EXIT_OK, CliError, dump_json
from dagabaaz.cli._database import add_database_options, database, require_extra, worker_modules
from dagabaaz.cli._plugins import add_plugins_option, load_plugins
from dagabaaz.cli._reasons import short_reason
from dagabaaz.constants import TERMINAL_RUN_STATUSES, RunStatus
from dagabaaz.errors import PipelineValidationError, RetryError, StoreError
from dagabaaz.models import BindingsReason, NodeReason, parse_reason

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``runs`` command and its actions."""
    parser = commands.add_parser(
        "runs",
        help="list, watch, cancel and retry runs (PostgreSQL)",
        description="Look at and steer the runs kept in PostgreSQL.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the latest runs, newest first")
    add_database_options(listing)
    listing.add_argument("--live", action="store_true", help="only pending and running runs")
    listing.add_argument("--limit", type=int, default=20, metavar="N", help="at most N (20)")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="a run's status and its nodes' progress")
    show.add_argument("run_id", metavar="RUN_ID")
    add_database_options(show)
    show.add_argument("--watch", action="store_true", help="refresh every second until it ends")
    show.add_argument(
        "--reasons",
        action="store_true",
        help="under each node, every reason recorded for it (one line each)",
    )
    show.add_argument("--json", action="store_true", help="print JSON (every reason included)")
    show.set_defaults(handler=run_show)
    cancel = actions.add_parser("cancel", help="cancel a live run and its waiting tasks")
    cancel.add_argument("run_id", metavar="RUN_ID")
    add_database_options(cancel)
    cancel.add_argument("--reason", default="cancelled from the command line", metavar="TEXT")
    cancel.set_defaults(handler=run_cancel)
    retry = actions.add_parser(
        "retry", help="retry a failed, crashed or cancelled run from where it stopped"
    )
    retry.add_argument("run_id", metavar="RUN_ID")
    add_database_options(retry)
    add_plugins_option(
        retry,
        "the workers' plugins file: its PIPES (custom pipes) check the run's expressions "
        "as the retry relaunches nodes",
    )
    retry.set_defaults(handler=run_retry)


def _store(args: argparse.Namespace) -> Any:
    dsn, schema = database(args)
    workers, lost = worker_modules()
    try:
        return workers.connect(dsn, schema=schema, max_size=2, min_size=1)
    except lost as error:
        raise CliError(f"cannot connect to the database: {str(error).strip()}") from None


def run_list(args: argparse.Namespace) -> int:
    """Print one line per run."""
    with _store(args) as store:
        for run in store.list_runs(live_only=args.live, limit=args.limit):
            error = f"  {run.error}" if run.error else ""
            print(f"{run.run_id}  {run.status}  {run.progress} nodes done{error}")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """Print the run (again and again with --watch); exit 0 when it completed."""
    with _store(args) as store:
        while True:
            try:
                report = _report(store, args.run_id)
            except StoreError as error:
                raise CliError(str(error), EXIT_FAILED) from None
            if args.json:
                dump_json(report)
            else:
                print(_render(report, every_reason=args.reasons), flush=True)
            status = RunStatus(report["status"])
            if not args.watch or status in TERMINAL_RUN_STATUSES:
                return EXIT_OK if status is RunStatus.COMPLETED else EXIT_FAILED
            time.sleep(1.0)


def run_cancel(args: argparse.Namespace) -> int:
    """Cancel the run."""
    workers = require_extra("dagabaaz.procrastinate", "procrastinate")
    with _store(args) as store:
        try:
            ended = workers.cancel_run(store, args.run_id, args.reason)
        except StoreError as error:
            raise CliError(str(error), EXIT_FAILED) from None
    print(f"run {args.run_id} {'cancelled' if ended else 'had already ended'}")
    return EXIT_OK if ended else EXIT_FAILED


def run_retry(args: argparse.Namespace) -> int:
    """Retry the run from where it failed."""
    workers = require_extra("dagabaaz.procrastinate", "procrastinate")
    pipes = None if args.plugins is None else load_plugins(args.plugins, functions=False).pipes
    with _store(args) as store:
        try:
            result = workers.retry_run(store, args.run_id, pipes=pipes)
        except (StoreError, RetryError) as error:
            raise CliError(str(error), EXIT_FAILED) from None
        except PipelineValidationError as error:
            given = "" if args.plugins is None else f" (with the PIPES of {args.plugins})"
            raise CliError(
                f"run {args.run_id} is not retried: its pipeline does not validate{given}: "
                f"{error.diagnostics[0].message}; a pipeline with custom pipes needs "
                "--plugins FILE, the workers' plugins file",
                EXIT_FAILED,
            ) from None
    again = len(result.replacement_map)
    wiped = len(result.wiped)
    print(
        f"run {args.run_id} is running again: {again} task(s) queued again, "
        f"{wiped} node(s) to launch afresh"
    )
    return EXIT_OK


def _report(store: Any, run_id: str) -> dict[str, Any]:
    run = store.run(run_id)
    definition = store.run_definition(run_id)
    reasons: dict[int, list[NodeReason]] = {}
    for reason in store.get_reasons(run_id):
        reasons.setdefault(reason.node_index, []).append(reason)
    nodes = []
    for progress in store.node_progress(run_id):
        node = definition.nodes[progress.node_index]
        nodes.append(
            {
                "slug": node.slug,
                "plugin": node.plugin,
                "launched": progress.launched,
                "tasks": progress.total,
                "finished": progress.terminal,
                "skipped": progress.skipped,
                "succeeded": progress.succeeded,
                "reasons": [
                    reason.model_dump(mode="json")
                    for reason in reasons.get(progress.node_index, [])
                ],
            }
        )
    return {
        "run_id": run_id,
        "status": str(run.status),
        "error": run.error,
        "nodes": nodes,
    }


def _render(report: dict[str, Any], *, every_reason: bool = False) -> str:
    lines = [f"run {report['run_id']}: {report['status']}"]
    if report["error"]:
        lines.append(f"  error: {report['error']}")
    width = max((len(node["slug"]) for node in report["nodes"]), default=4)
    for node in report["nodes"]:
        if not node["launched"] and not node["tasks"]:
            state = "waiting"
        elif node["tasks"] and node["finished"] == node["tasks"]:
            state = "done"
        else:
            state = "running"
        failed = node["finished"] - node["skipped"] - node["succeeded"]
        detail = f"{node['finished']}/{node['tasks']} tasks finished"
        if failed:
            detail += f", {failed} failed or cancelled"
        if node["skipped"]:
            detail += f", {node['skipped']} skipped"
        reasons = [parse_reason(fields) for fields in node["reasons"]]
        why = _why(reasons)
        lines.append(
            f"  {node['slug']:<{width}}  {state:<7}  {detail}" + (f"  {why}" if why else "")
        )
        if every_reason:
            lines += [f"    {_line(reason)}" for reason in reasons]
    if sys.stdout.isatty():
        lines.append("")
    return "\n".join(lines)


def _why(reasons: list[NodeReason]) -> str | None:
    """Say in a short line why a node that was skipped, filtered or failed ended so.

    Read from its latest reason (a gated binding never decides): a retried
    node's fresh launch outweighs its old failure, as in a run's result.
    """
    deciding = next((r for r in reversed(reasons) if r.outcome != "bindings_gated"), None)
    if deciding is None or deciding.outcome == "launched":
        return None
    return _line(deciding)


def _line(reason: NodeReason) -> str:
    """One reason on one line, led by what happened (the wording of ``dagabaaz run``)."""
    status = "crashed" if getattr(reason, "cause", None) == "task_crashed" else reason.outcome
    text = short_reason(status, reason) or status  # None only for a status never passed here
    if reason.outcome == "launched":
        return text
    if isinstance(reason, BindingsReason):
        return f"task {reason.task_id}: {text}"
    return f"{status} {text}"
