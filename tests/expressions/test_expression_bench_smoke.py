"""The expression benchmark still runs, every case agreeing (at a tiny size; nothing is timed)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_expressions.py"

FAMILIES = ("text:", "paths:", "lists:", "logic:", "numbers:", "regex:", "JSON:", "URLs:")
SHAPES = (
    "when: int + gt",
    "when: in(en, fr, de)",
    "when: not",
    "when: default",
    "text, 16 interpolations",
    "20-pipe chain",
    "large literals",
    "missing: reference + default",
)


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_expressions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_every_case_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load()
    names = [case.name for case in bench.CASES]
    for family in FAMILIES:
        assert any(name.startswith(family) for name in names), family
    for shape in SHAPES:
        assert shape in names
    chain = next(case for case in bench.CASES if case.name == "20-pipe chain")
    assert chain.dagabaaz.count("|") == 20
    assert bench.main(["--scale", "0.001", "--repeats", "1"]) == 0
    output = capsys.readouterr().out
    for name in names:
        assert output.count(f"| {name} |") == 2, name  # evaluation and compile tables
    lines = output.strip().splitlines()
    assert re.fullmatch(
        r"Targets: <= 3x the lambda on the median case: (pass|MISS) \(median [0-9.]+x\); "
        r"<= 6x on the worst: (pass|MISS) \(worst [0-9.]+x, .+\); "
        r">= 10x faster than jinja2 and liquid on every case: (pass|MISS)( \(.+\))?; "
        r"uncached compile <= liquid's parse on the median case: (pass|MISS) "
        r"\(median [0-9.]+x\)",
        lines[-2],
    )
    assert lines[-1].startswith("Bounded by a dependency: ")


def row(case: str, ours: float, lambda_: float, jinja: float, liquid: float, **more: Any) -> Any:
    return {
        "case": case,
        "dagabaaz": ours,
        "lambda": lambda_,
        "jinja2": jinja,
        "liquid": liquid,
        "compile": 1.0,
        "liquid_parse": 2.0,
        "dependency": more.pop("dependency", ""),
        **more,
    }


def test_targets_say_pass_miss_and_bounded() -> None:
    bench = load()
    rows = [
        row("a", 1.0, 0.5, 20.0, 30.0),
        row("b", 2.0, 1.0, 25.0, 40.0),
        row("c", 4.0, 2.0, 20.0, 20.0, floor=3.0, dependency="json.loads"),
        row("d", 1.0, 0.1, 8.0, 50.0),
    ]
    targets, bounded = bench.targets(rows)
    assert "median case: pass (median 2.00x)" in targets
    assert "on the worst: MISS (worst 10.00x, d)" in targets
    assert "every case: MISS (d (8.0x))" in targets
    assert "parse on the median case: pass (median 0.50x)" in targets
    assert bounded == (
        "Bounded by a dependency: c (5.0x; json.loads alone allows 6.7x and is 75% of our time)"
    )
