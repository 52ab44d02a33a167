"""Run pipelines across processes and machines: workers on procrastinate, state in PostgreSQL.

``pip install 'dagabaaz[procrastinate]'``. One procrastinate job per dagabaaz
task: the worker runs the plugin, then records the outputs, calls the engine
and defers the next jobs in one transaction on one connection, so no job is
ever lost or left without its task.

* :func:`connect` returns a :class:`~dagabaaz.postgres.PostgresStore` that
  defers jobs; :func:`submit_run`, :func:`cancel_run` and :func:`retry_run`
  start, stop and retry runs from any process.
* :func:`run_worker` runs a worker (``dagabaaz worker`` on the command line);
  :func:`register` adds dagabaaz's task and sweep to an app you already have.
* :func:`sweep` recovers what workers that died left behind.
"""

from dagabaaz.procrastinate._app import (
    WorkerLost,
    WorkerSettings,
    connect,
    make_app,
    register,
    run_worker,
    worker_name,
)
from dagabaaz.procrastinate._execute import TaskExecutor, TaskReport
from dagabaaz.procrastinate._queue import DEFAULT_QUEUE, SWEEP_TASK, TASK, ProcrastinateQueue
from dagabaaz.procrastinate._runs import cancel_run, retry_run, submit_run
from dagabaaz.procrastinate._sweep import SweepReport, sweep

__all__ = [
    "DEFAULT_QUEUE",
    "SWEEP_TASK",
    "TASK",
    "ProcrastinateQueue",
    "SweepReport",
    "TaskExecutor",
    "TaskReport",
    "WorkerLost",
    "WorkerSettings",
    "cancel_run",
    "connect",
    "make_app",
    "register",
    "retry_run",
    "run_worker",
    "submit_run",
    "sweep",
    "worker_name",
]
