"""The one topological pass over the dependency graph, and its cycles when it has some.

Iterative throughout, so deep chains cannot overflow the stack.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CycleGroup", "find_cycles", "topological_order"]


@dataclass(frozen=True, slots=True)
class CycleGroup:
    """Cycles found in one strongly connected group of vertices.

    Attributes:
        cycles: Each cycle as the vertices along its edges, the start not
            repeated at the end. A cycle starts at the lowest vertex of the
            group that no earlier cycle passes through.
        uncovered: Vertices of the group on no reported cycle, because the
            group had more cycles than the limit.
    """

    cycles: tuple[tuple[int, ...], ...]
    uncovered: tuple[int, ...]


def find_cycles(successors: Sequence[Sequence[int]], *, per_group: int = 10) -> list[CycleGroup]:
    """Return the cycles of a directed graph, grouped by strongly connected component.

    ``successors[v]`` lists the vertices reachable from ``v`` in one step;
    self-loops are expected to be left out by the caller. In each group the
    lowest vertex not yet on a reported cycle starts the next one (the
    shortest way back to it), until every vertex is covered or ``per_group``
    cycles are reported, so every vertex of a group lies on a reported
    cycle or is listed as uncovered. Groups come sorted by lowest vertex.
    Time is linear in the graph size times ``per_group``.
    """
    if len(topological_order(successors)) == len(successors):
        return []  # the usual case, answered by a cheaper pass than Tarjan's
    groups = []
    for component in _strongly_connected(successors):
        if len(component) > 1:
            groups.append(_cover(sorted(component), successors, per_group))
    groups.sort(key=lambda group: group.cycles[0][0])
    return groups


def topological_order(successors: Sequence[Sequence[int]]) -> list[int]:
    """Return the vertices in an order where each comes after every vertex leading to it.

    Kahn's algorithm, breadth first from the vertices nothing leads to, in
    index order. A vertex on a cycle, or after one, is never ready: the
    order then holds fewer vertices than the graph, which is how a cycle is
    told (:func:`find_cycles` says which).
    """
    waiting = [0] * len(successors)
    for edges in successors:
        for target in edges:
            waiting[target] += 1
    ready = deque(vertex for vertex, count in enumerate(waiting) if count == 0)
    order: list[int] = []
    while ready:
        vertex = ready.popleft()
        order.append(vertex)
        for target in successors[vertex]:
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return order


def _cover(members: list[int], successors: Sequence[Sequence[int]], per_group: int) -> CycleGroup:
    member_set = set(members)
    covered: set[int] = set()
    cycles: list[tuple[int, ...]] = []
    for vertex in members:
        if vertex in covered:
            continue
        if len(cycles) == per_group:
            break
        cycle = _shortest_cycle(vertex, member_set, successors)
        cycles.append(tuple(cycle))
        covered.update(cycle)
    uncovered = tuple(vertex for vertex in members if vertex not in covered)
    return CycleGroup(tuple(cycles), uncovered)


def _strongly_connected(successors: Sequence[Sequence[int]]) -> list[list[int]]:
    """Tarjan's algorithm with an explicit stack of (vertex, next edge position)."""
    count = len(successors)
    index_of = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(count):
        if index_of[root] != -1:
            continue
        work = [(root, 0)]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            vertex, position = work[-1]
            edges = successors[vertex]
            if position < len(edges):
                work[-1] = (vertex, position + 1)
                nxt = edges[position]
                if index_of[nxt] == -1:
                    index_of[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[vertex] = min(low[vertex], index_of[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[vertex])
            if low[vertex] == index_of[vertex]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == vertex:
                        break
                components.append(component)
    return components


def _shortest_cycle(
    start: int, members: set[int], successors: Sequence[Sequence[int]]
) -> list[int]:
    """Breadth-first search inside one component for the shortest way back to ``start``."""
    came_from: dict[int, int] = {start: start}
    queue = deque([start])
    while queue:
        vertex = queue.popleft()
        for nxt in successors[vertex]:
            if nxt == start:
                return _walk_back(vertex, came_from)
            if nxt in members and nxt not in came_from:
                came_from[nxt] = vertex
                queue.append(nxt)
    raise AssertionError("a strongly connected component always has a cycle")  # pragma: no cover


def _walk_back(last: int, came_from: dict[int, int]) -> list[int]:
    path = [last]
    while came_from[path[-1]] != path[-1]:
        path.append(came_from[path[-1]])
    path.reverse()
    return path
