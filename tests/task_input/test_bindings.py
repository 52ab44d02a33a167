"""Bindings: every source, `when`, errors, and what each kind of task lets them see."""

from __future__ import annotations

from typing import Any

import pytest
from worker_harness import WorkerRun, out

from dagabaaz.bindings import resolve_binding
from dagabaaz.constants import FanMode, FilterOperator, RunStatus
from dagabaaz.errors import BindingError
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import (
    BindingSource,
    ConfigSource,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    NodeSource,
    Output,
    RuntimeSource,
    TaskArtifact,
)
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.schema import InputFieldSpec, get_pipeline_input_schema
from dagabaaz.task_input import assemble_task_input, resolve_task_bindings

# --- one aggregate task over two dependencies, bindings resolved directly ------

RUN_INPUT = {"lang": "en", "blank": "", "zero": 0}
CONFIG = {"mode": "fast"}


def _upstream_store(bindings: dict[str, BindingSource]) -> tuple[InMemoryStore, list[DagNode]]:
    nodes = [
        DagNode(slug="src", plugin="fetch"),
        DagNode(slug="other", plugin="other"),
        DagNode(
            slug="node",
            plugin="p",
            depends_on=["src", "other"],
            fan_mode=FanMode.AGGREGATE,
            bindings=bindings,
        ),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes, RUN_INPUT)
    src = store.dispatch_task("run-1", 0, "fetch", None)
    store.complete_task(
        src,
        [
            out("one.mp4", 1, "video/mp4", title="One", tags=["x"], info={"k": 1}),
            out("two.mp4", 2, "video/mp4", title="Two"),
        ],
    )
    other = store.dispatch_task("run-1", 1, "other", None)
    store.complete_task(other, [out("solo.json", 7, title="Solo", count=3, flag=False, none=None)])
    return store, nodes


def _bind(
    bindings: dict[str, BindingSource], input_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    store, nodes = _upstream_store(bindings)
    return resolve_task_bindings(
        store,
        run_id="run-1",
        node_index=2,
        nodes=nodes,
        input_data=input_data if input_data is not None else {"kept": "as-is"},
        node_config=CONFIG,
    )


@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        (NodeSource(node="other", key="title"), "Solo"),
        (NodeSource(node="src", key="title"), ["One", "Two"]),
        (NodeSource(node="other", key="count"), 3),
        (NodeSource(node="other", key="flag"), False),
        (NodeSource(node="src", key="tags"), ["x"]),
        (NodeSource(node="src", key="info"), {"k": 1}),
        (NodeSource(node="src", key="file_size"), [1, 2]),
        (NodeSource(node="other", key="file_name"), "solo.json"),
        (NodeSource(node="other", key="file_path"), "/data/solo.json"),
        (NodeSource(node="src", key="mime_type"), ["video/mp4", "video/mp4"]),
        (ConfigSource(value="literal"), "literal"),
        (ConfigSource(value={"a": [1, 2]}), {"a": [1, 2]}),
        (ConfigSource(value=0), 0),
        (RuntimeSource(key="lang"), "en"),
        (RuntimeSource(key="zero"), 0),
        (RuntimeSource(key="absent", default="fallback"), "fallback"),
        (RuntimeSource(key="blank", default="fallback"), "fallback"),
        (RuntimeSource(key="blank"), ""),
        (ExpressionSource(expression="{other.title | upper}"), "SOLO"),
        (ExpressionSource(expression="{input.lang}-{config.mode}"), "en-fast"),
        (ExpressionSource(expression="{src.title}"), ["One", "Two"]),
        (ExpressionSource(expression="{other.count}"), 3),
        (ExpressionSource(expression="{input.lang | upper}"), "EN"),
        (NodeSource(node="other", key="title", when="{other.count}"), "Solo"),
        (NodeSource(node="other", key="title", when="{input.absent | not}"), "Solo"),
        (ConfigSource(value="on", when="{input.lang}"), "on"),
    ],
    ids=[
        "node-one-value-unwrapped",
        "node-several-values-list",
        "node-int-kept",
        "node-false-kept",
        "node-list-kept",
        "node-dict-kept",
        "node-standard-field-several",
        "node-standard-field-file-name",
        "node-standard-field-file-path",
        "node-standard-field-mime-type",
        "config-string",
        "config-dict",
        "config-zero",
        "runtime-value",
        "runtime-zero-is-a-value",
        "runtime-default-when-absent",
        "runtime-default-when-blank",
        "runtime-blank-without-default",
        "expression-with-pipe",
        "expression-input-and-config",
        "expression-several-values",
        "expression-native-int",
        "expression-input-pipe",
        "when-truthy-number",
        "when-not-of-missing",
        "when-truthy-string",
    ],
)
def test_binding_value(binding: BindingSource, expected: Any) -> None:
    assert _bind({"field": binding}) == {"kept": "as-is", "field": expected}


