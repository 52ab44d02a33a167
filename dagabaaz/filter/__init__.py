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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, Generic, Literal, Protocol, TypeVar

from dagabaaz._runtime.numbers import Number, as_number, compare_numbers
from dagabaaz.constants import ArtifactSelector, FileType, FilterOperator
from dagabaaz.filter import _file_types
from dagabaaz.models import EdgeFilter, FilterRule

__all__ = [
    "MISSING",
    "VIRTUAL_FIELDS",
    "VIRTUAL_FIELD_TYPES",
    "FieldType",
    "FilterableArtifact",
    "GroupableArtifact",
    "Missing",
    "OriginGroups",
    "apply_rules",
    "classify_file_type",
    "field_value",
    "filter_artifacts",
    "filter_artifacts_by_origin",
    "group_by_origin",
    "operand_problem",
    "partition_by_origin",
    "rule_matches",
    "select_artifacts",
]


class FilterableArtifact(Protocol):
    """What an edge filter reads from an artifact."""

    @property
    def file_name(self) -> str:
        """The file's name, extension included."""
        ...

    @property
    def file_size(self) -> int | None:
        """Size in bytes, or None when unknown."""
        ...

    @property
    def mime_type(self) -> str | None:
        """MIME type, or None when unknown."""
        ...

    @property
    def metadata(self) -> Mapping[str, Any]:
        """Free-form metadata; every non-virtual field is read from here."""
        ...


class GroupableArtifact(Protocol):
    """What :func:`group_by_origin` reads from an artifact."""

    @property
    def origin_artifact_id(self) -> str | None:
        """The root output this artifact descends from; None for a broadcast."""
        ...


