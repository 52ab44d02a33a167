"""docs/scale.md as written: its walkthrough runs against the server, its plans are current."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from hot_queries import INDEXES, QUERIES, plans
from kill_harness import _die_with_parent

from dagabaaz.postgres import migrate

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "scale.md"
WALKTHROUGH = "tests/postgres/test_scale_page.py runs this walkthrough"
FENCE = re.compile(r"<!-- skip: ([^>]*) -->\n```sh\n(.*?)```", re.S)


def walkthrough() -> list[str]:
    """The walkthrough's shell blocks, in page order."""
    text = PAGE.read_text(encoding="utf-8")
    return [body for why, body in FENCE.findall(text) if WALKTHROUGH in why]


@pytest.fixture
def shell(tmp_path: Path, postgres_dsn: str, postgres_schema: str) -> dict[str, str]:
    """An environment where ``dagabaaz`` is this interpreter's and the database is the test's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "dagabaaz"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dagabaaz "$@"\n')
    script.chmod(0o755)
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "out"),
    )
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGABAAZ_DSN": postgres_dsn,
        "DAGABAAZ_SCHEMA": postgres_schema,
    }


def run_block(body: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # The page's `export DAGABAAZ_DSN=...` points at its own database: the
    # environment above points at the test's instead.
    script = "\n".join(line for line in body.splitlines() if not line.startswith("export "))
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_walkthrough_runs_as_the_page_says(
    shell: dict[str, str], tmp_path: Path, postgres_dsn: str, postgres_schema: str
) -> None:
    from pg_support import reset

    reset(postgres_dsn, postgres_schema)
    migrate_block, worker_block, submit_block = walkthrough()
    migrated = run_block(migrate_block, shell, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema '{postgres_schema}': up to date" in migrated.stdout
    command = worker_block.strip()
    assert command.startswith("dagabaaz worker ")
    worker = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        env=shell,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    try:
        submitted = run_block(submit_block, shell, tmp_path)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert worker.stdout is not None
    logs = worker.stdout.read().decode(errors="replace")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr + logs
    reports = [line for line in submitted.stdout.splitlines() if line.startswith("run ")]
    assert reports and reports[-1].endswith(": completed"), submitted.stdout
    assert (tmp_path / "examples" / "media" / "out" / "manifest.json").is_file()


def test_the_page_shows_each_hot_query_with_a_plan_using_its_index(
    postgres_dsn: str, postgres_schema: str
) -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name, index in INDEXES.items():
        section = text.split(f"**{name}**", 1)[1].split("**", 1)[0]
        assert f"on {index}" in section or f"using {index}" in section, name
    schema = f"dagabaaz_test_plans_{secrets.token_hex(3)}"
    migrate(postgres_dsn, schema, procrastinate=True)
    try:
        fresh = plans(postgres_dsn, schema)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert set(fresh) == set(QUERIES)
    for name, (_, plan) in fresh.items():
        assert INDEXES[name] in plan, f"{name} no longer uses {INDEXES[name]}:\n{plan}"
