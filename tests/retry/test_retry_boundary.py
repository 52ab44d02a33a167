"""compute_retry_boundary: which nodes a retry re-dispatches and which it wipes."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagabaaz.errors import DagabaazWarning, RetryError
from dagabaaz.retry import RetryBoundary, compute_retry_boundary

# source -> a, b -> merge -> export
SCATTER = [[], [0], [0], [1, 2], [3]]


@pytest.mark.parametrize(
    ("deps", "launched", "failing", "failed", "downstream"),
    [
        (SCATTER, {0, 1, 2}, set(), set(), set()),
        (SCATTER, {0, 1, 2}, {1}, {1}, set()),
        (SCATTER, {0, 1, 2, 3}, {1}, {1}, {3}),
        (SCATTER, {0, 1, 2, 3, 4}, {1}, {1}, {3, 4}),
        (SCATTER, {0, 1, 2, 3}, {1, 3}, {1}, {3}),
        (SCATTER, {0, 1, 2}, {1, 2}, {1, 2}, set()),
        (SCATTER, {0}, {0}, {0}, set()),
        (SCATTER, {0, 1, 2, 3, 4}, {0}, {0}, {1, 2, 3, 4}),
        # b never launched: nothing of it to wipe.
        (SCATTER, {0, 1, 3}, {1}, {1}, {3}),
        (None, {0, 1, 2, 3}, {1}, {1}, {2, 3}),
        (None, {0, 1, 2}, {1, 2}, {1, 2}, set()),
        (None, {0, 1, 2}, set(), set(), set()),
    ],
    ids=[
        "nothing-failed",
        "one-branch-failed",
        "launched-merge-is-downstream",
        "whole-tail-downstream",
        "failing-descendant-is-downstream",
        "two-independent-failures",
        "root-failed",
        "root-failed-everything-downstream",
        "unlaunched-branch-untouched",
        "no-deps-uses-node-order",
        "no-deps-two-failures",
        "no-deps-nothing-failed",
    ],
)
# The no-deps cases warn that node order was guessed; test_guess_warns checks that.
@pytest.mark.filterwarnings("ignore::dagabaaz.errors.DagabaazWarning")
def test_boundary(
    deps: Sequence[Sequence[int]] | None,
    launched: set[int],
    failing: set[int],
    failed: set[int],
    downstream: set[int],
) -> None:
    boundary = compute_retry_boundary(
        launched, launched, 5, failing.__contains__, dependencies=deps
    )
    assert boundary == RetryBoundary(failed=frozenset(failed), downstream=frozenset(downstream))


@pytest.mark.parametrize(
    ("completed", "launched", "failing", "downstream", "warning"),
    [
        # The reviewer's case: b (2) is a completed sibling of the failed a (1).
        (
            {0, 1, 2},
            {0, 1, 2},
            {1},
            {2},
            "compute_retry_boundary without dependencies guesses the graph from node order: "
            "node 2 comes after failing node 1, and whether they depend on it is unknown "
            "(a completed independent branch would be wiped and run again); pass "
            "dependencies= or use plan_retry for an exact boundary",
        ),
        (
            set(),
            {0, 1, 2, 3},
            {1, 3},
            {2},
            "compute_retry_boundary without dependencies guesses the graph from node order: "
            "nodes 2, 3 come after failing node 1, and whether they depend on it is unknown "
            "(a completed independent branch would be wiped and run again); pass "
            "dependencies= or use plan_retry for an exact boundary",
        ),
        ({0}, {0, 1}, {1}, set(), None),
        ({0}, {0, 1, 2}, set(), set(), None),
        (set(), {0}, {0}, set(), None),
    ],
    ids=["sibling-after-failure", "two-failures", "last-launched-failed", "nothing-failed", "root"],
)
def test_guess_warns_only_when_the_graph_could_change_the_answer(
    completed: set[int],
    launched: set[int],
    failing: set[int],
    downstream: set[int],
    warning: str | None,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boundary = compute_retry_boundary(completed, launched, 4, failing.__contains__)
    assert boundary.downstream == downstream
    assert [str(w.message) for w in caught] == ([] if warning is None else [warning])
    assert all(w.category is DagabaazWarning and w.filename == __file__ for w in caught)


def test_dependencies_make_the_boundary_exact_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        boundary = compute_retry_boundary(
            {0, 1, 2}, {0, 1, 2}, 4, lambda index: index == 1, dependencies=[[], [0], [0], [1, 2]]
        )
    assert boundary == RetryBoundary(failed=frozenset({1}), downstream=frozenset())


def test_predicate_is_asked_only_about_launched_nodes() -> None:
    asked: list[int] = []

    def failing(index: int) -> bool:
        asked.append(index)
        return True

    boundary = compute_retry_boundary({0}, {0, 2}, 5, failing, dependencies=SCATTER)
    assert asked == [0, 2]
    assert boundary.failed == {0}
    assert boundary.downstream == {2}


def test_long_chain_does_not_recurse() -> None:
    size = 10_000
    deps: list[list[int]] = [[]] + [[index - 1] for index in range(1, size)]
    everything = set(range(size))
    boundary = compute_retry_boundary(
        everything, everything, size, lambda index: index == 0, dependencies=deps
    )
    assert boundary.failed == {0}
    assert boundary.downstream == frozenset(range(1, size))


@pytest.mark.parametrize(
    ("completed", "launched", "deps", "message"),
    [
        (set(), {0, 7}, SCATTER, "launched_nodes holds 7, not node indices of a 5-node pipeline"),
        (set(), {-1}, SCATTER, "launched_nodes holds -1, not node indices of a 5-node pipeline"),
        (
            set(),
            {True},
            SCATTER,
            "launched_nodes holds True, not node indices of a 5-node pipeline",
        ),
        (
            {"x"},
            {0},
            SCATTER,
            "completed_nodes holds 'x', not node indices of a 5-node pipeline",
        ),
        ({1, 2}, {0}, SCATTER, "completed_nodes [1, 2] are not in launched_nodes"),
        ({0}, {0}, [[], [0]], "dependencies has 2 entries for a 5-node pipeline"),
        (
            {0},
            {0},
            [[], [9], [], [], []],
            "dependencies[1] holds 9, not node indices of a 5-node pipeline",
        ),
    ],
    ids=[
        "index-too-large",
        "negative-index",
        "bool-index",
        "string-index",
        "completed-not-launched",
        "short-dependencies",
        "dependency-out-of-range",
    ],
)
def test_bad_arguments(
    completed: set[object], launched: set[object], deps: list[list[int]], message: str
) -> None:
    with pytest.raises(RetryError) as caught:
        compute_retry_boundary(
            completed,  # type: ignore[arg-type]
            launched,  # type: ignore[arg-type]
            5,
            lambda _index: True,
            dependencies=deps,
        )
    assert str(caught.value) == message


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[list[int]], set[int], set[int]]:
    size = draw(st.integers(min_value=1, max_value=12))
    deps = [
        sorted(draw(st.sets(st.integers(min_value=0, max_value=index - 1), max_size=3)))
        if index
        else []
        for index in range(size)
    ]
    launched = draw(st.sets(st.integers(min_value=0, max_value=size - 1)))
    failing = draw(st.sets(st.sampled_from(sorted(launched)))) if launched else set()
    return deps, launched, failing


def _ancestors(index: int, deps: list[list[int]]) -> set[int]:
    found: set[int] = set()
    stack = list(deps[index])
    while stack:
        parent = stack.pop()
        if parent not in found:
            found.add(parent)
            stack.extend(deps[parent])
    return found


@given(dags())
def test_boundary_properties(case: tuple[list[list[int]], set[int], set[int]]) -> None:
    deps, launched, failing = case
    boundary = compute_retry_boundary(
        set(), launched, len(deps), failing.__contains__, dependencies=deps
    )
    assert not boundary.failed & boundary.downstream
    assert boundary.failed <= failing
    assert boundary.downstream <= launched
    for index in boundary.failed:
        assert not _ancestors(index, deps) & failing
    for index in launched:
        below_failure = bool(_ancestors(index, deps) & boundary.failed)
        assert (index in boundary.downstream) == below_failure
    for index in failing - boundary.failed:
        assert index in boundary.downstream
