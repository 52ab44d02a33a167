"""Declared outputs: a key a dependency's plugin does not declare is a save-time warning."""

from __future__ import annotations

import pytest

from dagabaaz.models import DagNode, ExpressionSource, NodeSource
from dagabaaz.plugins import OutputSpec, PluginInfo
from dagabaaz.validation import PIPELINE_CODES, validate_pipeline

FETCH = PluginInfo(
    "fetch_clips",
    outputs=[OutputSpec("title", "string"), OutputSpec("meta", "object"), OutputSpec("language")],
)


KNOWN = [FETCH, "save", "anything"]


def pipeline(**bindings: object) -> list[DagNode]:
    return [
        DagNode(slug="fetch", plugin="fetch_clips"),
        DagNode(slug="open", plugin="anything"),
        DagNode(
            slug="save",
            plugin="save",
            depends_on=["fetch", "open"],
            bindings=bindings,  # type: ignore[arg-type]
        ),
    ]


def test_a_misspelt_key_in_an_expression_is_a_warning_with_a_did_you_mean() -> None:
    nodes = pipeline(title=ExpressionSource(expression="{fetch.titel | upper} {open.whatever}"))
    (found,) = validate_pipeline(nodes, plugins=KNOWN)
    assert (found.code, found.severity) == ("unknown-key", "warning")
    assert found.message == "node 'fetch' (plugin 'fetch_clips') declares no output key 'titel'"
    assert found.hint == "did you mean 'title'?"
    assert found.expression is not None
    assert found.expression[found.start : found.end] == "titel"
    assert found.path == ("nodes", 2, "bindings", "title", "expression")
    assert PIPELINE_CODES["unknown-key"].severity == "warning"


def test_a_node_source_key_and_a_when_clause_are_checked_too() -> None:
    nodes = pipeline(
        a=NodeSource(node="fetch", key="langauge"),
        b=ExpressionSource(expression="x", when="{fetch.titl}"),
    )
    found = validate_pipeline(nodes, plugins={"fetch_clips": FETCH, "save": None, "anything": None})
    assert [(d.code, d.path[-1], d.hint) for d in found] == [
        ("unknown-key", "key", "did you mean 'language'?"),
        ("unknown-key", "when", "did you mean 'title'?"),
    ]


def test_declared_keys_and_the_artifact_fields_are_fine() -> None:
    nodes = pipeline(
        a=ExpressionSource(expression="{fetch.title} {fetch.file_name} {fetch.mime_type}"),
        b=NodeSource(node="fetch", key="file_path"),
        c=NodeSource(node="open", key="anything_at_all"),
    )
    assert validate_pipeline(nodes, plugins=KNOWN) == []


def test_a_dotted_key_of_a_declared_object_points_at_json_get() -> None:
    nodes = pipeline(a=ExpressionSource(expression="{fetch.meta.lang.code}"))
    (found,) = validate_pipeline(nodes, plugins=KNOWN)
    assert found.hint == (
        "a key is read whole, dots included; to read inside 'meta': "
        "{fetch.meta | json_get(lang) | json_get(code)}"
    )


def test_without_metadata_or_declarations_keys_are_open() -> None:
    nodes = pipeline(a=ExpressionSource(expression="{fetch.titel}"))
    assert validate_pipeline(nodes) == []
    assert validate_pipeline(nodes, plugins={"fetch_clips", "save", "anything"}) == []
    assert validate_pipeline(nodes, plugins=[PluginInfo("fetch_clips"), "save", "anything"]) == []


def test_names_and_metadata_agree_on_unknown_plugins() -> None:
    nodes = pipeline()
    found = validate_pipeline(nodes, plugins=[FETCH, "save"])
    assert [(d.code, d.node) for d in found] == [("unknown-plugin", "open")]


def test_bad_plugins_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="plugins must hold plugin names or PluginMeta objects"):
        validate_pipeline(pipeline(), plugins=[3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a string"):
        validate_pipeline(pipeline(), plugins="fetch_clips")
