"""Smoke test: the hostile-input benchmark runs every table at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_hostile.py"
    spec = importlib.util.spec_from_file_location("bench_hostile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_hostile_benchmark_prints_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark()
    bench.main(["--scale", "0.004", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "| pattern | N ms | 4N ms | 4N/N |" in out
    assert "| case | error | ms | peak KiB | peak/budget |" in out
    assert "| source | characters | diagnostics | ms |" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    redos = load_catalogue_ids()
    assert all(any(line.startswith(f"| {case} |") for line in rows) for case in redos)
    assert "no error" not in out


def load_catalogue_ids() -> list[str]:
    from hostile_catalogue import REDOS

    return [case.id for case in REDOS]
