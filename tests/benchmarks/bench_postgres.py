"""End-to-end throughput of PostgresStore with procrastinate workers (real processes).

For a chain, a wide fan-out and a scatter-gather, with ``synchronous_commit``
on (durable) and off, it starts worker processes, submits enough runs to keep
them busy, and measures until every run has completed:

* tasks per second, from the first submission to the last run's end;
* p50 and p99 of a task's completion (its plugin returned) to its successors'
  jobs being visible (the commit of the transaction that deferred them),
  for the tasks that dispatched successors;
* SQL statements per task, counted in the workers' psycopg connections
  (statements, BEGIN and COMMIT, pool checks), split into dagabaaz's and
  procrastinate's;
* CPU time per task of the worker processes and of the server processes
  serving their connections (read from ``/proc``, so only for a server on
  this machine): steadier than rates on a busy machine, and their sum bounds
  the rate two cores can reach.

Usage: ``python tests/benchmarks/bench_postgres.py [--workers 2] [--scale 1]``.
Numbers drift on a shared machine; compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagabaaz.constants import FanMode
from dagabaaz.models import DagNode

HERE = Path(__file__).resolve()
DEFAULT_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
TARGET_DURABLE = 300.0
TARGET_ASYNC = 1000.0
TARGET_P99_MS = 50.0


@dataclass(frozen=True)
class Shape:
    name: str
    nodes: list[DagNode]
    run_input: dict[str, Any]
    runs: int


def shapes(scale: float) -> list[Shape]:
    """The three pipelines, sized so each configuration runs about 600 tasks at scale 1."""
    chain = [DagNode(slug="s0", plugin="step")] + [
        DagNode(slug=f"s{i}", plugin="step", depends_on=[f"s{i - 1}"]) for i in range(1, 10)
    ]
    width = max(2, round(200 * scale))
    fan_out = [
        DagNode(slug="source", plugin="burst"),
        DagNode(slug="each", plugin="step", depends_on=["source"]),
        DagNode(slug="all", plugin="gather", depends_on=["each"], fan_mode=FanMode.AGGREGATE),
    ]
    files = max(2, round(50 * scale))
    scatter = [
        DagNode(slug="source", plugin="burst"),
        DagNode(slug="a", plugin="step", depends_on=["source"]),
        DagNode(slug="b", plugin="step", depends_on=["source"]),
        DagNode(slug="merge", plugin="gather", depends_on=["a", "b"], fan_mode=FanMode.GROUPED),
    ]
    return [
        Shape("chain", chain, {}, max(1, round(60 * scale))),
        Shape("fan-out", fan_out, {"width": width}, 3),
        Shape("scatter-gather", scatter, {"width": files}, 4),
    ]


@dataclass(frozen=True)
class Result:
    shape: str
    durable: bool
    runs: int
    tasks: int
    seconds: float
    latencies_ms: list[float]
    statements: float
    ours: float
    cpu_ms: float
    """Worker CPU time per task (all worker processes): steadier than rates on a busy machine."""
    server_cpu_ms: float | None
    """CPU time per task of the server backends of the workers' connections (None: not local)."""

    @property
    def rate(self) -> float:
        return self.tasks / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the worker process ---------------------------------------------------------------------


