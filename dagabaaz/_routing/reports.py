"""What a launch's edges did, noted while :func:`.tasks.plan_tasks` decides, for the node's reason.

Planning reads each edge once; :class:`EdgeNotes` rides along and turns what
each edge collected and delivered into an :class:`~dagabaaz.models.EdgeReport`.
An edge without a filter costs a few counts; an edge with rules is tallied
rule by rule (:func:`dagabaaz.filter.tally_rules`, the filter's own
comparison, in place of the plain rule pass), so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from dagabaaz._routing.edges import RoutedArtifact, RoutingGraph, select_delivered
from dagabaaz.constants import REASON_SAMPLE_SIZE
from dagabaaz.filter import tally_rules
from dagabaaz.models import EdgeFilter, EdgeReport, RuleReport, SkipCause

__all__ = ["EdgeNotes"]

A = TypeVar("A", bound=RoutedArtifact)

_EDGE = EdgeReport.__pydantic_validator__.validate_python


class EdgeNotes:
    """Collects, edge by edge, what one node's launch saw.

    Attributes:
        edges: One report per edge looked at, in the node's dependency order
            (planning stops at a dead dependency, so later edges are missing).
        dead: The dependency that skips the node, or None.
        cause: Why it does.
        broadcast: Delivered artifacts without an origin (GROUPED nodes).
        delivered: Artifacts the edges delivered, summed over the edges.
        walked: Per dependency, the routing nodes its collection walked past
            (nearest first); the collector fills it.
    """

    __slots__ = ("_graph", "broadcast", "cause", "dead", "delivered", "edges", "walked")

    def __init__(self, graph: RoutingGraph) -> None:
        self._graph = graph
        self.walked: dict[int, list[int]] = {}
        self.edges: list[EdgeReport] = []
        self.dead: int | None = None
        self.cause: SkipCause | None = None
        self.broadcast = 0
        self.delivered = 0

    def skipped(self, dep: int) -> None:
        """Note that the dependency ``dep`` was skipped: the node is skipped too."""
        self.edges.append(EdgeReport(dependency=self._graph.slugs[dep], dependency_skipped=True))
        self.dead, self.cause = dep, "dependency_skipped"

    def rejected_all(self, dep: int) -> None:
        """Note that the filter on ``dep``'s edge rejected all it collected (AGGREGATE)."""
        self.dead, self.cause = dep, "edge_rejected_all"

    def plain(self, dep: int, found: Sequence[RoutedArtifact], *, grouped: bool = False) -> None:
        """Note an unfiltered edge that delivered all ``found``, with no walk."""
        count = len(found)
        self.delivered += count
        if grouped:
            self.broadcast += sum(1 for a in found if a.origin_artifact_id is None)
        fields: dict[str, object] = {"dependency": self._graph.slugs[dep]}
        if count:
            # A fan-in node meets many of these: built lean, defaults left out,
            # and no sample of names (the edge kept everything it collected).
            fields["arrived"] = fields["matched"] = fields["delivered"] = count
        self.edges.append(_EDGE(fields))

    def deliver(
        self, dep: int, found: Sequence[A], edge_filter: EdgeFilter | None, *, grouped: bool
    ) -> list[A]:
        """Return what the edge from ``dep`` delivers of ``found``, as ``edges.deliver`` does."""
        if edge_filter is None and dep not in self.walked:
            self.plain(dep, found, grouped=grouped)
            return list(found)
        tally = tally_rules(found, edge_filter)
        selector = None if edge_filter is None else edge_filter.select
        delivered = select_delivered(tally.passed, selector, grouped)
        rules = () if edge_filter is None else edge_filter.rules
        slugs = self._graph.slugs
        self.delivered += len(delivered)
        if grouped:
            self.broadcast += sum(1 for a in delivered if a.origin_artifact_id is None)
        self.edges.append(
            EdgeReport(
                dependency=slugs[dep],
                arrived=len(found),
                walked_past=tuple(slugs[i] for i in self.walked.get(dep, ())),
                rules=tuple(
                    RuleReport(
                        field=rule.field,
                        operator=rule.operator,
                        value=rule.value,
                        rejected=rejected,
                        sample=sample,
                    )
                    for rule, rejected, sample in zip(
                        rules, tally.rejected, tally.samples, strict=True
                    )
                ),
                matched=len(tally.passed),
                select=selector,
                selected=None if selector is None else len(delivered),
                delivered=len(delivered),
                kept_sample=_names(delivered),
            )
        )
        return delivered


def _names(artifacts: Sequence[RoutedArtifact]) -> tuple[str, ...]:
    return tuple(a.file_name for a in artifacts[:REASON_SAMPLE_SIZE])
