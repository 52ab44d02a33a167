"""What one filter rule compares, and how: fields, operand checks and the comparison rules.

The rules are documented in ``docs/concepts/edge-filters.md``. Every caller
that needs a verdict (filtering, routing, :func:`dagabaaz.filter.explain`)
gets it from :func:`rule_check`, so there is one comparison, written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol

from dagabaaz._runtime.numbers import as_number, compare_numbers
from dagabaaz.constants import FileType, FilterOperator
from dagabaaz.filter import _file_types
from dagabaaz.models import FilterRule


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


class Missing(Enum):
    """Type of :data:`MISSING`, so type checkers can narrow it away."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing.MISSING
"""Returned by :func:`field_value` for a metadata key the artifact lacks."""


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
    return rule_check(rule)(artifact)


RuleCheck = Callable[[FilterableArtifact], bool]
"""Whether one artifact satisfies one rule (see :func:`rule_check`)."""


def rule_check(rule: FilterRule) -> RuleCheck:
    """Decide once per rule what checking one artifact takes: the one comparison of a rule."""
    test = _OPERATORS.get(rule.operator)
    if test is None or operand_problem(rule.operator, rule.value) is not None:
        return _never
    field, expected = rule.field, rule.value
    if (
        rule.operator in _MEMBERSHIPS
        and isinstance(expected, list | tuple)
        and len(expected) > _SHORT_LIST
    ):
        member = _membership(expected)
        if rule.operator is FilterOperator.IN:
            return lambda artifact: member(field_value(artifact, field))
        return lambda artifact: not member(field_value(artifact, field))
    return lambda artifact: test(field_value(artifact, field), expected)


_SHORT_LIST: Final = 8
"""Lists up to this long are scanned; a longer one is looked up (see :func:`_membership`)."""


def _membership(expected: Sequence[object]) -> Callable[[object], bool]:
    """Return ``_is_in(actual, expected)`` as a test of ``actual``, in O(1) for plain text.

    Text that reads as neither a number nor a boolean is equal to nothing
    but the same text (see :func:`_equal`), so such a value is looked up in
    a set of the list's plain texts; any other value is compared item by
    item, as ``_is_in`` does. A list of 10,000 names filters 10,000
    artifacts in milliseconds, not minutes.
    """
    texts = frozenset(item for item in expected if isinstance(item, str) and _plain_text(item))

    def member(actual: object) -> bool:
        if isinstance(actual, str) and _plain_text(actual):
            return actual in texts
        return _is_in(actual, expected)

    return member


def _plain_text(text: str) -> bool:
    return _as_bool(text) is None and as_number(text) is None


def first_rejecting(artifact: FilterableArtifact, checks: Sequence[RuleCheck]) -> int | None:
    """Return the position of the first check ``artifact`` fails, or None when it passes all."""
    for position, check in enumerate(checks):
        if not check(artifact):
            return position
    return None


def _never(_artifact: FilterableArtifact) -> bool:
    return False


Reading = Literal["missing", "null", "boolean", "number", "text", "list", "object", "other"]
"""How a filter read a value for a comparison."""


def read_as(actual: object, operator: FilterOperator, expected: object) -> tuple[Reading, object]:
    """Say how the comparison of ``operator`` reads the field value ``actual``.

    Returns the kind of reading and the value as read: ``"1080"`` compared
    with ``gte 720`` is read as the number 1080, ``" false "`` compared with
    ``eq false`` as the boolean false. It follows the order of the equality
    rules (booleans, then numbers, then strings); the verdict itself always
    comes from :func:`rule_check`.
    """
    if actual is MISSING:
        return "missing", actual
    if actual is None:
        return "null", None
    if operator in _ORDERINGS:
        number = as_number(actual)
        return ("number", number) if number is not None else (_kind(actual), actual)
    if operator in _EQUALITIES:
        many = operator in _MEMBERSHIPS and isinstance(expected, list | tuple)
        others: Sequence[object] = expected if many else [expected]  # type: ignore[assignment]
        if _reads_as_bool(actual, others):
            flag = _as_bool(actual)
            return ("boolean", flag) if flag is not None else (_kind(actual), actual)
        number = as_number(actual)
        if number is not None and any(as_number(other) is not None for other in others):
            return "number", number
    return _kind(actual), actual


def _reads_as_bool(actual: object, others: Sequence[object]) -> bool:
    if isinstance(actual, bool) or any(isinstance(other, bool) for other in others):
        return True
    return (
        isinstance(actual, str)
        and _as_bool(actual) is not None
        and any(isinstance(o, str) and _as_bool(o) is not None for o in others)
    )


def _kind(value: object) -> Reading:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "text"
    if as_number(value) is not None:
        return "number"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "other"


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
_MEMBERSHIPS: Final = frozenset({FilterOperator.IN, FilterOperator.NOT_IN})
_EQUALITIES: Final = frozenset({FilterOperator.EQ, FilterOperator.NEQ, *_MEMBERSHIPS})
