"""semantic_tokens(): what each part of an expression is."""

from __future__ import annotations

import itertools

from dagabaaz.editor import TOKEN_TYPES, semantic_tokens


def kinds(source: str) -> list[tuple[str, str]]:
    return [(t.type, source[t.start : t.end]) for t in semantic_tokens(source)]


def test_every_part_of_an_interpolation() -> None:
    source = 'a {source.title | truncate(50) | replace("x", y)} {list(a.b, c.d)}'
    assert kinds(source) == [
        ("operator", "{"),
        ("namespace", "source"),
        ("property", "title"),
        ("operator", "|"),
        ("method", "truncate"),
        ("number", "50"),
        ("operator", "|"),
        ("method", "replace"),
        ("string", '"x"'),
        ("string", "y"),
        ("operator", "}"),
        ("operator", "{"),
        ("function", "list"),
        ("namespace", "a"),
        ("property", "b"),
        ("namespace", "c"),
        ("property", "d"),
        ("operator", "}"),
    ]


def test_spaces_are_left_out_and_broken_text_is_classified_up_to_the_break() -> None:
    assert kinds("{ a.b |  upper }") == [
        ("operator", "{"),
        ("namespace", "a"),
        ("property", "b"),
        ("operator", "|"),
        ("method", "upper"),
        ("operator", "}"),
    ]
    assert kinds("{a.b | tr") == [
        ("operator", "{"),
        ("namespace", "a"),
        ("property", "b"),
        ("operator", "|"),
        ("method", "tr"),
    ]
    assert kinds("no interpolation \\{here\\}") == []


def test_tokens_are_ordered_and_never_overlap_and_use_declared_types() -> None:
    source = "{a.b | join(,)} x {c.d|upper|truncate( 3 )}"
    found = semantic_tokens(source)
    assert all(t.type in TOKEN_TYPES for t in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_utf16_offsets() -> None:
    (brace, *_rest) = semantic_tokens("😀{a.b}", offsets="utf-16")
    assert (brace.start, brace.end) == (2, 3)
