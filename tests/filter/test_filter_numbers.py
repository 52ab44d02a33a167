"""Exact numeric reading and comparison (dagabaaz._runtime.numbers)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz._runtime.numbers import as_number, compare_numbers

AS_NUMBER: list[tuple[str, Any, Any]] = [
    ("int", 7, 7),
    ("negative-float", -2.5, -2.5),
    ("decimal", Decimal("1.10"), Decimal("1.10")),
    ("bool-true-is-not", True, None),
    ("bool-false-is-not", False, None),
    ("none-is-not", None, None),
    ("list-is-not", [1], None),
    ("integer-string", "42", Decimal(42)),
    ("signed-string", "-3.25", Decimal("-3.25")),
    ("plus-sign", "+3", Decimal(3)),
    ("leading-dot", ".5", Decimal("0.5")),
    ("trailing-dot", "5.", Decimal(5)),
    ("exponent", "2.5E-3", Decimal("0.0025")),
    ("empty", "", None),
    ("sign-only", "-", None),
    ("dot-only", ".", None),
    ("spaces", " 1", None),
    ("underscore", "1_0", None),
    ("inf-word", "inf", None),
    ("nan-word", "NaN", None),
    ("hex", "0x10", None),
    ("arabic-indic-digits", "\u0661\u0662", None),
    ("two-dots", "1.2.3", None),
    ("bare-exponent", "e5", None),
    ("nine-digit-exponent", "1e999999999", Decimal("1e999999999")),
    ("ten-digit-exponent", "1e1000000000", None),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in AS_NUMBER], ids=[c[0] for c in AS_NUMBER]
)
def test_as_number(value: Any, expected: Any) -> None:
    result = as_number(value)
    if expected is None:
        assert result is None
    else:
        assert result == expected
        assert type(result) is type(expected)


COMPARE: list[tuple[str, Any, Any, int | None]] = [
    ("int-above-float-past-2-53", 2**53 + 1, float(2**53), 1),
    ("float-below-int-past-2-53", float(2**53), 2**53 + 1, -1),
    ("equal-int-float", 3, 3.0, 0),
    ("decimal-vs-float-as-written", Decimal("0.1"), 0.1, 0),
    ("float-vs-decimal-as-written", 29.97, Decimal("29.97"), 0),
    ("float-below-its-binary-expansion", 0.1, Decimal("0.1000000000000000055511151231257827"), -1),
    ("float-inf-above-huge-decimal", math.inf, Decimal("1e999999"), 1),
    ("decimal-above-float-neg-inf", Decimal("-1e999999"), -math.inf, 1),
    ("negative-zero-float-eq-decimal-zero", -0.0, Decimal(0), 0),
    ("int-vs-float-stays-exact", 2**53 + 1, 9007199254740992.0, 1),
    ("huge-int-below-inf", 10**1000, math.inf, -1),
    ("neg-inf-below-huge-negative", -math.inf, -(10**1000), -1),
    ("huge-exponent-above-huge-int", Decimal("1e999999"), 10**1000, 1),
    ("tiny-exponent-above-zero", Decimal("1e-999999"), 0, 1),
    ("nan-left", math.nan, 1, None),
    ("nan-right", 1, math.nan, None),
    ("nan-both", math.nan, math.nan, None),
    ("decimal-nan", Decimal("NaN"), 1, None),
    ("decimal-snan", Decimal("sNaN"), 1, None),
]


@pytest.mark.parametrize(
    ("left", "right", "expected"), [c[1:] for c in COMPARE], ids=[c[0] for c in COMPARE]
)
def test_compare_numbers(left: Any, right: Any, expected: int | None) -> None:
    assert compare_numbers(left, right) == expected


def _sign(value: Fraction) -> int:
    return (value > 0) - (value < 0)


finite = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False),
)


def _as_compared(value: Any, other: Any) -> Fraction:
    # The documented rule: a float meeting a Decimal is the decimal its repr spells.
    if isinstance(value, float) and isinstance(other, Decimal):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


@given(finite, finite)
def test_compare_agrees_with_exact_fractions(left: Any, right: Any) -> None:
    expected = _sign(_as_compared(left, right) - _as_compared(right, left))
    assert compare_numbers(left, right) == expected
    assert compare_numbers(right, left) == -expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_equals_the_numeric_string_of_its_repr(value: float) -> None:
    written = as_number(repr(value))
    assert written is not None
    assert compare_numbers(value, written) == 0
    assert compare_numbers(written, value) == 0


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_numeric_string_of_int_reads_back_exactly(value: int) -> None:
    parsed = as_number(str(value))
    assert parsed is not None
    assert compare_numbers(parsed, value) == 0
    assert compare_numbers(parsed, value + 1) == -1


@given(st.text(alphabet="0123456789+-.eE_ x", max_size=30))
def test_as_number_never_raises_on_numberish_text(text: str) -> None:
    result = as_number(text)
    assert result is None or isinstance(result, Decimal)


HUGE = 10**6000  # past the size where Decimal(int) would be used


HUGE_CASES: list[tuple[str, Any, Any, int]] = [
    ("equal-power-of-ten", HUGE, Decimal("1e6000"), 0),
    ("just-above", HUGE + 1, Decimal("1e6000"), 1),
    ("half-above", HUGE, Decimal("1" + "0" * 6000 + ".5"), -1),
    ("nines-below", HUGE, Decimal("9" * 6000 + ".5"), 1),
    ("far-above", HUGE, Decimal("1e999999999"), -1),
    ("far-below", HUGE, Decimal("1e-5"), 1),
    ("negative-equal", -HUGE, Decimal("-1e6000"), 0),
    ("negative-vs-positive", -HUGE, Decimal("1e6000"), -1),
    ("positive-vs-negative", HUGE, Decimal("-1e6000"), 1),
    ("negative-far-below", -HUGE, Decimal("-1e5"), -1),
    ("vs-zero", HUGE, Decimal("-0"), 1),
    ("vs-infinity", HUGE, Decimal("Infinity"), -1),
    ("vs-negative-infinity", -HUGE, Decimal("-Infinity"), 1),
    ("decimal-on-the-left", Decimal("1e6000"), HUGE - 1, 1),
]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [c[1:] for c in HUGE_CASES],
    ids=[c[0] for c in HUGE_CASES],
)
def test_huge_int_against_decimal(left: Any, right: Any, expected: int) -> None:
    assert compare_numbers(left, right) == expected


@given(
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=-3, max_value=3) | st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=-2, max_value=2),
)
def test_huge_int_against_nearby_decimals(lead: int, tail: int, offset: int, places: int) -> None:
    # The decimal is (lead * 10**5000 + tail) * 10**places, written out in digits
    # so the test never turns a 5000-digit int into a string; the int is near it.
    decimal = Decimal(f"{lead}{tail:05000d}e{places}")
    digits = lead * 10**5000 + tail
    near = digits * 10**places if places >= 0 else digits // 10**-places
    whole = near + offset
    expected = _sign(Fraction(whole) - Fraction(decimal))
    assert compare_numbers(whole, decimal) == expected
    assert compare_numbers(decimal, whole) == -expected
