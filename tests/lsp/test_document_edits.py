"""An open pipeline file, edited a character at a time, reads as the same file read afresh.

The language server applies an edit inside one value, one node, one
top-level entry, a comment or the blank lines between values without reading
the whole file again, and reads an edit against the last reading that
parsed while the file does not; whatever the edit, the result must be
exactly what reading the new text from scratch gives: the same nodes, the
same diagnostics at the same places, the same expressions found at each
offset.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagabaaz.lsp._document import PipelineDocument

YAML = """\
default_input: {title: x}
nodes:
  - slug: fetch
    plugin: fetch_clips
  - slug: subtitles
    plugin: parse_subtitles
    depends_on: [fetch]
    edge_filters:
      fetch:
        rules: [{field: file_type, operator: eq, value: subtitle}]
  - slug: export
    plugin: export
    depends_on: [fetch, subtitles]
    bindings:
      title:
        source: expression
        expression: "{fetch.title | trim | uper}"
      single: {source: expression, expression: '{subtitles.language | join(,)}'}
      plain:
        source: expression
        expression: text {fetch.title}
      count:
        source: config
        value: 3
        when: "{input.count | gt(2)}"
      folded:
        source: expression
        expression: >-
          {fetch.title}
          and more
"""
LISTED = """\
- slug: a
  plugin: p
- slug: b
  plugin: q
  depends_on: [a]
  bindings:
    t: {source: expression, expression: "{a.x | upper}"}
"""
JSON = json.dumps(
    {
        "nodes": [
            {"slug": "a", "plugin": "p"},
            {
                "slug": "b",
                "plugin": "p",
                "depends_on": ["a"],
                "bindings": {
                    "t": {"source": "expression", "expression": "{a.title | uper} \u00e9"},
                    "n": {"source": "config", "value": 12, "when": "{input.go}"},
                },
            },
        ]
    },
    indent=2,
)
MISSPELT = """\
nodes:
  - slug: a
    plugn: p
  - slug: b
    plugin: q
    depends_on: [a]
    bindings:
      t:
        source: expression
        expresion: "{a.x | upper}"
      u: {source: expression, expression: "{a.y | uper}"}
default_input:
  k: 1
"""
COMMENTED = """\
# comments, blank lines and default_input around the nodes
default_input:   # the run input
  title: x

nodes:
  # the first node
  - slug: a
    plugin: p   # trailing

  - slug: b
    plugin: q
    depends_on: [a]
    bindings:
      t: {source: expression, expression: "{a.x | uper}"}
extra: 1
"""
FILES = [
    (YAML, "yaml"),
    (LISTED, "yaml"),
    (JSON, "json"),
    (MISSPELT, "yaml"),
    (COMMENTED, "yaml"),
]
ALPHABET = "ab{}|().,: \"'\\\n-#5é😀"
LINES = [
    "\n    depends_on: [a]",
    "\n  - slug: z\n    plugin: p",
    "\n",
    "    ",
    "plugin",
    "\n# note",
    "\nother: 1",
]


def snapshot(document: PipelineDocument) -> object:
    located = [(item.diagnostic, item.start, item.end) for item in document.located]
    found = [document.expression_at(offset) for offset in range(len(document.text) + 1)]
    return document.reading.nodes, located, found


def edited(text: str, rng: random.Random) -> str:
    position = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.1:
        return text[:position] + rng.choice(LINES) + text[position:]
    if kind < 0.45:
        return text[:position] + rng.choice(ALPHABET) + text[position:]
    if kind < 0.8:
        return text[:position] + text[position + 1 :]
    return text[:position] + rng.choice(ALPHABET) + text[position + 1 :]


@pytest.mark.parametrize(
    ("text", "syntax"), FILES, ids=["yaml", "listed", "json", "misspelt", "commented"]
)
@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1))
def test_edits_give_what_a_fresh_read_gives(text: str, syntax: str, seed: int) -> None:
    rng = random.Random(seed)
    document = PipelineDocument(text, syntax)  # type: ignore[arg-type]
    for _ in range(6):
        text = edited(text, rng)
        document.update(text)
        fresh = PipelineDocument(text, syntax)  # type: ignore[arg-type]
        assert snapshot(document) == snapshot(fresh)


def test_typing_a_whole_expression_character_by_character() -> None:
    start = YAML.index("{fetch.title | trim | uper}")
    text = YAML[:start] + YAML[start + len("{fetch.title | trim | uper}") :]
    document = PipelineDocument(text, "yaml")
    typed = "{fetch.title | trim | upper}"
    for count in range(1, len(typed) + 1):
        text = YAML[:start] + typed[:count] + YAML[start + len("{fetch.title | trim | uper}") :]
        document.update(text)
        assert snapshot(document) == snapshot(PipelineDocument(text, "yaml"))
    assert [item.diagnostic.code for item in document.located] == []


def test_a_quote_typed_and_closed_reads_as_afresh() -> None:
    start = COMMENTED.index("plugin: q") + len("plugin: ")
    document = PipelineDocument(COMMENTED, "yaml")
    for typed in ('"', '"q', '"q"'):
        text = COMMENTED[:start] + typed + COMMENTED[start + 1 :]
        document.update(text)
        assert snapshot(document) == snapshot(PipelineDocument(text, "yaml"))
    assert [item.diagnostic.code for item in document.located] == ["unknown-pipe", "unknown-field"]
