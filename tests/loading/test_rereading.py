"""Reading a file again after edits (``read_pipeline_text(text, previous=...)``) reads it afresh.

Whatever the edits (inside a value, a node, ``default_input``, a comment,
blank lines, whitespace; or ones that change the structure: a top-level key
added, indentation broken, the file made invalid and mended), the reading is
the same as reading the new text from the start: every field, every span of
the source map, each string's character offsets. The cheap paths are also
checked to be taken where they must be (the whole file is not read again).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import dagabaaz.loading
from dagabaaz.loading import PipelineReading, read_pipeline_text
from dagabaaz.lsp._document import PipelineDocument

COMMENTED = """\
# A pipeline with comments everywhere.

default_input:   # the run input
  title: x
  # a comment inside default_input
  count: 3

  tags: [a, b]
nodes:
  # the first node
  - slug: fetch
    plugin: fetch_clips   # trailing comment

  - slug: export
    plugin: export
    depends_on: [fetch]
    bindings:
      text:
        source: expression
        expression: |+
          {fetch.title}

      note: {source: config, value: 1}
# a comment after the nodes
extra: {kept: 1}
"""
PROBLEMS = """\
nodez: 1
nodes:
  - slug: a
    plugn: p
  - slug: b
    plugin: q
    bindings:
      t: {source: expresion, expression: "{a.x}"}
default_input: [not, a, mapping]
other:
  deep: {a: 1}
"""
INDENTED = """\
  default_input:
    k: 'v'
  nodes:
    - slug: a
      plugin: p
"""
SCALAR_FIRST = """\
default_input: {x: 1} # flow, then a comment
nodes: [{slug: a, plugin: p}]
'tail': "last value"
"""
JSON_TEXT = json.dumps(
    {
        "default_input": {"title": "x", "n": [1, 2.5, True, None]},
        "nodes": [
            {"slug": "a", "plugin": "p"},
            {
                "slug": "b",
                "plugin": "p",
                "depends_on": ["a"],
                "bindings": {"t": {"source": "expression", "expression": "{a.title | uper}"}},
            },
        ],
        "extra": "value",
    },
    indent=2,
)
JSON_PROBLEMS = json.dumps(
    {"nodes": [{"slug": "a", "plugn": "p"}], "default_input": 3, "nodez": {"a": [1]}}, indent=1
)


def generated(count: int) -> dict[str, Any]:
    """A pipeline as a program writes one: a chain of nodes, expressions, an edge filter."""
    nodes: list[dict[str, Any]] = []
    for index in range(count):
        node: dict[str, Any] = {"slug": f"s{index}", "plugin": f"p{index % 3}"}
        if index:
            node["depends_on"] = [f"s{index - 1}"]
            node["bindings"] = {
                "t": {"source": "expression", "expression": f"{{s{index - 1}.t | upper}}"},
                "n": {"source": "config", "value": index, "when": "{input.go}"},
            }
        if index % 3 == 2:
            node["edge_filters"] = {
                f"s{index - 1}": {"rules": [{"field": "kind", "operator": "eq", "value": "a"}]}
            }
        nodes.append(node)
    return {"default_input": {"go": True, "title": "x y"}, "nodes": nodes}


DUMPED = yaml.safe_dump(generated(6), sort_keys=False, width=120)
FILES = [
    (DUMPED, "yaml"),
    (json.dumps(generated(4), indent=2), "json"),
    (COMMENTED, "yaml"),
    (PROBLEMS, "yaml"),
    (INDENTED, "yaml"),
    (SCALAR_FIRST, "yaml"),
    (JSON_TEXT, "json"),
    (JSON_PROBLEMS, "json"),
]
IDS = [
    "dumped",
    "dumped-json",
    "commented",
    "problems",
    "indented",
    "scalar-first",
    "json",
    "json-problems",
]
CHARACTERS = "ab{}[]|().,: \"'\\\n-#5é\t\u2028\x85"
INSERTS = [
    "\n",
    "\n\n",
    "#",
    "# note",
    "\n# note\n",
    " ",
    "  ",
    "\nextra2: 1",
    "\n  more: 2",
    "\n  - slug: z\n    plugin: p",
    "---",
    "\n...\n",
    "\r",
    "\x00",
    '"',
    ",",
    '"k": 1,',
]


def edited(text: str, rng: random.Random) -> str:
    """Return ``text`` with one random edit, often at a line start, a comment or a blank."""
    if rng.random() < 0.4:
        starts = [0] + [i + 1 for i, char in enumerate(text) if char in "\n#"]
        position = rng.choice(starts) + rng.choice([0, 0, 1, 2])
        position = min(position, len(text))
    else:
        position = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.25:
        return text[:position] + rng.choice(INSERTS) + text[position:]
    if kind < 0.55:
        return text[:position] + rng.choice(CHARACTERS) + text[position:]
    if kind < 0.85:
        return text[:position] + text[position + 1 :]
    return text[:position] + rng.choice(CHARACTERS) + text[position + 1 :]


def typed(value: Any) -> Any:
    """Return ``value`` with every scalar's type beside it (``1 == True`` must not pass)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def facts(reading: PipelineReading) -> dict[str, Any]:
    """Everything a reading says, spans and string offsets included."""
    positions = reading.positions
    mapped = None
    if positions is not None:
        mapped = (
            [(path, positions.entry(path)) for path in positions.paths()],
            positions.flow,
            positions.exact,
            [positions.string_offsets(path) for path in positions.paths()],
        )
    pipeline = reading.pipeline
    return {
        "text": reading.text,
        "syntax": reading.syntax,
        "listed": reading.listed,
        "nodes": reading.nodes,
        "problems": reading.problems,
        "problem_spans": reading.problem_spans,
        "data": typed(reading.data),
        "pipeline": pipeline,
        "pipeline_set": None if pipeline is None else pipeline.model_fields_set,
        "pipeline_dump": None if pipeline is None else pipeline.model_dump(exclude_unset=True),
        "covered": set(reading.covered),
        "positions": mapped,
    }


