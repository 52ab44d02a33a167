"""The procrastinate side: the task that runs dagabaaz tasks, the periodic sweep, the worker."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import procrastinate

from dagabaaz._worker.plugin_calls import PluginFunction
from dagabaaz.constants import DEFAULT_FAN_OUT_LIMIT
from dagabaaz.errors import WorkerLost
from dagabaaz.expressions import Limits
from dagabaaz.orchestrator import OrchestratorCallbacks
from dagabaaz.pipes import PipeRegistry
from dagabaaz.postgres import PostgresStore, session_options
from dagabaaz.procrastinate._execute import TaskExecutor, TaskReport
from dagabaaz.procrastinate._queue import DEFAULT_QUEUE, SWEEP_TASK, TASK, ProcrastinateQueue
from dagabaaz.procrastinate._sweep import sweep

__all__ = ["WorkerLost", "WorkerSettings", "connect", "make_app", "register", "run_worker"]

logger = logging.getLogger("dagabaaz.procrastinate")


def connect(
    conninfo: str,
    *,
    schema: str = "dagabaaz",
    queue: str = DEFAULT_QUEUE,
    **options: Any,
) -> PostgresStore:
    """Return a :class:`~dagabaaz.postgres.PostgresStore` whose dispatches defer procrastinate jobs.

    ``options`` go to the store (``max_size``, ``application_name``...).
    """
    return PostgresStore(conninfo, schema=schema, queue=ProcrastinateQueue(queue=queue), **options)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How a worker runs and recovers; every field has a sensible default.

    Attributes:
        queue: The procrastinate queue of dagabaaz jobs.
        concurrency: Tasks one worker process runs at once (threads).
        heartbeat_seconds: How often a worker tells the database it is alive.
        stalled_seconds: A worker silent this long is dead: its jobs are retried.
        sweep_seconds: How often (in whole seconds, 1 to 59) the sweep runs.
        idle_seconds: A live run untouched this long, with no live task, is reconciled.
        job_attempts: Attempts of a job whose recording raised (database down...).
        delete_succeeded_jobs: Delete a job once it succeeded (the task row stays).
    """

    queue: str = DEFAULT_QUEUE
    concurrency: int = 4
    heartbeat_seconds: float = 5.0
    stalled_seconds: float = 30.0
    sweep_seconds: int = 15
    idle_seconds: float = 60.0
    job_attempts: int = 10
    delete_succeeded_jobs: bool = True


def register(
    app: procrastinate.App,
    executor: TaskExecutor,
    settings: WorkerSettings = WorkerSettings(),
    *,
    pipes: PipeRegistry | None = None,
) -> None:
    """Add dagabaaz's task and its periodic sweep to a procrastinate ``app``.

    The task runs a dagabaaz task in a worker thread through ``executor``;
    the sweep retries stalled jobs of that task and calls :func:`sweep`.
    """
    if not 1 <= settings.sweep_seconds <= 59:
        raise ValueError(f"sweep_seconds must be between 1 and 59, not {settings.sweep_seconds}")

    @app.task(
        name=TASK,
        queue=settings.queue,
        retry=procrastinate.RetryStrategy(max_attempts=settings.job_attempts, exponential_wait=2),
    )
    def run_task(task_id: str, run_id: str) -> None:
        executor.execute(task_id)

    @app.periodic(cron=f"* * * * * */{settings.sweep_seconds}", periodic_id="dagabaaz")
    @app.task(name=SWEEP_TASK, queue=settings.queue, queueing_lock=SWEEP_TASK)
    async def sweep_task(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            task_name=TASK, seconds_since_heartbeat=settings.stalled_seconds
        )
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
            except procrastinate.exceptions.ConnectorException:
                continue  # another worker's sweep took it first
            logger.warning("job %s of a dead worker is queued again", job.id)
        await asyncio.to_thread(
            sweep,
            executor.store,
            idle_seconds=settings.idle_seconds,
            callbacks=executor.callbacks,
            pipes=pipes,
            fan_out_limit=executor.fan_out_limit,
        )

    _ = (run_task, sweep_task)


def worker_name(schema: str) -> str:
    """Return the ``application_name`` of a worker's connections (``pg_stat_activity``)."""
    return f"dagabaaz-worker:{schema}"[:63]


def make_app(conninfo: str, *, schema: str = "dagabaaz", pool_size: int = 2) -> procrastinate.App:
    """Return a procrastinate app whose connections work in ``schema``."""
    return procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo,
            kwargs={
                "options": session_options(conninfo, schema),
                "application_name": worker_name(schema),
            },
            min_size=1,
            max_size=pool_size,
            configure=_autocommit,
        )
    )


