"""The expression benchmark still runs (at a tiny size; nothing is timed here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_expressions.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_expressions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    assert module.main(["--scale", "0.0001"]) == 0
    output = capsys.readouterr().out
    for case in (
        "single reference",
        "reference + 3 pipes",
        "text, 3 interpolations",
        "list() + join",
    ):
        assert output.count(f"| {case} |") == 2
    assert "Targets:" in output
    assert "First evaluations within 3x of the lambda (our own goal): " in output
