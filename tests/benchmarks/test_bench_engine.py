"""Smoke test: the engine benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import importlib.util
import re
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
    output, reasons = capsys.readouterr().out.strip().split("\n\n")
    lines = output.splitlines()
    assert lines[0] == "| case | size | tasks | us/task | graphlib us/node | large/small |"
    assert re.fullmatch(
        r"Targets: <= 20 us/task at every size: (pass|MISS) \(worst [0-9.]+, [a-z-]+ at \d+\); "
        r"large/small <= 1\.3x: (pass|MISS) \(worst [0-9.]+x, [a-z-]+\)",
        lines[-1],
    )
    reason_lines = reasons.splitlines()
    assert reason_lines[0] == (
        "| case | size | tasks | reasons off us/task | reasons on us/task | on/off |"
    )
    assert [line.split("|")[1].strip() for line in reason_lines[2:-1]] == [
        "chain",
        "fan-in",
        "scatter-gather",
        "filtered-scatter",
    ]
    assert re.fullmatch(
        r"Reasons: on/off <= 1\.15x: (pass|MISS) \(worst [0-9.]+x, [a-z-]+\)", reason_lines[-1]
    )
    rows = [line.split("|")[1:-1] for line in lines[2:-1]]
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


@pytest.mark.parametrize(
    ("small", "large", "expected"),
    [
        (
            (19.0, 10.0),
            (19.5, 12.0),
            "Targets: <= 20 us/task at every size: pass (worst 19.5, chain at 1000); "
            "large/small <= 1.3x: pass (worst 1.20x, fan-in)",
        ),
        (
            (19.0, 10.0),
            (20.4, 14.0),
            "Targets: <= 20 us/task at every size: MISS (worst 20.4, chain at 1000); "
            "large/small <= 1.3x: MISS (worst 1.40x, fan-in)",
        ),
    ],
    ids=["both-pass", "both-miss"],
)
def test_the_targets_line_is_computed_from_the_measurements(
    small: tuple[float, float], large: tuple[float, float], expected: str
) -> None:
    bench = load_benchmark()
    pairs = [
        (bench.Result(case, 40, 40, s, 1.0), bench.Result(case, 1000, 1000, big, 1.0))
        for case, s, big in zip(("chain", "fan-in"), small, large, strict=True)
    ]
    assert bench.targets(pairs) == expected
