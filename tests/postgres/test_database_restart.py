"""A real database restart in the middle of runs: the worker reconnects and every run ends.

The shared server cannot be restarted under other suites, so this test starts
a PostgreSQL of its own (initdb in a temporary folder, a free port), restarts
it with ``pg_ctl restart -m fast`` while a worker is busy, and stops it at
the end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import fault_plugins
import pytest
from kill_harness import PLUGINS_FILE, _die_with_parent
from pg_support import sql

from dagabaaz.constants import TERMINAL_RUN_STATUSES, RunStatus
from dagabaaz.postgres import migrate
from dagabaaz.procrastinate import connect, submit_run

BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def private_server() -> Iterator[tuple[str, Path, int]]:
    if not (BIN / "initdb").exists() or shutil.which("runuser") is None or os.getuid() != 0:
        pytest.skip("starting a private PostgreSQL needs its binaries, root and runuser")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("starting a private PostgreSQL needs the postgres system user")
    # Not under pytest's tmp_path: its parents are closed to the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="dagabaaz-pg-"))
    shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    made = _as_postgres(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    assert made.returncode == 0, made.stderr
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    log = str(folder / "log")
    started = _as_postgres(
        str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"
    )
    assert started.returncode == 0, started.stderr
    try:
        yield f"host=127.0.0.1 port={port} dbname=postgres user=postgres", data, port
    finally:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_mid_run(dsn: str, run_ids: list[str]) -> None:
    """Wait until some task has completed while every run is still going."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (done,) = sql(
            dsn, "dagabaaz", "SELECT count(*) FROM dagabaaz_tasks WHERE status = 'completed'"
        )[0]
        live = sql(
            dsn,
            "dagabaaz",
            "SELECT count(*) FROM dagabaaz_runs WHERE id = ANY(%s) AND status = 'running'",
            (run_ids,),
        )[0][0]
        if done:
            assert live == len(run_ids), "the runs ended before the restart could interrupt them"
            return
        time.sleep(0.05)
    raise AssertionError("the worker completed no task within 60 s")


def test_runs_finish_across_a_database_restart(private_server: tuple[str, Path, int]) -> None:
    dsn, data, port = private_server
    migrate(dsn, "dagabaaz", procrastinate=True)
    env = {**os.environ, "DAGABAAZ_FAULT_PAUSE": "0.05,0.2"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagabaaz",
            "worker",
            "--dsn",
            dsn,
            "--plugins",
            str(PLUGINS_FILE),
            "--concurrency",
            "3",
            "--heartbeat",
            "0.5",
            "--stalled-after",
            "2",
            "--sweep-every",
            "1",
            "--idle-after",
            "3",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    store = connect(dsn, max_size=2)
    try:
        run_ids = [
            submit_run(
                store,
                fault_plugins.pipeline(),
                {"count": 6, "fail": False},
                passthrough=fault_plugins.PASSTHROUGH,
            )
            for _ in range(6)
        ]
        # Restart only once the worker is demonstrably in the middle of the runs:
        # under load it may take seconds to start, and a restart before it has
        # connected would test nothing.
        _wait_until_mid_run(dsn, run_ids)
        options = f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1"
        log = str(data.parent / "log")  # without -l the server would hold our pipes open
        restarted = _as_postgres(
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            log,
            "-m",
            "fast",
            "-w",
            "restart",
        )
        assert restarted.returncode == 0, restarted.stderr
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                statuses = [store.get_run_status(run_id) for run_id in run_ids]
            except Exception:  # the store's own pool reconnecting
                time.sleep(0.5)
                continue
            if all(status in TERMINAL_RUN_STATUSES for status in statuses):
                break
            time.sleep(0.5)
        assert statuses == [RunStatus.COMPLETED] * len(run_ids), [
            store.run(run_id).error for run_id in run_ids
        ]
    finally:
        store.close()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert worker.stdout is not None
    logs = worker.stdout.read().decode(errors="replace")
    assert "reconnecting in" in logs, logs[-3000:]
    ends = sql(
        dsn,
        "dagabaaz",
        """SELECT run_id, count(*) FROM dagabaaz_run_events
            WHERE status <> 'running' GROUP BY run_id""",
    )
    assert sorted(count for _, count in ends) == [1] * len(run_ids)
