"""Hostile text: every editor function answers anything at any cursor, within its bounds."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.editor import (
    EditorScope,
    code_actions,
    complete,
    hover,
    semantic_tokens,
    signature_help,
)
from dagabaaz.expressions import check_expression

SCOPE = EditorScope.from_values({"source": {"title": "x", "tags": []}, "input": {"url": ""}})
PIECES = st.sampled_from(
    [
        "{", "}", "|", "(", ")", ",", ".", "\\", '"', "'", " ", "\n", "source", "input",
        "title", "list", "upper", "truncate", "replace", "in", "5", "x", "😀", "é", "\t",
    ]
)  # fmt: skip
TEXT = st.lists(PIECES, max_size=30).map("".join)


@given(TEXT, st.data())
def test_any_text_any_cursor(source: str, data: st.DataObject) -> None:
    cursor = data.draw(st.integers(-2, len(source) + 2))
    for offsets in ("code-points", "utf-16"):
        found = complete(source, cursor, SCOPE, offsets=offsets)  # type: ignore[arg-type]
        limit = len(source.encode("utf-16-le", "surrogatepass")) // 2
        for item in found:
            assert 0 <= item.start <= item.end <= limit
        assert len({item.label for item in found}) == len(found)
        info = hover(source, cursor, SCOPE, offsets=offsets)  # type: ignore[arg-type]
        if info is not None:
            assert 0 <= info.start < info.end <= limit
        signature_help(source, cursor, SCOPE, offsets=offsets)  # type: ignore[arg-type]
    tokens = semantic_tokens(source)
    assert all(0 <= t.start < t.end <= len(source) for t in tokens)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))


@given(TEXT)
def test_every_fix_edits_within_the_source(source: str) -> None:
    for action in code_actions(source, check_expression(source, when=True)):
        for edit in action.edits:
            assert 0 <= edit.start <= edit.end <= len(source)
