"""The worker benchmark still runs (at a tiny size, so it cannot rot)."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_worker.py"


def test_worker_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_worker", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_worker"] = module  # dataclasses resolve annotations through it
    try:
        spec.loader.exec_module(module)
        module.main(["--scale", "0.25", "--budget", "0"])
    finally:
        del sys.modules["bench_worker"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| case | items |")
    assert [line.split(" | ")[:2] for line in lines[2:]] == [
        ["| fan-out", "2"],
        ["| fan-out", "50"],
        ["| grouped", "2"],
        ["| grouped", "50"],
        ["| aggregate", "2"],
        ["| aggregate", "50"],
    ]