def _count_statements() -> dict[str, int]:
    """Count every statement and transaction command psycopg sends, sync (ours) and async."""
    import psycopg
    from psycopg import _connection_base

    counts = {"sync": 0, "async": 0}

    def wrap(owner: Any, name: str, kind: str) -> None:
        original = getattr(owner, name)

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            counts[kind] += 1
            return original(self, *args, **kwargs)

        setattr(owner, name, counted)

    wrap(psycopg.Cursor, "execute", "sync")
    wrap(psycopg.Cursor, "executemany", "sync")
    wrap(psycopg.AsyncCursor, "execute", "async")
    original = _connection_base.BaseConnection._exec_command

    def command(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["async" if isinstance(self, psycopg.AsyncConnection) else "sync"] += 1
        return original(self, *args, **kwargs)

    _connection_base.BaseConnection._exec_command = command  # type: ignore[method-assign]
    return counts


def worker(args: argparse.Namespace) -> None:
    """Run one benchmark worker until SIGTERM; write what it saw to ``args.stats``."""
    counts = _count_statements()
    sys.path.insert(0, str(HERE.parent))
    import bench_postgres_plugins

    from dagabaaz.procrastinate import TaskReport, WorkerSettings, run_worker

    latencies: list[float] = []
    marks: list[tuple[int, int, float]] = []
    tasks = 0

    def report(seen: TaskReport) -> None:
        nonlocal tasks
        tasks += 1
        if seen.dispatched:
            latencies.append(seen.record_seconds * 1000)
        marks.append((counts["sync"], counts["async"], time.process_time()))

    run_worker(
        args.dsn,
        bench_postgres_plugins.PLUGINS,
        schema=args.schema,
        settings=WorkerSettings(concurrency=args.concurrency),
        on_report=report,
    )
    Path(args.stats).write_text(
        json.dumps(
            {
                "tasks": tasks,
                "latencies": latencies,
                "marks": [marks[0], marks[-1]] if marks else [],
            }
        )
    )


# --- the driver -------------------------------------------------------------------------------


def _sql(dsn: str, schema: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}") as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def _reset(dsn: str, schema: str) -> None:
    _sql(
        dsn,
        schema,
        "TRUNCATE dagabaaz_runs, dagabaaz_nodes, dagabaaz_tasks, dagabaaz_artifacts, "
        "dagabaaz_run_events, dagabaaz_reasons, procrastinate_jobs, procrastinate_events, "
        "procrastinate_periodic_defers, procrastinate_workers CASCADE",
    )


def _backends(dsn: str, schema: str) -> dict[int, float] | None:
    """CPU seconds used so far by each server process serving the workers' connections."""
    from dagabaaz.procrastinate import worker_name

    rows = _sql(
        dsn,
        schema,
        f"SELECT pid FROM pg_stat_activity WHERE application_name = '{worker_name(schema)}'",
    )
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for (pid,) in rows:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # a server on another machine, or processes we may not read
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def measure(
    dsn: str, schema: str, shape: Shape, durable: bool, workers: int, concurrency: int
) -> Result:
    """Run one configuration with fresh tables and fresh worker processes."""
    from dagabaaz.procrastinate import connect, submit_run

    _reset(dsn, schema)
    worker_dsn = dsn if durable else f"{dsn} options='-c synchronous_commit=off'"
    folder = Path(tempfile.mkdtemp(prefix="dagabaaz-bench-"))
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(HERE),
                "worker",
                "--dsn",
                worker_dsn,
                "--schema",
                schema,
                "--concurrency",
                str(concurrency),
                "--stats",
                str(folder / f"{i}.json"),
            ],
            stderr=open(folder / f"{i}.log", "wb"),  # noqa: SIM115
        )
        for i in range(workers)
    ]
    store = connect(worker_dsn, schema=schema, max_size=2)
    try:
        deadline = time.monotonic() + 60
        while _sql(dsn, schema, "SELECT count(*) FROM procrastinate_workers")[0][0] < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start; see {folder}")
            time.sleep(0.05)
        before = _backends(dsn, schema)
        began = time.perf_counter()
        run_ids = [
            submit_run(store, shape.nodes, shape.run_input, run_id=f"{shape.name}-{i}")
            for i in range(shape.runs)
        ]
        while store.list_runs(live_only=True, limit=1):
            if time.perf_counter() - began > 600:
                raise RuntimeError(f"runs did not finish in 10 minutes; see {folder}")
            time.sleep(0.02)  # polling faster would cost the workers' CPU
        seconds = time.perf_counter() - began
        after = _backends(dsn, schema)
        ended = {store.get_run_status(run_id) for run_id in run_ids}
        if ended != {"completed"}:
            raise RuntimeError(f"runs ended {ended}; see {folder}")
        tasks = _sql(dsn, schema, "SELECT count(*) FROM dagabaaz_tasks WHERE status = 'completed'")
    finally:
        store.close()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    latencies: list[float] = []
    sync_statements = async_statements = counted = 0
    cpu = 0.0
    for i in range(workers):
        stats = json.loads((folder / f"{i}.json").read_text())
        latencies.extend(stats["latencies"])
        if stats["marks"]:
            (s0, a0, c0), (s1, a1, c1) = stats["marks"]
            sync_statements += s1 - s0
            async_statements += a1 - a0
            cpu += c1 - c0
            counted += stats["tasks"] - 1
    per_task = (sync_statements + async_statements) / max(1, counted)
    server = None
    if before is not None and after is not None:
        used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        server = used * 1000 / max(1, tasks[0][0])
    return Result(
        shape.name,
        durable,
        shape.runs,
        tasks[0][0],
        seconds,
        latencies,
        per_task,
        sync_statements / max(1, counted),
        cpu * 1000 / max(1, counted),
        server,
    )


