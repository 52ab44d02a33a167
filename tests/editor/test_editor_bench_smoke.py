"""The editor benchmark still runs and prints its tables and targets (tiny; nothing is timed)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_editor.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_editor", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--scale", "0.02", "--repeats", "1"]) == 0
    output = capsys.readouterr().out
    for kind in ("namespace", "key", "function", "pipe", "all"):
        assert re.search(rf"^\| {kind} \| \d+ \| ([\d.]+%|-) \| ([\d.]+%|-) \|$", output, re.M), (
            kind
        )
    assert "Before a name's first character" in output
    assert re.search(r"^\| complete\(\), \d+ cursors", output, re.M)
    for syntax in ("yaml", "json"):
        for kind in ("an edit in an expression", "an opening quote that breaks the file"):
            assert f"| {syntax}: 100 nodes, {kind} |" in output
        assert f"| {syntax}: 100 nodes, any one-character edit: every " in output
    assert re.search(
        r"^Targets: expected name first >= 90%: (pass|MISS) .*; in the first five >= 99%: "
        r"(pass|MISS) .*; complete\(\) p50 <= 50 µs: (pass|MISS) .*; p99 <= 500 µs: (pass|MISS) "
        r".*; revalidation after any one-character edit <= 10 ms: (pass|MISS) \(\d+ kinds; "
        r"slowest median ",
        output,
        re.M,
    )
