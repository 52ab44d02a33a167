"""``dagabaaz db migrate [DSN]``: create or upgrade the tables in a PostgreSQL schema."""

from __future__ import annotations

import argparse

from dagabaaz.cli._common import EXIT_OK, CliError
from dagabaaz.cli._database import add_database_options, database, require_extra
from dagabaaz.errors import StoreError

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``db`` command and its ``migrate`` subcommand."""
    parser = commands.add_parser(
        "db",
        help="manage the PostgreSQL schema",
        description="Manage the tables dagabaaz keeps in PostgreSQL.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate",
        help="create or upgrade the tables (safe to repeat, safe from several processes)",
        description="Apply the migrations the schema lacks, in one transaction under a lock; "
        "with procrastinate installed, its tables are created or upgraded in the same schema.",
    )
    add_database_options(migrate, positional=True)
    migrate.add_argument(
        "--no-procrastinate",
        action="store_true",
        help="only dagabaaz's tables, not procrastinate's (for a store without workers)",
    )
    migrate.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    """Migrate and say what was applied."""
    dsn, schema = database(args)
    postgres = require_extra("dagabaaz.postgres", "postgres")
    with_procrastinate = not args.no_procrastinate
    if with_procrastinate:
        require_extra("procrastinate", "procrastinate")
    psycopg = require_extra("psycopg", "postgres")
    try:
        report = postgres.migrate(dsn, schema, procrastinate=with_procrastinate)
    except StoreError as error:
        raise CliError(str(error)) from None
    except psycopg.Error as error:
        raise CliError(f"database error: {str(error).strip()}") from None
    if report.applied:
        print(f"schema '{schema}': applied {', '.join(report.applied)}")
    else:
        print(f"schema '{schema}': up to date (dagabaaz migration {report.version})")
    return EXIT_OK
