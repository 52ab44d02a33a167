"""Options and helpers shared by the commands that work on a PostgreSQL database."""

from __future__ import annotations

import argparse
import os
from typing import Any

from dagabaaz.cli._common import CliError

__all__ = ["add_database_options", "database", "require_extra", "worker_modules"]

DSN_VARIABLE = "DAGABAAZ_DSN"
SCHEMA_VARIABLE = "DAGABAAZ_SCHEMA"


def add_database_options(parser: argparse.ArgumentParser, *, positional: bool = False) -> None:
    """Add the DSN (``--dsn``, or a positional one) and ``--schema``."""
    help_text = f"the database, a libpq URI or key=value string (default: ${DSN_VARIABLE})"
    if positional:
        parser.add_argument("dsn", metavar="DSN", nargs="?", help=help_text)
    else:
        parser.add_argument("--dsn", metavar="DSN", help=help_text)
    parser.add_argument(
        "--schema",
        metavar="NAME",
        help=f"the schema holding dagabaaz's tables (default: ${SCHEMA_VARIABLE} or 'dagabaaz')",
    )


def database(args: argparse.Namespace) -> tuple[str, str]:
    """Return ``(dsn, schema)`` from the options, falling back on the environment."""
    dsn = args.dsn or os.environ.get(DSN_VARIABLE)
    if not dsn:
        raise CliError(f"no database: pass a DSN or set ${DSN_VARIABLE}")
    return dsn, args.schema or os.environ.get(SCHEMA_VARIABLE) or "dagabaaz"


def require_extra(module: str, extra: str) -> Any:
    """Import ``module``, or say which extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise CliError(f"{error.name} is not installed: pip install 'dagabaaz[{extra}]'") from None


def worker_modules() -> tuple[Any, tuple[type[BaseException], ...]]:
    """Return :mod:`dagabaaz.procrastinate` and what a lost database connection raises.

    Raises:
        CliError: An extra the commands need is not installed (it says which).
    """
    workers = require_extra("dagabaaz.procrastinate", "procrastinate")
    psycopg = require_extra("psycopg", "postgres")
    pool = require_extra("psycopg_pool", "postgres")
    return workers, (psycopg.Error, pool.PoolTimeout)
