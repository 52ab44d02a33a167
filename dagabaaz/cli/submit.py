"""``dagabaaz submit PIPELINE``: start a run for the workers, print its id."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from dagabaaz.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    add_input_option,
    parse_inputs,
    read_json_object,
)
from dagabaaz.cli._database import add_database_options, database, require_extra
from dagabaaz.cli._plugins import add_plugins_option, load_plugins
from dagabaaz.cli.check import render_diagnostics
from dagabaaz.constants import TERMINAL_RUN_STATUSES, RunStatus
from dagabaaz.errors import PipelineValidationError, RunInputError, StoreError
from dagabaaz.loading import load_pipeline

__all__ = ["add_parser", "wait_for"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``submit`` command."""
    parser = commands.add_parser(
        "submit",
        help="start a run for the workers (PostgreSQL and procrastinate)",
        description="Validate the pipeline, create its run and queue its first tasks in one "
        "transaction; print the run id. Exit 0 when submitted (with --wait: when the run "
        "completed), 1 when refused or (with --wait) when the run did not complete.",
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="a .json, .yaml or .yml file")
    add_database_options(parser)
    add_plugins_option(
        parser,
        "the workers' plugins file: check plugin names and expressions (its PIPES), "
        "and take PASSTHROUGH from it",
    )
    add_input_option(parser)
    parser.add_argument(
        "--config",
        metavar="FILE.json",
        help="node configs: a JSON object of node slug -> object (read as config.* in expressions)",
    )
    parser.add_argument("--run-id", metavar="ID", help="the run's id (default: a random one)")
    parser.add_argument(
        "--queue", default=None, metavar="NAME", help="the queue (default: dagabaaz)"
    )
    parser.add_argument("--wait", action="store_true", help="wait for the run to end")
    parser.set_defaults(handler=run_submit)


def run_submit(args: argparse.Namespace) -> int:
    """Submit, print the run id, and optionally wait."""
    dsn, schema = database(args)
    workers = require_extra("dagabaaz.procrastinate", "procrastinate")
    pipeline = load_pipeline(args.pipeline)
    run_input = parse_inputs(args.input)
    configs = {} if args.config is None else read_json_object(args.config, "--config")
    plugins = None if args.plugins is None else load_plugins(args.plugins)
    store = _connect(workers, dsn, schema, queue=args.queue or workers.DEFAULT_QUEUE)
    try:
        try:
            run_id = workers.submit_run(
                store,
                pipeline,
                run_input,
                run_id=args.run_id,
                node_configs=configs,
                plugins=None if plugins is None else plugins.functions,
                passthrough=() if plugins is None else plugins.passthrough,
                pipes=None if plugins is None else plugins.pipes,
            )
        except PipelineValidationError as error:
            print(render_diagnostics(error.diagnostics, args.pipeline), file=sys.stderr)
            print(f"{args.pipeline}: not submitted, the pipeline is invalid", file=sys.stderr)
            return EXIT_FAILED
        except (RunInputError, StoreError) as error:
            print(f"{args.pipeline}: not submitted: {error}", file=sys.stderr)
            return EXIT_FAILED
        print(run_id)
        if not args.wait:
            return EXIT_OK
        status = wait_for(store, run_id)
        print(f"run {run_id} {status}", file=sys.stderr)
        return EXIT_OK if status is RunStatus.COMPLETED else EXIT_FAILED
    finally:
        store.close()


def wait_for(store: Any, run_id: str, interval: float = 0.5) -> RunStatus:
    """Poll until the run is terminal; return its status."""
    while True:
        status = store.get_run_status(run_id)
        if status is None:
            raise CliError(f"run '{run_id}' disappeared")
        if status in TERMINAL_RUN_STATUSES:
            return RunStatus(status)
        time.sleep(interval)


def _connect(workers: Any, dsn: str, schema: str, *, queue: str) -> Any:
    psycopg = require_extra("psycopg", "postgres")
    pool = require_extra("psycopg_pool", "postgres")
    try:
        return workers.connect(dsn, schema=schema, queue=queue, max_size=2, min_size=1)
    except (psycopg.Error, pool.PoolTimeout) as error:
        raise CliError(f"cannot connect to the database: {str(error).strip()}") from None
