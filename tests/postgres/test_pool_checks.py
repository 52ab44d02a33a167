"""The pool tests a connection before lending it only when it sat idle."""

from __future__ import annotations

import time

import psycopg

from dagabaaz.postgres._checks import IdleCheck


def test_a_connection_is_tested_unless_it_came_back_a_moment_ago(
    postgres_dsn: str, statements: list[str]
) -> None:
    check = IdleCheck(idle_seconds=0.2)
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        check.check(connection)  # never lent before: tested
        assert statements == [""]
        check.reset(connection)
        statements.clear()
        check.check(connection)  # returned just now: lent as it is
        assert statements == []
        time.sleep(0.25)
        check.check(connection)  # idle past the limit: tested again
        assert statements == [""]


def test_a_closed_connection_fails_its_test(postgres_dsn: str) -> None:
    check = IdleCheck(idle_seconds=0.0)
    connection = psycopg.connect(postgres_dsn, autocommit=True)
    connection.close()
    try:
        check.check(connection)
    except psycopg.OperationalError:
        pass
    else:
        raise AssertionError("a closed connection passed its test")
