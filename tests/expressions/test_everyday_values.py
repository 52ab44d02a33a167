# ruff: noqa: E501  (tables of exact messages read best on one line)
"""Issue 17, point 2: dates, Decimals, UUIDs and paths render; the ``json`` pipe writes JSON.

Values an application's scope holds every day (from an ORM, a form, a
filesystem walk) render as the text naming them, never as
``unrenderable-value``, and pass through pipes that take text. The ``json``
pipe writes any value as strict JSON, so a payload can be built from a
template.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import pytest

from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import compile_expression, is_truthy

UTC = datetime.UTC
DAY = datetime.date(2024, 5, 1)
MOMENT = datetime.datetime(2024, 5, 1, 12, 30, 5, tzinfo=UTC)
NAIVE = datetime.datetime(2024, 5, 1, 12, 30, 5, 250000)
TIME = datetime.time(7, 5)
PRICE = Decimal("12.50")
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
PATH = PurePosixPath("/media/in/clip.final.mp4")

SCOPE: dict[str, Any] = {
    "v": {
        "day": DAY,
        "moment": MOMENT,
        "naive": NAIVE,
        "time": TIME,
        "price": PRICE,
        "big": Decimal("12345678901234567890.123456789"),
        "id": ID,
        "path": PATH,
        "windows": PureWindowsPath(r"C:\media\clip.mp4"),
        "order": {"at": DAY, "total": PRICE, "id": ID, "items": [Decimal("1.10"), TIME]},
        "nan": Decimal("NaN"),
        "title": 'say "hi"',
    }
}


def evaluate(source: str) -> Any:
    return compile_expression(source).evaluate(SCOPE)


IN_TEXT = [
    ("on {v.day}", "on 2024-05-01"),
    ("at {v.moment}", "at 2024-05-01T12:30:05+00:00"),
    ("at {v.naive}", "at 2024-05-01T12:30:05.250000"),
    ("at {v.time}", "at 07:05:00"),
    ("costs {v.price}", "costs 12.50"),
    ("{v.big} exactly", "12345678901234567890.123456789 exactly"),
    ("id {v.id}", "id 12345678-1234-5678-1234-567812345678"),
    ("file {v.path}", "file /media/in/clip.final.mp4"),
    ("file {v.windows}", r"file C:\media\clip.mp4"),
    ("nan {v.nan}", "nan NaN"),
    ("{list(v.day, v.price, v.id)}!", "2024-05-01, 12.50, 12345678-1234-5678-1234-567812345678!"),
    ("order {v.order}", 'order {"at": "2024-05-01", "total": 12.50, "id": "12345678-1234-5678-1234-567812345678", "items": [1.10, "07:05:00"]}'),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), IN_TEXT, ids=[c[0] for c in IN_TEXT])
def test_everyday_values_render_in_text(source: str, expected: str) -> None:
    assert evaluate(source) == expected


THROUGH_PIPES = [
    ("{v.path | basename}", "clip.final.mp4"),
    ("{v.path | stem}", "clip.final"),
    ("{v.path | ext}", ".mp4"),
    ("{v.moment | truncate(10)}", "2024-05-01"),
    ("{v.id | upper}", "12345678-1234-5678-1234-567812345678".upper()),
    ("{v.day | replace(-, /)}", "2024/05/01"),
    ("{v.price | string}", "12.50"),
    ("{v.price | int}", 12),
    ("{v.price | gt(12.4)}", True),
    ("{v.price | eq(12.5)}", True),
    ("{v.day | match([0-9]+)}", "2024"),
    ('{list(v.day, v.time) | join(" at ")}', "2024-05-01 at 07:05:00"),
    ("{v.day}", DAY),  # a lone reference keeps the value itself
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), THROUGH_PIPES, ids=[c[0] for c in THROUGH_PIPES])
def test_they_pass_through_pipes(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_decimal_zero_is_false_like_every_zero() -> None:
    assert not is_truthy(Decimal("0")) and not is_truthy(Decimal("-0.00"))
    assert is_truthy(Decimal("0.01"))
    assert evaluate("{v.price | not}") is False


JSON = [
    ("{v.title | json}", '"say \\"hi\\""'),
    ("{v.price | json}", "12.50"),
    ("{v.big | json}", "12345678901234567890.123456789"),
    ("{v.day | json}", '"2024-05-01"'),
    ("{v.order | json}", '{"at": "2024-05-01", "total": 12.50, "id": "12345678-1234-5678-1234-567812345678", "items": [1.10, "07:05:00"]}'),
    ("{v.missing | json}", "null"),
    ("{list(v.title, v.missing) | json}", '["say \\"hi\\"", null]'),
    ("\\{\"title\": {v.title | json}, \"total\": {v.price | json}\\}", '{"title": "say \\"hi\\"", "total": 12.50}'),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), JSON, ids=[c[0] for c in JSON])
def test_the_json_pipe_writes_strict_json(source: str, expected: str) -> None:
    written = evaluate(source)
    assert written == expected
    json.loads(written)  # and a strict reader takes it


def test_json_keeps_every_digit_of_a_decimal() -> None:
    written = evaluate("{v.big | json}")
    assert json.loads(written, parse_float=Decimal) == SCOPE["v"]["big"]


@pytest.mark.parametrize(
    ("value", "what"),
    [
        (Decimal("NaN"), "the number NaN cannot be written as JSON"),
        ({"a": [Decimal("-Infinity")]}, "the number -Infinity cannot be written as JSON"),
        ({"a": float("inf")}, "the number inf cannot be written as JSON"),
        ({1, 2}, "a value of type set cannot be written as text or JSON"),
    ],
    ids=["NaN", "nested infinity", "float infinity", "set"],
)
def test_json_refuses_what_json_cannot_hold(value: Any, what: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("{v.x | json}").evaluate({"v": {"x": value}})
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "unrenderable-value"
    assert what in diagnostic.message
