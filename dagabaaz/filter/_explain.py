"""Why an edge filter let an artifact through or not: per artifact, and per rule.

:func:`explain` answers for each artifact which rule rejected it, how the
filter read the compared values, and what ``select`` decided;
:func:`tally_rules` counts, per rule, the artifacts it was the first to
reject (what the engine's reasons report). Both take every verdict from
:func:`~dagabaaz.filter._rules.rule_check`, the filter's own comparison,
and from :func:`~dagabaaz.filter.select_artifacts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue

from dagabaaz._base.quoting import quote_value
from dagabaaz.constants import REASON_SAMPLE_SIZE, ArtifactSelector, FilterOperator
from dagabaaz.filter._rules import (
    MISSING,
    FilterableArtifact,
    Reading,
    RuleCheck,
    field_value,
    first_rejecting,
    operand_problem,
    read_as,
    rule_check,
)
from dagabaaz.filter._select import partition_by_origin, select_artifacts
from dagabaaz.models import EdgeFilter, FilterRule, cut_text

__all__ = [
    "ArtifactVerdict",
    "FilterExplanation",
    "RuleTally",
    "RuleVerdict",
    "explain",
    "quote_compared",
    "tally_rules",
]

A = TypeVar("A", bound=FilterableArtifact)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def quote_compared(value: object) -> str:
    """Quote a value a rule compared, bounded: ``missing`` for a field the artifact lacks."""
    return "missing" if value is MISSING else quote_value(value)


class RuleVerdict(BaseModel):
    """One rule checked against one artifact.

    Attributes:
        field: The rule's field.
        operator: The rule's operator.
        value: The rule's value, as written.
        matched: Whether the artifact satisfies the rule.
        actual: The field's value, quoted (``missing`` when the artifact lacks it).
        read_as: How the comparison read the field's value: ``number`` for
            ``"1080"`` against ``gte 720``, ``boolean`` for ``" false "``
            against ``eq false``, ``text``, ``missing``...
        compared: The field's value as read, quoted (``1080``, ``false``).
        problem: Why the rule's value can never work with its operator (then
            the rule matches nothing); None when it can.
    """

    model_config = _FROZEN

    field: str
    operator: FilterOperator
    value: JsonValue = None
    matched: bool
    actual: str
    read_as: Reading
    compared: str
    problem: str | None = None


SelectVerdict = Literal["kept", "dropped", "unsized", "not_considered"]
"""What ``select`` did with an artifact: kept it, dropped it for another,
dropped it for having no usable ``file_size``, or never saw it (a rule rejected it)."""


class ArtifactVerdict(BaseModel):
    """What an edge filter did with one artifact.

    Attributes:
        position: The artifact's position in the input.
        file_name: Its file name, quoted and cut.
        rules: Every rule checked against it, in order.
        rejected_by: Position of the first rule that rejects it; None when every rule matches.
        select: ``select``'s verdict; None when the filter has no ``select``.
        delivered: Whether the edge delivers it.
    """

    model_config = _FROZEN

    position: int
    file_name: str
    rules: tuple[RuleVerdict, ...] = ()
    rejected_by: int | None = None
    select: SelectVerdict | None = None
    delivered: bool


class FilterExplanation(BaseModel):
    """What an edge filter does with a list of artifacts, artifact by artifact.

    Attributes:
        select: The filter's ``select``, None when it has none.
        grouped: Whether ``select`` applied per origin group (a GROUPED node).
        artifacts: One verdict per artifact, in input order.
        matched: Artifacts that match every rule.
        delivered: Artifacts the edge delivers.
    """

    model_config = _FROZEN

    select: ArtifactSelector | None = None
    grouped: bool = False
    artifacts: tuple[ArtifactVerdict, ...] = ()
    matched: int = 0
    delivered: int = 0


def explain(
    artifacts: Iterable[A], edge_filter: EdgeFilter | None, *, grouped: bool = False
) -> FilterExplanation:
    """Explain, per artifact, what ``edge_filter`` does with ``artifacts``.

    Every rule is checked against every artifact (so a verdict shows all
    the rules an artifact fails); ``rejected_by`` names the first, which is
    the rule an edge report charges. ``select`` then runs, as the engine
    runs it, over the artifacts that match every rule: over all of them, or,
    when ``grouped``, within each origin group and within the broadcast
    artifacts apart. None passes everything.

    Never raises on what metadata holds.
    """
    items = list(artifacts)
    rules = [] if edge_filter is None else list(edge_filter.rules)
    checks = [rule_check(rule) for rule in rules]
    selector = None if edge_filter is None else edge_filter.select
    verdicts = [
        tuple(_rule_verdict(item, rule, check) for rule, check in zip(rules, checks, strict=True))
        for item in items
    ]
    rejected = [next((i for i, v in enumerate(row) if not v.matched), None) for row in verdicts]
    passed = [item for item, first in zip(items, rejected, strict=True) if first is None]
    kept = {id(item) for item in passed}
    if selector is not None:
        parts = partition_by_origin(passed).values() if grouped else [passed]  # type: ignore[type-var]
        kept = {id(winner) for part in parts for winner in select_artifacts(part, selector)}
    results = tuple(
        ArtifactVerdict(
            position=position,
            file_name=_file_name(item),
            rules=verdicts[position],
            rejected_by=rejected[position],
            select=_select_verdict(item, selector, rejected[position] is None, id(item) in kept),
            delivered=rejected[position] is None and id(item) in kept,
        )
        for position, item in enumerate(items)
    )
    return FilterExplanation(
        select=selector,
        grouped=grouped,
        artifacts=results,
        matched=len(passed),
        delivered=sum(1 for verdict in results if verdict.delivered),
    )


def _file_name(artifact: FilterableArtifact) -> str:
    name = getattr(artifact, "file_name", None)
    return cut_text(name) if isinstance(name, str) else quote_value(name)


def _rule_verdict(artifact: FilterableArtifact, rule: FilterRule, check: RuleCheck) -> RuleVerdict:
    actual = field_value(artifact, rule.field)
    kind, compared = read_as(actual, rule.operator, rule.value)
    return RuleVerdict(
        field=rule.field,
        operator=rule.operator,
        value=rule.value,
        matched=check(artifact),
        actual=quote_compared(actual),
        read_as=kind,
        compared=quote_compared(compared),
        problem=operand_problem(rule.operator, rule.value),
    )


def _select_verdict(
    artifact: FilterableArtifact, selector: ArtifactSelector | None, passed: bool, kept: bool
) -> SelectVerdict | None:
    if selector is None:
        return None
    if not passed:
        return "not_considered"
    if kept:
        return "kept"
    return "dropped" if select_artifacts([artifact], selector) else "unsized"


@dataclass(frozen=True, slots=True)
class RuleTally(Generic[A]):
    """Per rule of an edge filter, the artifacts it was the first to reject.

    Attributes:
        passed: The artifacts that match every rule, in order.
        rejected: Per rule, how many artifacts it was the first, in rule
            order, to reject (a later rule that would also reject one is not
            charged for it).
        samples: Per rule, the first rejected values as compared, quoted
            (at most ``sample_size`` each).
    """

    passed: list[A]
    rejected: tuple[int, ...] = ()
    samples: tuple[tuple[str, ...], ...] = ()


def tally_rules(
    artifacts: Iterable[A], edge_filter: EdgeFilter | None, sample_size: int = REASON_SAMPLE_SIZE
) -> RuleTally[A]:
    """Apply the rules of ``edge_filter`` (not ``select``), counting what each rejects.

    ``passed`` is what :func:`~dagabaaz.filter.apply_rules` returns; the
    counts charge each rejected artifact to the first rule that rejects it.
    Memory beyond ``passed`` is bounded by ``sample_size`` per rule.
    """
    if edge_filter is None or not edge_filter.rules:
        return RuleTally(passed=list(artifacts))
    rules = edge_filter.rules
    checks = [rule_check(rule) for rule in rules]
    counts = [0] * len(rules)
    samples: list[list[str]] = [[] for _ in rules]
    passed: list[A] = []
    for artifact in artifacts:
        position = first_rejecting(artifact, checks)
        if position is None:
            passed.append(artifact)
            continue
        counts[position] += 1
        sample = samples[position]
        if len(sample) < sample_size:
            sample.append(quote_compared(field_value(artifact, rules[position].field)))
    return RuleTally(
        passed=passed,
        rejected=tuple(counts),
        samples=tuple(tuple(sample) for sample in samples),
    )