@pytest.mark.parametrize(("text", "syntax"), FILES, ids=IDS)
@settings(max_examples=80)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_edits_read_as_the_file_read_afresh(text: str, syntax: str, seed: int) -> None:
    rng = random.Random(seed)
    reading = read_pipeline_text(text, syntax=syntax)  # type: ignore[arg-type]
    parsed = reading
    for _ in range(8):
        text = edited(text, rng)
        # Read against the last reading that parsed, as the language server does.
        previous = reading if reading.positions is not None else parsed
        reading = read_pipeline_text(text, syntax=syntax, previous=previous)  # type: ignore[arg-type]
        assert facts(reading) == facts(read_pipeline_text(text, syntax=syntax))  # type: ignore[arg-type]
        if reading.positions is not None:
            parsed = reading


@pytest.mark.parametrize(("text", "syntax"), FILES, ids=IDS)
@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1))
def test_an_older_reading_serves_as_well(text: str, syntax: str, seed: int) -> None:
    rng = random.Random(seed)
    first = read_pipeline_text(text, syntax=syntax)  # type: ignore[arg-type]
    for _ in range(rng.randrange(1, 4)):
        text = edited(text, rng)
    again = read_pipeline_text(text, syntax=syntax, previous=first)  # type: ignore[arg-type]
    assert facts(again) == facts(read_pipeline_text(text, syntax=syntax))  # type: ignore[arg-type]


def _no_whole_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole file was read again")

    monkeypatch.setattr(dagabaaz.loading, "read_text_whole", refuse)


