"""Properties of the worker side over generated data."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.constants import FanMode
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, NodeSource, Output
from dagabaaz.schema import InputFieldSpec, merge_run_input
from dagabaaz.task_input import assemble_task_input, build_task_input

STANDARD = ("file_path", "file_name", "file_size", "mime_type")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(["title", "tags", "file_path", "file_name", "file_size", "mime_type", "x"])
metadata = st.dictionaries(keys, json_values, max_size=6)


def _one_artifact_run(meta: dict[str, Any]) -> tuple[InMemoryStore, list[DagNode], str]:
    nodes = [
        DagNode(slug="source", plugin="p"),
        DagNode(
            slug="sink",
            plugin="p",
            depends_on=["source"],
            bindings={"bound": NodeSource(node="source", key="tags")},
        ),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    task = store.dispatch_task("run-1", 0, "p", None)
    output = Output(file_name="f.bin", file_path="/f.bin", file_size=3, metadata=meta)
    store.complete_task(task, [output])
    return store, nodes, store.get_artifacts_by_node_indices("run-1", [0])[0].id


@given(metadata)
def test_fan_out_input_is_metadata_under_standard_fields(meta: dict[str, Any]) -> None:
    store, nodes, artifact_id = _one_artifact_run(meta)
    got = build_task_input(
        store, run_id="run-1", node_index=1, input_artifact_id=artifact_id, nodes=nodes
    )
    assert {k: got[k] for k in STANDARD} == {
        "file_path": "/f.bin",
        "file_name": "f.bin",
        "file_size": 3,
        "mime_type": None,
    }
    assert {k: v for k, v in got.items() if k not in STANDARD} == {
        k: v for k, v in meta.items() if k not in STANDARD
    }


@given(metadata)
def test_mutating_an_assembled_input_never_changes_the_store(meta: dict[str, Any]) -> None:
    store, nodes, artifact_id = _one_artifact_run(meta)
    before = store.get_artifact_data(artifact_id)
    got = assemble_task_input(
        store, run_id="run-1", node_index=1, nodes=nodes, input_artifact_id=artifact_id
    )
    _vandalise(got)
    assert store.get_artifact_data(artifact_id) == before


def _vandalise(value: Any) -> None:
    if isinstance(value, dict):
        for key in list(value):
            _vandalise(value[key])
            value[key] = "vandalised"
        value["added"] = True
    elif isinstance(value, list):
        for item in value:
            _vandalise(item)
        value.append("vandalised")


values = st.sampled_from([None, "", 0, False, "x", "y", [1]])
layer = st.dictionaries(st.sampled_from(["a", "b", "c"]), values, max_size=3)


@given(st.dictionaries(st.sampled_from(["a", "b"]), values), layer, layer)
def test_merge_keeps_the_last_non_empty_value(
    field_defaults: dict[str, Any], pipeline: dict[str, Any], user: dict[str, Any]
) -> None:
    fields = [InputFieldSpec(name=name, default=value) for name, value in field_defaults.items()]
    snapshot = copy.deepcopy((pipeline, user))
    merged = merge_run_input(fields, pipeline, user)
    assert (pipeline, user) == snapshot

    def empty(value: Any) -> bool:
        return value is None or value == ""

    for key in {*field_defaults, *pipeline, *user}:
        stack = [
            layer[key]
            for layer in (
                {k: v for k, v in field_defaults.items() if not empty(v)},
                pipeline,
                user,
            )
            if key in layer
        ]
        given_values = [v for v in stack if not empty(v)]
        if given_values:
            assert merged[key] == given_values[-1]
        elif stack:
            assert merged[key] == stack[0]
        else:
            assert key not in merged


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=3)), max_size=5))
def test_node_field_is_one_value_a_list_or_unset(per_artifact: list[Any]) -> None:
    nodes = [
        DagNode(slug="source", plugin="p"),
        DagNode(
            slug="sink",
            plugin="p",
            depends_on=["source"],
            fan_mode=FanMode.AGGREGATE,
            bindings={"v": NodeSource(node="source", key="k")},
        ),
    ]
    store = InMemoryStore()
    store.create_run("run-1", nodes)
    task = store.dispatch_task("run-1", 0, "p", None)
    store.complete_task(
        task, [Output(file_name=f"{i}.bin", metadata={"k": v}) for i, v in enumerate(per_artifact)]
    )
    got = assemble_task_input(store, run_id="run-1", node_index=1, nodes=nodes)
    present = [v for v in per_artifact if v is not None]
    if not present:
        assert "v" not in got
    elif len(present) == 1:
        assert got["v"] == present[0]
    else:
        assert got["v"] == present
