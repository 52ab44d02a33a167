# ruff: noqa: E501  (exact messages read best on one line each)
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.constants import FanMode
from dagabaaz.errors import DagabaazError
from dagabaaz.loading import (
    FileProblem,
    PipelineFileError,
    load_pipeline,
    parse_pipeline,
    pipeline_file_schema,
    syntax_of,
)
from dagabaaz.models import ConfigSource, DagNode, ExpressionSource, Pipeline

MEDIA = Path(__file__).resolve().parents[2] / "examples" / "media"

YAML_DOC = """\
default_input: {title: x}
nodes:
  - slug: a
    plugin: p
  - slug: b
    plugin: q
    depends_on: [a]
    fan_mode: aggregate
    bindings:
      t: {source: expression, expression: "{a.title | upper}"}
"""
EXPECTED = Pipeline(
    nodes=[
        DagNode(slug="a", plugin="p"),
        DagNode(
            slug="b",
            plugin="q",
            depends_on=["a"],
            fan_mode=FanMode.AGGREGATE,
            bindings={"t": ExpressionSource(expression="{a.title | upper}")},
        ),
    ],
    default_input={"title": "x"},
)


def _error(text: str, syntax: str = "json") -> list[str]:
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline(text, syntax=syntax, filename=f"p.{syntax}")  # type: ignore[arg-type]
    return str(caught.value).splitlines()


def test_yaml_and_json_forms_load_the_same_pipeline() -> None:
    assert parse_pipeline(YAML_DOC, syntax="yaml") == EXPECTED
    as_json = EXPECTED.model_dump_json()
    assert parse_pipeline(as_json, syntax="json") == EXPECTED
    as_list = json.dumps([node.model_dump(mode="json") for node in EXPECTED.nodes])
    assert parse_pipeline(as_list, syntax="json") == Pipeline(nodes=EXPECTED.nodes)


def test_example_pipeline_loads() -> None:
    pipeline = load_pipeline(MEDIA / "pipeline.yaml")
    assert [node.slug for node in pipeline.nodes] == [
        "scan",
        "video",
        "subtitle",
        "merge",
        "export",
    ]
    assert pipeline.nodes[4].bindings["checksums"] == ConfigSource(
        value=True, when="{input.checksums}"
    )