def table(results: Sequence[Result]) -> list[str]:
    """Render the results and the targets line."""
    lines = [
        "| shape | synchronous_commit | runs | tasks | seconds | tasks/s | p50 ms | p99 ms "
        "| SQL/task (dagabaaz + procrastinate) | worker CPU ms/task | server CPU ms/task |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in results:
        server = "n/a" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.2f}"
        lines.append(
            f"| {r.shape} | {'on' if r.durable else 'off'} | {r.runs} | {r.tasks} "
            f"| {r.seconds:.2f} | {r.rate:.0f} | {r.percentile(0.5):.1f} "
            f"| {r.percentile(0.99):.1f} | {r.statements:.1f} ({r.ours:.1f} + "
            f"{r.statements - r.ours:.1f}) | {r.cpu_ms:.2f} | {server} |"
        )
    lines.append(_targets(results))
    return lines


def _targets(results: Sequence[Result]) -> str:
    def verdict(ok: bool) -> str:
        return "pass" if ok else "MISS"

    parts = []
    for durable, target, label in (
        (True, TARGET_DURABLE, "durable"),
        (False, TARGET_ASYNC, "synchronous_commit=off"),
    ):
        rows = [r for r in results if r.durable is durable]
        if rows:
            worst = min(rows, key=lambda r: r.rate)
            parts.append(
                f"{label} >= {target:.0f} tasks/s: {verdict(worst.rate >= target)} "
                f"(worst {worst.rate:.0f}, {worst.shape})"
            )
    if results:
        worst = max(results, key=lambda r: r.percentile(0.99))
        parts.append(
            f"p99 < {TARGET_P99_MS:.0f} ms: {verdict(worst.percentile(0.99) < TARGET_P99_MS)} "
            f"(worst {worst.percentile(0.99):.1f}, {worst.shape} "
            f"{'on' if worst.durable else 'off'})"
        )
    return "Targets: " + "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PostgreSQL + procrastinate throughput")
    sub = parser.add_subparsers(dest="mode")
    run_worker = sub.add_parser("worker")
    run_worker.add_argument("--dsn", required=True)
    run_worker.add_argument("--schema", required=True)
    run_worker.add_argument("--concurrency", type=int, default=4)
    run_worker.add_argument("--stats", required=True)
    parser.add_argument("--dsn", default=os.environ.get("DAGABAAZ_TEST_DSN", DEFAULT_DSN))
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--concurrency", type=int, default=4, help="tasks at once per worker (4)")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the runs (1.0)")
    parser.add_argument("--shapes", default="chain,fan-out,scatter-gather")
    parser.add_argument("--sync", default="on,off", help="synchronous_commit settings to try")
    args = parser.parse_args(argv)
    if args.mode == "worker":
        worker(args)
        return 0
    from dagabaaz.postgres import migrate

    schema = f"dagabaaz_bench_{os.getpid()}_{secrets.token_hex(3)}"
    migrate(args.dsn, schema, procrastinate=True)
    wanted = args.shapes.split(",")
    load_before = os.getloadavg()[0]
    try:
        results = [
            measure(args.dsn, schema, shape, setting == "on", args.workers, args.concurrency)
            for setting in args.sync.split(",")
            for shape in shapes(args.scale)
            if shape.name in wanted
        ]
    finally:
        _sql(args.dsn, "public", f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    print("\n".join(table(results)))
    print(f"Load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
