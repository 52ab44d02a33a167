"""Hostile input: how long adversarial evaluations take, and what they cost in memory.

Three tables, every number measured in this run:

* ReDoS: each catastrophic pattern of ``tests/hardening/hostile_catalogue.py``
  through ``match`` on subjects of N and 4N characters (100,000 by default);
  linear time means a ratio near 4 (quadratic would be 16).
* Amplification: each case of ``tests/hardening/test_hardening_amplification.py``
  under its 100,000-character budget: time until the ExpressionError and
  peak memory (tracemalloc) as a multiple of the budget.
* Sources: the hostile sources of ``tests/hardening/test_hardening_sizes.py``
  through ``check_expression``.

Run: ``python tests/benchmarks/bench_hostile.py`` (``--scale 0.01`` for a quick look).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from dagabaaz.expressions import ExpressionError, check_expression, compile_expression

HARDENING = Path(__file__).resolve().parents[1] / "hardening"


def load(name: str) -> ModuleType:
    """Import a module of tests/hardening by file name."""
    if str(HARDENING) not in sys.path:
        sys.path.insert(0, str(HARDENING))
    spec = importlib.util.spec_from_file_location(name, HARDENING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def best_time(call: Callable[[], Any], repeats: int) -> float:
    """Fastest of ``repeats`` calls, in seconds (after one warm-up call)."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def redos_rows(size: int, repeats: int) -> list[list[str]]:
    """Time every catastrophic pattern at ``size`` and ``4 * size`` characters."""
    catalogue = load("hostile_catalogue")
    rows = []
    for case in catalogue.REDOS:
        expression = compile_expression(catalogue.match_expression(case.pattern))
        small = {"v": {"x": case.subject(size)}}
        large = {"v": {"x": case.subject(4 * size)}}
        took_small = best_time(functools.partial(expression.evaluate, small), repeats)
        took_large = best_time(functools.partial(expression.evaluate, large), repeats)
        rows.append(
            [
                case.id,
                f"{took_small * 1e3:.3f}",
                f"{took_large * 1e3:.3f}",
                f"{took_large / took_small:.1f}x",
            ]
        )
    return rows


def amplification_rows() -> list[list[str]]:
    """Time and peak memory of every amplification case until its ExpressionError."""
    module = load("test_hardening_amplification")
    rows = []
    for case in module.AMPLIFIERS:
        expression = compile_expression(case.source, limits=module.BUDGET)
        scope = {"v": {"x": case.value()}}
        start = time.perf_counter()
        try:
            expression.evaluate(scope)
            outcome = "no error"
        except ExpressionError as error:
            outcome = error.diagnostics[0].code
        took = time.perf_counter() - start
        tracemalloc.start()
        try:
            with contextlib.suppress(ExpressionError):
                expression.evaluate(scope)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rows.append(
            [
                case.id,
                outcome,
                f"{took * 1e3:.2f}",
                f"{peak / 1024:.0f}",
                f"{peak / module.BUDGET_BYTES:.1f}x",
            ]
        )
    return rows


def source_rows(repeats: int) -> list[list[str]]:
    """Time check_expression on every hostile source."""
    module = load("test_hardening_sizes")
    rows = []
    for name, source, _code in module.HOSTILE_SOURCES:
        took = best_time(functools.partial(check_expression, source), repeats)
        found = check_expression(source)
        rows.append([name, f"{len(source):,}", f"{len(found)}", f"{took * 1e3:.2f}"])
    return rows


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Render a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, measure, print the three tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the subject sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per measurement")
    args = parser.parse_args(argv)
    size = max(8, int(25_000 * args.scale))
    print(f"ReDoS: {size:,} and {4 * size:,} characters (ms, fastest of {args.repeats})\n")
    print(table(["pattern", "N ms", "4N ms", "4N/N"], redos_rows(size, args.repeats)))
    print("\nAmplification under a 100,000-character budget\n")
    print(table(["case", "error", "ms", "peak KiB", "peak/budget"], amplification_rows()))
    print("\nHostile sources through check_expression\n")
    print(table(["source", "characters", "diagnostics", "ms"], source_rows(args.repeats)))


if __name__ == "__main__":
    main()
