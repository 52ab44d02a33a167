"""``dagabaaz check --artifacts FILE.json``: what each edge filter would let through.

The file holds sample artifacts, in one of two shapes:

* a JSON list of artifacts: every dependency edge of the pipeline gets all of them;
* a JSON object of producing node slug -> list of artifacts: the edges from
  that node get them, edges from a node the object does not name are listed
  as without samples.

An artifact is an object with ``file_name`` and optionally ``file_path``,
``file_size``, ``mime_type``, ``metadata``, ``origin_artifact_id`` and
``id``: what ``dagabaaz run --json`` prints as a node's outputs, or a stored
:class:`~dagabaaz.models.DagArtifact`, reads as it is. Every verdict comes
from :func:`dagabaaz.filter.explain`, the filter's own comparison.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from dagabaaz._base.quoting import quote_value
from dagabaaz._base.suggest import Suggester, did_you_mean
from dagabaaz.cli._common import MIB, CliError, read_json_file
from dagabaaz.constants import FanMode
from dagabaaz.diagnostics import format_path, shortened
from dagabaaz.filter import ArtifactVerdict, FilterExplanation, RuleVerdict, explain
from dagabaaz.models import DagNode, EdgeFilter, FilterRule, cut_text

__all__ = [
    "ARTIFACTS_FILE_LIMIT",
    "ARTIFACTS_LIMIT",
    "ARTIFACTS_SHOWN_PER_EDGE",
    "VERDICT_LIMIT",
    "EdgeSample",
    "SampleArtifact",
    "Samples",
    "explain_edges",
    "read_samples",
    "render_edges",
    "warn_unknown_slugs",
]

ARTIFACTS_FILE_LIMIT = 64 * MIB
"""The largest ``--artifacts`` file read."""
ARTIFACTS_LIMIT = 10_000
"""The most sample artifacts an ``--artifacts`` file may hold: a sample, not a store."""
VERDICT_LIMIT = 50_000
"""The most artifact verdicts explained in all (samples times the edges that get them)."""
ARTIFACTS_SHOWN_PER_EDGE = 20
"""Artifacts listed one per line under an edge in text; ``--format json`` lists every one."""
_SHOWN_PROBLEMS = 3
_NAME_WIDTH = 40


class SampleArtifact(BaseModel):
    """One sample artifact, strictly typed so that a mistake is reported, not guessed at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_name: StrictStr
    file_path: StrictStr = ""
    file_size: StrictInt | None = None
    mime_type: StrictStr | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    origin_artifact_id: StrictStr | None = None
    id: StrictStr | None = None


_FIELDS = tuple(SampleArtifact.model_fields)


@dataclass(frozen=True, slots=True)
class Samples:
    """The sample artifacts of an ``--artifacts`` file.

    Attributes:
        path: The file, as given.
        every_edge: The artifacts of a flat list (every edge gets them); None for the object shape.
        by_node: Producing node slug -> its artifacts (the object shape).
    """

    path: str
    every_edge: tuple[SampleArtifact, ...] | None = None
    by_node: Mapping[str, tuple[SampleArtifact, ...]] | None = None

    def of(self, slug: str) -> tuple[SampleArtifact, ...] | None:
        """Return what arrives on an edge from ``slug``; None when the file has nothing for it."""
        if self.every_edge is not None:
            return self.every_edge
        return None if self.by_node is None else self.by_node.get(slug)


def read_samples(path: str) -> Samples:
    """Read an ``--artifacts`` file.

    Raises:
        CliError: The file cannot be read, is not JSON, or is neither shape;
            the message says where (``fetch[2].file_size: ...``).
    """
    what = "--artifacts"
    data = read_json_file(path, what, max_bytes=ARTIFACTS_FILE_LIMIT)
    count = len(data) if isinstance(data, list) else 0
    if isinstance(data, dict):
        count = sum(len(items) for items in data.values() if isinstance(items, list))
    if count > ARTIFACTS_LIMIT:
        raise CliError(
            f"{what} {path}: {count} artifacts, more than the {ARTIFACTS_LIMIT} a sample may hold"
        )
    if isinstance(data, list):
        return Samples(path, every_edge=_artifacts(data, (), path))
    if isinstance(data, dict):
        by_node = {}
        for slug, items in data.items():
            if not isinstance(items, list):
                raise CliError(
                    f"{what} {path}: {format_path((slug,))}: expected a list of artifacts, "
                    f"got {_kind(items)}"
                )
            by_node[slug] = _artifacts(items, (slug,), path)
        return Samples(path, by_node=by_node)
    raise CliError(
        f"{what} {path}: expected a JSON list of artifacts, or an object of node slug -> "
        f"list of artifacts, got {_kind(data)}"
    )


