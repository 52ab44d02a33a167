"""Properties: filters never raise, keep order, and negations are exact."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz.constants import ArtifactSelector
from dagabaaz.constants import FilterOperator as Op
from dagabaaz.filter import filter_artifacts, operand_problem, rule_matches
from dagabaaz.models import DagArtifact, EdgeFilter, FilterRule

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities included
    st.text(max_size=8),
    st.sampled_from(["true", "FALSE", "42", "4.20", "1e999999", "None", "", "nan", "inf"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
fields = st.sampled_from(["k", "missing", "file_type", "extension", "file_size", "mime_type"])


def artifact(value: Any, size: int | None = None, ident: str = "a") -> DagArtifact:
    return DagArtifact(id=ident, file_name="x.mp4", file_size=size, metadata={"k": value})


@settings(max_examples=300)
@given(values, fields, st.sampled_from(list(Op)), values)
def test_rule_matches_never_raises(actual: Any, field: str, op: Op, expected: Any) -> None:
    result = rule_matches(artifact(actual), FilterRule(field=field, operator=op, value=expected))
    assert isinstance(result, bool)


NEGATIONS = [
    (Op.EQ, Op.NEQ),
    (Op.IN, Op.NOT_IN),
    (Op.CONTAINS, Op.NOT_CONTAINS),
    (Op.EXISTS, Op.NOT_EXISTS),
]


@settings(max_examples=300)
@given(values, fields, st.sampled_from(NEGATIONS), values)
def test_negated_operators_are_exact_negations(
    actual: Any, field: str, pair: tuple[Op, Op], expected: Any
) -> None:
    positive, negative = pair
    if operand_problem(positive, expected) is not None:
        return
    subject = artifact(actual)
    plain = rule_matches(subject, FilterRule(field=field, operator=positive, value=expected))
    negated = rule_matches(subject, FilterRule(field=field, operator=negative, value=expected))
    assert plain is not negated


@given(values, values)
def test_broken_rules_match_nothing_either_way(actual: Any, expected: Any) -> None:
    if operand_problem(Op.IN, expected) is None:
        return
    subject = artifact(actual)
    assert not rule_matches(subject, FilterRule(field="k", operator=Op.IN, value=expected))
    assert not rule_matches(subject, FilterRule(field="k", operator=Op.NOT_IN, value=expected))


@given(st.integers(min_value=-(2**70), max_value=2**70), st.integers(-3, 3))
def test_integer_ordering_is_exact(base: int, delta: int) -> None:
    subject = artifact(base + delta)
    assert rule_matches(subject, FilterRule(field="k", operator=Op.GT, value=base)) is (delta > 0)
    assert rule_matches(subject, FilterRule(field="k", operator=Op.EQ, value=base)) is (delta == 0)
    float_base = float(base)
    if math.isfinite(float_base):
        exact = base + delta > int(float_base)
        gt_float = FilterRule(field="k", operator=Op.GT, value=float_base)
        assert rule_matches(subject, gt_float) is exact


@given(
    st.lists(st.tuples(values, st.none() | st.integers(0, 10)), max_size=12),
    st.sampled_from([None, ArtifactSelector.LARGEST, ArtifactSelector.SMALLEST]),
    values,
)
def test_filter_keeps_order_and_returns_a_subsequence(
    specs: list[tuple[Any, int | None]], select: ArtifactSelector | None, expected: Any
) -> None:
    items = [artifact(v, size, ident=str(i)) for i, (v, size) in enumerate(specs)]
    edge = EdgeFilter(rules=[FilterRule(field="k", operator=Op.NEQ, value=expected)], select=select)
    kept = filter_artifacts(items, edge)
    positions = [int(a.id) for a in kept]
    assert positions == sorted(set(positions))
    if select is not None:
        assert len(kept) <= 1
        assert all(a.file_size is not None for a in kept)


_MEMBERS = st.one_of(
    st.sampled_from(["a", "A", " a ", "true", " FALSE ", "1", "1.0", "01", "-0", "1e2", "x y", ""]),
    st.integers(-2, 100),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.sampled_from(["a", 1]), max_size=2),
)


@given(_MEMBERS, st.lists(_MEMBERS, min_size=9, max_size=40))
def test_a_long_membership_list_is_looked_up_as_it_is_scanned(actual: Any, expected: Any) -> None:
    from dagabaaz.filter._rules import _is_in

    artifact = DagArtifact(id="a", file_name="f", metadata={"k": actual})
    for operator, scanned in (
        ("in", _is_in(actual, expected)),
        ("not_in", not _is_in(actual, expected)),
    ):
        rule = FilterRule(field="k", operator=operator, value=expected)
        assert rule_matches(artifact, rule) is scanned
