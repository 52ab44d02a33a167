"""Pipes that grow a value check its size first: the error names them, nothing big is built.

Each case would build a string far over the limit; the pipe's own check must
refuse it (its message names the pipe) before any of it is allocated, which
tracemalloc sees: the peak stays far below the size of the refused result.
Without the pipe's check the evaluator's final check would still refuse the
value, but only after building it, and with a message that does not say why.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from dagabaaz.expressions import ExpressionError, Limits, compile_expression

LIMITS = Limits(max_string_length=10_000)


def refuse(source: str, value: Any, limits: Limits = LIMITS) -> tuple[str, int]:
    """Evaluate ``source`` expecting a budget failure; return its message and peak memory."""
    expression = compile_expression(source, limits=limits)
    scope = {"v": {"x": value}}
    with pytest.raises(ExpressionError):  # once first: a first failure warms caches up
        expression.evaluate(scope)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(ExpressionError) as caught:
            expression.evaluate(scope)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.diagnostics[0].code == "budget-exceeded"
    return str(caught.value), peak


def test_pad_checks_its_width_and_says_so() -> None:
    message, _ = refuse("{v.x | pad(50)}", "7", Limits(max_string_length=10))
    assert message == (
        "pipe 'pad' on 'v.x' in expression '{v.x | pad(50)}': the result of pad would be "
        "50 characters long, over the limit max_string_length=10"
    )


LONG = "y" * 50
# (name, source, value, what the message says would be too long, its size)
GROWING: list[tuple[str, str, Any, str, int]] = [
    ("pad", "{v.x | pad(100000)}", 7, "the result of pad", 100_000),
    ("replace", "{v.x | replace(a, " + LONG + ")}", "a" * 2_000, "the result of replace", 100_000),
    ("prepend", "{v.x | prepend(" + LONG + ")}", "a" * 9_990, "the result of prepend", 10_040),
    ("append", "{v.x | append(" + LONG + ")}", "a" * 9_990, "the result of append", 10_040),
    ("join", "{v.x | join(" + LONG + ")}", ["abc"] * 1_000, "the joined text", 52_950),
    ("string of a list", "{v.x | string}", ["abcdefghij"] * 5_000, "the joined text", 59_998),
    ("string of a dict", "{v.x | string}", {"k": "x" * 20_000}, "the JSON text", 20_007),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "source", "value", "what", "size"), GROWING, ids=[c[0] for c in GROWING]
)
def test_a_growing_pipe_refuses_before_building(
    name: str, source: str, value: Any, what: str, size: int
) -> None:
    message, peak = refuse(source, value)
    assert peak < size // 2, f"peak {peak:,} bytes"
    assert f"': {what} would be " in message
    assert f" {size} characters long" in message or "at least" in message