@pytest.mark.parametrize(
    "binding",
    [
        NodeSource(node="src", key="missing"),
        NodeSource(node="other", key="none"),
        ConfigSource(value=None),
        RuntimeSource(key="absent"),
        ExpressionSource(expression="{input.absent}"),
        ExpressionSource(expression="{other.missing | default('')}"),
        NodeSource(node="other", key="title", when="{other.flag}"),
        NodeSource(node="other", key="title", when="{other.missing}"),
        NodeSource(node="other", key="title", when="{input.zero}"),
        NodeSource(node="other", key="title", when="{other.title | not}"),
        RuntimeSource(key="absent", required=True, when="{input.zero}"),
    ],
    ids=[
        "node-key-nobody-has",
        "node-value-none",
        "config-none",
        "runtime-absent-no-default",
        "expression-missing",
        "expression-empty-string-result",
        "when-false",
        "when-missing",
        "when-zero",
        "when-not-of-value",
        "when-false-skips-required-check",
    ],
)
def test_binding_without_value_leaves_the_field_as_it_was(binding: BindingSource) -> None:
    assert _bind({"kept": binding}) == {"kept": "as-is"}
    assert _bind({"absent_field": binding}) == {"kept": "as-is"}


def test_runtime_source_with_empty_key_reads_the_field_name() -> None:
    assert _bind({"lang": RuntimeSource()}) == {"kept": "as-is", "lang": "en"}
    with pytest.raises(BindingError) as caught:
        _bind({"token": RuntimeSource(required=True)})
    assert str(caught.value) == "node 'node', field 'token': required run input 'token' is missing"


def test_bindings_apply_in_order_into_the_input_itself() -> None:
    given = {"title": "original", "n": 1}
    result = _bind(
        {
            "title": NodeSource(node="other", key="title"),
            "extra": ConfigSource(value=[1]),
        },
        given,
    )
    assert result is given
    assert list(result) == ["title", "n", "extra"]
    assert result == {"title": "Solo", "n": 1, "extra": [1]}


def test_a_failing_binding_leaves_the_input_as_it_was() -> None:
    given = {"title": "original", "n": 1}
    with pytest.raises(BindingError):
        _bind(
            {
                "title": NodeSource(node="other", key="title"),
                "token": RuntimeSource(required=True),
            },
            given,
        )
    assert given == {"title": "original", "n": 1}


@pytest.mark.parametrize(
    ("binding", "message", "expression", "clause"),
    [
        (
            RuntimeSource(key="token", required=True),
            "node 'node', field 'f': required run input 'token' is missing",
            None,
            "value",
        ),
        (
            RuntimeSource(key="blank", required=True),
            "node 'node', field 'f': required run input 'blank' is missing",
            None,
            "value",
        ),
        (
            NodeSource(node="stranger", key="x"),
            "node 'node', field 'f': reads node 'stranger', which is not one of its dependencies",
            None,
            "value",
        ),
        (
            ExpressionSource(expression="{stranger.x}"),
            "node 'node', field 'f', expression '{stranger.x}': reads node 'stranger', "
            "which is not one of its dependencies",
            "{stranger.x}",
            "value",
        ),
        (
            ConfigSource(value=1, when="{stranger.x}"),
            "node 'node', field 'f', when '{stranger.x}': reads node 'stranger', "
            "which is not one of its dependencies",
            "{stranger.x}",
            "when",
        ),
    ],
    ids=[
        "required-runtime-missing",
        "required-runtime-blank",
        "node-source-not-a-dependency",
        "expression-not-a-dependency",
        "when-not-a-dependency",
    ],
)
def test_binding_errors(
    binding: BindingSource, message: str, expression: str | None, clause: str
) -> None:
    with pytest.raises(BindingError) as caught:
        _bind({"f": binding})
    error = caught.value
    assert str(error) == message
    assert (error.node, error.field, error.expression, error.clause) == (
        "node",
        "f",
        expression,
        clause,
    )


