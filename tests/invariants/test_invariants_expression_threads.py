"""Expressions shared by threads: compiled once, evaluated by many threads at once."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from dagabaaz.expressions import Expression, ExpressionError, Limits, compile_expression

SOURCES = [
    "{v.x | upper | truncate(3)}",
    "a {v.x} b {w.y | default(none)}",
    "{list(v.x, w.y) | compact | join(-)}",
    "{v.x | replace(a, aa) | replace(a, aa)}",
    "{v.x | required}",
    "{v.x | match(a+)}",
]
THREADS = 8
ROUNDS = 300
VALUES = 50


def scope(i: int) -> dict[str, Any]:
    return {"v": {"x": "ab" * (i % 25) or None}, "w": {"y": i}}


def outcome(expression: Expression, i: int) -> tuple[str, Any]:
    try:
        return "value", expression.evaluate(scope(i))
    except ExpressionError as error:
        return "error", error.diagnostics[0].code


@pytest.mark.parametrize("source", SOURCES, ids=SOURCES)
def test_concurrent_evaluations_agree_with_sequential_ones(source: str) -> None:
    reference = compile_expression(source, limits=Limits(max_string_length=40))
    expected = {i: outcome(reference, i) for i in range(VALUES)}
    # Other limits: a separate compiled expression, which these threads share.
    shared = compile_expression(source, limits=Limits(max_string_length=40, max_pipe_calls=99))
    start = threading.Barrier(THREADS)
    wrong: list[tuple[int, Any]] = []
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            start.wait()
            for round_ in range(ROUNDS):
                i = (seed * 7 + round_) % VALUES
                got = outcome(shared, i)
                if got != expected[i]:
                    wrong.append((i, got))
        except BaseException as error:  # surfaced below
            errors.append(error)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert errors == []
    assert wrong == []


def test_concurrent_compiles_of_one_source_give_one_expression() -> None:
    source = "{v.x | lower | append(!)} #threads"
    start = threading.Barrier(THREADS)
    found: list[Expression] = []

    def work() -> None:
        start.wait()
        found.append(compile_expression(source))

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == THREADS
    assert all(expression.evaluate({"v": {"x": "A"}}) == "a! #threads" for expression in found)
