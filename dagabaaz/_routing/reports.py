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
        broadcast: Delivered artifacts without an origin (GROUPED nodes).
        delivered: Artifacts the edges delivered: each once, even one that
            two edges delivered (see :meth:`count_distinct`).
        walked: Per dependency, the routing nodes its collection walked past
            (nearest first); the collector fills it.
        reached: Per walked dependency, the nodes its walk found artifacts
            at, with those artifacts; the collector fills it.
        failure: The error that stopped the notes, if noting an edge raised
            (then the notes are incomplete and explain nothing).
    """

    __slots__ = (
        "_filtered",
        "_graph",
        "_plain_broadcast",
        "broadcast",
        "cause",
        "dead",
        "delivered",
        "edges",
        "failure",
        "reached",
        "walked",
    )

    def __init__(self, graph: RoutingGraph) -> None:
        # Most notes are never written to (the common launch needs no edge
        # report), so this stays a handful of assignments.
        self._graph = graph
        self.walked: dict[int, list[int]] = {}
        self.reached: dict[int, list[tuple[int, Sequence[RoutedArtifact]]]] = {}
        self.edges: list[EdgeReport] = []
        self.dead: int | None = None
        self.cause: SkipCause | None = None
        self.failure: Exception | None = None
        self.broadcast = 0
        self.delivered = 0
        # For count_distinct, only after a walk: what each filtered or walked
        # edge delivered, and each unfiltered edge's broadcast count.
        self._filtered: list[tuple[int, Sequence[RoutedArtifact], bool]] | None = None
        self._plain_broadcast: dict[int, int] | None = None

    def count_distinct(self) -> None:
        """Count :attr:`delivered` and :attr:`broadcast` again, each artifact once.

        Only a walk past a routing node can collect an artifact another edge
        collects too (its own node's, or another walk's), so the plain sums
        are exact until an edge walked; the engine calls this when one did.
        An unfiltered edge without a walk delivers every artifact of its
        dependency, so a walked artifact found at that dependency is one it
        delivered already; artifacts of filtered or walked edges are told
        apart by identity.
        """
        slugs = self._graph.slugs
        index_of = {slug: index for index, slug in enumerate(slugs)}
        noted = self._filtered or []
        noted_deps = {dep for dep, _, _ in noted}
        plain = {
            index_of[edge.dependency]: edge.delivered
            for edge in self.edges
            if not edge.dependency_skipped and index_of[edge.dependency] not in noted_deps
        }
        source: dict[object, int] = {}
        for batches in self.reached.values():
            for node, batch in batches:
                for artifact in batch:
                    source[_identity(artifact)] = node
        seen: dict[object, bool] = {}
        for dep, delivered, grouped in noted:
            for artifact in delivered:
                identity = _identity(artifact)
                if source.get(identity, dep) not in plain:
                    seen[identity] = grouped and artifact.origin_artifact_id is None
        self.delivered = sum(plain.values()) + len(seen)
        self.broadcast = sum((self._plain_broadcast or {}).values()) + sum(seen.values())

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
            broadcast = sum(1 for a in found if a.origin_artifact_id is None)
            self.broadcast += broadcast
            if self._plain_broadcast is None:
                self._plain_broadcast = {}
            self._plain_broadcast[dep] = broadcast
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
        if edge_filter is None and dep not in self.walked:
            self.plain(dep, found, grouped=grouped)
            return list(found)
        if self.failure is None:
            try:
                return self._noted(dep, found, edge_filter, grouped)
            except Exception as error:
                self.failure = error
        return deliver(found, edge_filter, grouped=grouped)

    def _noted(
        self, dep: int, found: Sequence[A], edge_filter: EdgeFilter | None, grouped: bool
    ) -> list[A]:
        tally = tally_rules(found, edge_filter)
        selector = None if edge_filter is None else edge_filter.select
        delivered = select_delivered(tally.passed, selector, grouped)
        rules = () if edge_filter is None else edge_filter.rules
        slugs = self._graph.slugs
        self.delivered += len(delivered)
        if grouped:
            self.broadcast += sum(1 for a in delivered if a.origin_artifact_id is None)
        if self._filtered is None:
            self._filtered = []
        self._filtered.append((dep, delivered, grouped))
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
