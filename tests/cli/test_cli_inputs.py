from typing import Any

import pytest

from dagabaaz.cli._common import CliError, parse_input_value, parse_inputs


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("007", "007"),
        ("-1.5", -1.5),
        ("true", True),
        ("null", None),
        ('"7"', "7"),
        ("[1, 2]", [1, 2]),
        ('{"a": 1}', {"a": 1}),
        ("hello world", "hello world"),
        ("", ""),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("True", "True"),
        ("a=b", "a=b"),
    ],
    ids=lambda v: repr(v),
)
def test_input_values_are_json_when_they_parse(text: str, value: Any) -> None:
    assert parse_input_value(text) == value
    assert type(parse_input_value(text)) is type(value)


def test_pairs_split_at_the_first_equals_sign() -> None:
    assert parse_inputs(["url=http://x/?a=b", " n =7"]) == {"url": "http://x/?a=b", "n": 7}
    assert parse_inputs(None) == {}


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["title"], "--input 'title': expected KEY=VALUE, for example --input title=Trip"),
        (["=x"], "--input '=x': expected KEY=VALUE, for example --input title=Trip"),
        (["a=1", "a=2"], "--input 'a' is given twice"),
    ],
    ids=["no-equals", "empty-key", "twice"],
)
def test_bad_pairs(pairs: list[str], message: str) -> None:
    with pytest.raises(CliError) as caught:
        parse_inputs(pairs)
    assert str(caught.value) == message
    assert caught.value.exit_code == 2
