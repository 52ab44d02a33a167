"""The pipes' fast paths give exactly what their general rule gives.

Each fast path (a short digit string read as an int, text that is no number
compared as text, JSON with few brackets parsed without the depth scan, re2
called below its Python wrapper, percent-encoding by one translate) is
checked against the rule written out plainly here, over generated values.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
import re2
from hypothesis import example, given
from hypothesis import strategies as st

from dagabaaz._runtime.numbers import as_number, compare_numbers, small_int
from dagabaaz._runtime.values import _json_depth, load_json, to_text
from dagabaaz.errors import ExpressionError
from dagabaaz.expressions import Budget, Limits, is_truthy
from dagabaaz.pipes import DEFAULT_PIPES, Regex

BUDGET = Budget()


def pipe(name: str) -> Any:
    return DEFAULT_PIPES[name].function


numbers_as_text = st.from_regex(r"[+-]?[0-9]{1,25}(\.[0-9]{0,3})?", fullmatch=True)
values = (
    st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.booleans()
    | st.none()
    | numbers_as_text
    | st.text(max_size=8)
    | st.sampled_from(["", "0", "007", "1080", "٣", "²", "1e3", "mp4", " 5", "-0", "+1"])
)


def equals_rule(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return text.lower() == ("true" if value else "false")
    number = as_number(value)
    if number is not None:
        other = as_number(text)
        if other is not None:
            return compare_numbers(number, other) == 0
    return to_text(value, BUDGET) == text


@given(value=values)
@example(value=2**63)
@example(value=-(2**63))
@example(value="9" * 19)
def test_small_int_reads_what_as_number_reads(value: Any) -> None:
    whole = small_int(value)
    if whole is not None:
        assert type(whole) is int
        assert compare_numbers(whole, as_number(value)) == 0  # type: ignore[arg-type]
        assert -(2**63) < whole < 2**63


@given(value=values, bound=numbers_as_text)
@example(value=True, bound="0")
@example(value="1080", bound="719")
@example(value=2**80, bound="1")
def test_gt_and_lt_follow_compare_numbers(value: Any, bound: str) -> None:
    x = as_number(bound)
    assert isinstance(x, Decimal)
    number = as_number(value)
    above = number is not None and compare_numbers(number, x) == 1
    below = number is not None and compare_numbers(number, x) == -1
    assert pipe("gt")(value, x) is above
    assert pipe("lt")(value, x) is below


@given(value=values, options=st.lists(st.text(max_size=4) | numbers_as_text, max_size=4))
@example(value="mp4", options=["mp4"])
@example(value="", options=[""])
@example(value="fr", options=["en", "fr"])
@example(value=".5", options=["0.5"])
def test_eq_neq_and_in_follow_the_equality_rule(value: Any, options: list[str]) -> None:
    for option in options:
        expected = equals_rule(value, option)
        assert pipe("eq")(value, option, budget=BUDGET) is expected
        assert pipe("neq")(value, option, budget=BUDGET) is (not expected)
    expected_in = any(equals_rule(value, option) for option in options)
    assert pipe("in")(value, *options, budget=BUDGET) is expected_in


@given(value=values)
def test_int_of_a_small_value_is_the_int_of_its_number(value: Any) -> None:
    if small_int(value) is None:
        return
    number = as_number(value)
    assert pipe("int")(value) == int(number)  # type: ignore[arg-type]


@given(value=values | st.lists(st.integers(), max_size=2))
def test_truthiness_fast_paths_follow_the_rule(value: Any) -> None:
    if value is None or value is False:
        assert is_truthy(value) is False
    elif isinstance(value, str):
        falsy = {"", "false", "0", "no", "off", "null", "none"}
        assert is_truthy(value) is (value.strip().lower() not in falsy)
    elif isinstance(value, int | float | Decimal):
        assert is_truthy(value) is (value != 0)
    assert pipe("not")(value) is (not is_truthy(value))


@given(value=values, fallback=st.text(max_size=3))
def test_default_replaces_only_missing_values(value: Any, fallback: str) -> None:
    missing = value is None or (isinstance(value, str) and not value)
    assert pipe("default")(value, fallback) is (fallback if missing else value)


json_texts = st.recursive(
    st.none() | st.integers() | st.text(alphabet='ab"[{', max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=12,
).map(json.dumps)


@given(
    text=json_texts | st.text(alphabet='[]{}"\\ ab1,:', max_size=20),
    depth=st.integers(1, 6),
)
@example(text="[[[[", depth=4)
@example(text='["[[[["]', depth=2)
@example(text='"unclosed', depth=3)
def test_json_parsed_without_the_depth_scan_only_when_the_scan_could_not_refuse(
    text: str, depth: int
) -> None:
    budget = Budget(Limits(max_json_depth=depth))
    found = _json_depth(text)
    try:
        got: Any = ("value", load_json(text, budget))
    except ExpressionError as error:
        got = ("error", str(error))
    if found is not None and found > depth:
        assert got[0] == "error" and "max_json_depth" in got[1]
        return
    try:
        expected = json.loads(text) if found is not None else None
    except ValueError:
        expected = None
    assert got == ("value", expected)


PATTERNS = ["[0-9]+", "a*", "", "(é|ü)+", "b$", "^x", "[^a]", r"\w+", "(?i)Ä", "a|", "."]
texts = st.text(alphabet="abx19 éüÄ\n", max_size=12) | st.sampled_from(["", "ééé", "日本語ab"])


@pytest.mark.parametrize("pattern", PATTERNS)
@given(text=texts)
def test_regex_search_finds_what_re2s_own_search_finds(pattern: str, text: str) -> None:
    regex = Regex(pattern)
    found = re2.compile(pattern).search(text)
    expected = None if found is None else found.group(0)
    assert regex.search(text) == expected
    assert regex._search_through_module(text) == expected


def test_regex_without_the_direct_call_uses_re2s_search(monkeypatch: pytest.MonkeyPatch) -> None:
    regex = Regex("[0-9]{4}")
    monkeypatch.setattr(regex, "_find", regex._search_through_module)
    assert regex.search("clip-2024.mp4") == "2024"
    assert regex.search("clip.mp4") is None


@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=20))
@example(text="river walk & dusk/2024 (final)")
@example(text="AZaz09-._~")
@example(text="")
def test_urlencode_is_quote_of_the_utf8_bytes(text: str) -> None:
    assert pipe("urlencode")(text, budget=BUDGET) == quote(text.encode("utf-8"), safe="")


def test_urlencode_checks_the_size_even_with_nothing_to_escape() -> None:
    with pytest.raises(ExpressionError, match="max_string_length=5"):
        pipe("urlencode")("abcdef", budget=Budget(Limits(max_string_length=5)))


def title_rule(text: str) -> str:
    return re.sub(r"\S+", lambda word: word[0][:1].upper() + word[0][1:].lower(), text)


@given(text=st.text(alphabet="aBz 1'-,.\t\x1c\nÉé", max_size=16))
@example(text="  a walk along the river at dusk, filmed on an old camera  ")
@example(text="it's 1abc (final) x-ray")
@example(text="ΑΣ ΟΔΟΣ")
def test_title_capitalizes_each_whitespace_separated_word(text: str) -> None:
    assert pipe("title")(text) == title_rule(text)


@given(text=st.text(alphabet="ab %é/", max_size=12), limit=st.integers(1, 30))
def test_urlencode_refuses_exactly_the_results_over_the_limit(text: str, limit: int) -> None:
    expected = quote(text.encode("utf-8"), safe="")
    budget = Budget(Limits(max_string_length=limit))
    if len(expected) > limit:
        with pytest.raises(ExpressionError, match=f"would be {len(expected)} characters"):
            pipe("urlencode")(text, budget=budget)
    else:
        assert pipe("urlencode")(text, budget=budget) == expected


def last_part_rule(path: str) -> str:
    parts = [part for part in path.split("/") if part and part != "."]
    return parts[-1] if parts else ""


@given(path=st.text(alphabet="a./", max_size=10))
@example(path="/data/clip.final.mp4")
@example(path="/data/in/")
@example(path="a/.")
def test_path_pipes_find_the_last_named_part(path: str) -> None:
    name = last_part_rule(path)
    assert pipe("basename")(path) == name
    dot = name.rfind(".")
    has_ext = 0 < dot < len(name) - 1
    assert pipe("stem")(path) == (name[:dot] if has_ext else name)
    assert pipe("ext")(path) == (name[dot:] if has_ext else "")


@given(
    digits=st.from_regex(r"[0-9]{1,12}", fullmatch=True)
    | st.sampled_from(["0" * 299 + "7", "9" * 300]),
    width=st.integers(0, 20),
)
def test_pad_of_plain_digits_is_the_general_rule(digits: str, width: int) -> None:
    from dagabaaz.pipes.builtin.text import _truncated

    integer = _truncated(digits)
    assert integer is not None
    assert pipe("pad")(digits, width, budget=BUDGET) == integer.zfill(width)
