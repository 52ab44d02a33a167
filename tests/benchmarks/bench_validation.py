"""Validation and edge-filter throughput, each at a small size and a 25x larger one.

* validate: ``validate_pipeline`` on a pipeline where node i depends on
  nodes i-1 and i//2, reads them through a previous_node binding, an
  expression and a ``when`` clause, and filters one edge with two rules.
  Reported in microseconds per node, beside ``graphlib.TopologicalSorter``
  ordering the same graph as the floor.
* filter: ``filter_artifacts`` with three rules (file type, a numeric-string
  metadata comparison, list membership) and ``select``, reported in
  microseconds per artifact.

Validation must stay linear: the larger size should cost about the same per
node as the smaller one (ratio near 1).

Run from the repository root: ``PYTHONPATH=. python tests/benchmarks/bench_validation.py``
(``--scale 0.05`` for a quick look).
"""

from __future__ import annotations

import argparse
import graphlib
import time
from collections.abc import Callable, Sequence

from dagabaaz.constants import ArtifactSelector, FilterOperator
from dagabaaz.filter import filter_artifacts
from dagabaaz.models import (
    ConfigSource,
    DagArtifact,
    DagNode,
    EdgeFilter,
    ExpressionSource,
    FilterRule,
    NodeSource,
)
from dagabaaz.validation import validate_pipeline

GROWTH = 25
VIDEO_ONLY = FilterRule(field="file_type", operator=FilterOperator.EQ, value="video")


def pipeline(size: int) -> list[DagNode]:
    """Node i depends on i-1 and i//2, with bindings, expressions and an edge filter."""
    nodes = [DagNode(slug="n0", plugin="source")]
    for i in range(1, size):
        previous, half = f"n{i - 1}", f"n{i // 2}"
        depends_on = [previous] if half == previous else [previous, half]
        nodes.append(
            DagNode(
                slug=f"n{i}",
                plugin="step",
                depends_on=depends_on,
                edge_filters={
                    previous: EdgeFilter(
                        rules=[
                            VIDEO_ONLY,
                            FilterRule(field="height", operator=FilterOperator.GTE, value=720),
                        ]
                    )
                },
                bindings={
                    "source": NodeSource(node=previous, key="file_path"),
                    "title": ExpressionSource(expression=f"{{{half}.title | upper}}"),
                    "flag": ConfigSource(value=True, when="{input.enabled}"),
                },
            )
        )
    return nodes


def artifacts(size: int) -> list[DagArtifact]:
    """A mix of videos and subtitles with string and numeric metadata."""
    names = ("movie.mp4", "movie.en.srt", "clip.MKV", "poster.png")
    return [
        DagArtifact(
            id=str(i),
            file_name=names[i % len(names)],
            file_size=i,
            metadata={"height": str(480 + i % 3 * 300), "tags": ["hdr", f"t{i % 7}"]},
        )
        for i in range(size)
    ]


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Return the fastest of ``repeat`` timings of ``work``, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def topological_floor(nodes: Sequence[DagNode]) -> float:
    """Seconds graphlib takes to order the same graph."""
    graph = {node.slug: node.depends_on for node in nodes}
    return best_of(3, lambda: list(graphlib.TopologicalSorter(graph).static_order()))


def measure_validation(size: int) -> tuple[float, float]:
    """Return (us per node for validation, us per node for the graphlib floor)."""
    nodes = pipeline(size)
    found = validate_pipeline(nodes)
    if found:
        raise SystemExit(f"benchmark pipeline is not clean: {found[0].render()}")
    seconds = best_of(3, lambda: validate_pipeline(nodes))
    return seconds / size * 1e6, topological_floor(nodes) / size * 1e6


def measure_filter(size: int) -> float:
    """Return microseconds per artifact for one three-rule edge filter with select."""
    items = artifacts(size)
    edge = EdgeFilter(
        rules=[
            VIDEO_ONLY,
            FilterRule(field="height", operator=FilterOperator.GTE, value=720),
            FilterRule(field="tags", operator=FilterOperator.CONTAINS, value="hdr"),
        ],
        select=ArtifactSelector.LARGEST,
    )
    if not filter_artifacts(items, edge):
        raise SystemExit("benchmark filter kept nothing")
    return best_of(3, lambda: filter_artifacts(items, edge)) / size * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table: case, sizes, cost per item at each size, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    args = parser.parse_args(argv)
    small_nodes = max(4, int(200 * args.scale))
    small_artifacts = max(4, int(1000 * args.scale))
    v_small, floor_small = measure_validation(small_nodes)
    v_large, floor_large = measure_validation(small_nodes * GROWTH)
    f_small = measure_filter(small_artifacts)
    f_large = measure_filter(small_artifacts * GROWTH)
    print(
        "| case | small n | large n | small us/item | large us/item | large/small"
        " | floor us/node (small, large) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    print(
        f"| validate | {small_nodes} | {small_nodes * GROWTH} | {v_small:.1f} | {v_large:.1f}"
        f" | {v_large / v_small:.2f} | {floor_small:.2f}, {floor_large:.2f} |"
    )
    print(
        f"| filter | {small_artifacts} | {small_artifacts * GROWTH} | {f_small:.2f} | {f_large:.2f}"
        f" | {f_large / f_small:.2f} | - |"
    )


if __name__ == "__main__":
    main()
