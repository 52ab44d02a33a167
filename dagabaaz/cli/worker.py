"""``dagabaaz worker --dsn DSN --plugins FILE``: run dagabaaz tasks from the queue."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from dagabaaz.cli._common import (
    EXIT_OK,
    CliError,
    add_fan_out_limit_option,
    checked_fan_out_limit,
)
from dagabaaz.cli._database import add_database_options, database, require_extra, worker_modules
from dagabaaz.cli._plugins import add_plugins_option, load_plugins

__all__ = ["add_parser"]

logger = logging.getLogger("dagabaaz.worker")

_BACKOFF_LIMIT = 30.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``worker`` command."""
    parser = commands.add_parser(
        "worker",
        help="run tasks of submitted runs (PostgreSQL and procrastinate)",
        description="Take dagabaaz jobs from the procrastinate queue and run their plugins. "
        "SIGINT or SIGTERM stop it gracefully (running tasks finish); when the database "
        "goes away it reconnects, waiting longer each time.",
    )
    add_database_options(parser)
    add_plugins_option(
        parser,
        "a .py file or module defining PLUGINS (and optionally PASSTHROUGH and PIPES, "
        "the custom pipes bindings use)",
        required=True,
    )
    add_fan_out_limit_option(parser)
    parser.add_argument(
        "--queue", default=None, metavar="NAME", help="the queue (default: dagabaaz)"
    )
    parser.add_argument(
        "--concurrency", "-c", type=int, default=4, metavar="N", help="tasks at once (default: 4)"
    )
    parser.add_argument(
        "--burst", action="store_true", help="stop once no job is waiting (scripts and tests)"
    )
    parser.add_argument(
        "--heartbeat", type=float, default=5.0, metavar="SECONDS", help="liveness interval (5)"
    )
    parser.add_argument(
        "--stalled-after",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a worker silent this long is dead and its jobs run again (30)",
    )
    parser.add_argument(
        "--sweep-every", type=int, default=15, metavar="SECONDS", help="recovery sweep period (15)"
    )
    parser.add_argument(
        "--idle-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a live run untouched this long with no live task is reconciled (60)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log every job")
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Run the worker until it is stopped; reconnect when the database goes away."""
    dsn, schema = database(args)
    procrastinate_module = require_extra("procrastinate", "procrastinate")
    workers, connection_lost = worker_modules()
    if args.concurrency < 1:
        raise CliError(f"--concurrency must be at least 1, got {args.concurrency}")
    plugins = load_plugins(args.plugins)
    fan_out_limit = checked_fan_out_limit(args.fan_out_limit)
    try:
        settings = workers.WorkerSettings(
            queue=args.queue or workers.DEFAULT_QUEUE,
            concurrency=args.concurrency,
            heartbeat_seconds=args.heartbeat,
            stalled_seconds=args.stalled_after,
            sweep_seconds=args.sweep_every,
            idle_seconds=args.idle_after,
        )
    except ValueError as error:
        raise CliError(str(error)) from None
    _configure_logging(args.verbose)
    lost = (
        workers.WorkerLost,
        procrastinate_module.exceptions.ConnectorException,
        *connection_lost,
        OSError,
    )
    backoff = 1.0
    while True:
        started = time.monotonic()
        try:
            workers.run_worker(
                dsn,
                plugins.functions,
                schema=schema,
                settings=settings,
                wait=not args.burst,
                pipes=plugins.pipes,
                fan_out_limit=fan_out_limit,
            )
            return EXIT_OK
        except lost as error:
            if time.monotonic() - started > 60:
                backoff = 1.0  # it ran a while: this is a new outage
            logger.error("database lost (%s); reconnecting in %.0f s", error, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, _BACKOFF_LIMIT)


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("procrastinate").setLevel(logging.INFO if verbose else logging.WARNING)