def _artifacts(
    items: list[Any], where: tuple[str | int, ...], path: str
) -> tuple[SampleArtifact, ...]:
    found: list[SampleArtifact] = []
    problems: list[str] = []
    count = 0
    for position, item in enumerate(items):
        location: tuple[str | int, ...] = (*where, position)
        if not isinstance(item, dict):
            count += 1
            problems.append(
                f"{format_path(location)}: expected an artifact object, got {_kind(item)}"
            )
            del problems[_SHOWN_PROBLEMS:]
            continue
        try:
            found.append(SampleArtifact.model_validate(item))
        except ValidationError as error:
            count += error.error_count()
            if len(problems) < _SHOWN_PROBLEMS:
                problems += [
                    _problem(location, problem) for problem in error.errors(include_url=False)
                ]
    if problems:
        shown = problems[:_SHOWN_PROBLEMS]
        more = count - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        raise CliError(f"--artifacts {path}: {shortened(text, 600)}")
    return tuple(found)


def _problem(location: tuple[str | int, ...], problem: Any) -> str:
    loc = tuple(problem["loc"])
    place = format_path((*location, *loc))
    kind = problem["type"]
    if kind == "extra_forbidden" and loc:
        name = str(loc[-1])
        hint = did_you_mean(name, _FIELDS)
        known = ", ".join(_FIELDS)
        return f"{place}: unknown field ({hint or f'an artifact has {known}'})"
    if kind == "missing":
        return f"{place}: missing (every artifact has a file_name)"
    expected = _EXPECTED.get(kind)
    if expected is not None:
        return f"{place}: expected {expected}, got {_kind(problem.get('input'))}"
    return f"{place}: {problem['msg']}"


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "dict_type": "an object",
}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {quote_value(value, 20)}"
    if isinstance(value, str):
        return f"the string {quote_value(value, 40)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class EdgeSample:
    """One dependency edge and what its filter does with the samples that arrive on it.

    Attributes:
        node: The node the edge leads to.
        dependency: The node the edge comes from.
        fan_mode: The node's fan mode (``grouped`` applies ``select`` per origin group).
        edge_filter: The edge's filter, None when it has none.
        explanation: Per artifact, what the filter did.
    """

    node: str
    dependency: str
    fan_mode: FanMode
    edge_filter: EdgeFilter | None
    explanation: FilterExplanation

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "node": self.node,
            "dependency": self.dependency,
            "fan_mode": self.fan_mode.value,
            "filter": None
            if self.edge_filter is None
            else self.edge_filter.model_dump(mode="json", exclude_none=True),
            "explanation": self.explanation.model_dump(mode="json"),
        }


def explain_edges(
    nodes: Sequence[DagNode | None], samples: Samples
) -> tuple[Iterator[EdgeSample], list[str]]:
    """Explain every dependency edge of ``nodes`` that has samples.

    Returns:
        The edges, in node order then dependency order, each explained when
        it is reached (so one edge's verdicts are in memory at a time), and
        the dependencies whose edges had no samples (each once).

    Raises:
        CliError: Explaining would take more than VERDICT_LIMIT verdicts.
    """
    planned: list[tuple[DagNode, str, tuple[SampleArtifact, ...]]] = []
    without: dict[str, None] = {}
    for node in nodes:
        if node is None:
            continue
        for dependency in dict.fromkeys(node.depends_on):
            sample = samples.of(dependency)
            if sample is None:
                without[dependency] = None
            else:
                planned.append((node, dependency, sample))
    verdicts = sum(len(sample) for _, _, sample in planned)
    if verdicts > VERDICT_LIMIT:
        raise CliError(
            f"--artifacts {samples.path}: {len(planned)} edges would get {verdicts} artifacts "
            f"in all, more than {VERDICT_LIMIT} are explained; give each node its own samples "
            '({"slug": [...]}) or fewer of them'
        )
    edges = (
        EdgeSample(
            node.slug,
            dependency,
            node.fan_mode,
            node.edge_filters.get(dependency),
            explain(
                sample,
                node.edge_filters.get(dependency),
                grouped=node.fan_mode == FanMode.GROUPED,
            ),
        )
        for node, dependency, sample in planned
    )
    return edges, list(without)


