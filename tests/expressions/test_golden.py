"""The golden corpus (tests/golden/expressions.json) drives these tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dagabaaz.expressions import check_expression, compile_expression, parse, unparse

CORPUS = json.loads(
    (Path(__file__).resolve().parents[1] / "golden" / "expressions.json").read_text("utf-8")
)
SCOPE: dict[str, Any] = CORPUS["scope"]
VALID: list[dict[str, Any]] = CORPUS["valid"]
INVALID: list[dict[str, Any]] = CORPUS["invalid"]

README_EXPRESSIONS = [
    "{source.file_path}",
    "{source.title | upper | truncate(50)}",
    "{list(branch_a.url, branch_b.url) | join(,)}",
    "{input.api_url | required}",
    "{config.output_format | default(mp4)}",
    "{source.shareable_urls | json_get(embed_urls)}",
    "{lookup.existing_id | not}",
]


@pytest.mark.parametrize("case", VALID, ids=[c["expression"] or "<empty>" for c in VALID])
def test_valid_expression_evaluates_to_its_golden_value(case: dict[str, Any]) -> None:
    source = case["expression"]
    assert check_expression(source) == []
    assert compile_expression(source).evaluate(case.get("scope", SCOPE)) == case["expected"]
    assert parse(unparse(parse(source))) == parse(source)


@pytest.mark.parametrize("case", INVALID, ids=[c["expression"] for c in INVALID])
def test_invalid_expression_reports_its_golden_diagnostic(case: dict[str, Any]) -> None:
    diagnostics = check_expression(case["expression"])
    assert diagnostics, "an invalid expression must have a diagnostic"
    first = diagnostics[0]
    assert (first.code, first.start, first.end) == (case["code"], case["start"], case["end"])


def test_the_corpus_covers_every_readme_expression() -> None:
    expressions = {case["expression"] for case in VALID}
    assert set(README_EXPRESSIONS) <= expressions


def test_the_corpus_covers_every_syntax_error_of_the_issue() -> None:
    codes = {case["code"] for case in INVALID}
    assert {
        "unclosed-brace",
        "stray-brace",
        "empty-interpolation",
        "invalid-reference",
        "empty-pipe",
        "unclosed-paren",
        "nested-brace",
        "unknown-function",
        "nested-call",
        "unknown-pipe",
        "wrong-arity",
        "invalid-argument",
        "argument-out-of-range",
        "invalid-regex",
        "ambiguous-argument",
    } <= codes
