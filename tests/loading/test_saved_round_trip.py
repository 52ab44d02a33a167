"""Issue 17, point 12: a saved pipeline loads back the same, however it was dumped.

A pipeline editor saves what pydantic gives it; some trim defaults
(``exclude_defaults=True``), some keep only what was set
(``exclude_unset=True``). Each binding's ``source`` tells the four kinds
apart when the pipeline is loaded, so it must survive every such dump.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.constants import ArtifactSelector, FanMode, FilterOperator
from dagabaaz.loading import parse_pipeline
from dagabaaz.models import (
    ConfigSource,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    NodeSource,
    Pipeline,
    RuntimeSource,
)

NAMES = st.sampled_from(["a", "b", "source", "title", "lang", "file_type", "x-y"])
TEXTS = st.text(alphabet="abc {}.|", max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=6,
)
WHEN = st.none() | st.sampled_from(["{a.flag}", "{input.go | not}"])


def _built(cls: type, **fields: Any) -> Any:
    """Build ``cls`` giving only the fields drawn (the others stay unset)."""
    return cls(**{name: value for name, value in fields.items() if value is not _UNSET})


_UNSET = object()


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(_UNSET) | strategy


BINDINGS = st.one_of(
    st.builds(
        lambda node, key, when, source: _built(
            NodeSource, node=node, key=key, when=when, source=source
        ),
        NAMES,
        NAMES,
        _maybe(WHEN),
        _maybe(st.just("previous_node")),
    ),
    st.builds(
        lambda value, when, source: _built(ConfigSource, value=value, when=when, source=source),
        _maybe(JSON_VALUES),
        _maybe(WHEN),
        _maybe(st.just("config")),
    ),
    st.builds(
        lambda key, label, required, default, when: _built(
            RuntimeSource, key=key, label=label, required=required, default=default, when=when
        ),
        _maybe(NAMES | st.just("")),
        _maybe(TEXTS),
        _maybe(st.booleans()),
        _maybe(JSON_VALUES),
        _maybe(WHEN),
    ),
    st.builds(
        lambda expression, when: _built(ExpressionSource, expression=expression, when=when),
        st.sampled_from(["{a.title | upper}", "x {input.n}", ""]),
        _maybe(WHEN),
    ),
)

RULES = st.builds(
    FilterRule,
    field=NAMES,
    operator=st.sampled_from(list(FilterOperator)),
    value=JSON_VALUES,
)
EDGE_FILTERS = st.builds(
    lambda rules, select: _built(EdgeFilter, rules=rules, select=select),
    _maybe(st.lists(RULES, max_size=2)),
    _maybe(st.none() | st.sampled_from(list(ArtifactSelector))),
)
NODES = st.builds(
    lambda slug, plugin, name, depends_on, edge_filters, bindings, fan_mode: _built(
        DagNode,
        slug=slug,
        plugin=plugin,
        name=name,
        depends_on=depends_on,
        edge_filters=edge_filters,
        bindings=bindings,
        fan_mode=fan_mode,
    ),
    _maybe(NAMES | st.just("")),
    NAMES,
    _maybe(st.none() | TEXTS),
    _maybe(st.lists(NAMES, max_size=2)),
    _maybe(st.dictionaries(NAMES, EDGE_FILTERS, max_size=2)),
    _maybe(st.dictionaries(NAMES, BINDINGS, max_size=4)),
    _maybe(st.sampled_from(list(FanMode))),
)
PIPELINES = st.builds(
    lambda nodes, default_input: _built(Pipeline, nodes=nodes, default_input=default_input),
    st.lists(NODES, max_size=4),
    _maybe(st.dictionaries(NAMES, JSON_VALUES, max_size=2)),
)

DUMPS = [
    {},
    {"exclude_defaults": True},
    {"exclude_unset": True},
    {"exclude_none": True},
    {"exclude_defaults": True, "exclude_unset": True, "exclude_none": True},
]
DUMP_IDS = ["plain", "exclude_defaults", "exclude_unset", "exclude_none", "all three"]


@pytest.mark.parametrize("options", DUMPS, ids=DUMP_IDS)
@given(pipeline=PIPELINES)
def test_a_dumped_pipeline_loads_back_the_same(
    pipeline: Pipeline, options: dict[str, bool]
) -> None:
    as_python = pipeline.model_dump(**options)
    assert Pipeline.model_validate(as_python) == pipeline
    as_json = pipeline.model_dump_json(**options)
    assert Pipeline.model_validate_json(as_json) == pipeline
    # And as an editor would save it, as a pipeline file.
    assert parse_pipeline(as_json, syntax="json") == pipeline


@pytest.mark.parametrize("options", DUMPS, ids=DUMP_IDS)
@given(node=NODES)
def test_every_binding_keeps_its_source(node: DagNode, options: dict[str, bool]) -> None:
    dumped = node.model_dump(mode="json", **options)
    for field, binding in node.bindings.items():
        assert dumped["bindings"][field]["source"] == binding.source
    assert DagNode.model_validate(json.loads(json.dumps(dumped))) == node


def test_the_readme_binding_survives_exclude_defaults() -> None:
    node = DagNode(
        slug="create",
        plugin="create_record",
        depends_on=["lookup"],
        bindings={"title": NodeSource(node="lookup", key="title")},
    )
    saved = node.model_dump(exclude_defaults=True)
    assert saved["bindings"] == {
        "title": {"source": "previous_node", "node": "lookup", "key": "title"}
    }
    assert DagNode.model_validate(saved) == node


def test_source_excluded_by_name_stays_out() -> None:
    binding = ConfigSource(value=1)
    assert binding.model_dump(exclude={"source"}) == {"value": 1, "when": None}
