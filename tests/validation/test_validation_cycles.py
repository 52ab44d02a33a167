"""Cycle reporting: named in order, once per cycle, iterative on deep graphs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz._pipeline.cycles import find_cycles
from dagabaaz.models import DagNode
from dagabaaz.validation import validate_pipeline


def n(slug: str, *deps: str) -> DagNode:
    return DagNode(slug=slug, plugin="p", depends_on=list(deps))


def cycle_messages(nodes: list[DagNode]) -> list[str]:
    return [d.message for d in validate_pipeline(nodes) if d.code == "dependency-cycle"]


CASES: list[tuple[str, list[DagNode], list[str]]] = [
    (
        "three-cycle-in-flow-order",
        # c waits for b, b for a, a for c: data flows a -> b -> c -> a
        [n("root"), n("a", "root", "c"), n("b", "a"), n("c", "b")],
        ["dependency cycle: a -> b -> c -> a"],
    ),
    (
        "two-disjoint-cycles",
        [n("root"), n("a", "b"), n("b", "a"), n("x", "y", "root"), n("y", "x")],
        ["dependency cycle: a -> b -> a", "dependency cycle: x -> y -> x"],
    ),
    (
        "two-cycles-sharing-a-node",
        [n("root"), n("h", "root", "l1", "l2"), n("l1", "h"), n("l2", "h")],
        ["dependency cycle: h -> l1 -> h", "dependency cycle: l2 -> h -> l2"],
    ),
    (
        "self-dependency-is-not-a-cycle",
        [n("root"), n("a", "a", "root")],
        [],
    ),
    (
        "downstream-of-cycle-not-reported",
        [n("root"), n("a", "root", "b"), n("b", "a"), n("after", "b")],
        ["dependency cycle: a -> b -> a"],
    ),
]


@pytest.mark.parametrize(("nodes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cycle_messages(nodes: list[DagNode], expected: list[str]) -> None:
    assert cycle_messages(nodes) == expected


def test_cycle_is_located_at_its_first_node() -> None:
    nodes = [n("root"), n("x", "root"), n("b", "c"), n("c", "b")]
    (found,) = [d for d in validate_pipeline(nodes) if d.code == "dependency-cycle"]
    assert (found.node, found.field, found.path) == ("b", "depends_on", ("nodes", 2, "depends_on"))
    assert found.hint == "each node waits for the one before it; remove one of these dependencies"


def test_large_entangled_group_reports_ten_cycles_then_lists_the_rest() -> None:
    leaves = [f"l{i:02d}" for i in range(15)]
    nodes = [n("root"), n("hub", "root", *leaves), *(n(leaf, "hub") for leaf in leaves)]
    messages = cycle_messages(nodes)
    assert len(messages) == 10
    assert messages[0] == "dependency cycle: hub -> l00 -> hub"
    assert messages[-1] == (
        "dependency cycle: l09 -> hub -> l09"
        " (also in cycles with these nodes: 'l10', 'l11', 'l12', 'l13', 'l14')"
    )


def test_uncovered_list_is_shortened() -> None:
    leaves = [f"l{i:02d}" for i in range(30)]
    nodes = [n("root"), n("hub", "root", *leaves), *(n(leaf, "hub") for leaf in leaves)]
    assert cycle_messages(nodes)[-1].endswith("'l18', 'l19' and 10 more)")


def test_ten_thousand_node_chain_without_recursion_error() -> None:
    size = 10_000
    chain = [n("s0")] + [n(f"s{i}", f"s{i - 1}") for i in range(1, size)]
    assert validate_pipeline(chain) == []
    looped = [n("root"), n("s0", "root", f"s{size - 1}"), *chain[1:]]
    (message,) = cycle_messages(looped)
    assert message.startswith("dependency cycle: s0 -> s1 -> s2")
    assert message.endswith(f"s{size - 1} -> s0")


@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda size: st.lists(
            st.lists(st.integers(0, size - 1), max_size=4), min_size=size, max_size=size
        )
    )
)
def test_find_cycles_covers_exactly_the_vertices_on_cycles(edges: list[list[int]]) -> None:
    successors = [[t for t in targets if t != v] for v, targets in enumerate(edges)]
    groups = find_cycles(successors, per_group=1000)
    on_cycle = {v for v in range(len(successors)) if _reaches(successors, v, v)}
    reported: set[int] = set()
    for group in groups:
        assert group.uncovered == ()
        for cycle in group.cycles:
            assert cycle[0] not in reported
            assert len(set(cycle)) == len(cycle)
            for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
                assert there in successors[here]
            reported.update(cycle)
    assert reported == on_cycle


def _reaches(successors: list[list[int]], start: int, goal: int) -> bool:
    seen: set[int] = set()
    todo = list(successors[start])
    while todo:
        vertex = todo.pop()
        if vertex == goal:
            return True
        if vertex not in seen:
            seen.add(vertex)
            todo.extend(successors[vertex])
    return False
