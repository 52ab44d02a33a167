"""hover(): what the name under the cursor is."""

from __future__ import annotations

import pytest

from dagabaaz.editor import EditorScope, KeyInfo, NamespaceInfo, hover
from dagabaaz.pipes import DEFAULT_PIPES

SCOPE = EditorScope(
    (
        NamespaceInfo(
            "fetch",
            "node",
            "the artifacts of node 'fetch' (plugin 'fetch_clips')",
            (KeyInfo("title", "string", "The clip's title.", "output of plugin 'fetch_clips'"),),
            closed=True,
        ),
        NamespaceInfo("input", "input", "the run input", (KeyInfo("url", "string"),)),
    )
)
SOURCE = "{fetch.title | truncate(50) | uper} {list(fetch.title, input.url)} {input.other}"


def at(text: str, occurrence: int = 0) -> int:
    position = -1
    for _ in range(occurrence + 1):
        position = SOURCE.index(text, position + 1)
    return position


def test_a_pipe_shows_its_signature_result_and_documentation() -> None:
    found = hover(SOURCE, at("runcate"), SCOPE)
    assert found is not None
    assert (found.kind, found.name, found.signature) == (
        "pipe",
        "truncate",
        "truncate([length]) -> string",
    )
    assert found.documentation.startswith(DEFAULT_PIPES["truncate"].doc)
    assert found.documentation.endswith("Receives text.")
    assert SOURCE[found.start : found.end] == "truncate"
    assert found.markdown().startswith("```\ntruncate([length]) -> string\n```\n\n")


def test_an_unknown_pipe_says_so_with_a_suggestion() -> None:
    found = hover(SOURCE, at("uper") + 2, SCOPE)
    assert found is not None
    assert found.documentation == "not a known pipe; did you mean 'upper'?"


def test_a_namespace_shows_where_its_values_come_from_and_its_keys() -> None:
    found = hover(SOURCE, 2, SCOPE)
    assert found is not None
    assert (found.kind, found.name, found.start, found.end) == ("namespace", "fetch", 1, 6)
    assert found.documentation == (
        "the artifacts of node 'fetch' (plugin 'fetch_clips')\n\nKeys: title"
    )
    open_one = hover(SOURCE, at("input.url"), SCOPE)
    assert open_one is not None
    assert open_one.documentation.endswith("Keys: url, and any other")


def test_a_key_shows_its_type_description_and_origin() -> None:
    found = hover(SOURCE, at("title") + 1, SCOPE)
    assert found is not None
    assert (found.kind, found.signature) == ("key", "fetch.title: string")
    assert found.documentation == "The clip's title.\n\noutput of plugin 'fetch_clips'"
    assert SOURCE[found.start : found.end] == "title"


def test_an_undeclared_key_says_so() -> None:
    found = hover(SOURCE, at("other"), SCOPE)
    assert found is not None
    assert found.signature == "input.other: any"
    assert found.documentation == "the run input; this key is not declared"
    closed = hover("{fetch.titel}", 8, SCOPE)
    assert closed is not None
    assert closed.documentation == "'titel' is not among the keys of fetch: title"


def test_the_list_function_and_an_argument() -> None:
    function = hover(SOURCE, at("list") + 1, SCOPE)
    assert function is not None
    assert (function.kind, function.signature) == ("function", "list(references...) -> list")
    argument = hover(SOURCE, at("50"), SCOPE)
    assert argument is not None
    assert (argument.kind, argument.name, argument.signature) == (
        "argument",
        "50",
        "argument length: integer >= 0, default 100",
    )
    assert argument.documentation == "Argument 1 of truncate([length])."


def test_the_end_of_a_name_still_hovers_it() -> None:
    end = at("runcate") + len("runcate")
    found = hover(SOURCE, end, SCOPE)
    assert found is not None and found.name == "truncate"


@pytest.mark.parametrize("cursor", [0, at("} {") + 1, at(" {list") + 1, len(SOURCE)])
def test_nothing_where_there_is_no_name(cursor: int) -> None:
    assert hover(SOURCE, cursor, SCOPE) is None


def test_incomplete_text_still_hovers() -> None:
    found = hover("{fetch.title | trunc", 17, SCOPE)
    assert found is not None and found.documentation.startswith("not a known pipe")
    found = hover("{fetch.title | truncate(", 18, SCOPE)
    assert found is not None and found.name == "truncate"


def test_utf16_offsets() -> None:
    source = "😀{fetch.title}"
    found = hover(source, 4, SCOPE, offsets="utf-16")
    assert found is not None
    assert (found.name, found.start, found.end) == ("fetch", 3, 8)
