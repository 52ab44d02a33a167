"""Fixtures of the PostgreSQL tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import _connection_base


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement and transaction command psycopg sends from this process."""
    sent: list[str] = []
    execute, command = psycopg.Cursor.execute, _connection_base.BaseConnection._exec_command

    def counted_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    def counted_command(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return command(self, query, *args, **kwargs)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    _connection_base.BaseConnection._exec_command = counted_command  # type: ignore[method-assign,assignment]
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        _connection_base.BaseConnection._exec_command = command  # type: ignore[method-assign]
