"""The README-era graph helpers in dagabaaz.graph."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz._pipeline.index import dependency_indices
from dagabaaz.constants import FilterOperator
from dagabaaz.errors import PipelineValidationError
from dagabaaz.graph import (
    assign_slugs,
    bfs_collect,
    build_slug_to_index_map,
    collect_upstream_artifacts_bfs,
    find_ready_nodes,
    find_root_nodes,
    rekey_edge_filters_by_index,
    resolve_dependency_indices,
)
from dagabaaz.memory import InMemoryStore
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, Output


def node(slug: str, *deps: str, plugin: str = "p") -> DagNode:
    return DagNode(slug=slug, plugin=plugin, depends_on=list(deps))


DIAMOND = [node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c", "b")]


def test_slug_map_and_dependency_indices() -> None:
    assert build_slug_to_index_map(DIAMOND) == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert resolve_dependency_indices(DIAMOND) == [[], [0], [0], [1, 2]]
    assert find_root_nodes(DIAMOND) == [0]


def test_slug_resolution_skips_what_it_cannot_resolve() -> None:
    # The README's version's building blocks are permissive; validation is the gate.
    nodes = [node("a"), node(""), node("b", "a", "ghost", "a"), node("a")]
    assert build_slug_to_index_map(nodes) == {"a": 3, "b": 2}
    assert resolve_dependency_indices(nodes) == [[], [], [3], []]


def test_strict_resolution_raises_a_located_error() -> None:
    # What the engine and the worker toolkit use instead.
    with pytest.raises(PipelineValidationError) as caught:
        dependency_indices([node("a", "ghost")])
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == (
        "unknown-dependency",
        "node 'a' depends on 'ghost', which is not a node",
    )
    assert diagnostic.path == ("nodes", 0)


@pytest.mark.parametrize(
    ("deps", "completed", "launched", "ready"),
    [
        ({0: [], 1: [0], 2: [0], 3: [1, 2]}, set(), set(), [0]),
        ({0: [], 1: [0], 2: [0], 3: [1, 2]}, {0}, {0}, [1, 2]),
        ({0: [], 1: [0], 2: [0], 3: [1, 2]}, {0, 1}, {0, 1, 2}, []),
        ([[], [0], [0], [1, 2]], {0, 1, 2}, {0, 1, 2}, [3]),
    ],
    ids=["roots", "after-root", "waiting-on-a-dependency", "list-form"],
)
def test_find_ready_nodes(
    deps: dict[int, list[int]] | list[list[int]],
    completed: set[int],
    launched: set[int],
    ready: list[int],
) -> None:
    assert find_ready_nodes(deps, completed, launched) == ready


@given(st.data())
def test_find_ready_nodes_matches_its_definition(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 12))
    deps = [
        data.draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set() for i in range(size)
    ]
    completed = data.draw(st.sets(st.integers(0, size - 1)))
    launched = data.draw(st.sets(st.integers(0, size - 1)))
    expected = [
        i for i in range(size) if i not in launched and all(d in completed for d in deps[i])
    ]
    assert find_ready_nodes(deps, completed, launched) == expected


def test_assign_slugs_fills_empty_slugs_in_place() -> None:
    nodes = [
        DagNode(plugin="fetch"),
        DagNode(slug="fetch_2", plugin="x"),
        DagNode(plugin="fetch"),
        DagNode(plugin="fetch-url"),
        DagNode(slug="keep", plugin="fetch"),
    ]
    first = nodes[0]
    returned = assign_slugs(nodes)
    assert returned is nodes and nodes[0] is first
    assert [n.slug for n in nodes] == ["fetch_1", "fetch_2", "fetch_3", "fetch-url_1", "keep"]
    assign_slugs(nodes)  # idempotent
    assert [n.slug for n in nodes] == ["fetch_1", "fetch_2", "fetch_3", "fetch-url_1", "keep"]


def test_rekey_edge_filters_by_index_drops_unknown_slugs() -> None:
    videos = EdgeFilter(
        rules=[FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")]
    )
    target = DagNode(slug="c", plugin="p", depends_on=["a", "b"], edge_filters={"b": videos})
    assert rekey_edge_filters_by_index(target, {"a": 0, "b": 1, "c": 2}) == {1: videos}
    assert rekey_edge_filters_by_index(target, {"a": 0}) == {}


# --- the upstream walk ----------------------------------------------------------


def fetch_from(produced: dict[int, list[str]]) -> tuple[list[int], object]:
    calls: list[int] = []

    def fetch(run_id: str, indices: Sequence[int]) -> list[str]:
        assert run_id == "r"
        calls.extend(indices)
        return [name for i in indices for name in produced.get(i, [])]

    return calls, fetch


@pytest.mark.parametrize(
    ("produced", "passthrough", "start", "expected"),
    [
        ({0: ["x"]}, None, [0], ["x"]),
        ({0: ["x"]}, {1}, [1], ["x"]),
        ({0: ["x"]}, None, [1], []),
        ({0: ["x"], 1: ["y"]}, {1}, [1], ["y"]),
        ({0: ["x"]}, {1, 2}, [3], []),
        ({0: ["x"]}, {1, 2, 3}, [3], ["x"]),
    ],
    ids=[
        "direct",
        "past-an-empty-routing-node",
        "an-empty-processing-node-stops",
        "a-routing-node-with-output-stops",
        "processing-node-3-stops",
        "through-a-diamond-once",
    ],
)
def test_bfs_collect(
    produced: dict[int, list[str]],
    passthrough: set[int] | None,
    start: list[int],
    expected: list[str],
) -> None:
    # 0 -> 1 -> 3 and 0 -> 2 -> 3 (a diamond)
    adjacency = {0: [], 1: [0], 2: [0], 3: [1, 2]}
    calls, fetch = fetch_from(produced)
    assert bfs_collect(fetch, "r", start, adjacency, passthrough) == expected  # type: ignore[arg-type]
    assert len(calls) == len(set(calls))  # each node is fetched at most once


def test_bfs_collect_walks_a_long_chain_without_recursion() -> None:
    size = 5000
    adjacency = [[i - 1] if i else [] for i in range(size)]
    _, fetch = fetch_from({0: ["root.txt"]})
    found = bfs_collect(fetch, "r", [size - 1], adjacency, set(range(1, size)))  # type: ignore[arg-type]
    assert found == ["root.txt"]


def test_collect_upstream_artifacts_reads_the_store() -> None:
    store = InMemoryStore()
    store.create_run("r", [node("a"), node("route", "a"), node("b", "route")])
    task_id = store.dispatch_task("r", 0, "p", None)
    store.complete_task(task_id, [Output(file_name="1.mp4")])
    found = collect_upstream_artifacts_bfs(store, "r", [1], [[], [0], [1]], {1})
    assert [a.file_name for a in found] == ["1.mp4"]


@pytest.mark.parametrize(("max_depth", "expected"), [(None, ["x"]), (4, ["x"]), (3, []), (0, [])])
def test_bfs_collect_depth_guard(max_depth: int | None, expected: list[str]) -> None:
    # 3 -> 2 -> 1 -> 0, all routing: "x" is 3 steps past the start.
    adjacency = [[], [0], [1], [2]]
    _, fetch = fetch_from({0: ["x"]})
    found = bfs_collect(fetch, "r", [3], adjacency, {1, 2, 3}, max_depth=max_depth)  # type: ignore[arg-type]
    assert found == expected


@pytest.mark.parametrize(("max_depth", "error"), [(-1, ValueError), (True, TypeError)])
def test_bfs_collect_refuses_a_bad_depth(max_depth: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        bfs_collect(lambda run_id, indices: [], "r", [0], [[]], max_depth=max_depth)
