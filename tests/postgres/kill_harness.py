"""Worker processes killed with SIGKILL while runs go on: nothing lost, nothing done twice.

``run_fault_test`` starts N ``dagabaaz worker`` processes, submits runs of the
fault pipeline (fan-out, aggregate, grouped, edge filters, routing, skips;
some runs fail, some are cancelled while they run), kills a random worker
every 0.5 to 3 seconds and starts it again, and once every run has ended
checks the database with SQL:

* exactly one terminal transition per run;
* every run that was not cancelled ends exactly as a sequential replay of the
  same run on the in-memory store (status; per node: task count, artifact
  names and summary; for a failed run, its error);
* no task dispatched twice for the same input (or twice without one);
* the per-node counters equal the task rows;
* no task completed, and none dispatched, after its run was cancelled;
* reasons: every launched node has its node-level reason exactly once, none
  for a node never launched, task reasons only for tasks that exist, and a
  completed run's reasons equal the replay's (but for the ids each store
  chooses).

Run longer from the command line::

    python tests/postgres/kill_harness.py --seconds 600 --workers 6 --runs 400
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fault_plugins  # noqa: E402
from pg_support import reset, sql  # noqa: E402

from dagabaaz.constants import TERMINAL_RUN_STATUSES, RunStatus  # noqa: E402
from dagabaaz.procrastinate import cancel_run, connect, submit_run  # noqa: E402
from dagabaaz.runner import LocalRunner  # noqa: E402

PLUGINS_FILE = HERE / "fault_plugins.py"
TERMINAL = tuple(sorted(status.value for status in TERMINAL_RUN_STATUSES))


@dataclass
class FaultReport:
    """What happened and what the checks found."""

    runs: int = 0
    kills: int = 0
    restarts: int = 0
    cancelled: int = 0
    failed: int = 0
    completed: int = 0
    tasks: int = 0
    reexecuted_tasks: int = 0
    stalled_jobs_requeued: int = 0
    seconds: float = 0.0
    anomalies: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.runs} runs ({self.completed} completed, {self.failed} failed, "
            f"{self.cancelled} cancelled), {self.tasks} tasks, {self.kills} kills, "
            f"{self.restarts} restarts, {self.reexecuted_tasks} tasks run again after a kill, "
            f"{self.stalled_jobs_requeued} stalled jobs requeued, {len(self.anomalies)} anomalies, "
            f"{self.seconds:.0f} s"
        )


def _die_with_parent() -> None:
    # A worker must not outlive the test that started it, even a test killed itself.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Workers:
    """N worker processes that can be killed and started again."""

    def __init__(self, dsn: str, schema: str, count: int, folder: Path, concurrency: int) -> None:
        self.dsn, self.schema, self.folder = dsn, schema, folder
        self.concurrency = concurrency
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started = 0
        for slot in range(count):
            self.start(slot)

    def start(self, slot: int) -> None:
        self.started += 1
        log = open(self.folder / f"worker-{slot}-{self.started}.log", "wb")  # noqa: SIM115
        env = {
            **os.environ,
            "DAGABAAZ_FAULT_PAUSE": os.environ.get("DAGABAAZ_FAULT_PAUSE", "0,0.03"),
        }
        self.processes[slot] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagabaaz",
                "worker",
                "--dsn",
                self.dsn,
                "--schema",
                self.schema,
                "--plugins",
                str(PLUGINS_FILE),
                "--concurrency",
                str(self.concurrency),
                "--heartbeat",
                "0.5",
                "--stalled-after",
                "2",
                "--sweep-every",
                "1",
                "--idle-after",
                "3",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def kill(self, slot: int) -> None:
        process = self.processes[slot]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        live = [p for p in self.processes if p is not None and p.poll() is None]
        for process in live:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("*.log")))


def _run_input(number: int) -> dict[str, Any]:
    return {"count": 1 + number % 6, "fail": number % 7 == 3}


@contextlib.contextmanager
def _workers(dsn: str, schema: str, count: int, concurrency: int) -> Iterator[tuple[Workers, Path]]:
    with tempfile.TemporaryDirectory(prefix="dagabaaz-fault-") as folder:
        workers = Workers(dsn, schema, count, Path(folder), concurrency)
        try:
            yield workers, Path(folder)
        finally:
            workers.stop()


def run_fault_test(
    dsn: str,
    schema: str,
    *,
    workers: int = 4,
    runs: int = 40,
    seconds: float = 45.0,
    settle_seconds: float = 90.0,
    concurrency: int = 2,
    seed: int = 0,
    log: Callable[[str], object] = print,
) -> FaultReport:
    """Run the fault test; return the figures and every anomaly found."""
    rng = random.Random(seed)
    reset(dsn, schema)
    report = FaultReport(runs=runs)
    nodes = fault_plugins.pipeline()
    begin = time.monotonic()
    store = connect(dsn, schema=schema, max_size=2, application_name="dagabaaz-fault-test")
    try:
        with _workers(dsn, schema, workers, concurrency) as (pool, _folder):
            run_ids = [f"fault-{i}" for i in range(runs)]
            to_cancel = {run_ids[i] for i in range(runs) if i % 7 == 5}
            submitted = 0
            next_kill = time.monotonic() + rng.uniform(0.5, 3.0)
            deadline = begin + seconds
            while time.monotonic() < deadline:
                # Submit runs spread over most of the time, so kills keep landing on work.
                due = int(runs * min(1.0, (time.monotonic() - begin) / (seconds * 0.8))) + 1
                while submitted < min(due, runs):
                    run_id = run_ids[submitted]
                    submit_run(
                        store,
                        nodes,
                        _run_input(submitted),
                        run_id=run_id,
                        plugins=fault_plugins.PLUGINS,
                        passthrough=fault_plugins.PASSTHROUGH,
                    )
                    submitted += 1
                for run_id in sorted(to_cancel):
                    if run_ids.index(run_id) < submitted and rng.random() < 0.3:
                        cancel_run(store, run_id, "cancelled by the fault test")
                        to_cancel.discard(run_id)
                if time.monotonic() >= next_kill:
                    slot = rng.randrange(workers)
                    pool.kill(slot)
                    report.kills += 1
                    pool.start(slot)
                    report.restarts += 1
                    next_kill = time.monotonic() + rng.uniform(0.5, 3.0)
                if submitted == runs and not to_cancel and _all_ended(store, run_ids):
                    break
                time.sleep(0.05)
            for run_id in sorted(to_cancel):  # those the dice never picked
                cancel_run(store, run_id, "cancelled by the fault test")
            settle = time.monotonic() + settle_seconds
            while not _all_ended(store, run_ids) and time.monotonic() < settle:
                time.sleep(0.2)
            live = [r for r in run_ids if store.get_run_status(r) not in TERMINAL_RUN_STATUSES]
            if live:
                report.anomalies.append(f"runs never ended: {live}")
            pool.stop()
            logs = pool.logs()
        report.stalled_jobs_requeued = logs.count("of a dead worker is queued again")
        report.seconds = time.monotonic() - begin
        _check(dsn, schema, store, run_ids, report)
    finally:
        store.close()
    log(report.summary())
    for anomaly in report.anomalies:
        log(f"ANOMALY: {anomaly}")
    return report


def _all_ended(store: Any, run_ids: list[str]) -> bool:
    rows = store.list_runs(live_only=True, limit=len(run_ids) + 1)
    return not any(row.run_id in run_ids for row in rows)


def _check(dsn: str, schema: str, store: Any, run_ids: list[str], report: FaultReport) -> None:
    def query(text: str, params: Any = None) -> list[tuple[Any, ...]]:
        return sql(dsn, schema, text, params)

    anomalies = report.anomalies
    for run_id, ends in query(
        """SELECT r.id, count(e.id) FROM dagabaaz_runs r
             LEFT JOIN dagabaaz_run_events e ON e.run_id = r.id AND e.status = ANY(%s)
            GROUP BY r.id HAVING count(e.id) <> 1""",
        (list(TERMINAL),),
    ):
        anomalies.append(f"{run_id}: {ends} terminal transitions")
    for run_id, node, input_id, origin, copies in query(
        """SELECT run_id, node_index, input_artifact_id, origin_artifact_id, count(*)
             FROM dagabaaz_tasks GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"""
    ):
        anomalies.append(
            f"{run_id} node {node}: {copies} tasks for input {input_id!r} origin {origin!r}"
        )
    for row in query(
        """SELECT n.run_id, n.node_index FROM dagabaaz_nodes n
             LEFT JOIN dagabaaz_tasks t ON t.run_id = n.run_id AND t.node_index = n.node_index
            GROUP BY n.run_id, n.node_index, n.total, n.terminal, n.skipped, n.succeeded
           HAVING n.total <> count(t.id)
               OR n.terminal <> count(t.id) FILTER (
                      WHERE t.status NOT IN ('pending', 'queued', 'running'))
               OR n.skipped <> count(t.id) FILTER (WHERE t.status = 'skipped')
               OR n.succeeded <> count(t.id) FILTER (WHERE t.status IN ('completed', 'filtered'))"""
    ):
        anomalies.append(f"{row[0]} node {row[1]}: counters differ from the task rows")
    for run_id, task_id, what in query(
        """SELECT t.run_id, t.id, CASE WHEN t.created_at > e.at THEN 'dispatched'
                                      ELSE 'completed' END
             FROM dagabaaz_tasks t
             JOIN dagabaaz_run_events e ON e.run_id = t.run_id AND e.status = 'cancelled'
            WHERE t.created_at > e.at OR (t.status = 'completed' AND t.finished_at > e.at)"""
    ):
        anomalies.append(f"{run_id}: task {task_id} {what} after the run was cancelled")
    for (leftover,) in query(
        "SELECT count(*) FROM dagabaaz_tasks WHERE status IN ('pending', 'queued', 'running')"
    ):
        if leftover:
            anomalies.append(f"{leftover} tasks still live after every run ended")
    _check_reasons(query, anomalies)
    report.tasks = query("SELECT count(*) FROM dagabaaz_tasks")[0][0]
    report.reexecuted_tasks = query("SELECT count(*) FROM dagabaaz_tasks WHERE attempts > 1")[0][0]
    _compare_with_replay(store, run_ids, report)


def _check_reasons(query: Callable[..., list[tuple[Any, ...]]], anomalies: list[str]) -> None:
    """A launch and its reason commit together, whoever was killed when: check it."""
    # Node-level: the launch's own reason, or the failure of a launch that went wrong.
    node_level = "(x.task_id IS NULL OR x.reason ->> 'cause' IN ('fan_out_limit', 'launch_failed'))"
    for run_id, node, found in query(
        f"""SELECT n.run_id, n.node_index, count(x.id) FROM dagabaaz_nodes n
              LEFT JOIN dagabaaz_reasons x
                ON x.run_id = n.run_id AND x.node_index = n.node_index AND {node_level}
             GROUP BY n.run_id, n.node_index, n.launched
            HAVING count(x.id) <> n.launched::integer"""
    ):
        anomalies.append(f"{run_id} node {node}: {found} node-level reasons")
    for run_id, node, task_id in query(
        """SELECT x.run_id, x.node_index, x.task_id FROM dagabaaz_reasons x
            WHERE x.task_id IS NOT NULL AND NOT EXISTS (
                  SELECT FROM dagabaaz_tasks t
                   WHERE t.run_id = x.run_id AND t.node_index = x.node_index
                     AND t.id::text = x.task_id)"""
    ):
        anomalies.append(f"{run_id} node {node}: a reason for task {task_id}, which does not exist")


def _comparable(reasons: list[Any]) -> dict[int, list[str]]:
    """Each node's reasons as JSON, without the ids a store chooses, in a stable order."""
    by_node: dict[int, list[str]] = {}
    for reason in reasons:
        fields = reason.model_dump(mode="json", exclude={"task_id", "input_artifact_id"})
        by_node.setdefault(reason.node_index, []).append(json.dumps(fields, sort_keys=True))
    return {node: sorted(found) for node, found in by_node.items()}


