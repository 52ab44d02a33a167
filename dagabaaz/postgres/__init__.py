"""A PostgreSQL store (psycopg 3 with its pool): ``pip install 'dagabaaz[postgres]'``.

:class:`PostgresStore` implements every store protocol over tables that
:func:`migrate` creates (or upgrades) in a schema of your database; the
command line does the same with ``dagabaaz db migrate DSN``. Pair it with
:mod:`dagabaaz.procrastinate` to run pipelines across worker processes.
"""

from dagabaaz.postgres._checks import IdleCheck
from dagabaaz.postgres._connections import Transaction, session_options
from dagabaaz.postgres._migrate import Migration, MigrationReport, migrate, migrations
from dagabaaz.postgres._queue import QueuedTask, SqlTaskQueue, TaskQueue
from dagabaaz.postgres._records import NodeProgress, RunDefinition, StartedTask
from dagabaaz.postgres._store import PostgresStore
from dagabaaz.postgres._values import DEFAULT_MAX_JSON_BYTES

__all__ = [
    "DEFAULT_MAX_JSON_BYTES",
    "IdleCheck",
    "Migration",
    "MigrationReport",
    "NodeProgress",
    "PostgresStore",
    "QueuedTask",
    "RunDefinition",
    "SqlTaskQueue",
    "StartedTask",
    "TaskQueue",
    "Transaction",
    "migrate",
    "migrations",
    "session_options",
]