@pytest.mark.parametrize(
    ("text", "syntax", "lines"),
    [
        ("", "json", ["p.json: file is empty; expected a list of nodes or an object"]),
        ("  \n\t", "yaml", ["p.yaml: file is empty; expected a list of nodes or an object"]),
        ("[1", "json", ["p.json:1:3: invalid JSON: Expecting ',' delimiter"]),
        ('{"nodes": [], "nodes": []}', "json", ["p.json: invalid JSON: duplicate key 'nodes'"]),
        ("[NaN]", "json", ["p.json: invalid JSON: NaN is not a JSON value"]),
        ("[" * 100_000, "json", ["p.json: invalid JSON: nested too deeply"]),
        (
            '"x"',
            "json",
            ["p.json: expected a list of nodes or an object with 'nodes', got a string"],
        ),
        ("3", "json", ["p.json: expected a list of nodes or an object with 'nodes', got a number"]),
        (
            "null",
            "json",
            ["p.json: expected a list of nodes or an object with 'nodes', got nothing"],
        ),
        (
            "a: [\n",
            "yaml",
            [
                "p.yaml:2:1: invalid YAML: the file ends where a value was expected; add the missing value, or close the '[' or '{' left open"
            ],
        ),
        ("a: 1\na: 2\n", "yaml", ["p.yaml:2:1: invalid YAML: duplicate key 'a'"]),
        (
            "a: &x 1\nb: *x\n",
            "yaml",
            ["p.yaml:2:4: invalid YAML: aliases (*name) are not supported in pipeline files"],
        ),
        (
            "- 1\n---\n- 2\n",
            "yaml",
            [
                "p.yaml:2:1: invalid YAML: a second YAML document ('---'): a pipeline file holds one; remove the '---' and what follows, or put it in a file of its own"
            ],
        ),
        (
            "? [a]\n: b\n",
            "yaml",
            ["p.yaml:1:3: invalid YAML: a key must be a plain value, not a list or a mapping"],
        ),
        (
            "a: !!python/object:os.system x\n",
            "yaml",
            [
                "p.yaml:1:4: invalid YAML: unknown tag 'python/object:os.system'; remove the tag: pipeline files hold plain values"
            ],
        ),
        (
            "nodes: []\ndefault_input: {a: !!float .nan}\n",
            "yaml",
            ["p.yaml:2:20: invalid YAML: nan is not a JSON number"],
        ),
        (
            "nodes: []\ndefault_input: {1: 2}\n",
            "yaml",
            ["p.yaml:2:16: default_input: keys must be strings, got 1"],
        ),
        ('[{"plugin": 1}]', "json", ["p.json:1:13: [0].plugin: expected a string, got 1"]),
        (
            '{"nodes": [], "extra": 1}',
            "json",
            ["p.json:1:15: unknown field 'extra'; expected one of default_input, nodes"],
        ),
        (
            '{"node": []}',
            "json",
            [
                "p.json:1:1: missing required field 'nodes'",
                "p.json:1:2: unknown field 'node'; did you mean 'nodes'?",
            ],
        ),
        (
            '[{"plugin": "p", "depends": []}]',
            "json",
            ["p.json:1:18: [0]: unknown field 'depends'; did you mean 'depends_on'?"],
        ),
        (
            '["a"]',
            "json",
            ["p.json:1:2: [0]: expected an object (a mapping of keys to values), got 'a'"],
        ),
        ('{"nodes": {}}', "json", ["p.json:1:11: nodes: expected a list, got {}"]),
        (
            "- plugin: p\n  fan_mode: fanout\n",
            "yaml",
            [
                "p.yaml:2:13: [0].fan_mode: expected 'single', 'aggregate' or 'grouped', got 'fanout'"
            ],
        ),
        (
            "- plugin: p\n  bindings:\n    t: {source: expression, expresion: x}\n    u: {value: 1}\n    v: {source: env}\n",
            "yaml",
            [
                "p.yaml:3:8: [0].bindings.t: missing required field 'expression'",
                "p.yaml:3:29: [0].bindings.t: unknown field 'expresion'; did you mean 'expression'?",
                "p.yaml:4:8: [0].bindings.u: a binding needs a 'source': one of previous_node, config, runtime, expression",
                "p.yaml:5:8: [0].bindings.v: unknown binding source 'env'; expected one of previous_node, config, runtime, expression",
            ],
        ),
        (
            '[{"plugin": "p", "edge_filters": {"a": {"rules": [{"field": "f", "operator": "equals"}]}}}]',
            "json",
            [
                "p.json:1:78: [0].edge_filters.a.rules[0].operator: expected 'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'exists' or 'not_exists', got 'equals'"
            ],
        ),
        (
            '[{"plugin": "p", "bindings": {"my field": {"source": "runtime", "requird": true}}}]',
            "json",
            [
                "p.json:1:65: [0].bindings['my field']: unknown field 'requird'; did you mean 'required'?"
            ],
        ),
    ],
    ids=[
        "empty",
        "blank-yaml",
        "bad-json",
        "json-duplicate-key",
        "json-nan",
        "json-too-deep",
        "a-string",
        "a-number",
        "null",
        "bad-yaml",
        "yaml-duplicate-key",
        "yaml-alias",
        "yaml-two-documents",
        "yaml-unhashable-key",
        "yaml-python-tag",
        "yaml-nan",
        "yaml-number-key",
        "wrong-type",
        "unknown-top-field",
        "misspelled-nodes",
        "unknown-node-field",
        "node-not-object",
        "nodes-not-list",
        "bad-enum-with-line",
        "bindings-with-lines",
        "bad-operator",
        "quoted-path-segment",
    ],
)
def test_malformed_documents_get_one_message_per_problem(
    text: str, syntax: str, lines: list[str]
) -> None:
    assert _error(text, syntax) == lines


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"),
        ("off", "off"),
        ("010", 10),
        ("1:20", "1:20"),
        ("2024-01-02", "2024-01-02"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("1.5", 1.5),
        ("-3", -3),
        ("0x10", "0x10"),
        (".inf", ".inf"),
    ],
    ids=lambda v: repr(v),
)
def test_yaml_uses_the_core_schema(text: str, value: object) -> None:
    doc = f"nodes: []\ndefault_input:\n  v: {text}\n"
    assert parse_pipeline(doc, syntax="yaml").default_input == {"v": value}


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("folder.yaml", "dir", "folder.yaml: is a directory, not a pipeline file"),
        ("latin.json", b"[\xff]", "latin.json: not UTF-8 text (byte 0xff at offset 1)"),
        ("pipeline.txt", b"[]", "pipeline.txt: unknown file type; name it .json, .yaml or .yml"),
        (
            "huge.json",
            "huge",
            "huge.json: file is 5242881 bytes; pipeline files are limited to 5 MiB",
        ),
    ],
    ids=["missing", "directory", "not-utf8", "unknown-suffix", "too-large"],
)
def test_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, make: object, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if make == "dir":
        (tmp_path / name).mkdir()
    elif make == "huge":
        (tmp_path / name).write_bytes(b" " * (5 * 1024 * 1024 + 1))
    elif isinstance(make, bytes):
        (tmp_path / name).write_bytes(make)
    with pytest.raises(PipelineFileError) as caught:
        load_pipeline(name)
    assert str(caught.value) == message
    assert isinstance(caught.value, DagabaazError)


def test_byte_order_mark_and_yml_suffix(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_bytes("\ufeff- plugin: p\n".encode())
    assert load_pipeline(path) == Pipeline(nodes=[DagNode(plugin="p")])
    assert syntax_of("A.JSON") == "json"


def test_yaml_without_pyyaml_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)
    monkeypatch.delitem(__import__("sys").modules, "dagabaaz.loading._yaml", raising=False)
    assert _error("[]", "yaml") == [
        "p.yaml: reading YAML needs PyYAML; install it with: pip install 'dagabaaz[cli]'"
    ]
    assert parse_pipeline("[]", syntax="json") == Pipeline(nodes=[])