def warn_unknown_slugs(samples: Samples, slugs: set[str], files: str) -> None:
    """Warn about each node slug of the samples that no checked pipeline has: most often a typo."""
    if samples.by_node is None:
        return
    suggest = Suggester(slugs)
    for slug in samples.by_node:
        if slug not in slugs:
            hint = suggest.hint(slug)
            print(
                f"warning: --artifacts {samples.path}: {slug!r} is no node of {files}"
                + (f" ({hint})" if hint else ""),
                file=sys.stderr,
            )


def render_edges(edges: Iterable[EdgeSample], without: Sequence[str]) -> Iterator[str]:
    """Yield the text lines: per edge a heading, then one line per artifact."""
    yield ""  # the edges stand apart from the file's summary
    for edge in edges:
        yield from _edge_lines(edge)
    if without:
        names = ", ".join(_name(slug) for slug in without)
        yield f"no sample artifacts for the edges from {names}"


def _edge_lines(edge: EdgeSample) -> list[str]:
    explained = edge.explanation
    total = len(explained.artifacts)
    what = _filter_text(edge.edge_filter)
    heading = (
        f"{_name(edge.dependency)} -> {_name(edge.node)} ({edge.fan_mode.value}, {what}): "
        f"{explained.delivered} of {total} delivered"
    )
    if edge.fan_mode == FanMode.AGGREGATE and total and not explained.delivered:
        heading += f"; {_name(edge.node)} would be skipped (aggregate, edge emptied)"
    lines = [heading]
    if edge.edge_filter is None or not (edge.edge_filter.rules or edge.edge_filter.select):
        return lines
    shown = explained.artifacts[:ARTIFACTS_SHOWN_PER_EDGE]
    width = min(max((len(_name(a.file_name)) for a in shown), default=0), _NAME_WIDTH)
    for verdict in shown:
        name = cut_text(_name(verdict.file_name), _NAME_WIDTH).ljust(width)
        lines.append(f"  [{verdict.position}] {name}  {_verdict_text(verdict, explained)}")
    if total > len(shown):
        lines.append(f"  ... and {total - len(shown)} more (--format json lists every one)")
    return lines


def _verdict_text(verdict: ArtifactVerdict, explained: FilterExplanation) -> str:
    if verdict.rejected_by is not None:
        rule = verdict.rules[verdict.rejected_by]
        text = f"rejected by {_rule_text(rule)}: {_reading(rule)}"
        others = sum(1 for other in verdict.rules if not other.matched) - 1
        if others:
            text += f" (and {others} more rule{'' if others == 1 else 's'})"
        return text
    readings = [
        f"{rule.field} {rule.actual} read as {rule.compared}"
        for rule in verdict.rules
        if rule.read_as in ("number", "boolean") and rule.compared != rule.actual
    ]
    matched = "every rule matched" if verdict.rules else "no rules"
    if readings:
        matched += f" ({'; '.join(readings)})"
    selector = "" if explained.select is None else explained.select.value
    scope = " (per origin group)" if explained.grouped else ""
    if verdict.select == "dropped":
        return f"dropped: {matched}, but select {selector} kept another{scope}"
    if verdict.select == "unsized":
        return f"dropped: {matched}, but select {selector} needs a file_size"
    if verdict.select == "kept":
        return f"delivered: {matched}, select {selector} kept it{scope}"
    return f"delivered: {matched}"


def _rule_text(rule: RuleVerdict | FilterRule) -> str:
    operator = rule.operator.value
    if rule.operator.value in ("exists", "not_exists"):
        return f"{_name(rule.field)} {operator}"
    return f"{_name(rule.field)} {operator} {quote_value(rule.value)}"


def _reading(rule: RuleVerdict) -> str:
    if rule.problem is not None:
        return f"never matches: {rule.problem}"
    if rule.read_as == "missing":
        return f"it has no {_name(rule.field)}"
    text = f"it is {rule.actual}"
    if rule.read_as in ("number", "boolean") and rule.compared != rule.actual:
        text += f", read as {rule.compared}"
    return text


def _filter_text(edge_filter: EdgeFilter | None) -> str:
    if edge_filter is None or not (edge_filter.rules or edge_filter.select):
        return "no filter"
    parts = [_rule_text(rule) for rule in edge_filter.rules]
    if edge_filter.select is not None:
        parts.append(f"select {edge_filter.select.value}")
    return cut_text(" and ".join(parts), 120)


def _name(text: str) -> str:
    """Return a name from a file made safe for one line: control characters escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
