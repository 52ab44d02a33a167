"""Offsets in code points and UTF-16 code units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.editor import from_code_points, to_code_points


@pytest.mark.parametrize(
    ("text", "points", "units"),
    [
        ("abc", 2, 2),
        ("😀a", 0, 0),
        ("😀a", 1, 2),
        ("😀a", 2, 3),
        ("é😀😀x", 3, 5),
        ("", 0, 0),
    ],
)
def test_round_trip_of_known_offsets(text: str, points: int, units: int) -> None:
    assert from_code_points(text, points, "utf-16") == units
    assert to_code_points(text, units, "utf-16") == points
    assert from_code_points(text, points) == points == to_code_points(text, points)


def test_an_offset_inside_a_surrogate_pair_moves_past_it_and_offsets_are_clamped() -> None:
    assert to_code_points("😀a", 1, "utf-16") == 1
    assert to_code_points("abc", 99, "utf-16") == 3
    assert to_code_points("abc", -4) == 0
    assert from_code_points("😀", 9, "utf-16") == 2


@given(st.text(), st.data())
def test_utf16_offsets_agree_with_the_encoding(text: str, data: st.DataObject) -> None:
    points = data.draw(st.integers(0, len(text)))
    units = from_code_points(text, points, "utf-16")
    assert units == len(text[:points].encode("utf-16-le", "surrogatepass")) // 2
    assert to_code_points(text, units, "utf-16") == points


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="offsets must be 'code-points' or 'utf-16', got 'bytes'"):
        to_code_points("a", 0, "bytes")  # type: ignore[arg-type]
