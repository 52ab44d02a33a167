"""Expression speed: dagabaaz against Jinja2, python-liquid and hand-written Python.

For four fixed expressions (a single reference; a reference with three pipes;
text with three interpolations; list() with join) it measures, in one run:

* evaluation: a compiled dagabaaz expression (once hot, that is after
  ``HOT_AFTER`` evaluations; its first evaluations are shown too, through
  the same dispatch, when its closures still run), a compiled Jinja2
  template, a parsed python-liquid template and a hand-written Python lambda;
* compilation without any cache: dagabaaz (parse, check, build), python-liquid's
  parse and Jinja2's compile; and the one-off cost of generating the hot code.

Targets (issue 2): evaluation within 3x of the lambda and at least 10x faster
than Jinja2 and python-liquid on every case; an uncached compile no slower
than python-liquid's parse. A stricter goal of our own is printed on its own
line: the first evaluations (the closures, before the hot code) within 3x of
the lambda too.

Run: ``python tests/benchmarks/bench_expressions.py`` (``--scale 0.05`` for a quick look).
"""

from __future__ import annotations

import argparse
import posixpath
import sys
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
import liquid

from dagabaaz.expressions import compile_expression
from dagabaaz.expressions.checker import analyze
from dagabaaz.expressions.codegen import generate
from dagabaaz.expressions.compiler import _compile
from dagabaaz.expressions.evaluator import (
    Evaluator,
    Plan,
    build_plan,
    closure_evaluator,
    tiered,
    worth_generating,
)
from dagabaaz.expressions.limits import Limits
from dagabaaz.pipes import DEFAULT_PIPES

SCOPE: dict[str, dict[str, Any]] = {
    "source": {
        "file_path": "/media/incoming/holiday-2024.final.mp4",
        "title": "  A walk along the river at dusk, filmed on an old camera  ",
        "author": "Ada",
    },
    "input": {"url": "https://example.org/upload"},
    "config": {"format": "mp4"},
    "branch_a": {"url": "https://a.example.org/1"},
    "branch_b": {"url": "https://b.example.org/2"},
}


@dataclass(frozen=True, slots=True)
class Case:
    """One expression written in each language, plus the lambda doing the same."""

    name: str
    dagabaaz: str
    jinja: str
    liquid: str
    python: Callable[[dict[str, dict[str, Any]]], Any]


CASES = (
    Case(
        "single reference",
        "{source.file_path}",
        "{{ source.file_path }}",
        "{{ source.file_path }}",
        lambda s: s["source"]["file_path"],
    ),
    Case(
        "reference + 3 pipes",
        "{source.file_path | basename | upper | truncate(12)}",
        "{{ (source.file_path | basename | upper)[:12] }}",
        "{{ source.file_path | split: '/' | last | upcase | slice: 0, 12 }}",
        lambda s: posixpath.basename(s["source"]["file_path"]).upper()[:12],
    ),
    Case(
        "text, 3 interpolations",
        "{source.author} sent {source.file_path} to {input.url}",
        "{{ source.author }} sent {{ source.file_path }} to {{ input.url }}",
        "{{ source.author }} sent {{ source.file_path }} to {{ input.url }}",
        lambda s: f"{s['source']['author']} sent {s['source']['file_path']} to {s['input']['url']}",
    ),
    Case(
        "list() + join",
        "{list(branch_a.url, branch_b.url) | join(,)}",
        "{{ [branch_a.url, branch_b.url] | select | join(',') }}",
        "{{ branch_a.url | append: ',' | append: branch_b.url }}",
        lambda s: ",".join(
            v for v in (s["branch_a"]["url"], s["branch_b"]["url"]) if v is not None
        ),
    ),
)


def per_call(function: Callable[[], object], scale: float) -> float:
    """Best-of-five time per call, in microseconds (each run lasts about 0.2 s x scale)."""
    once = max(timeit.timeit(function, number=10) / 10, 1e-9)
    number = max(1, int(0.2 * scale / once))
    runs = timeit.repeat(function, number=number, repeat=5)
    return min(runs) / number * 1e6


def plan_of(source: str) -> Plan:
    """The evaluation plan ``compile_expression`` builds for ``source``."""
    analysis = analyze(source)
    return build_plan(source, analysis.tree, analysis.bound, analysis.budget)


def first_evaluations(plan: Plan) -> Evaluator:
    """What a freshly compiled expression evaluates with before it is hot."""
    closures = closure_evaluator(plan)
    if not worth_generating(plan):
        return closures
    return tiered(closures, plan, generate, hot_after=sys.maxsize)  # never switches


