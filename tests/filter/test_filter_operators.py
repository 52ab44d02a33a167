"""Every operator's comparison semantics, one row per rule of docs/concepts/edge-filters.md."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from dagabaaz.constants import FilterOperator as Op
from dagabaaz.filter import MISSING, rule_matches
from dagabaaz.models import DagArtifact, FilterRule

ABSENT: Any = MISSING


def artifact_with(value: Any) -> DagArtifact:
    metadata = {} if value is ABSENT else {"k": value}
    return DagArtifact(id="a1", file_name="x.bin", metadata=metadata)


def check(value: Any, op: Op, expected_value: Any) -> bool:
    return rule_matches(
        artifact_with(value), FilterRule(field="k", operator=op, value=expected_value)
    )


CASES: list[tuple[str, Any, Op, Any, bool]] = [
    # eq: booleans first, case-insensitive against "true"/"false"
    ("bool-eq-bool", True, Op.EQ, True, True),
    ("bool-eq-other-bool", True, Op.EQ, False, False),
    ("bool-eq-string-true", True, Op.EQ, "TRUE", True),
    ("string-True-eq-bool", "True", Op.EQ, True, True),
    ("string-false-eq-bool-false", "false", Op.EQ, False, True),
    ("string-yes-is-not-bool", "yes", Op.EQ, True, False),
    ("bool-is-not-one", True, Op.EQ, 1, False),
    ("one-is-not-bool", 1, Op.EQ, True, False),
    ("zero-is-not-false", 0, Op.EQ, False, False),
    ("bool-vs-string-1", True, Op.EQ, "1", False),
    # the README's version's rule: both sides read as booleans when they can
    ("strings-spelling-booleans-compare-as-booleans", "true", Op.EQ, "TRUE", True),
    ("strings-spelling-different-booleans", "true", Op.NEQ, " False", True),
    ("bool-eq-padded-string", False, Op.EQ, " false ", True),
    ("padded-string-eq-bool", "  TRUE\n", Op.EQ, True, True),
    ("bool-vs-string-0", False, Op.EQ, "0", False),
    ("bool-vs-string-yes", True, Op.EQ, " yes ", False),
    ("other-strings-stay-case-sensitive", "Yes", Op.EQ, "yes", False),
    # eq: numbers exactly
    ("int-eq-int", 42, Op.EQ, 42, True),
    ("int-eq-float", 42, Op.EQ, 42.0, True),
    ("big-int-neq-float-neighbour", 2**53 + 1, Op.EQ, float(2**53), False),
    ("big-int-eq-itself", 2**53 + 1, Op.EQ, 2**53 + 1, True),
    ("huge-int-eq", 10**400, Op.EQ, 10**400, True),
    ("huge-int-vs-inf", 10**400, Op.EQ, math.inf, False),
    ("nan-neq-nan", math.nan, Op.EQ, math.nan, False),
    ("nan-neq-string-nan", math.nan, Op.EQ, "nan", False),
    ("inf-eq-inf", math.inf, Op.EQ, math.inf, True),
    ("inf-vs-string-inf", math.inf, Op.EQ, "inf", False),
    ("decimal-metadata-eq-int", Decimal("3.0"), Op.EQ, 3, True),
    ("point-one-string-eq-float-as-written", "0.1", Op.EQ, 0.1, True),
    ("float-metadata-eq-numeric-string", 29.97, Op.EQ, "29.97", True),
    ("float-metadata-neq-next-decimal", 29.97, Op.EQ, "29.970000000000001", False),
    ("float-vs-its-binary-expansion", 0.1, Op.EQ, "0.1000000000000000055511151231257827", False),
    ("float-exponent-eq-string", 1e16, Op.EQ, "10000000000000000", True),
    ("float-in-list-of-strings", 23.976, Op.IN, ["25", "23.976"], True),
    ("float-gte-numeric-string", 29.97, Op.GTE, "29.97", True),
    ("float-lt-numeric-string-false", 29.97, Op.LT, "29.97", False),
    ("decimal-vs-float-as-written", Decimal("0.30"), Op.EQ, 0.3, True),
    ("float-sum-is-not-as-written", 0.1 + 0.2, Op.EQ, "0.3", False),
    # eq: numeric strings count as numbers
    ("numeric-string-eq-int", "42", Op.EQ, 42, True),
    ("int-eq-numeric-string", 42, Op.EQ, "42.0", True),
    ("numeric-strings-compare-as-numbers", "1e3", Op.EQ, "1000", True),
    ("leading-zeros-numeric", "007", Op.EQ, "7", True),
    ("space-padded-is-a-string", " 42", Op.EQ, 42, False),
    ("underscore-is-a-string", "1_000", Op.EQ, 1000, False),
    ("huge-exponent-string", "1e999999", Op.EQ, 1, False),
    ("huge-exponent-strings-equal", "1e999999", Op.EQ, "10e999998", True),
    ("exponent-past-cap-is-string", "1e9999999999", Op.EQ, "1e9999999999", True),
    ("exponent-past-cap-vs-number", "1e9999999999", Op.EQ, 1, False),
    ("ten-thousand-digits", "9" * 10_000, Op.EQ, 10**10_000 - 1, True),
    ("number-vs-word", 5, Op.EQ, "five", False),
    # eq: strings, None, missing, containers
    ("string-eq", "en", Op.EQ, "en", True),
    ("string-case-sensitive", "en", Op.EQ, "EN", False),
    ("none-eq-none", None, Op.EQ, None, True),
    ("none-is-not-string-None", None, Op.EQ, "None", False),
    ("missing-is-not-string-None", ABSENT, Op.EQ, "None", False),
    ("missing-is-not-null", ABSENT, Op.EQ, None, False),
    ("missing-is-not-empty-string", ABSENT, Op.EQ, "", False),
    ("list-never-equals-string", ["a"], Op.EQ, "a", False),
    ("dict-never-equals-string", {"a": 1}, Op.EQ, "{'a': 1}", False),
    # neq is the negation of eq
    ("neq-different", "en", Op.NEQ, "fr", True),
    ("neq-same", "en", Op.NEQ, "en", False),
    ("neq-missing", ABSENT, Op.NEQ, "en", True),
    ("neq-nan", math.nan, Op.NEQ, math.nan, True),
    ("neq-numeric", "42", Op.NEQ, 42, False),
    # in / not_in
    ("in-list", "en", Op.IN, ["fr", "en"], True),
    ("in-list-numeric", "2", Op.IN, [1, 2, 3], True),
    ("in-list-bool", "true", Op.IN, [True], True),
    ("in-absent", "de", Op.IN, ["fr", "en"], False),
    ("in-missing", ABSENT, Op.IN, ["None"], False),
    ("in-empty-list", "en", Op.IN, [], False),
    ("in-needs-list", "en", Op.IN, "en", False),
    ("not-in-list", "de", Op.NOT_IN, ["fr", "en"], True),
    ("not-in-member", "en", Op.NOT_IN, ["fr", "en"], False),
    ("not-in-missing", ABSENT, Op.NOT_IN, ["en"], True),
    ("not-in-needs-list", "de", Op.NOT_IN, "en", False),
    # gt / gte / lt / lte: numeric only
    ("gt-true", 1080, Op.GT, 720, True),
    ("gt-equal", 720, Op.GT, 720, False),
    ("gte-equal", 720, Op.GTE, 720.0, True),
    ("lt-true", 3, Op.LT, 3.5, True),
    ("lte-equal", Decimal("3.5"), Op.LTE, 3.5, True),
    ("gt-exact-beyond-float", 2**53 + 1, Op.GT, 2**53, True),
    ("gt-int-vs-float-exact", 2**53 + 1, Op.GT, float(2**53), True),
    ("lt-exact-beyond-float", 2**53, Op.LT, 2**53 + 1, True),
    ("gt-numeric-string-metadata", "1080", Op.GT, 720, True),
    ("gt-numeric-string-value", 1080, Op.GT, "720", True),
    ("gt-inf", math.inf, Op.GT, 10**400, True),
    ("lt-neg-inf", -math.inf, Op.LT, -(10**400), True),
    ("gt-huge-exponent", "1e999999", Op.GT, 10**400, True),
    ("gt-nan-false", math.nan, Op.GT, 0, False),
    ("lte-nan-false", math.nan, Op.LTE, 0, False),
    ("gte-against-nan-false", 0, Op.GTE, math.nan, False),
    ("gt-string-false", "big", Op.GT, 1, False),
    ("gt-bool-metadata-false", True, Op.GT, 0, False),
    ("gt-bool-value-false", 5, Op.GT, True, False),
    ("gt-missing-false", ABSENT, Op.GT, 0, False),
    ("gt-none-false", None, Op.GT, 0, False),
    ("gt-list-false", [5], Op.GT, 1, False),
    ("lt-value-not-number-false", 1, Op.LT, "ten", False),
    # contains / not_contains / starts_with / ends_with
    ("contains-substring", "The Matrix", Op.CONTAINS, "Mat", True),
    ("contains-case-sensitive", "The Matrix", Op.CONTAINS, "mat", False),
    ("contains-list-membership", ["en", "fr"], Op.CONTAINS, "fr", True),
    ("contains-list-not-substring", ["english"], Op.CONTAINS, "eng", False),
    ("contains-list-numeric-member", [1, 2], Op.CONTAINS, "2", True),
    ("contains-list-bool-member", ["true"], Op.CONTAINS, True, True),
    ("contains-tuple-membership", ("a", "b"), Op.CONTAINS, "b", True),
    ("contains-number-is-not-string", 12345, Op.CONTAINS, "23", False),
    ("contains-string-needs-string-value", "a5", Op.CONTAINS, 5, False),
    ("contains-dict-false", {"fr": 1}, Op.CONTAINS, "fr", False),
    ("contains-missing", ABSENT, Op.CONTAINS, "x", False),
    ("contains-needs-scalar", ["a"], Op.CONTAINS, ["a"], False),
    ("not-contains-absent", "The Matrix", Op.NOT_CONTAINS, "Neo", True),
    ("not-contains-present", ["en"], Op.NOT_CONTAINS, "en", False),
    ("not-contains-missing", ABSENT, Op.NOT_CONTAINS, "x", True),
    ("not-contains-needs-scalar", "abc", Op.NOT_CONTAINS, {"a": 1}, False),
    ("starts-with", "movie.mkv", Op.STARTS_WITH, "movie", True),
    ("starts-with-no", "movie.mkv", Op.STARTS_WITH, "mkv", False),
    ("starts-with-non-string-actual", 123, Op.STARTS_WITH, "1", False),
    ("starts-with-needs-string-value", "123", Op.STARTS_WITH, 1, False),
    ("ends-with", "movie.mkv", Op.ENDS_WITH, ".mkv", True),
    ("ends-with-no", "movie.mkv", Op.ENDS_WITH, ".mp4", False),
    ("ends-with-missing", ABSENT, Op.ENDS_WITH, "", False),
    # exists / not_exists: only missing, None and "" are absent
    ("exists-value", "x", Op.EXISTS, None, True),
    ("exists-zero", 0, Op.EXISTS, None, True),
    ("exists-false", False, Op.EXISTS, None, True),
    ("exists-empty-list", [], Op.EXISTS, None, True),
    ("exists-whitespace", " ", Op.EXISTS, None, True),
    ("exists-empty-string", "", Op.EXISTS, None, False),
    ("exists-none", None, Op.EXISTS, None, False),
    ("exists-missing", ABSENT, Op.EXISTS, None, False),
    ("exists-ignores-value", "x", Op.EXISTS, "anything", True),
    ("not-exists-missing", ABSENT, Op.NOT_EXISTS, None, True),
    ("not-exists-none", None, Op.NOT_EXISTS, None, True),
    ("not-exists-empty", "", Op.NOT_EXISTS, None, True),
    ("not-exists-zero", 0, Op.NOT_EXISTS, None, False),
]


@pytest.mark.parametrize(
    ("value", "op", "rule_value", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_operator_semantics(value: Any, op: Op, rule_value: Any, expected: bool) -> None:
    assert check(value, op, rule_value) is expected


def test_case_ids_are_unique() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_operator_is_covered() -> None:
    assert {case[2] for case in CASES} == set(Op)


def test_rule_value_is_never_coerced() -> None:
    rule = FilterRule(field="k", operator=Op.EQ, value=True)
    assert rule.value is True
    assert FilterRule.model_validate_json(rule.model_dump_json()).value is True
    assert FilterRule(field="k", operator=Op.EQ, value="42").value == "42"


@pytest.mark.parametrize(
    "operator",
    ["bogus", None],
    ids=["unknown-operator-string", "none-operator"],
)
def test_unknown_operator_matches_nothing(operator: Any) -> None:
    rule = FilterRule.model_construct(field="k", operator=operator, value="x")
    assert rule_matches(artifact_with("x"), rule) is False