@pytest.mark.parametrize(
    ("binding", "prefix", "clause"),
    [
        (
            ExpressionSource(expression="{input.url | required}"),
            "node 'node', field 'f', expression '{input.url | required}': ",
            "value",
        ),
        (
            ConfigSource(value=1, when="{input.url | required}"),
            "node 'node', field 'f', when '{input.url | required}': ",
            "when",
        ),
        (
            ExpressionSource(expression="{input.url"),
            "node 'node', field 'f', expression '{input.url': ",
            "value",
        ),
        (
            ConfigSource(value=1, when="{input.url | nosuchpipe}"),
            "node 'node', field 'f', when '{input.url | nosuchpipe}': ",
            "when",
        ),
    ],
    ids=["required-in-expression", "required-in-when", "syntax-error", "unknown-pipe-in-when"],
)
def test_expression_errors_name_node_field_and_expression(
    binding: BindingSource, prefix: str, clause: str
) -> None:
    with pytest.raises(BindingError) as caught:
        _bind({"f": binding})
    error = caught.value
    assert str(error).startswith(prefix)
    assert len(str(error)) > len(prefix)
    assert error.clause == clause
    assert error.diagnostics, "the expression's diagnostics travel with the error"
    assert isinstance(error, ValueError)
    assert str(error).count(error.expression or "") == 1, "the expression is named once"


_LONG = "{input.url | required}" + " and more text" * 6


@pytest.mark.parametrize(
    ("binding", "message"),
    [
        (
            ExpressionSource(expression="{input.url | required}"),
            "node 'node', field 'f', expression '{input.url | required}': "
            "required value 'input.url' is missing",
        ),
        (
            ExpressionSource(expression="it's {input.url | required}"),
            "node 'node', field 'f', expression \"it's {input.url | required}\": "
            "required value 'input.url' is missing",
        ),
        (
            ExpressionSource(expression=_LONG),
            f"node 'node', field 'f', expression {_LONG!r}: required value 'input.url' is missing",
        ),
        (
            ConfigSource(value=1, when="{src.title | boom}"),
            "node 'node', field 'f', when '{src.title | boom}': "
            "pipe 'boom' failed on 'src.title': ZeroDivisionError: division by zero",
        ),
    ],
    ids=["required", "quoted-expression", "long-expression", "pipe-failure-in-when"],
)
def test_a_failed_evaluation_names_the_expression_once(
    binding: BindingSource, message: str
) -> None:
    pipes = DEFAULT_PIPES.copy()
    pipes.register("boom", lambda value: 1 / 0)
    store, nodes = _upstream_store({"f": binding})
    with pytest.raises(BindingError) as caught:
        resolve_task_bindings(
            store, run_id="run-1", node_index=2, nodes=nodes, input_data={}, pipes=pipes
        )
    assert str(caught.value) == message
    assert caught.value.reason == message.split(": ", 1)[1]
    for diagnostic in caught.value.diagnostics:
        assert "in expression" not in diagnostic.message
        assert diagnostic.path[:2] == ("nodes", 2) and diagnostic.node == "node"


def test_binding_values_are_copies() -> None:
    store, nodes = _upstream_store({"info": NodeSource(node="src", key="info")})
    first = resolve_task_bindings(store, run_id="run-1", node_index=2, nodes=nodes, input_data={})
    first["info"]["k"] = "mutated"
    second = resolve_task_bindings(store, run_id="run-1", node_index=2, nodes=nodes, input_data={})
    assert second == {"info": {"k": 1}}
    assert store.get_task_artifacts_by_node_indices("run-1", [0])[0].metadata["info"] == {"k": 1}