def check_agreement(case: Case, jinja_env: jinja2.Environment, liquid_env: Any) -> None:
    """All four implementations of a case must produce the same text."""
    expected = str(case.python(SCOPE))
    results = {
        "dagabaaz": str(compile_expression(case.dagabaaz).evaluate(SCOPE)),
        "jinja2": jinja_env.from_string(case.jinja).render(SCOPE),
        "liquid": liquid_env.from_string(case.liquid).render(**SCOPE),
    }
    for name, got in results.items():
        if got != expected:
            raise SystemExit(f"{case.name}: {name} gave {got!r}, expected {expected!r}")


def measure(scale: float) -> list[dict[str, Any]]:
    """Measure every case; return one row of timings (microseconds) per case."""
    jinja_env = jinja2.Environment(autoescape=False)
    jinja_env.filters["basename"] = posixpath.basename
    liquid_env = liquid.Environment()
    limits = Limits()

    def compile_uncached(source: str) -> object:
        return _compile(source, DEFAULT_PIPES, limits)  # the compile step under the cache

    rows = []
    for case in CASES:
        check_agreement(case, jinja_env, liquid_env)
        expression = compile_expression(case.dagabaaz)
        plan = plan_of(case.dagabaaz)
        closures = first_evaluations(plan)
        jinja_template = jinja_env.from_string(case.jinja)
        liquid_template = liquid_env.from_string(case.liquid)
        rows.append(
            {
                "case": case.name,
                "dagabaaz": per_call(lambda e=expression: e.evaluate(SCOPE), scale),
                "closures": per_call(lambda f=closures: f(SCOPE), scale),
                "generate": per_call(lambda p=plan: generate(p), scale / 10)
                if worth_generating(plan)
                else None,
                "python": per_call(lambda c=case: c.python(SCOPE), scale),
                "jinja2": per_call(lambda t=jinja_template: t.render(SCOPE), scale),
                "liquid": per_call(lambda t=liquid_template: t.render(**SCOPE), scale),
                "compile": per_call(lambda c=case: compile_uncached(c.dagabaaz), scale),
                "liquid_parse": per_call(lambda c=case: liquid_env.from_string(c.liquid), scale),
                "jinja_compile": per_call(
                    lambda c=case: jinja_env.from_string(c.jinja), scale / 10
                ),
            }
        )
    return rows


def report(rows: Sequence[dict[str, Any]]) -> str:
    """Format the timings and ratios as two Markdown tables."""
    lines = [
        "Evaluation, microseconds per call (lower is better)",
        "",
        "| case | dagabaaz | lambda | jinja2 | liquid | dagabaaz/lambda "
        "| jinja2/dagabaaz | liquid/dagabaaz | first calls (closures) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['dagabaaz']:.3f} | {r['python']:.3f} | {r['jinja2']:.2f} "
            f"| {r['liquid']:.2f} | {r['dagabaaz'] / r['python']:.2f}x "
            f"| {r['jinja2'] / r['dagabaaz']:.1f}x | {r['liquid'] / r['dagabaaz']:.1f}x "
            f"| {r['closures']:.3f} ({r['closures'] / r['python']:.1f}x) |"
        )
    lines += [
        "",
        "Uncached compile, microseconds per call (lower is better)",
        "",
        "| case | dagabaaz | liquid parse | jinja2 compile | dagabaaz/liquid "
        "| jinja2/dagabaaz | hot code, once |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['compile']:.1f} | {r['liquid_parse']:.1f} "
            f"| {r['jinja_compile']:.0f} | {r['compile'] / r['liquid_parse']:.2f}x "
            f"| {r['jinja_compile'] / r['compile']:.0f}x "
            f"| {'not used' if r['generate'] is None else format(r['generate'], '.0f')} |"
        )
    return "\n".join(lines)


def targets_met(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Return the targets missed (empty when all are met)."""
    missed = []
    for r in rows:
        if r["dagabaaz"] > 3 * r["python"]:
            missed.append(f"{r['case']}: evaluation over 3x the lambda")
        if r["jinja2"] < 10 * r["dagabaaz"] or r["liquid"] < 10 * r["dagabaaz"]:
            missed.append(f"{r['case']}: evaluation under 10x faster than jinja2/liquid")
        if r["compile"] > r["liquid_parse"]:
            missed.append(f"{r['case']}: compile slower than liquid's parse")
    return missed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default work")
    args = parser.parse_args(argv)
    rows = measure(args.scale)
    print(report(rows))
    missed = targets_met(rows)
    print("\nTargets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    slow = closures_over_goal(rows)
    print(
        "First evaluations within 3x of the lambda (our own goal): "
        + ("met" if not slow else "missed for " + "; ".join(slow))
    )
    return 0


def closures_over_goal(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Cases whose first evaluations (the closures) take over 3x the lambda."""
    return [
        f"{r['case']} ({r['closures'] / r['python']:.1f}x)"
        for r in rows
        if r["closures"] > 3 * r["python"]
    ]


if __name__ == "__main__":
    raise SystemExit(main())
