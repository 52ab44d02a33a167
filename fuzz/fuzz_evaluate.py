"""Fuzz evaluation: a compiled expression over fuzzed data, under two sets of limits.

The input is an expression, a newline, then the data: a JSON object of
namespaces (``{"v": {"x": ...}}``) or, when that is not JSON, bytes from
which values are drawn (nested lists and dicts, NaN, infinities, huge
integers, lone surrogates). Checked on every input: evaluation raises
nothing but ExpressionError; the result is never ``""``; evaluating twice
gives the same outcome (nothing is kept between evaluations).

Run: ``python fuzz/fuzz_evaluate.py fuzz/corpus-work/evaluate -max_total_time=3600``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from _fuzzing import ByteReader, fuzz_main, load_json, split_text

from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import Limits, compile_expression

TIGHT = Limits(
    max_pipe_calls=50,
    max_string_length=2_000,
    max_list_length=40,
    max_container_items=60,
    max_json_depth=6,
    max_int_argument=3_000,
    max_regex_pattern_length=60,
    max_regex_subject_length=500,
)
"""Small limits, so fuzzed data reaches every budget check."""

NAMESPACES = ("v", "w", "source", "input", "config")
KEYS = ("x", "y", "title", "file_path", "tags", "a.b")


def TestOneInput(data: bytes) -> None:
    """Compile the first line and evaluate it over the data after it."""
    source, rest = split_text(data)
    scope = _scope(rest)
    for limits in (None, TIGHT):
        try:
            expression = compile_expression(source, limits=limits)
        except ExpressionError:
            return
        first = _outcome(expression.evaluate, scope)
        result = first[1]
        if isinstance(result, str) and not result:
            raise AssertionError(f"{source!r} evaluated to '' instead of None")
        second = _outcome(expression.evaluate, scope)
        if first != second and repr(first) != repr(second):  # repr: NaN is not equal to itself
            raise AssertionError(f"two evaluations of {source!r} differ: {first!r} {second!r}")


def _scope(data: bytes) -> dict[str, dict[str, Any]]:
    is_json, value = load_json(data)
    if is_json and isinstance(value, Mapping):
        return {
            str(ns): dict(inner) if isinstance(inner, Mapping) else {"x": inner}
            for ns, inner in value.items()
        }
    reader = ByteReader(data)
    scope: dict[str, dict[str, Any]] = {}
    while not reader.exhausted and len(scope) < 8:
        namespace = reader.choice(NAMESPACES)
        key = reader.choice(KEYS) if reader.flag() else reader.text(6)
        scope.setdefault(namespace, {})[key] = reader.value()
    return scope


def _outcome(evaluate: Callable[[Any], Any], scope: Any) -> tuple[str, Any]:
    try:
        return "value", evaluate(scope)
    except ExpressionError as error:
        return "error", (str(error), error.diagnostics)


def main() -> None:
    """Run this harness under atheris."""
    fuzz_main(TestOneInput)


if __name__ == "__main__":
    main()