def test_node_without_bindings_reads_nothing() -> None:
    class Untouchable(InMemoryStore):
        def get_run_input(self, run_id: str) -> dict[str, Any]:
            raise AssertionError("read the run input")

        def get_task_artifacts_by_node_indices(self, run_id: str, node_indices: Any) -> Any:
            raise AssertionError("read artifacts")

    store = Untouchable()
    nodes = [DagNode(slug="a", plugin="p"), DagNode(slug="b", plugin="p", depends_on=["a"])]
    store.create_run("run-1", nodes)
    got = resolve_task_bindings(
        store, run_id="run-1", node_index=1, nodes=nodes, input_data={"x": 1}
    )
    assert got == {"x": 1}
    config_only = [nodes[0], nodes[1].model_copy(update={"bindings": {"c": ConfigSource(value=2)}})]
    got = resolve_task_bindings(
        store, run_id="run-1", node_index=1, nodes=config_only, input_data={"x": 1}
    )
    assert got == {"x": 1, "c": 2}


# --- what each kind of task lets its bindings see -----------------------------


def _items(count: int) -> Any:
    def fetch(_data: dict[str, Any]) -> list[Output]:
        return [out(f"item{i}.mp4", 100 + i, "video/mp4", item=i) for i in range(count)]

    return fetch


def _branch(name: str) -> Any:
    def process(data: dict[str, Any]) -> list[Output]:
        return [out(f"{name}-{data['item']}.txt", 10, item=data["item"])]

    return process


def _nothing(_data: dict[str, Any]) -> None:
    return None


def test_fan_out_task_sees_only_its_own_artifact() -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="probe",
            plugin="probe",
            depends_on=["source"],
            bindings={
                "number": NodeSource(node="source", key="item"),
                "label": ExpressionSource(expression="#{source.item} {source.file_name}"),
            },
        ),
    ]
    run = WorkerRun(nodes, {"fetch": _items(3), "probe": _nothing}).start().drive()
    assert sorted((d["number"], d["label"]) for d in run.inputs_of("probe")) == [
        (0, "#0 item0.mp4"),
        (1, "#1 item1.mp4"),
        (2, "#2 item2.mp4"),
    ]


def test_grouped_task_sees_its_group_and_broadcasts() -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="a", plugin="proc_a", depends_on=["source"]),
        DagNode(slug="b", plugin="proc_b", depends_on=["source"]),
        DagNode(
            slug="summary", plugin="summary", depends_on=["source"], fan_mode=FanMode.AGGREGATE
        ),
        DagNode(
            slug="merge",
            plugin="merge",
            depends_on=["a", "b", "summary"],
            fan_mode=FanMode.GROUPED,
            bindings={
                "a_name": NodeSource(node="a", key="file_name"),
                "pair": ExpressionSource(expression="{a.item}/{b.item}"),
                "total": NodeSource(node="summary", key="total"),
            },
        ),
    ]
    plugins = {
        "fetch": _items(3),
        "proc_a": _branch("a"),
        "proc_b": _branch("b"),
        "summary": lambda data: [out("summary.json", total=len(data["artifacts"]))],
        "merge": _nothing,
    }
    run = WorkerRun(nodes, plugins).start().drive()
    assert run.status is RunStatus.COMPLETED
    assert sorted((d["a_name"], d["pair"], d["total"]) for d in run.inputs_of("merge")) == [
        ("a-0.txt", "0/0", 3),
        ("a-1.txt", "1/1", 3),
        ("a-2.txt", "2/2", 3),
    ]


def test_edge_filters_apply_to_what_bindings_see() -> None:
    def mixed(_data: dict[str, Any]) -> list[Output]:
        return [out("movie.mp4", 900), out("movie.en.srt", 3), out("trailer.mkv", 300)]

    video_only = EdgeFilter(
        rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")]
    )
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="video",
            plugin="transcode",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            edge_filters={"source": video_only},
            bindings={
                "names": NodeSource(node="source", key="file_name"),
                "joined": ExpressionSource(expression="{source.file_name | join(+)}"),
            },
        ),
    ]
    run = WorkerRun(nodes, {"fetch": mixed, "transcode": _nothing}).start().drive()
    [data] = run.inputs_of("video")
    assert data["names"] == ["movie.mp4", "trailer.mkv"]
    assert data["joined"] == "movie.mp4+trailer.mkv"