EDITS_READ_ALONE = [
    ("a comment", COMMENTED, "yaml", "the run input", "the run inputs"),
    ("a whole-line comment", COMMENTED, "yaml", "# the first node", "# the 1st node"),
    ("a blank line added", COMMENTED, "yaml", "\n\n  - slug: export", "\n\n\n  - slug: export"),
    ("a comment typed on a blank line", COMMENTED, "yaml", "\n\n  tags", "\n#\n  tags"),
    ("the file's first line", COMMENTED, "yaml", "# A pipeline", "# The pipeline"),
    ("default_input's key", COMMENTED, "yaml", "  title: x", "  titles: x"),
    ("default_input's value", COMMENTED, "yaml", "count: 3", "count: 34"),
    ("a list in default_input", COMMENTED, "yaml", "[a, b]", "[a, b, c]"),
    ("the last top-level value", COMMENTED, "yaml", "{kept: 1}", "{kept: 12}"),
    ("typing at the end", COMMENTED, "yaml", "{kept: 1}\n", "{kept: 1}\n  "),
    ("a flow default_input", SCALAR_FIRST, "yaml", "{x: 1}", "{x: 2}"),
    ("an indented file", INDENTED, "yaml", "k: 'v'", "k: 'vw'"),
    ("default_input with problems around", PROBLEMS, "yaml", "[not, a", "[not, the"),
    ("another top-level value", PROBLEMS, "yaml", "deep: {a: 1}", "deep: {a: 10}"),
    ("json default_input", JSON_TEXT, "json", '"title": "x"', '"title": "xy"'),
    ("json whitespace", JSON_TEXT, "json", '"nodes": [', '"nodes":  ['),
    ("json line break", JSON_TEXT, "json", '"nodes": [', '"nodes":\n['),
    ("json top-level string", JSON_TEXT, "json", '"value"', '"values"'),
    ("json top-level value with problems", JSON_PROBLEMS, "json", "   1\n", "   12\n"),
    ("a top-level key typed on", COMMENTED, "yaml", "\nextra:", "\nextras:"),
    ("a top-level key's first character", COMMENTED, "yaml", "\nextra:", "\nxextra:"),
    ("default_input misspelt", COMMENTED, "yaml", "default_input:", "default_iput:"),
    ("nodes renamed", COMMENTED, "yaml", "\nnodes:", "\nnode:"),
    ("a top-level key with problems around", PROBLEMS, "yaml", "nodez:", "nodesz:"),
    ("an indented top-level key", INDENTED, "yaml", "  nodes:", "  nodez:"),
    ("a quoted top-level key", SCALAR_FIRST, "yaml", "'tail'", "'tails'"),
    ("json key renamed", JSON_TEXT, "json", '"extra"', '"extras"'),
    ("json nodes renamed", JSON_TEXT, "json", '"nodes"', '"nodxes"'),
]


@pytest.mark.parametrize(
    ("text", "syntax", "old", "new"),
    [case[1:] for case in EDITS_READ_ALONE],
    ids=[case[0] for case in EDITS_READ_ALONE],
)
def test_edits_outside_the_nodes_are_read_alone(
    monkeypatch: pytest.MonkeyPatch, text: str, syntax: str, old: str, new: str
) -> None:
    assert text.count(old) == 1
    edited = text.replace(old, new)
    first = read_pipeline_text(text, syntax=syntax)  # type: ignore[arg-type]
    fresh = read_pipeline_text(edited, syntax=syntax)  # type: ignore[arg-type]
    _no_whole_reads(monkeypatch)
    again = read_pipeline_text(edited, syntax=syntax, previous=first)  # type: ignore[arg-type]
    assert facts(again) == facts(fresh)
    back = read_pipeline_text(text, syntax=syntax, previous=again)  # type: ignore[arg-type]
    assert facts(back) == facts(first)


STRUCTURE = [
    ("a top-level key renamed to one there is", COMMENTED, "yaml", "\nextra:", "\nnodes:"),
    ("a top-level key made a number", COMMENTED, "yaml", "\nextra:", "\n1:"),
    ("a top-level key added", COMMENTED, "yaml", "extra: {kept: 1}\n", "extra: {kept: 1}\nx: 1\n"),
    ("a key's colon doubled", COMMENTED, "yaml", "\nnodes:", "\nnodes::"),
    ("indentation broken", COMMENTED, "yaml", "  count: 3", "   count: 3"),
    ("a document end in default_input", COMMENTED, "yaml", "\n\n  tags", "\n...\n  tags"),
    ("a comment's '#' removed", COMMENTED, "yaml", "# a comment after", " a comment after"),
    (
        "a block scalar's kept blank line",
        COMMENTED,
        "yaml",
        "{fetch.title}\n\n",
        "{fetch.title}\n\n\n",
    ),
    ("invalid yaml", COMMENTED, "yaml", "count: 3", 'count: "3'),
    ("json made invalid", JSON_TEXT, "json", '"nodes": [', '"nodes": [,'),
    ("json key renamed to one there is", JSON_TEXT, "json", '"extra"', '"nodes"'),
    ("a quoted key broken across lines", SCALAR_FIRST, "yaml", "'tail'", "'ta\nil'"),
]


