"""Run-input schema, merging defaults with what the user typed, and reference checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from dagabaaz.errors import BindingError, PluginError, RunInputError
from dagabaaz.models import (
    BindingSource,
    ConfigSource,
    DagNode,
    ExpressionSource,
    NodeSource,
    RuntimeSource,
)
from dagabaaz.plugins import InputDeclaration, PluginInfo, PluginMeta
from dagabaaz.schema import (
    InputFieldSpec,
    get_pipeline_input_schema,
    merge_run_input,
    validate_binding_references,
)

PLUGINS: dict[str, PluginMeta] = {
    "fetch": PluginInfo(
        name="fetch",
        inputs=(
            InputFieldSpec(name="url", label="URL", required=True),
            {"name": "depth", "default": 2, "placeholder": "levels"},
        ),
    ),
    "internal": PluginInfo(
        name="internal", inputs=(InputFieldSpec(name="secret", required=True),), worker_only=True
    ),
}

NODES = [
    DagNode(
        slug="source",
        plugin="fetch",
        bindings={
            "lang": RuntimeSource(key="language", label="Language", default="en"),
            "caption": ExpressionSource(
                expression="{input.title | default(Untitled)} at {input.url}"
            ),
        },
    ),
    DagNode(
        slug="work",
        plugin="internal",
        depends_on=["source"],
        bindings={
            "token": RuntimeSource(required=True, placeholder="paste it"),
            "url": RuntimeSource(key="url", label="ignored: declared first by fetch"),
            "gate": ConfigSource(value=1, when="{input.flag}"),
            "api": ExpressionSource(expression="{input.api | required}", when="{input.use_api}"),
            "title": NodeSource(node="source", key="title", when="{input.depth | gt(1)}"),
        },
    ),
    DagNode(slug="extra", plugin="not-described", depends_on=["work"]),
]


def test_schema_lists_plugins_then_runtime_bindings_then_references() -> None:
    schema = get_pipeline_input_schema(NODES, PLUGINS.get)
    assert schema == [
        InputFieldSpec(name="url", label="URL", required=True),
        InputFieldSpec(name="depth", placeholder="levels", default=2),
        InputFieldSpec(name="language", label="Language", default="en"),
        InputFieldSpec(name="token", label="Token", placeholder="paste it", required=True),
        InputFieldSpec(name="title", label="Title"),
        InputFieldSpec(name="flag", label="Flag"),
        InputFieldSpec(name="api", label="Api"),  # read only behind a `when`: not required
        InputFieldSpec(name="use_api", label="Use Api"),
    ]


@pytest.mark.parametrize(
    ("expression", "required"),
    [
        ("{input.k | required}", True),
        ("{input.k | trim | required}", True),
        ("{input.k | default(x) | required}", False),
        ("{input.k}", False),
        ("text {input.k | required}", True),
        ("{list(input.k, input.j) | required}", False),
    ],
    ids=[
        "required",
        "required-after-other-pipe",
        "default-first",
        "no-pipe",
        "inside-text",
        "inside-list",
    ],
)
def test_reference_piped_into_required_is_a_required_field(expression: str, required: bool) -> None:
    nodes = [DagNode(slug="n", plugin="p", bindings={"f": ExpressionSource(expression=expression)})]
    [spec, *_] = get_pipeline_input_schema(nodes, lambda _name: None)
    assert spec == InputFieldSpec(name="k", label="K", required=required)


@pytest.mark.parametrize(
    ("bindings", "required"),
    [
        ({"f": ExpressionSource(expression="{input.token | required}")}, True),
        (
            {"f": ExpressionSource(expression="{input.token | required}", when="{input.on}")},
            False,
        ),
        ({"f": RuntimeSource(key="token", required=True, when="{input.on}")}, False),
        ({"f": ConfigSource(value=1, when="{input.token | required}")}, True),
        (
            {
                "f": ExpressionSource(expression="{input.token}"),
                "g": ExpressionSource(expression="{input.token | required}"),
            },
            True,
        ),
        (
            {
                "f": ExpressionSource(expression="{input.token}"),
                "g": ExpressionSource(expression="{input.token | required}", when="{input.on}"),
            },
            False,
        ),
    ],
    ids=[
        "always-read",
        "behind-when",
        "runtime-source-behind-when",
        "required-in-the-when-clause-itself",
        "required-by-a-later-binding",
        "required-only-behind-when",
    ],
)
def test_an_input_required_only_behind_when_is_not_required(
    bindings: dict[str, BindingSource], required: bool
) -> None:
    nodes = [DagNode(slug="n", plugin="p", bindings=bindings)]
    schema = {spec.name: spec for spec in get_pipeline_input_schema(nodes, lambda _name: None)}
    assert schema["token"].required is required


def test_a_run_without_an_input_read_only_behind_a_falsy_when_runs() -> None:
    from dagabaaz.runner import LocalRunner

    node = DagNode(
        slug="n",
        plugin="p",
        bindings={
            "token": ExpressionSource(expression="{input.token | required}", when="{input.auth}")
        },
    )
    seen: list[dict[str, Any]] = []
    runner = LocalRunner({"p": lambda task: seen.append(task)})
    assert runner.run([node], {"auth": False}).ok
    assert seen == [{"auth": False}]
    failed = runner.run([node], {"auth": True})  # the clause is truthy: now it is required
    assert failed.error is not None and "required value 'input.token' is missing" in failed.error


def test_schema_of_a_pipeline_without_inputs_is_empty() -> None:
    nodes = [DagNode(slug="a", plugin="p", bindings={"x": ConfigSource(value=1)})]
    assert get_pipeline_input_schema(nodes, lambda _name: None) == []


def test_custom_plugin_class_fits_the_protocol() -> None:
    class Fetch:
        name = "fetch"
        worker_only = False

        def get_effective_inputs(self) -> Sequence[InputDeclaration]:
            return [{"name": "url", "label": "Address"}]

    assert isinstance(Fetch(), PluginMeta)
    assert isinstance(PLUGINS["fetch"], PluginMeta)
    schema = get_pipeline_input_schema([DagNode(slug="s", plugin="fetch")], {"fetch": Fetch()}.get)
    assert schema == [InputFieldSpec(name="url", label="Address")]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            "url",
            "plugin 'p' declares an input of type str; expected an InputFieldSpec or a mapping",
        ),
        ({"label": "URL"}, "plugin 'p' declares an input without a 'name'"),
        (
            {"name": "url", "kind": "text"},
            "plugin 'p' declares an input with unknown keys ['kind']; allowed keys are "
            "['default', 'label', 'name', 'placeholder', 'required']",
        ),
        ({"name": ""}, "plugin 'p' declares an input whose name is not a non-empty string"),
        ({"name": 3}, "plugin 'p' declares an input whose name is not a non-empty string"),
        ({"name": "u", "label": 1}, "plugin 'p', input 'u': label must be a string"),
        ({"name": "u", "required": "yes"}, "plugin 'p', input 'u': required must be a bool"),
    ],
    ids=[
        "plain-string",
        "no-name",
        "unknown-key",
        "empty-name",
        "name-not-string",
        "label-not-string",
        "required-not-bool",
    ],
)
def test_malformed_plugin_declarations(declaration: Any, message: str) -> None:
    plugin = PluginInfo(name="p", inputs=(declaration,))
    with pytest.raises(PluginError) as caught:
        get_pipeline_input_schema([DagNode(slug="s", plugin="p")], {"p": plugin}.get)
    assert str(caught.value) == message


def test_schema_names_the_binding_whose_expression_does_not_compile() -> None:
    nodes = [DagNode(slug="s", plugin="p", bindings={"f": ConfigSource(value=1, when="{input.")})]
    with pytest.raises(BindingError) as caught:
        get_pipeline_input_schema(nodes, lambda _name: None)
    assert str(caught.value).startswith("node 's', field 'f', when '{input.': ")
    assert caught.value.diagnostics


FIELDS = [
    InputFieldSpec(name="lang", default="en"),
    InputFieldSpec(name="depth", default=1),
    InputFieldSpec(name="url", required=True),
    InputFieldSpec(name="token", required=True, default="from-binding"),
    InputFieldSpec(name="note"),
]


@pytest.mark.parametrize(
    ("defaults", "user", "expected"),
    [
        (
            None,
            {"url": "u"},
            {"lang": "en", "depth": 1, "token": "from-binding", "url": "u"},
        ),
        (
            {"lang": "fr", "depth": 3},
            {"url": "u", "depth": 5},
            {"lang": "fr", "depth": 5, "token": "from-binding", "url": "u"},
        ),
        (
            {"lang": "fr"},
            {"url": "u", "lang": None, "depth": ""},
            {"lang": "fr", "depth": 1, "token": "from-binding", "url": "u"},
        ),
        (
            {"lang": None, "depth": ""},
            {"url": "u"},
            {"lang": "en", "depth": 1, "token": "from-binding", "url": "u"},
        ),
        (
            None,
            {"url": "u", "depth": 0, "note": False},
            {"lang": "en", "depth": 0, "token": "from-binding", "url": "u", "note": False},
        ),
        (
            {"extra": "pipeline"},
            {"url": "u", "other": [1]},
            {
                "lang": "en",
                "depth": 1,
                "token": "from-binding",
                "extra": "pipeline",
                "url": "u",
                "other": [1],
            },
        ),
        (
            {"url": "from-pipeline"},
            {"url": ""},
            {"lang": "en", "depth": 1, "token": "from-binding", "url": "from-pipeline"},
        ),
        (
            None,
            {"url": "u", "note": ""},
            {"lang": "en", "depth": 1, "token": "from-binding", "url": "u", "note": ""},
        ),
    ],
    ids=[
        "field-defaults",
        "user-over-pipeline-over-field",
        "user-none-and-blank-do-not-override",
        "pipeline-none-and-blank-do-not-override",
        "falsy-values-do-override",
        "unknown-keys-pass-through",
        "required-from-pipeline-default",
        "blank-kept-when-nothing-below",
    ],
)
def test_merge_run_input(
    defaults: Mapping[str, Any] | None, user: Mapping[str, Any], expected: dict[str, Any]
) -> None:
    assert merge_run_input(FIELDS, defaults, user) == expected


@pytest.mark.parametrize(
    ("fields", "user", "message", "missing"),
    [
        (FIELDS, {}, "missing required run input: 'url'", ("url",)),
        (FIELDS, {"url": "  "}, None, ()),
        (
            [*FIELDS, InputFieldSpec(name="key", required=True)],
            {"url": None, "token": ""},
            "missing required run inputs: 'url', 'key'",
            ("url", "key"),
        ),
    ],
    ids=["one-missing", "spaces-are-a-value", "every-missing-field-named"],
)
def test_missing_required_inputs(
    fields: list[InputFieldSpec],
    user: dict[str, Any],
    message: str | None,
    missing: tuple[str, ...],
) -> None:
    if message is None:
        assert merge_run_input(fields, None, user)["url"] == "  "
        return
    with pytest.raises(RunInputError) as caught:
        merge_run_input(fields, None, user)
    assert str(caught.value) == message
    assert caught.value.missing == missing
    assert isinstance(caught.value, ValueError)


def test_merge_does_not_change_its_arguments() -> None:
    defaults = {"lang": "fr", "nested": {"a": 1}}
    user = {"url": "u", "lang": None}
    merged = merge_run_input(FIELDS, defaults, user)
    merged["lang"] = "changed"
    assert defaults == {"lang": "fr", "nested": {"a": 1}}
    assert user == {"url": "u", "lang": None}


def _two_nodes(binding: BindingSource, depends_on: Sequence[str] = ("a",)) -> list[DagNode]:
    return [
        DagNode(slug="a", plugin="p"),
        DagNode(slug="c", plugin="p"),
        DagNode(slug="b", plugin="p", depends_on=list(depends_on), bindings={"f": binding}),
    ]


@pytest.mark.parametrize(
    ("binding", "message"),
    [
        (NodeSource(node="a", key="k"), None),
        (ExpressionSource(expression="{a.k} {input.x} {config.y}"), None),
        (ConfigSource(value=1, when="{a.k}"), None),
        (
            NodeSource(node="c", key="k"),
            "node 'b', field 'f': reads node 'c', which is not in its depends_on",
        ),
        (
            NodeSource(node="ghost", key="k"),
            "node 'b', field 'f': reads unknown node 'ghost'",
        ),
        (
            ExpressionSource(expression="{a.k}-{c.k}"),
            "node 'b', field 'f': reads node 'c', which is not in its depends_on",
        ),
        (
            RuntimeSource(key="x", when="{c.k | not}"),
            "node 'b', field 'f': reads node 'c', which is not in its depends_on",
        ),
    ],
    ids=[
        "node-source-ok",
        "expression-ok",
        "when-ok",
        "node-source-not-a-dependency",
        "node-source-unknown",
        "expression-not-a-dependency",
        "when-not-a-dependency",
    ],
)
def test_validate_binding_references(binding: BindingSource, message: str | None) -> None:
    nodes = _two_nodes(binding)
    assert validate_binding_references(nodes, {"a": 0, "c": 1, "b": 2}) == message


def test_validate_binding_references_reports_a_broken_expression() -> None:
    nodes = _two_nodes(ExpressionSource(expression="{a.k | }"))
    message = validate_binding_references(nodes, {"a": 0, "c": 1, "b": 2})
    assert message is not None
    assert message.startswith("node 'b', field 'f', expression '{a.k | }': ")
