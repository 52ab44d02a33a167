"""EditorScope: what a node's expressions may read, from the pipeline and plugin metadata."""

from __future__ import annotations

import pytest

from dagabaaz.editor import ARTIFACT_FIELDS, EditorScope, KeyInfo, complete, hover
from dagabaaz.errors import PluginError
from dagabaaz.models import DagNode, ExpressionSource, RuntimeSource
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.plugins import OutputSpec, PluginInfo, declared_outputs
from dagabaaz.schema import InputFieldSpec

FETCH = PluginInfo(
    "fetch_clips",
    inputs=[InputFieldSpec("folder", label="Folder", required=True)],
    outputs=[
        OutputSpec("title", "string", "The clip's title."),
        {"name": "duration", "type": "number", "description": "Seconds."},
    ],
)
GATE = PluginInfo("gate")
NODES = [
    DagNode(slug="fetch", plugin="fetch_clips"),
    DagNode(slug="gate", plugin="gate", depends_on=["fetch"]),
    DagNode(
        slug="export",
        plugin="export",
        depends_on=["fetch", "gate", "ghost"],
        bindings={
            "title": ExpressionSource(expression="{fetch.title | default(untitled)}"),
            "bucket": RuntimeSource(key="bucket", label="Bucket", default="media"),
            "when": ExpressionSource(expression="x", when="{input.publish}"),
            "broken": ExpressionSource(expression="{input.half | "),
        },
    ),
]


def scope(**kwargs: object) -> EditorScope:
    return EditorScope.for_node(NODES, "export", plugins=[FETCH, GATE], **kwargs)  # type: ignore[arg-type]


def test_namespaces_are_the_dependencies_then_input_and_config() -> None:
    found = scope()
    assert found.names == ("fetch", "gate", "ghost", "input", "config")
    assert [info.kind for info in found.namespaces] == ["node", "node", "node", "input", "config"]
    assert found.pipes is DEFAULT_PIPES


def test_a_declared_dependency_has_closed_keys_with_types_and_origin() -> None:
    fetch = scope().namespace("fetch")
    assert fetch is not None and fetch.closed
    assert [k.name for k in fetch.keys] == [
        "title",
        "duration",
        "file_path",
        "file_name",
        "file_size",
        "mime_type",
    ]
    assert fetch.keys[0] == KeyInfo(
        "title", "string", "The clip's title.", "output of plugin 'fetch_clips'"
    )
    assert fetch.description == "the artifacts of node 'fetch' (plugin 'fetch_clips')"


def test_without_declarations_keys_are_open_and_the_artifact_fields_known() -> None:
    gate = scope().namespace("gate")
    assert gate is not None and not gate.closed
    assert gate.keys == ARTIFACT_FIELDS
    ghost = scope().namespace("ghost")
    assert ghost is not None and ghost.description == "'ghost' is not a node of this pipeline"
    without = EditorScope.for_node(NODES, "export")
    fetch = without.namespace("fetch")
    assert fetch is not None and not fetch.closed


def test_the_run_input_comes_from_plugins_runtime_bindings_and_expressions() -> None:
    inputs = scope().namespace("input")
    assert inputs is not None
    assert [(k.name, k.type, k.description, k.origin) for k in inputs.keys] == [
        ("folder", "any", "Folder; required", "run input declared by plugin 'fetch_clips'"),
        ("bucket", "string", "Bucket; default 'media'", "run input asked for by node 'export'"),
        ("publish", "any", "", "run input read by node 'export'"),
        ("half", "any", "", "run input read by node 'export'"),
    ]


def test_config_keys_from_a_sample() -> None:
    config = scope(config={"format": "pdf", "pages": 3}).namespace("config")
    assert config is not None
    assert [(k.name, k.type) for k in config.keys] == [("format", "string"), ("pages", "integer")]


def test_plugins_may_be_a_mapping_a_list_or_a_lookup() -> None:
    by_name = EditorScope.for_node(NODES, "export", plugins={"fetch_clips": FETCH})
    by_lookup = EditorScope.for_node(NODES, "export", plugins={"fetch_clips": FETCH}.get)
    for found in (by_name, by_lookup):
        fetch = found.namespace("fetch")
        assert fetch is not None and fetch.closed
    with pytest.raises(TypeError, match="plugins must be a mapping of name to PluginMeta"):
        EditorScope.for_node(NODES, "export", plugins=42)  # type: ignore[arg-type]


def test_completion_and_hover_use_the_node_scope() -> None:
    found = scope()
    assert [c.label for c in complete("{fetch.", 7, found)][:2] == ["title", "duration"]
    assert complete("{", 1, found)[0].label == "fetch"
    assert complete("{input.", 7, found)[0].label == "folder"
    info = hover("{fetch.duration}", 8, found)
    assert info is not None and info.signature == "fetch.duration: number"


def test_an_unknown_slug_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no node has the slug 'exprot'"):
        EditorScope.for_node(NODES, "exprot")


def test_from_values_types_each_key() -> None:
    found = EditorScope.from_values({"a": {"s": "x", "n": 1.5, "l": [1], "o": {}, "b": True}})
    a = found.namespace("a")
    assert a is not None
    assert [(k.name, k.type) for k in a.keys] == [
        ("s", "string"),
        ("n", "number"),
        ("l", "list"),
        ("o", "object"),
        ("b", "boolean"),
    ]
    with pytest.raises(TypeError, match=r"values\['a'\] must be a mapping, got int"):
        EditorScope.from_values({"a": 1})  # type: ignore[dict-item]


def test_scope_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="pipes must be a PipeRegistry, not dict"):
        EditorScope((), {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="namespaces must hold NamespaceInfo, got str"):
        EditorScope(("a",))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ("title", "plugin 'p': outputs must be a list of output declarations, got str"),
        ([{"type": "string"}], "plugin 'p' declares an output without a 'name'"),
        ([{"name": "a", "kind": "x"}], "plugin 'p' declares an output with unknown keys ['kind']"),
        ([OutputSpec("a", "text")], "plugin 'p', output 'a': type must be one of any, string"),
        ([OutputSpec("a"), OutputSpec("a")], "plugin 'p' declares output 'a' twice"),
        ([3], "plugin 'p' declares an output of type int; expected an OutputSpec or a mapping"),
        ([OutputSpec("")], "plugin 'p' declares an output whose name is not a non-empty string"),
    ],
)
def test_malformed_output_declarations_are_plugin_errors(outputs: object, message: str) -> None:
    with pytest.raises(PluginError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        PluginInfo("p", outputs=outputs)  # type: ignore[arg-type]


def test_declared_outputs_reads_any_metadata_object() -> None:
    class Legacy:
        name = "old"
        worker_only = False

        def get_effective_inputs(self) -> list[object]:
            return []

    assert declared_outputs(Legacy()) is None  # written before outputs existed: still fits

    class Declaring(Legacy):
        outputs = ({"name": "x"},)

    assert declared_outputs(Declaring()) == (OutputSpec("x"),)
    assert PluginInfo("p", outputs=[{"name": "a"}]).outputs == (OutputSpec("a"),)