@pytest.mark.parametrize(
    ("text", "syntax", "old", "new"),
    [case[1:] for case in STRUCTURE],
    ids=[case[0] for case in STRUCTURE],
)
def test_edits_of_the_structure_read_as_afresh(text: str, syntax: str, old: str, new: str) -> None:
    assert text.count(old) == 1
    edited = text.replace(old, new)
    first = read_pipeline_text(text, syntax=syntax)  # type: ignore[arg-type]
    again = read_pipeline_text(edited, syntax=syntax, previous=first)  # type: ignore[arg-type]
    assert facts(again) == facts(read_pipeline_text(edited, syntax=syntax))  # type: ignore[arg-type]
    back = read_pipeline_text(text, syntax=syntax, previous=again)  # type: ignore[arg-type]
    assert facts(back) == facts(first)


def test_a_default_input_edit_keeps_the_nodes_problems_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = read_pipeline_text(PROBLEMS, syntax="yaml")
    assert [p.code for p in first.problems][-2:] == ["invalid-value", "unknown-field"]
    edited = PROBLEMS.replace("default_input: [not, a, mapping]", "default_input:\n  ok: 1")
    _no_whole_reads(monkeypatch)
    again = read_pipeline_text(edited, syntax="yaml", previous=first)
    assert [(p.code, p.path, p.line, p.column) for p in again.problems] == [
        ("unknown-field", (), 1, 1),
        ("missing-field", ("nodes", 0), 3, 5),
        ("unknown-field", ("nodes", 0), 4, 5),
        ("unknown-binding-source", ("nodes", 1, "bindings", "t"), 8, 10),
        ("unknown-field", (), 11, 1),
    ]
    assert again.data["default_input"] == {"ok": 1}


def test_mending_a_file_reads_only_the_mended_part(monkeypatch: pytest.MonkeyPatch) -> None:
    document = PipelineDocument(COMMENTED, "yaml")
    broken = COMMENTED.replace("count: 3", 'count: "3')
    document.update(broken)
    assert [item.diagnostic.code for item in document.located] == ["invalid-yaml"]
    mended = COMMENTED.replace("count: 3", 'count: "3"')
    fresh = read_pipeline_text(mended, syntax="yaml")
    _no_whole_reads(monkeypatch)
    document.update(mended)
    assert facts(document.reading) == facts(fresh)
    assert document.reading.data["default_input"]["count"] == "3"


BROKEN = [
    ("a quote opened in default_input", "title: x y", 'title: "x y'),
    (
        "a quote opened in a node",
        "plugin: p0\n  depends_on:\n  - s2",
        'plugin: "p0\n  depends_on:\n  - s2',
    ),
    (
        "a key out of line",
        "  plugin: p0\n  depends_on:\n  - s2",
        "  plugin: p0\n depends_on:\n  - s2",
    ),
]


@pytest.mark.parametrize(("old", "new"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_an_edit_breaking_yaml_is_reported_without_reading_it_whole(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    assert DUMPED.count(old) == 1
    edited = DUMPED.replace(old, new)
    first = read_pipeline_text(DUMPED, syntax="yaml")
    fresh = read_pipeline_text(edited, syntax="yaml")
    assert [p.code for p in fresh.problems] == ["invalid-yaml"]
    _no_whole_reads(monkeypatch)
    assert facts(read_pipeline_text(edited, syntax="yaml", previous=first)) == facts(fresh)