@pytest.mark.parametrize(
    ("fan_mode", "expected"),
    [(FanMode.AGGREGATE, [[0, 1]]), (FanMode.SINGLE, [0, 1])],
    ids=["aggregate", "fan-out"],
)
def test_bindings_see_artifacts_routed_through_passthrough_nodes(
    fan_mode: FanMode, expected: list[Any]
) -> None:
    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(slug="router", plugin="route", depends_on=["source"], fan_mode=FanMode.AGGREGATE),
        DagNode(
            slug="sink",
            plugin="sink",
            depends_on=["router"],
            fan_mode=fan_mode,
            bindings={"items": NodeSource(node="router", key="item")},
        ),
    ]
    plugins = {"fetch": _items(2), "route": _nothing, "sink": _nothing}
    run = WorkerRun(nodes, plugins, routing={"route"}).start().drive()
    assert sorted(d["items"] for d in run.inputs_of("sink")) == expected


def test_two_tasks_never_share_a_bound_value() -> None:
    def append(data: dict[str, Any]) -> None:
        data["tags"].append("mine")

    nodes = [
        DagNode(slug="source", plugin="fetch"),
        DagNode(
            slug="sink",
            plugin="append",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            bindings={"tags": ConfigSource(value=["shared"])},
        ),
    ]
    run = WorkerRun(nodes, {"fetch": _items(1), "append": append}).start().drive()
    again = run.task_input(run.store.tasks(run.run_id)[1])
    assert again["tags"] == ["shared"]
    assert run.nodes[1].bindings["tags"] == ConfigSource(value=["shared"])


# --- the README's `when` example, end to end -----------------------------------


def _lookup(existing_id: str | None) -> Any:
    def library_lookup(_data: dict[str, Any]) -> list[Output]:
        found: dict[str, Any] = {"title": "Dune", "thumbnail_url": "https://img/dune.jpg"}
        if existing_id is not None:
            found["existing_id"] = existing_id
        return [Output(file_name="lookup.json", metadata=found)]

    return library_lookup


@pytest.mark.parametrize(
    ("existing_id", "gets_thumbnail"),
    [(None, True), ("", True), ("rec-42", False)],
    ids=["not-found", "empty-id", "found"],
)
def test_readme_when_example(existing_id: str | None, gets_thumbnail: bool) -> None:
    # Exactly the README's pipeline: create is a fan-out (SINGLE) node.
    nodes = [
        DagNode(slug="lookup", plugin="library_lookup"),
        DagNode(
            slug="create",
            plugin="create_record",
            depends_on=["lookup"],
            bindings={
                "title": NodeSource(node="lookup", key="title"),
                "thumbnail_url": NodeSource(
                    node="lookup",
                    key="thumbnail_url",
                    when="{lookup.existing_id | not}",
                ),
            },
        ),
    ]
    plugins = {"library_lookup": _lookup(existing_id), "create_record": _nothing}
    run = WorkerRun(nodes, plugins).start().drive()
    assert run.status is RunStatus.COMPLETED
    [received] = run.inputs_of("create")
    assert received["title"] == "Dune"
    assert ("thumbnail_url" in received) is gets_thumbnail
    if gets_thumbnail:
        assert received["thumbnail_url"] == "https://img/dune.jpg"


@pytest.mark.parametrize(
    ("existing_id", "gets_thumbnail"),
    [("rec-42", False), (None, True)],
    ids=["found", "not-found"],
)
def test_readme_when_example_aggregating(existing_id: str | None, gets_thumbnail: bool) -> None:
    nodes = [
        DagNode(slug="lookup", plugin="library_lookup"),
        DagNode(
            slug="create",
            plugin="create_record",
            depends_on=["lookup"],
            fan_mode=FanMode.AGGREGATE,
            bindings={
                "thumbnail_url": NodeSource(
                    node="lookup", key="thumbnail_url", when="{lookup.existing_id | not}"
                ),
            },
        ),
    ]
    plugins = {"library_lookup": _lookup(existing_id), "create_record": _nothing}
    [received] = WorkerRun(nodes, plugins).start().drive().inputs_of("create")
    assert ("thumbnail_url" in received) is gets_thumbnail