class Missing(Enum):
    """Type of :data:`MISSING`, so type checkers can narrow it away."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing.MISSING
"""Returned by :func:`field_value` for a metadata key the artifact lacks."""

A = TypeVar("A", bound=FilterableArtifact)
G = TypeVar("G", bound=GroupableArtifact)


def classify_file_type(artifact: FilterableArtifact) -> FileType:
    """Return the artifact's file family from its extension and MIME type.

    Subtitle and archive extensions decide first (``.srt`` served as
    ``text/plain`` is a subtitle, ``.zip`` is an archive whatever its MIME
    type); then a specific MIME type; then, when the MIME type is missing or
    generic, a video, audio or image extension (``.ts`` counts as video).
    """
    name = getattr(artifact, "file_name", "")
    return _file_types.classify(
        name if isinstance(name, str) else "", getattr(artifact, "mime_type", None)
    )


def _extension(artifact: FilterableArtifact) -> str:
    name = getattr(artifact, "file_name", "")
    extension = _file_types.extension_of(name) if isinstance(name, str) else ""
    return "." + extension if extension else ""


def _mime_type(artifact: FilterableArtifact) -> str:
    return getattr(artifact, "mime_type", None) or ""


@dataclass(frozen=True, slots=True)
class FieldType:
    """The values a virtual field can hold, so a check can tell a rule that never matches.

    Attributes:
        kind: ``"text"`` (a string) or ``"number"`` (an int).
        nullable: Whether the field is None when the artifact does not say.
        words: For a field that only ever holds one of a few strings, those strings.
    """

    kind: Literal["text", "number"]
    nullable: bool = False
    words: tuple[str, ...] | None = None

    @property
    def ordered(self) -> bool:
        """Whether ``gt``/``gte``/``lt``/``lte`` can ever match (text may spell a number)."""
        if self.kind == "number" or self.words is None:
            return True
        return any(as_number(word) is not None for word in self.words)

    def describe(self) -> str:
        """Say what the field holds, for a message: ``"a number or null"``."""
        if self.words is not None:
            shown = "one of " + ", ".join(self.words)
        else:
            shown = "text" if self.kind == "text" else "a number"
        return shown + " or null" if self.nullable else shown


_VIRTUAL: Final[dict[str, tuple[Callable[[FilterableArtifact], object], FieldType]]] = {
    "file_type": (classify_file_type, FieldType("text", words=tuple(t.value for t in FileType))),
    "extension": (_extension, FieldType("text")),
    "file_size": (lambda artifact: getattr(artifact, "file_size", None), FieldType("number", True)),
    "file_name": (lambda artifact: getattr(artifact, "file_name", None), FieldType("text")),
    "mime_type": (_mime_type, FieldType("text")),
}
_VIRTUAL_GETTERS: Final = {name: read for name, (read, _) in _VIRTUAL.items()}

VIRTUAL_FIELDS: Final = frozenset(_VIRTUAL)
"""Field names computed from the artifact itself; they shadow metadata keys."""

VIRTUAL_FIELD_TYPES: Final[Mapping[str, FieldType]] = MappingProxyType(
    {name: kind for name, (_, kind) in _VIRTUAL.items()}
)
"""What each virtual field holds (save-time validation reads it)."""


def field_value(artifact: FilterableArtifact, field: str) -> object:
    """Return what a rule on ``field`` compares: a virtual field or a metadata value.

    Virtual fields are ``file_type`` (a :class:`~dagabaaz.constants.FileType`),
    ``extension`` (the last suffix, lower-case, with its dot: ``".mkv"``;
    ``""`` when none), ``file_size``, ``file_name`` and ``mime_type`` (``""``
    when the artifact has none). Any other name is a
    metadata key, looked up exactly (a dot is part of the key, not a path);
    an absent key gives :data:`MISSING`.
    """
    getter = _VIRTUAL_GETTERS.get(field)
    if getter is not None:
        return getter(artifact)
    metadata = getattr(artifact, "metadata", None)
    if not isinstance(metadata, Mapping) or field not in metadata:
        return MISSING
    return metadata[field]


def operand_problem(operator: FilterOperator, value: object) -> str | None:
    """Say why a rule's ``value`` can never work with ``operator``, or return None.

    A rule with a problem matches no artifact (its negated form neither), so
    a broken rule blocks an edge instead of opening it. ``exists`` and
    ``not_exists`` ignore their value, so no value is a problem for them.
    """
    if operator in (FilterOperator.IN, FilterOperator.NOT_IN):
        if not isinstance(value, list | tuple):
            return f"'{operator}' needs a list value, got {_describe(value)}"
    elif operator in _ORDERINGS:
        if as_number(value) is None:
            return f"'{operator}' needs a number, got {_describe(value)}"
    elif operator in (FilterOperator.STARTS_WITH, FilterOperator.ENDS_WITH):
        if not isinstance(value, str):
            return f"'{operator}' needs a string, got {_describe(value)}"
    elif operator in _SCALAR_OPERATORS and not _is_scalar(value):
        return f"'{operator}' needs a single value, got {_describe(value)}"
    return None


def rule_matches(artifact: FilterableArtifact, rule: FilterRule) -> bool:
    """Return whether ``artifact`` satisfies ``rule``; never raises."""
    return _matcher(rule)(artifact)


def _matcher(rule: FilterRule) -> Callable[[FilterableArtifact], bool]:
    """Decide once per rule what checking one artifact takes."""
    test = _OPERATORS.get(rule.operator)
    if test is None or operand_problem(rule.operator, rule.value) is not None:
        return _never
    field, expected = rule.field, rule.value
    return lambda artifact: test(field_value(artifact, field), expected)


def _never(_artifact: FilterableArtifact) -> bool:
    return False


def apply_rules(artifacts: Iterable[A], edge_filter: EdgeFilter | None) -> list[A]:
    """Return the artifacts that match every rule of ``edge_filter``, in order.

    ``select`` is not applied; None or an empty rule list passes everything.
    """
    if edge_filter is None or not edge_filter.rules:
        return list(artifacts)
    matchers = [_matcher(rule) for rule in edge_filter.rules]
    return [a for a in artifacts if all(matches(a) for matches in matchers)]


def select_artifacts(artifacts: Iterable[A], selector: ArtifactSelector | None) -> list[A]:
    """Keep the largest or smallest artifact by ``file_size``, or all when ``selector`` is None.

    Artifacts without a size never win, so the result is empty when none is
    sized; on a tie the first in order wins.

    Raises:
        ValueError: ``selector`` is not an :class:`~dagabaaz.constants.ArtifactSelector`.
    """
    if selector is None:
        return list(artifacts)
    if selector not in _SELECTOR_SIGN:
        raise ValueError(
            f"unknown artifact selector {selector!r}: expected 'largest' or 'smallest'"
        )
    sign = _SELECTOR_SIGN[ArtifactSelector(selector)]
    best: A | None = None
    best_size: Number = 0
    for artifact in artifacts:
        size = _size_of(artifact)
        if size is not None and (best is None or compare_numbers(size, best_size) == sign):
            best, best_size = artifact, size
    return [] if best is None else [best]


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


def partition_by_origin(artifacts: Iterable[G]) -> dict[str | None, list[G]]:
    """Split artifacts by ``origin_artifact_id``, parts in first-appearance order.

    The key None holds the broadcast artifacts, those without an origin.
    """
    parts: dict[str | None, list[G]] = {}
    for artifact in artifacts:
        parts.setdefault(getattr(artifact, "origin_artifact_id", None), []).append(artifact)
    return parts


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


# --- comparison semantics -------------------------------------------------


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | bool) or as_number(value) is not None


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return "a string" if as_number(value) is None else "a numeric string"
    if as_number(value) is not None:
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


_BOOLEAN_WORDS: Final = {"true": True, "false": False}


def _as_bool(value: object) -> bool | None:
    """Read a boolean, or a string spelling one (any case, surrounding spaces ignored)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOLEAN_WORDS.get(value.strip().lower())
    return None


