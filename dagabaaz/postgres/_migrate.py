"""Versioned schema migrations, shipped in the package and applied in order.

Each file ``migrations/NNNN_name.sql`` is one version. :func:`migrate` applies
the versions a schema lacks, in one transaction, under a transaction-scoped
advisory lock keyed by the schema: several processes migrating at once take
turns, and every one after the first finds nothing left to do. A schema
recorded at a version newer than this package knows is refused rather than
guessed at.

With ``procrastinate=True`` the same transaction also installs procrastinate's
tables in the schema (its ``schema.sql`` on a fresh schema; its own migration
files, newer than the version recorded, on an upgrade).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from dagabaaz.errors import StoreError

__all__ = ["Migration", "MigrationReport", "check_schema_name", "migrate", "migrations"]

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_FILE = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")
_LOCK_NAMESPACE = "dagabaaz-migrate"


@dataclass(frozen=True, slots=True)
class Migration:
    """One version of the schema: its number, name and SQL."""

    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What :func:`migrate` did."""

    schema: str
    applied: tuple[str, ...]
    """Names of what was applied now (``"0001_initial"``, ``"procrastinate 3.10.0"``), in order."""
    version: int
    """The schema's dagabaaz version afterwards."""


def check_schema_name(schema: str) -> str:
    """Return ``schema`` when it is a plain lower-case SQL identifier.

    Raises:
        StoreError: It is not (no quoting is ever needed for the names we accept).
    """
    if not isinstance(schema, str) or not _SCHEMA_NAME.fullmatch(schema):
        raise StoreError(
            f"schema {schema!r} is not a plain identifier: use lower-case letters, digits "
            "and underscores, starting with a letter or underscore, at most 63 characters"
        )
    return schema


def migrations() -> tuple[Migration, ...]:
    """Return the migrations shipped with this package, oldest first."""
    found = []
    for entry in resources.files("dagabaaz.postgres").joinpath("migrations").iterdir():
        match = _FILE.fullmatch(entry.name)
        if match is not None:
            found.append(
                Migration(
                    int(match["version"]),
                    f"{match['version']}_{match['name']}",
                    entry.read_text(encoding="utf-8"),
                )
            )
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"the packaged migrations are not numbered 1, 2, 3...: {versions}")
    return tuple(found)


def migrate(
    conninfo: str, schema: str = "dagabaaz", *, procrastinate: bool = False
) -> MigrationReport:
    """Bring ``schema`` (created if missing) up to this package's version.

    Safe to run again and from several processes at once.

    Args:
        conninfo: A libpq connection string or URI.
        schema: The schema holding dagabaaz's tables.
        procrastinate: Also install or upgrade procrastinate's tables there.

    Raises:
        StoreError: The schema name is not a plain identifier, the schema is
            newer than this package, or procrastinate is asked for but not installed.
    """
    import psycopg

    check_schema_name(schema)
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.transaction():
        return _migrate(conn, schema, procrastinate)


def _migrate(conn: Any, schema: str, with_procrastinate: bool) -> MigrationReport:
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{_LOCK_NAMESPACE}:{schema}",)
    )
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    conn.execute(f"SET LOCAL search_path TO {schema}")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS dagabaaz_schema_migrations (
               version    text PRIMARY KEY,
               applied_at timestamptz NOT NULL DEFAULT now()
           )"""
    )
    done = {row[0] for row in conn.execute("SELECT version FROM dagabaaz_schema_migrations")}
    known = migrations()
    applied: list[str] = []
    newest = max((n for v in done if (n := _number(v)) is not None), default=0)
    if newest > len(known):
        raise StoreError(
            f"schema '{schema}' is at dagabaaz migration {newest}, newer than this package "
            f"knows ({len(known)}); upgrade dagabaaz"
        )
    for migration in known:
        if migration.name not in done:
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO dagabaaz_schema_migrations (version) VALUES (%s)", (migration.name,)
            )
            applied.append(migration.name)
    if with_procrastinate:
        applied.extend(_procrastinate(conn, done))
    return MigrationReport(schema, tuple(applied), len(known))


def _number(version: str) -> int | None:
    match = re.fullmatch(r"(\d{4})_.*", version)
    return None if match is None else int(match[1])


def _procrastinate(conn: Any, done: set[str]) -> list[str]:
    try:
        from procrastinate import schema as procrastinate_schema
    except ImportError:
        raise StoreError(
            "procrastinate is not installed: pip install 'dagabaaz[procrastinate]'"
        ) from None
    from importlib.metadata import version

    current = version("procrastinate")
    recorded = sorted(
        (_release(v.removeprefix("procrastinate ")), v)
        for v in done
        if v.startswith("procrastinate ")
    )
    if not recorded:
        conn.execute(procrastinate_schema.SchemaManager.get_schema())
        applied = [f"procrastinate {current}"]
    else:
        since = recorded[-1][0]
        applied = []
        for path in _procrastinate_migrations(procrastinate_schema.migrations_path):
            release, name, sql = path
            if since < release <= _release(current):
                conn.execute(sql)
                applied.append(f"procrastinate {name}")
        if recorded[-1][0] == _release(current):
            return applied
        applied.append(f"procrastinate {current}")
    conn.execute(
        "INSERT INTO dagabaaz_schema_migrations (version) VALUES (%s) ON CONFLICT DO NOTHING",
        (f"procrastinate {current}",),
    )
    return applied


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _procrastinate_migrations(folder: Any) -> Sequence[tuple[tuple[int, ...], str, str]]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        # Named like 03.04.00_01_pre_add_retry_failed_job_procedure.sql.
        found.append((_release(path.name.split("_", 1)[0]), path.stem, path.read_text("utf-8")))
    return found
