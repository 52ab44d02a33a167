"""Smoke test: the engine benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_benchmark() -> ModuleType:
    path = Path(__file__).with_name("bench_engine.py")
    spec = importlib.util.spec_from_file_location("bench_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


def test_the_engine_benchmark_runs_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark()
    bench.main(["--scale", "0.05", "--repeats", "1", "--budget", "0"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "| case | size | tasks | us/task | graphlib us/node | large/small |"
    rows = [line.split("|")[1:-1] for line in lines[2:]]
    assert [row[0].strip() for row in rows] == [
        "chain",
        "chain",
        "fan-in",
        "fan-in",
        "scatter-gather",
        "scatter-gather",
    ]
    sizes = [int(row[1]) for row in rows]
    assert sizes[1::2] == [size * bench.GROWTH for size in sizes[::2]]
    assert all(float(row[3]) > 0 for row in rows)
    assert all(row[5].strip().endswith("x") for row in rows[1::2])
