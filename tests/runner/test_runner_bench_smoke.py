import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_runner.py"


def test_runner_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_runner", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--scale", "0.01", "--repeat", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| case | us/task at N=2 | us/task at N=20 |")
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| engine",
        "| engine + inputs",
        "| runner (1 worker)",
        "| runner (4 workers)",
    ]