def _equal(actual: object, expected: object) -> bool:
    """Scalar equality: booleans, then numbers, then strings; containers never equal."""
    if actual is MISSING:
        return False
    if isinstance(actual, str) and isinstance(expected, str) and actual == expected:
        return True  # equal text is equal under every rule below
    if isinstance(actual, bool) or isinstance(expected, bool):
        left = _as_bool(actual)
        return left is not None and left == _as_bool(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        left, right = _as_bool(actual), _as_bool(expected)
        if left is not None and right is not None:
            return left == right
    left_number, right_number = as_number(actual), as_number(expected)
    if left_number is not None and right_number is not None:
        return compare_numbers(left_number, right_number) == 0
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    return actual is None and expected is None


def _ordering(*accepted: int) -> Callable[[object, object], bool]:
    def test(actual: object, expected: object) -> bool:
        left, right = as_number(actual), as_number(expected)
        if left is None or right is None:
            return False
        return compare_numbers(left, right) in accepted

    return test


def _is_in(actual: object, expected: object) -> bool:
    return isinstance(expected, list | tuple) and any(_equal(actual, item) for item in expected)


def _contains(actual: object, expected: object) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list | tuple):
        return any(_equal(item, expected) for item in actual)
    return False


def _starts_with(actual: object, expected: object) -> bool:
    return isinstance(actual, str) and isinstance(expected, str) and actual.startswith(expected)


def _ends_with(actual: object, expected: object) -> bool:
    return isinstance(actual, str) and isinstance(expected, str) and actual.endswith(expected)


def _exists(actual: object, _expected: object) -> bool:
    return not (actual is MISSING or actual is None or (isinstance(actual, str) and not actual))


def _negated(test: Callable[[object, object], bool]) -> Callable[[object, object], bool]:
    return lambda actual, expected: not test(actual, expected)


_OPERATORS: Final[dict[FilterOperator, Callable[[object, object], bool]]] = {
    FilterOperator.EQ: _equal,
    FilterOperator.NEQ: _negated(_equal),
    FilterOperator.GT: _ordering(1),
    FilterOperator.GTE: _ordering(0, 1),
    FilterOperator.LT: _ordering(-1),
    FilterOperator.LTE: _ordering(-1, 0),
    FilterOperator.IN: _is_in,
    FilterOperator.NOT_IN: _negated(_is_in),
    FilterOperator.CONTAINS: _contains,
    FilterOperator.NOT_CONTAINS: _negated(_contains),
    FilterOperator.STARTS_WITH: _starts_with,
    FilterOperator.ENDS_WITH: _ends_with,
    FilterOperator.EXISTS: _exists,
    FilterOperator.NOT_EXISTS: _negated(_exists),
}
_ORDERINGS: Final = frozenset(
    {FilterOperator.GT, FilterOperator.GTE, FilterOperator.LT, FilterOperator.LTE}
)
_SCALAR_OPERATORS: Final = frozenset(
    {FilterOperator.EQ, FilterOperator.NEQ, FilterOperator.CONTAINS, FilterOperator.NOT_CONTAINS}
)
_SELECTOR_SIGN: Final = {ArtifactSelector.LARGEST: 1, ArtifactSelector.SMALLEST: -1}


def _size_of(artifact: object) -> Number | None:
    size = getattr(artifact, "file_size", None)
    if isinstance(size, bool) or not isinstance(size, int | float):
        return None
    return size if compare_numbers(size, 0) is not None else None
