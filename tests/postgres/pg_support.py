"""Helpers shared by the PostgreSQL tests."""

from __future__ import annotations

from typing import Any

import psycopg

from dagabaaz.postgres import PostgresStore

TABLES = (
    "dagabaaz_runs, dagabaaz_nodes, dagabaaz_tasks, dagabaaz_artifacts, dagabaaz_run_events, "
    "dagabaaz_reasons"
)


def reset(dsn: str, schema: str) -> None:
    """Empty the schema's dagabaaz and procrastinate tables."""
    with psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(
            f"TRUNCATE {TABLES}, procrastinate_jobs, procrastinate_events, "
            "procrastinate_periodic_defers, procrastinate_workers CASCADE"
        )


def sql(dsn: str, schema: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one query in the schema and return its rows."""
    with psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}") as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def store(dsn: str, schema: str, **options: Any) -> PostgresStore:
    """A store over the schema (close it when done)."""
    options.setdefault("max_size", 10)
    options.setdefault("application_name", f"dagabaaz-tests-{schema}")
    return PostgresStore(dsn, schema=schema, **options)
