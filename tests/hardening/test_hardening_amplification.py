"""Amplification: expressions that try to build far more than they read hit the budget.

Each case runs under a 100,000-character string budget; tracemalloc measures
the peak memory of the evaluation, which must stay within a small multiple
of that budget (the scope's own data is allocated before measuring).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from dagabaaz.expressions import ExpressionError, Limits, compile_expression

BUDGET = Limits(max_string_length=100_000, max_list_length=10_000, max_container_items=10_000)
BUDGET_BYTES = BUDGET.max_string_length
MAX_PEAK = 10 * BUDGET_BYTES
"""The bound on peak memory. Budgets count characters; CPython stores up to four
bytes per character, its case mapping works in a buffer of three characters
per input character, and every small string costs about fifty bytes of object
header, so ten times the budget in bytes is the honest small multiple."""


class Amplifier(NamedTuple):
    id: str
    source: str
    value: Callable[[], Any]
    limit: str


def _pipes(pipe: str, times: int) -> str:
    return "".join(f" | {pipe}" for _ in range(times))


LONG = "z" * 5_000
AMPLIFIERS = [
    Amplifier(
        "replace-chain",
        "{v.x" + _pipes("replace(a, aaaaaaaaaa)", 6) + "}",
        lambda: "a" * 100,
        "max_string_length",
    ),
    Amplifier(
        "replace-long-new",
        "{v.x | replace(a, " + LONG + ")}",
        lambda: "a" * 1_000,
        "max_string_length",
    ),
    Amplifier(
        "replace-empty-subject",
        "{v.x | replace(a, " + LONG + ") | replace(z, " + LONG + ")}",
        lambda: "a" * 30,
        "max_string_length",
    ),
    Amplifier(
        "pad-then-append",
        "{v.x | pad(99999) | append(" + LONG + ")}",
        lambda: 7,
        "max_string_length",
    ),
    Amplifier(
        "pad-twice",
        "{v.x | pad(99999) | prepend(1) | pad(100000) | append(x)}",
        lambda: 7,
        "max_string_length",
    ),
    Amplifier(
        "prepend-chain",
        "{v.x" + _pipes(f"prepend({LONG})", 19) + "}",
        lambda: "a" * 10_000,
        "max_string_length",
    ),
    Amplifier(
        "append-chain",
        "{v.x" + _pipes(f"append({LONG})", 19) + "}",
        lambda: "a" * 10_000,
        "max_string_length",
    ),
    Amplifier(
        "join-long-separator",
        "{v.x | join(" + "s" * 100 + ")}",
        lambda: ["abcdefghij"] * 10_000,
        "max_string_length",
    ),
    Amplifier(
        "join-nested-items", "{v.x | join}", lambda: [["a" * 20] * 10] * 1_000, "max_string_length"
    ),
    Amplifier(
        "join-then-replace",
        "{v.x | join(,) | replace(\\,, " + "c" * 50 + ")}",
        lambda: ["ab"] * 9_000,
        "max_string_length",
    ),
    Amplifier(
        "list-of-large-values",
        "{list(v.x, v.x, v.x, v.x, v.x) | join}",
        lambda: "a" * 60_000,
        "max_string_length",
    ),
    Amplifier(
        "list-rendered-in-text",
        "all: {list(v.x, v.x, v.x)}",
        lambda: "a" * 40_000,
        "max_string_length",
    ),
    Amplifier(
        "list-of-lists-as-json",
        "{list(v.x, v.x, v.x) | string}",
        lambda: ["a" * 10] * 4_000,
        "max_string_length",
    ),
    Amplifier("template-repeats", "{v.x}" * 50, lambda: "a" * 10_000, "max_string_length"),
    Amplifier(
        "string-of-numbers", "{v.x | string}", lambda: [123456789] * 9_999, "max_string_length"
    ),
    Amplifier(
        "string-of-wide-dict",
        "{v.x | string}",
        lambda: {f"k{i}": [i] for i in range(6_000)},
        "max_container_items",
    ),
    Amplifier("string-of-deep-list", "{v.x | string}", lambda: _deep(50_000), "max_json_depth"),
    Amplifier(
        "flatten", "{v.x | flatten}", lambda: [["a"] * 9_000, ["b"] * 9_000], "max_list_length"
    ),
    Amplifier("join-over-list-limit", "{v.x | join}", lambda: ["a"] * 10_001, "max_list_length"),
    Amplifier("urlencode", "{v.x | urlencode}", lambda: "\u00e9" * 20_000, "max_string_length"),
    Amplifier("upper-expands", "{v.x | upper}", lambda: "\u00df" * 60_000, "max_string_length"),
    Amplifier(
        "json-get-deep",
        "{v.x | json_get(a)}",
        lambda: "[" * 50_000 + "]" * 50_000,
        "max_json_depth",
    ),
]


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("case", AMPLIFIERS, ids=[case.id for case in AMPLIFIERS])
def test_amplification_hits_the_budget_in_bounded_memory(case: Amplifier) -> None:
    expression = compile_expression(case.source, limits=BUDGET)
    scope = {"v": {"x": case.value()}}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(ExpressionError) as caught:
            expression.evaluate(scope)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "budget-exceeded"
    assert case.limit in diagnostic.message
    assert peak < MAX_PEAK, f"{case.id}: peak {peak:,} bytes"


def test_the_budget_itself_is_reachable() -> None:
    # The same chain one step shorter stays within the limit and succeeds.
    expression = compile_expression(
        "{v.x" + _pipes("replace(a, aaaaaaaaaa)", 3) + "}", limits=BUDGET
    )
    assert expression.evaluate({"v": {"x": "a" * 100}}) == "a" * 100_000


def test_the_peak_check_catches_an_unbudgeted_pipe() -> None:
    from dagabaaz.pipes import DEFAULT_PIPES

    pipes = DEFAULT_PIPES.copy()

    @pipes.register("explode")
    def explode(text: str) -> str:
        return text * 5_000  # builds first, so only the result check refuses it

    expression = compile_expression("{v.x | explode}", pipes=pipes, limits=BUDGET)
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionError):
            expression.evaluate({"v": {"x": "a" * 1_000}})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak > MAX_PEAK


DEFAULT_BUDGET_BYTES = Limits().max_string_length

# Under the default limits these held every rendering before the length was
# checked: 100 MB, 100 MB and 40 MB of peak memory against a 1 MB budget.
REPEATS = [
    ("template-repeats-a-list", "{v.x}" * 100, lambda: ["a" * 500_000, "b" * 499_000]),
    (
        "list-repeats-a-big-item",
        "{list(" + ", ".join(["v.x"] * 100) + ") | join}",
        lambda: ["a" * 990_000],
    ),
    ("string-of-huge-integers", "{v.x | string}", lambda: [10**4000] * 9_999),
    ("join-of-huge-integers", "{v.x | join}", lambda: [10**4000] * 9_999),
]


@pytest.mark.parametrize(("source", "value"), [r[1:] for r in REPEATS], ids=[r[0] for r in REPEATS])
def test_repeated_renderings_are_checked_as_they_pile_up(
    source: str, value: Callable[[], Any]
) -> None:
    from dagabaaz.expressions.checker import analyze
    from dagabaaz.expressions.evaluator import build_evaluator, build_plan

    analysis = analyze(source)
    evaluate = build_evaluator(build_plan(source, analysis.tree, analysis.bound, analysis.budget))
    scope = {"v": {"x": value()}}
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionError, match="max_string_length=1000000"):
            evaluate(scope)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * DEFAULT_BUDGET_BYTES, f"peak {peak:,} bytes"
