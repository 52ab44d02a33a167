"""Smoke test: the PostgreSQL benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_benchmark() -> ModuleType:
    path = Path(__file__).with_name("bench_postgres.py")
    spec = importlib.util.spec_from_file_location("bench_postgres", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


def test_the_postgres_benchmark_runs_every_case(
    postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load_benchmark()
    bench.main(["--dsn", postgres_dsn, "--scale", "0.05", "--workers", "1", "--concurrency", "2"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| shape | synchronous_commit | runs | tasks | seconds | tasks/s |")
    rows = [line.split("|")[1:-1] for line in lines[2:-1]]
    assert [(row[0].strip(), row[1].strip()) for row in rows] == [
        ("chain", "on"),
        ("fan-out", "on"),
        ("scatter-gather", "on"),
        ("chain", "off"),
        ("fan-out", "off"),
        ("scatter-gather", "off"),
    ]
    # Every task of every run completed: 3 chains of 10, 3 fan-outs of 10 + 2, 4 of 2 * 3 + 1.
    assert [int(row[3]) for row in rows] == [30, 36, 28] * 2
    for row in rows:
        assert re.fullmatch(r" \d+\.\d \(\d+\.\d \+ \d+\.\d\) ", row[8]), row
        assert re.fullmatch(r" \d+\.\d\d ", row[9]), row
    assert re.fullmatch(
        r"Targets: durable >= 300 tasks/s: (pass|MISS) \(worst \d+, [a-z-]+\); "
        r"synchronous_commit=off >= 1000 tasks/s: (pass|MISS) \(worst \d+, [a-z-]+\); "
        r"p99 < 50 ms: (pass|MISS) \(worst [0-9.]+, [a-z-]+ (on|off)\)",
        lines[-1],
    )