def test_fan_out_keeps_unbound_metadata_and_standard_fields() -> None:
    # Only the gated field is withheld; the artifact's other metadata and its
    # standard fields still reach the plugin.
    nodes = [
        DagNode(slug="lookup", plugin="library_lookup"),
        DagNode(
            slug="create",
            plugin="create_record",
            depends_on=["lookup"],
            bindings={
                "thumbnail_url": NodeSource(
                    node="lookup", key="thumbnail_url", when="{lookup.existing_id | not}"
                ),
                "file_name": ConfigSource(value="ignored", when="{lookup.existing_id | not}"),
            },
        ),
    ]
    found = WorkerRun(nodes, {"library_lookup": _lookup("rec-42"), "create_record": _nothing})
    [received] = found.start().drive().inputs_of("create")
    assert "thumbnail_url" not in received
    assert received["existing_id"] == "rec-42"
    assert received["title"] == "Dune"
    assert received["file_name"] != "ignored"
    assert "file_name" in received


def test_custom_pipes_reach_bindings_and_the_schema() -> None:
    pipes = DEFAULT_PIPES.copy()

    def shout(value: str) -> str:
        return f"{value}!".upper()

    pipes.register("shout", shout)
    bindings: dict[str, BindingSource] = {
        "loud": ExpressionSource(expression="{other.title | shout}"),
        "gated": ConfigSource(value=1, when="{input.lang | shout}"),
    }
    store, nodes = _upstream_store(bindings)
    got = assemble_task_input(store, run_id="run-1", node_index=2, nodes=nodes, pipes=pipes)
    assert (got["loud"], got["gated"]) == ("SOLO!", 1)
    with pytest.raises(BindingError, match="shout"):
        assemble_task_input(store, run_id="run-1", node_index=2, nodes=nodes)
    schema = get_pipeline_input_schema(nodes, lambda _name: None, pipes=pipes)
    assert schema == [InputFieldSpec(name="lang", label="Lang")]


# --- resolve_binding, for callers of the earlier version ------------------------


def _artifacts_by_node() -> dict[int, list[Any]]:
    return {
        0: [
            TaskArtifact(file_path="/a", file_name="a.mp4", metadata={"title": "A", "n": [1]}),
            TaskArtifact(file_path="/b", file_name="b.mp4", metadata={"title": "B"}),
        ],
        1: [TaskArtifact(file_path="/c", file_name="c.json", metadata={"found": ""})],
    }


@pytest.mark.parametrize(
    ("binding", "field", "expected"),
    [
        (NodeSource(node="src", key="title"), "f", ["A", "B"]),
        (NodeSource(node="meta", key="file_name"), "f", "c.json"),
        (NodeSource(node="src", key="absent"), "f", None),
        (ExpressionSource(expression="{src.file_name | join(;)}"), "f", "a.mp4;b.mp4"),
        (ExpressionSource(expression="{config.mode}-{input.lang}"), "f", "fast-en"),
        (RuntimeSource(), "lang", "en"),
        (ConfigSource(value=3, when="{meta.found}"), "f", 3),
        (ConfigSource(value=3, when="{meta.found | not}"), "f", 3),
        (ConfigSource(value=3, when="{meta.found | required}"), "f", 3),
        (NodeSource(node="ghost", key="k"), "f", None),
        (ExpressionSource(expression="{ghost.k | default(none)}"), "f", "none"),
    ],
    ids=[
        "several-values",
        "one-value",
        "nothing",
        "expression",
        "input-and-config",
        "runtime-by-field-name",
        "when-false-is-ignored",
        "when-true",
        "when-failing-is-not-evaluated",
        "unknown-node-reads-as-missing",
        "unknown-node-in-expression",
    ],
)
def test_resolve_binding(binding: BindingSource, field: str, expected: Any) -> None:
    got = resolve_binding(
        binding,
        _artifacts_by_node(),
        {"src": 0, "meta": 1},
        {"lang": "en"},
        {"mode": "fast"},
        field=field,
    )
    assert got == expected


def test_resolve_binding_copies_and_errors() -> None:
    artifacts = _artifacts_by_node()
    value = resolve_binding(NodeSource(node="src", key="n"), artifacts, {"src": 0}, None)
    value.append(2)
    assert artifacts[0][0].metadata["n"] == [1]
    with pytest.raises(BindingError) as named:
        resolve_binding(RuntimeSource(key="token", required=True), {}, {}, {}, node="n", field="t")
    assert str(named.value) == "node 'n', field 't': required run input 'token' is missing"
