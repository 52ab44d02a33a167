"""Malformed YAML is told in plain words, at the line and column worth looking at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.cli import main
from dagabaaz.loading import PipelineFileError, parse_pipeline

# What a person editing a pipeline file should never have to decode.
JARGON = re.compile(
    r"scalar|<[a-z ]+>|block (end|mapping|collection|sequence)|flow (sequence|mapping|node)"
    r"|token|stream|node content|simple key|constructor|tag:yaml\.org|while (parsing|scanning)"
    r"|chomping|indicator"
)

CASES = [
    (
        "indent",
        "nodes:\n  - slug: a\n    plugin: p\n   depends_on: [b]\n",
        "this line is not indented like the list that starts at line 2",
        "each item starts with '- ' in the same column, and the keys of one item line up "
        "under its first key",
        (4, 4),
    ),
    (
        "unclosed-quote",
        'nodes:\n  - slug: "a\n    plugin: p\n',
        "a quoted text that is never closed",
        "add the closing quote",
        (2, 11),
    ),
    (
        "tab",
        "nodes:\n\t- slug: a\n",
        "a tab character: YAML indents with spaces, never tabs",
        "replace the tab with spaces",
        (2, 1),
    ),
    (
        "colon-in-value",
        "nodes:\n  - slug: a\n    plugin: p: q\n",
        "a ':' where the value had already started",
        "put a value that holds ': ' in quotes, or start the key on a line of its own",
        (3, 14),
    ),
    (
        "unclosed-bracket",
        "nodes: [a, b\n",
        "a '[' that is never closed",
        "add the closing ']'",
        (1, 8),
    ),
    (
        "missing-comma",
        "default_input: {a: 1 b: 2}\n",
        "expected ',' or '}' before ':', inside the '{' that opens at line 1",
        "separate the items with ',' and close with '}'",
        (1, 23),
    ),
    (
        "unclosed-brace",
        "nodes:\n  - {slug: a, plugin: p\n",
        "a '{' that is never closed",
        "add the closing '}'",
        (2, 5),
    ),
    (
        "list-in-mapping",
        "a: b\n- c\n",
        "a list item ('-') among the 'key: value' lines that start at line 1",
        "indent the list under its key, further right than the key",
        (2, 1),
    ),
    (
        "missing-colon",
        "nodes:\n  - slug: a\n    plugin: p\n  bad\n",
        "a line without ':' where a 'key: value' line was expected",
        "add the ':' after the key, or check the indentation of the lines around it",
        (4, 3),
    ),
    ("at-sign", "key: @bad\n", "a value cannot start with @", "put the value in quotes", (1, 6)),
    (
        "escape",
        'a: "x\\qy"\n',
        "unknown escape '\\q' in double-quoted text",
        "write '\\\\' for a backslash, or use single quotes, which keep backslashes as typed",
        (1, 7),
    ),
    (
        "control-character",
        "a: b\x07c\n",
        "a control character (U+0007) that YAML does not allow in a file",
        "remove it, or write it as an escape inside double quotes",
        (1, 5),
    ),
    (
        "two-documents",
        "a: 1\n---\nb: 2\n",
        "a second YAML document ('---'): a pipeline file holds one",
        "remove the '---' and what follows, or put it in a file of its own",
        (2, 1),
    ),
    (
        "python-tag",
        "a: !!python/object:os.system x\n",
        "unknown tag 'python/object:os.system'",
        "remove the tag: pipeline files hold plain values",
        (1, 4),
    ),
    (
        "dedented-key",
        "a:\n  - b\n c: d\n",
        "this line is not indented like the 'key: value' lines that start at line 1",
        "the keys of one mapping start in the same column",
        (3, 2),
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "hint", "where"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_mistake_is_told_plainly_where_it_is(
    text: str, message: str, hint: str, where: tuple[int, int]
) -> None:
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline(text, syntax="yaml", filename="p.yaml")
    (problem,) = caught.value.problems
    assert problem.code == "invalid-yaml"
    assert problem.message == f"invalid YAML: {message}"
    assert problem.hint == hint
    assert (problem.line, problem.column) == where
    assert not JARGON.search(problem.message + (problem.hint or ""))


def test_check_prints_it_compiler_style(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pipeline.yaml").write_text("nodes:\n  - slug: a\n    plugin: p\n   depends_on: [b]\n")
    assert main(["check", "pipeline.yaml"]) == 2
    assert capsys.readouterr().out == (
        "error[invalid-yaml]: invalid YAML: this line is not indented like the list that "
        "starts at line 2\n"
        "  --> pipeline.yaml:4:4\n"
        "  = hint: each item starts with '- ' in the same column, and the keys of one item "
        "line up under its first key\n"
        "pipeline.yaml: 1 error, 0 warnings\n"
    )


VALID = """\
default_input:
  title: "holiday: day 1"
nodes:
  - slug: scan
    plugin: scan_folder
  - slug: export
    plugin: write_manifest
    depends_on: [scan]
    fan_mode: aggregate
    bindings:
      title: {source: expression, expression: "{input.title | title}"}
      note: |
        two lines
        of text
"""
_PUNCTUATION = [*":-[]{},'\"|>&*!%@`#?\t \n", "  ", "---", "..."]


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(VALID)),
            st.integers(min_value=0, max_value=3),
            st.sampled_from(_PUNCTUATION),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_no_broken_file_gets_the_yaml_librarys_jargon(edits: list[tuple[int, int, str]]) -> None:
    text = VALID
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut :]
    try:
        parse_pipeline(text, syntax="yaml", filename="p.yaml")
    except PipelineFileError as error:
        for problem in error.problems:
            if problem.code == "invalid-yaml":
                told = problem.message + (problem.hint or "")
                assert not JARGON.search(told), told
                assert problem.line is not None and problem.column is not None, told