async def _autocommit(connection: Any) -> None:
    # Every procrastinate query is one statement: autocommit saves a BEGIN and
    # a COMMIT round trip around each.
    await connection.set_autocommit(True)


def run_worker(
    conninfo: str,
    plugins: Mapping[str, PluginFunction],
    *,
    schema: str = "dagabaaz",
    settings: WorkerSettings = WorkerSettings(),
    pipes: PipeRegistry | None = None,
    limits: Limits | None = None,
    fan_out_limit: int = DEFAULT_FAN_OUT_LIMIT,
    callbacks: OrchestratorCallbacks | None = None,
    on_report: Callable[[TaskReport], object] | None = None,
    wait: bool = True,
    install_signal_handlers: bool = True,
) -> None:
    """Run a worker in this process until it is stopped (SIGINT or SIGTERM: gracefully).

    Raises:
        WorkerLost: The worker stopped without being asked to (its database
            connection was lost); the command line starts it again.

    Args:
        conninfo: The database.
        plugins: Plugin name -> function.
        schema: Where dagabaaz's and procrastinate's tables are (``dagabaaz db migrate``).
        settings: Queue, concurrency and recovery settings.
        pipes: The pipe registry of binding expressions.
        limits: The evaluation limits of binding expressions.
        fan_out_limit: Most tasks one node may get in one run.
        callbacks: Told when a run ends (inside its transaction).
        on_report: Called after each task (for metrics).
        wait: False to stop once the queue has had no waiting or running job
            for two looks in a row (for scripts and tests).
        install_signal_handlers: Let SIGINT and SIGTERM stop the worker gracefully.
    """
    store = connect(
        conninfo,
        schema=schema,
        queue=settings.queue,
        max_size=settings.concurrency + 1,
        application_name=worker_name(schema),
    )
    try:
        executor = TaskExecutor(
            store,
            plugins,
            pipes=pipes,
            limits=limits,
            fan_out_limit=fan_out_limit,
            callbacks=callbacks,
            on_report=on_report,
        )
        app = make_app(conninfo, schema=schema)
        register(app, executor, settings, pipes=pipes)
        options: dict[str, Any] = {
            "queues": [settings.queue],
            "concurrency": settings.concurrency,
            "wait": True,
            "update_heartbeat_interval": settings.heartbeat_seconds,
            "stalled_worker_timeout": settings.stalled_seconds,
            "delete_jobs": "successful" if settings.delete_succeeded_jobs else "never",
            "install_signal_handlers": False,
        }
        idle = None if wait else (lambda: _queue_is_empty(store, settings.queue))
        asyncio.run(_serve(app, options, install_signal_handlers, idle))
    finally:
        store.close()


def _queue_is_empty(store: PostgresStore, queue: str) -> bool:
    with store.transaction() as conn:
        row = conn.execute(
            """SELECT NOT EXISTS (SELECT 1 FROM procrastinate_jobs
                                  WHERE queue_name = %s AND status IN ('todo', 'doing'))""",
            (queue,),
        ).fetchone()
    return bool(row and row[0])


async def _serve(
    app: procrastinate.App,
    options: dict[str, Any],
    handle_signals: bool,
    until_idle: Callable[[], bool] | None,
) -> None:
    # procrastinate's own signal handling stops the worker in both cases, so a
    # stop we asked for could not be told from one caused by a lost database.
    requested = False
    async with app.open_async():
        worker = asyncio.create_task(app.run_worker_async(**options))

        def stop() -> None:
            nonlocal requested
            requested = True
            worker.cancel()

        loop = asyncio.get_running_loop()
        if handle_signals:
            for number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(number, stop)
        watcher = None if until_idle is None else asyncio.create_task(_watch(until_idle, stop))
        try:
            await worker
        except asyncio.CancelledError:
            if not requested:
                raise
        finally:
            if watcher is not None:
                watcher.cancel()
            if handle_signals:
                for number in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(number)
    if not requested:
        raise WorkerLost("the worker stopped without being asked to (database connection lost?)")


async def _watch(idle: Callable[[], bool], stop: Callable[[], None]) -> None:
    # Idle twice in a row: a job finishing between two looks may defer more.
    quiet = 0
    while quiet < 2:
        await asyncio.sleep(_IDLE_CHECK_SECONDS)
        quiet = quiet + 1 if await asyncio.to_thread(idle) else 0
    stop()


_IDLE_CHECK_SECONDS = 0.5
