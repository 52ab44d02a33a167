"""ReDoS: patterns that are catastrophic for backtracking engines run in linear time.

Every ``match`` runs on google-re2. Linearity is asserted without absolute
times: the same evaluation on a subject four times longer must take well
under the sixteen times a quadratic engine would need (we allow ten), each
time the fastest of a few calibrated repetitions, and the best of three
measurements so that a noisy neighbour cannot fail the test; a backtracking
engine, which would never finish, trips a hang guard instead. Patterns re2 cannot run are
refused at save time, never at run time.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from hostile_catalogue import REDOS, UNRUNNABLE, Redos, Unrunnable, match_expression

from dagabaaz.expressions import (
    Expression,
    ExpressionError,
    Limits,
    check_expression,
    compile_expression,
)
from dagabaaz.models import DagNode, ExpressionSource
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.validation import validate_pipeline

SMALL, LARGE = 25_000, 100_000
MAX_RATIO = 10.0
"""Allowed time ratio for a 4x longer subject: linear is 4, quadratic 16."""
ATTEMPTS = 3
"""Measurements before a ratio counts: a noisy neighbour slows one, not three."""
HANG_SECONDS = 30
"""A backtracking engine would never finish: turn that hang into a failure."""


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than ``seconds`` (main thread only)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: not linear time")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seconds_per_call(call: Callable[[], Any], *, repeats: int = 5, floor: float = 0.002) -> float:
    """Fastest time of one call over ``repeats`` loops, each lasting at least ``floor`` seconds."""
    with hang_guard(HANG_SECONDS):
        call()  # warm up (lazy DFA states), and catch a hang
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        if time.perf_counter() - start >= floor:
            break
        number *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        samples.append((time.perf_counter() - start) / number)
    return min(samples)


def growth(expression: Expression, small: str, large: str) -> tuple[float, float, float]:
    """Return ``(small seconds, large seconds, ratio)``, the best of :data:`ATTEMPTS`."""
    best = (0.0, 0.0, float("inf"))
    for _ in range(ATTEMPTS):
        took_small = seconds_per_call(lambda: expression.evaluate({"v": {"x": small}}))
        took_large = seconds_per_call(lambda: expression.evaluate({"v": {"x": large}}))
        if took_large / took_small < best[2]:
            best = (took_small, took_large, took_large / took_small)
        if best[2] < MAX_RATIO:
            break
    return best


@pytest.mark.parametrize("case", REDOS, ids=[case.id for case in REDOS])
def test_catastrophic_pattern_runs_in_linear_time(case: Redos) -> None:
    assert check_expression(match_expression(case.pattern)) == []
    expression = compile_expression(match_expression(case.pattern))
    small, large = case.subject(SMALL), case.subject(LARGE)
    assert (len(small), len(large)) == (SMALL, LARGE)
    with hang_guard(HANG_SECONDS):
        result = expression.evaluate({"v": {"x": large}})
    assert result is None or (isinstance(result, str) and result in large)
    took_small, took_large, ratio = growth(expression, small, large)
    assert ratio < MAX_RATIO, f"{case.id}: {took_small:.6f}s -> {took_large:.6f}s ({ratio:.1f}x)"


@pytest.mark.parametrize("case", UNRUNNABLE, ids=[case.id for case in UNRUNNABLE])
def test_unrunnable_pattern_is_a_save_time_diagnostic(case: Unrunnable) -> None:
    source = match_expression(case.pattern)
    message = f"invalid regular expression {case.pattern!r}: {case.reason}"
    (problem,) = check_expression(source)
    assert (problem.code, problem.message) == ("invalid-regex", message)
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert [d.code for d in caught.value.diagnostics] == ["invalid-regex"]
    binding = source.replace("{v.x", "{input.x")
    node = DagNode(
        slug="a", plugin="p", bindings={"title": ExpressionSource(expression=binding, when=binding)}
    )
    found = validate_pipeline([node])
    assert [(d.code, d.field) for d in found] == [("invalid-regex", "title")] * 2


def test_a_pattern_over_the_length_limit_is_refused_at_save_time() -> None:
    (problem,) = check_expression(match_expression("a" * 1_001))
    assert problem.code == "budget-exceeded"
    assert problem.message == (
        "regular expression is 1001 characters long, over the limit max_regex_pattern_length=1000"
    )


def test_a_subject_over_the_limit_fails_before_matching() -> None:
    expression = compile_expression(
        match_expression("(a+)+$"), limits=Limits(max_regex_subject_length=1_000)
    )
    assert expression.evaluate({"v": {"x": "a" * 1_000}}) == "a" * 1_000
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate({"v": {"x": "a" * 1_001 + "!"}})
    assert caught.value.diagnostics[0].code == "budget-exceeded"
    assert "max_regex_subject_length=1000" in str(caught.value)


def test_the_catalogue_is_large_enough() -> None:
    assert len(REDOS) >= 30
    assert len({case.pattern for case in REDOS}) == len(REDOS)


class VirtualClock:
    """A ``time`` stand-in whose clock moves only when the code under test does work."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_the_linearity_check_catches_a_quadratic_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    # Timed on the real clock, a noisy neighbour could slow the small subject
    # enough to hide the quadratic growth; on a clock that advances by the
    # work done, the check sees exactly 16x for a 4x longer subject, every run.
    clock = VirtualClock()
    monkeypatch.setattr(sys.modules[__name__], "time", clock)
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("quadratic")
    def quadratic(text: str) -> str:
        pairs = len(text) * len(text)
        clock.now += pairs * 1e-9
        return str(pairs)

    @pipes.register("linear")
    def linear(text: str) -> str:
        clock.now += len(text) * 1e-9
        return text

    quadratic_growth = growth(
        compile_expression("{v.x | quadratic}", pipes=pipes), "a" * 200, "a" * 800
    )
    assert quadratic_growth[2] == pytest.approx(16.0)
    assert quadratic_growth[2] > MAX_RATIO
    linear_growth = growth(compile_expression("{v.x | linear}", pipes=pipes), "a" * 200, "a" * 800)
    assert linear_growth[2] == pytest.approx(4.0)