def _compare_with_replay(store: Any, run_ids: list[str], report: FaultReport) -> None:
    nodes = fault_plugins.pipeline()
    for number, run_id in enumerate(run_ids):
        status = store.get_run_status(run_id)
        if status is RunStatus.CANCELLED:
            report.cancelled += 1
            continue
        runner = LocalRunner(
            fault_plugins.PLUGINS, passthrough=fault_plugins.PASSTHROUGH, max_workers=1
        )
        replay = runner.run(nodes, _run_input(number), run_id=run_id)
        if status is RunStatus.FAILED:
            report.failed += 1
        elif status is RunStatus.COMPLETED:
            report.completed += 1
        if status != replay.status:
            report.anomalies.append(f"{run_id}: ended {status}, the replay {replay.status}")
            continue
        if status is not RunStatus.COMPLETED:
            error = store.run(run_id).error
            if error != runner.store.run(run_id).error:
                report.anomalies.append(f"{run_id}: error {error!r}, the replay's differs")
            continue
        if _comparable(store.get_reasons(run_id)) != _comparable(runner.store.get_reasons(run_id)):
            report.anomalies.append(f"{run_id}: reasons differ from the replay's")
        expected_summary = runner.store.get_node_summary(run_id)
        if store.get_node_summary(run_id) != expected_summary:
            report.anomalies.append(f"{run_id}: node summaries differ from the replay")
        for index, node in enumerate(nodes):
            got = sorted(a.file_name for a in store.get_artifacts_by_node_indices(run_id, [index]))
            want = sorted(o.file_name for o in replay.nodes[node.slug].outputs)
            tasks = store.get_barrier_state(run_id, index)[1]
            if got != want or tasks != replay.nodes[node.slug].task_count:
                report.anomalies.append(
                    f"{run_id} node '{node.slug}': {tasks} tasks {got}, the replay "
                    f"{replay.nodes[node.slug].task_count} tasks {want}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dsn", default="host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=5"
    )
    parser.add_argument("--schema", default=f"dagabaaz_fault_{os.getpid()}")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from dagabaaz.postgres import migrate

    migrate(args.dsn, args.schema, procrastinate=True)
    try:
        report = run_fault_test(
            args.dsn,
            args.schema,
            workers=args.workers,
            runs=args.runs,
            seconds=args.seconds,
            concurrency=args.concurrency,
            seed=args.seed,
        )
    finally:
        sql(args.dsn, "public", f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
    return 1 if report.anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
