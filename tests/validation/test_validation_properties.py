"""Properties of validate_pipeline over generated pipelines."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.constants import FanMode, FilterOperator
from dagabaaz.diagnostics import has_errors
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, NodeSource
from dagabaaz.validation import PIPELINE_CODES, validate_pipeline

SLUGS = ["a", "b", "c", "d", "e", ""]
json_values: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)
rules = st.builds(
    FilterRule,
    field=st.sampled_from(["file_type", "extension", "lang", ""]),
    operator=st.sampled_from(list(FilterOperator)),
    value=json_values,
)
nodes = st.builds(
    DagNode,
    slug=st.sampled_from(SLUGS),
    plugin=st.sampled_from(["p", "q", ""]),
    depends_on=st.lists(st.sampled_from(SLUGS), max_size=3),
    edge_filters=st.dictionaries(
        st.sampled_from(SLUGS), st.builds(EdgeFilter, rules=st.lists(rules, max_size=2))
    ),
    bindings=st.dictionaries(
        st.sampled_from(["x", "y", ""]),
        st.builds(NodeSource, node=st.sampled_from(SLUGS), key=st.sampled_from(["k", ""])),
        max_size=2,
    ),
    fan_mode=st.sampled_from(list(FanMode)),
)


@given(st.lists(nodes, max_size=7), st.none() | st.just(frozenset({"p"})))
def test_any_pipeline_gets_located_diagnostics_and_no_exception(
    pipeline: list[DagNode], plugins: frozenset[str] | None
) -> None:
    for diagnostic in validate_pipeline(pipeline, plugins=plugins):
        assert diagnostic.code in PIPELINE_CODES
        assert diagnostic.severity == PIPELINE_CODES[diagnostic.code].severity
        assert diagnostic.path[0] == "nodes"
        if len(diagnostic.path) > 1:
            index = diagnostic.path[1]
            assert isinstance(index, int)
            assert diagnostic.node == pipeline[index].slug


@st.composite
def dags(draw: st.DrawFn) -> list[DagNode]:
    size = draw(st.integers(min_value=1, max_value=12))
    built = []
    for index in range(size):
        earlier = [f"n{j}" for j in range(index)]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []
        bindings = {f"f{dep}": NodeSource(node=dep, key="k") for dep in deps}
        built.append(DagNode(slug=f"n{index}", plugin="p", depends_on=deps, bindings=bindings))
    return built


@given(dags())
def test_generated_dags_are_valid(pipeline: list[DagNode]) -> None:
    assert not has_errors(validate_pipeline(pipeline))


@given(dags(), st.data())
def test_a_back_edge_is_reported_as_one_cycle(pipeline: list[DagNode], data: st.DataObject) -> None:
    reachable = _descendants(pipeline)
    candidates = [(i, j) for i in range(len(pipeline)) for j in reachable[i]]
    if not candidates:
        return
    upstream, downstream = data.draw(st.sampled_from(candidates))
    # upstream now waits for one of its own descendants.
    node = pipeline[upstream]
    looped = node.model_copy(update={"depends_on": [*node.depends_on, f"n{downstream}"]})
    pipeline = [*pipeline[:upstream], looped, *pipeline[upstream + 1 :]]
    cycles = [d for d in validate_pipeline(pipeline) if d.code == "dependency-cycle"]
    assert len(cycles) >= 1
    assert all(d.message.startswith("dependency cycle: ") for d in cycles)
    named = {slug for d in cycles for slug in re.findall(r"\bn\d+\b", d.message)}
    assert {f"n{upstream}", f"n{downstream}"} <= named


def _descendants(pipeline: list[DagNode]) -> list[set[int]]:
    children: list[list[int]] = [[] for _ in pipeline]
    for index, node in enumerate(pipeline):
        for dep in node.depends_on:
            children[int(dep[1:])].append(index)
    result: list[set[int]] = []
    for start in range(len(pipeline)):
        seen: set[int] = set()
        todo = list(children[start])
        while todo:
            vertex = todo.pop()
            if vertex not in seen:
                seen.add(vertex)
                todo.extend(children[vertex])
        result.append(seen)
    return result
