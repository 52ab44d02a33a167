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

from dagabaaz._routing.edges import RoutedArtifact, RoutingGraph, deliver, select_delivered
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
        walked: Per dependency, the routing nodes its collection walked past
            (nearest first); the collector fills it.
        failure: The error that stopped the notes, if noting an edge raised
            (then the notes are incomplete and explain nothing).

    Args:
        graph: The compiled pipeline.
        distinct: Whether an artifact may reach the node over two edges (a
            dependency is a routing node, whose walk can collect what another
            edge collects too). Then the delivered artifacts are counted by
            identity, once each, as the node's tasks receive them; else the
            edges' counts are summed, which is then the same number.
    """

    __slots__ = (
        "_broadcast",
        "_delivered",
        "_graph",
        "_seen",
        "cause",
        "dead",
        "edges",
        "failure",
        "walked",
    )

    def __init__(self, graph: RoutingGraph, *, distinct: bool = False) -> None:
        self._graph = graph
        self.walked: dict[int, list[int]] = {}
        self.edges: list[EdgeReport] = []
        self.dead: int | None = None
        self.cause: SkipCause | None = None
        self.failure: Exception | None = None
        self._broadcast = 0
        self._delivered = 0
        # Artifact identity -> whether it is broadcast (no origin), when counting distinct.
        self._seen: dict[object, bool] | None = {} if distinct else None

    @property
    def delivered(self) -> int:
        """Distinct artifacts the edges delivered (one delivered over two edges counts once)."""
        return self._delivered if self._seen is None else len(self._seen)

    @property
    def broadcast(self) -> int:
        """Distinct delivered artifacts without an origin, counted at a GROUPED node."""
        return self._broadcast if self._seen is None else sum(self._seen.values())

    def _count(self, delivered: Sequence[RoutedArtifact], grouped: bool) -> None:
        seen = self._seen
        if seen is None:
            self._delivered += len(delivered)
            if grouped:
                self._broadcast += sum(1 for a in delivered if a.origin_artifact_id is None)
            return
        for artifact in delivered:
            seen[_identity(artifact)] = grouped and artifact.origin_artifact_id is None

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
        self._count(found, grouped)
        fields: dict[str, object] = {"dependency": self._graph.slugs[dep]}
        if count:
            # A fan-in node meets many of these: built lean, defaults left out,
            # and no sample of names (the edge kept everything it collected).
            fields["arrived"] = fields["matched"] = fields["delivered"] = count
        self.edges.append(_EDGE(fields))

    def deliver(
        self, dep: int, found: Sequence[A], edge_filter: EdgeFilter | None, *, grouped: bool
    ) -> list[A]:
        """Return what the edge from ``dep`` delivers of ``found``, as ``edges.deliver`` does.

        Should noting it raise (nothing known does: a safety net), the edge
        is delivered as without notes and :attr:`failure` keeps the error:
        a launch never fails for want of an explanation.
        """
        if self.failure is None:
            try:
                return self._noted(dep, found, edge_filter, grouped)
            except Exception as error:
                self.failure = error
        return deliver(found, edge_filter, grouped=grouped)

    def _noted(
        self, dep: int, found: Sequence[A], edge_filter: EdgeFilter | None, grouped: bool
    ) -> list[A]:
        if edge_filter is None and dep not in self.walked:
            self.plain(dep, found, grouped=grouped)
            return list(found)
        tally = tally_rules(found, edge_filter)
        selector = None if edge_filter is None else edge_filter.select
        delivered = select_delivered(tally.passed, selector, grouped)
        rules = () if edge_filter is None else edge_filter.rules
        slugs = self._graph.slugs
        self._count(delivered, grouped)
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


def _identity(artifact: RoutedArtifact) -> object:
    # The engine's artifacts have an id; any other kind is told apart by object.
    found = getattr(artifact, "id", None)
    return found if isinstance(found, str) else id(artifact)


def _names(artifacts: Sequence[RoutedArtifact]) -> tuple[str, ...]:
    return tuple(a.file_name for a in artifacts[:REASON_SAMPLE_SIZE])