def test_problem_becomes_a_diagnostic() -> None:
    problem = FileProblem("bad", path=("nodes", 1), line=3, column=4)
    diagnostic = problem.to_diagnostic()
    assert (diagnostic.code, diagnostic.message, diagnostic.path) == (
        "invalid-pipeline-file",
        "bad",
        ("nodes", 1),
    )
    # A diagnostic's line and column place it inside an expression, of which a
    # file problem has none; the problem keeps its place in the file.
    assert (diagnostic.line, diagnostic.column) == (1, 1)
    assert problem.render("f.yaml") == "f.yaml:3:4: nodes[1]: bad"
    coded = FileProblem(
        "unknown field 'plugn'", code="unknown-field", hint="did you mean 'plugin'?"
    )
    assert (coded.to_diagnostic().code, coded.to_diagnostic().hint) == (
        "unknown-field",
        "did you mean 'plugin'?",
    )
    assert coded.render("f.yaml") == "f.yaml: unknown field 'plugn'; did you mean 'plugin'?"


def test_schema_describes_both_forms() -> None:
    schema = pipeline_file_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    kinds = {entry.get("type") or entry.get("$ref") for entry in schema["anyOf"]}
    assert kinds == {"array", "#/$defs/Pipeline"}
    node = schema["$defs"]["DagNode"]
    assert node["required"] == ["plugin"]
    assert node["additionalProperties"] is False


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@given(_text)
def test_any_text_loads_or_raises_our_error(text: str) -> None:
    for syntax in ("json", "yaml"):
        try:
            parse_pipeline(text, syntax=syntax)  # type: ignore[arg-type]
        except PipelineFileError as error:
            assert error.problems


_RETAG = "remove the tag, or give it the kind of value it reads"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('!!int "0x1F"', "expected an integer, got '0x1F'"),
        ('!!int "abc"', "expected an integer, got 'abc'"),
        ('!!float "abc"', "expected a number, got 'abc'"),
        ('!!float ""', "expected a number, got ''"),
        ('!!bool "maybe"', "expected true or false, got 'maybe'"),
        ('!!timestamp "abc"', "expected a date or time, got 'abc'"),
        ("!!int [1]", "expected a single value here, got a list; " + _RETAG),
        ("!!set [1]", "expected a mapping here, got a list; " + _RETAG),
        ("9" * 5000, "an integer of 5000 characters is too long"),
    ],
    ids=[
        "hex-int",
        "word-int",
        "word-float",
        "empty-float",
        "word-bool",
        "word-timestamp",
        "int-list",
        "set-list",
        "long-int",
    ],
)
def test_yaml_values_an_explicit_tag_cannot_read_are_located(value: str, message: str) -> None:
    doc = f"nodes: []\ndefault_input:\n  v: {value}\n"
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline(doc, syntax="yaml", filename="t.yaml")
    assert str(caught.value) == f"t.yaml:3:6: invalid YAML: {message}"


_TAGS = [
    "int",
    "float",
    "bool",
    "str",
    "null",
    "timestamp",
    "binary",
    "set",
    "map",
    "seq",
    "omap",
    "pairs",
]
_tagged = st.tuples(
    st.sampled_from(_TAGS),
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).map(json.dumps),
        st.sampled_from(["[1]", "{a: 1}", "[]", "{}", "[{a: 1}]", "0x1F", "1:20", "yes", "~", "-"]),
        st.integers().map(str),
    ),
)


@given(_tagged)
def test_any_explicitly_tagged_value_loads_or_raises_our_error(tagged: tuple[str, str]) -> None:
    tag, value = tagged
    doc = f"nodes: []\ndefault_input:\n  v: !!{tag} {value}\n"
    try:
        parse_pipeline(doc, syntax="yaml")
    except PipelineFileError as error:
        assert error.problems


def test_reading_again_after_an_edit_gives_what_reading_afresh_gives() -> None:
    from dagabaaz.loading import read_pipeline_text

    text = "- slug: a\n  plugin: p\n- slug: b\n  plugin: p\n  depends_on: [a]\n"
    first = read_pipeline_text(text, syntax="yaml")
    for edited in (
        text.replace("plugin: p\n  depends", "plugin: q\n  depends"),  # a value
        text.replace("depends_on", "dependson"),  # a key: the node is read again
        text.replace("- slug: b", "- slug: b\n  name: B"),  # a line added to a node
        "nodes:\n" + text,  # the structure: the file is read again
    ):
        again = read_pipeline_text(edited, syntax="yaml", previous=first)
        fresh = read_pipeline_text(edited, syntax="yaml")
        assert (again.nodes, again.problems, again.pipeline) == (
            fresh.nodes,
            fresh.problems,
            fresh.pipeline,
        )
    unknown = read_pipeline_text(
        text.replace("depends_on", "dependson"), syntax="yaml", previous=first
    )
    assert [(p.code, p.line, p.column, p.hint) for p in unknown.problems] == [
        ("unknown-field", 5, 3, "did you mean 'depends_on'?")
    ]
