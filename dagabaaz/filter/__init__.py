"""Edge filters: which upstream artifacts cross a dependency edge.

An :class:`~dagabaaz.models.EdgeFilter` holds rules, all of which must match,
and an optional ``select`` that keeps the largest or smallest artifact by
``file_size``. Artifacts are duck-typed (:class:`FilterableArtifact`), so
:class:`~dagabaaz.models.DagArtifact` and :class:`~dagabaaz.models.TaskArtifact`
both work. The comparison rules are documented in
``docs/concepts/edge-filters.md``; the short form:

* ``eq``/``neq``/``in``/``not_in``: booleans first (``"true"``/``"false"``
  match ignoring case and surrounding spaces, ``"1"``/``"0"`` never do), then
  numbers exactly (a float against a
  numeric string as its shortest repr, so ``29.97`` equals ``"29.97"``),
  then strings.
* ``gt``/``gte``/``lt``/``lte``: numeric only, false on anything else.
* ``contains``/``starts_with``/``ends_with``: strings; ``contains`` on a list
  means membership.
* ``exists``/``not_exists``: only a missing field, None and ``""`` are absent.

Evaluation never raises and never coerces a rule's value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from dagabaaz.filter._explain import (
    ArtifactVerdict,
    FilterExplanation,
    RuleTally,
    RuleVerdict,
    explain,
    tally_rules,
)
from dagabaaz.filter._rules import (
    MISSING,
    VIRTUAL_FIELD_TYPES,
    VIRTUAL_FIELDS,
    FieldType,
    FilterableArtifact,
    Missing,
    classify_file_type,
    field_value,
    operand_problem,
    rule_check,
    rule_matches,
)
from dagabaaz.filter._select import GroupableArtifact, partition_by_origin, select_artifacts
from dagabaaz.models import EdgeFilter

__all__ = [
    "MISSING",
    "VIRTUAL_FIELDS",
    "VIRTUAL_FIELD_TYPES",
    "ArtifactVerdict",
    "FieldType",
    "FilterExplanation",
    "FilterableArtifact",
    "GroupableArtifact",
    "Missing",
    "OriginGroups",
    "RuleTally",
    "RuleVerdict",
    "apply_rules",
    "classify_file_type",
    "explain",
    "field_value",
    "filter_artifacts",
    "filter_artifacts_by_origin",
    "group_by_origin",
    "operand_problem",
    "partition_by_origin",
    "rule_matches",
    "select_artifacts",
    "tally_rules",
]


A = TypeVar("A", bound=FilterableArtifact)
G = TypeVar("G", bound=GroupableArtifact)


def apply_rules(artifacts: Iterable[A], edge_filter: EdgeFilter | None) -> list[A]:
    """Return the artifacts that match every rule of ``edge_filter``, in order.

    ``select`` is not applied; None or an empty rule list passes everything.
    """
    if edge_filter is None or not edge_filter.rules:
        return list(artifacts)
    matchers = [rule_check(rule) for rule in edge_filter.rules]
    return [a for a in artifacts if all(matches(a) for matches in matchers)]


def filter_artifacts(artifacts: Iterable[A], edge_filter: EdgeFilter | None) -> list[A]:
    """Apply ``edge_filter`` to one edge: every rule must match, then ``select``.

    None passes everything. The result keeps the input order.
    """
    matched = apply_rules(artifacts, edge_filter)
    return matched if edge_filter is None else select_artifacts(matched, edge_filter.select)


def filter_artifacts_by_origin(
    artifacts_by_node: Mapping[int, Iterable[G]], origin_artifact_id: str
) -> dict[int, list[G]]:
    """Keep, per node, the artifacts of one origin group plus the broadcast ones.

    What a grouped task sees of each node: its own group's artifacts and the
    artifacts without an origin, which every group shares.
    """
    return {
        node: [
            artifact
            for artifact in artifacts
            if getattr(artifact, "origin_artifact_id", None) in (None, origin_artifact_id)
        ]
        for node, artifacts in artifacts_by_node.items()
    }


@dataclass(frozen=True, slots=True)
class OriginGroups(Generic[G]):
    """Artifacts grouped the way a GROUPED node's tasks receive them.

    Attributes:
        groups: Origin id to that group's artifacts, groups in first-appearance
            order, each group followed by the broadcast artifacts. Empty when
            every artifact is broadcast.
        broadcast: The artifacts without an origin, in order.
    """

    groups: dict[str, list[G]]
    broadcast: list[G]


def group_by_origin(artifacts: Iterable[G]) -> OriginGroups[G]:
    """Group artifacts by ``origin_artifact_id``, as a GROUPED node's tasks see them.

    Each group holds its own artifacts followed by the broadcast ones (those
    without an origin), which every group shares.
    """
    parts = partition_by_origin(artifacts)
    broadcast = parts.pop(None, [])
    groups = {
        origin: [*members, *broadcast] for origin, members in parts.items() if origin is not None
    }
    return OriginGroups(groups=groups, broadcast=list(broadcast))
