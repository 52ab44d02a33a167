"""Save-time checks of a node's edge filters."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator

from dagabaaz._base.suggest import Suggester, one_edit_apart
from dagabaaz._pipeline.codes import problem
from dagabaaz._runtime.numbers import as_number
from dagabaaz.constants import FileType, FilterOperator
from dagabaaz.diagnostics import Diagnostic, shortened
from dagabaaz.filter import VIRTUAL_FIELD_TYPES, FieldType, operand_problem
from dagabaaz.models import DagNode, EdgeFilter, FilterRule

__all__ = ["check_edge_filters", "show_value"]

_EQUALITY = frozenset(
    {FilterOperator.EQ, FilterOperator.NEQ, FilterOperator.IN, FilterOperator.NOT_IN}
)
_ORDERINGS = frozenset(
    {FilterOperator.GT, FilterOperator.GTE, FilterOperator.LT, FilterOperator.LTE}
)
_TEXT_ONLY = frozenset({FilterOperator.STARTS_WITH, FilterOperator.ENDS_WITH})
_CONTAINS = frozenset({FilterOperator.CONTAINS, FilterOperator.NOT_CONTAINS})
_NEGATED = frozenset({FilterOperator.NEQ, FilterOperator.NOT_IN, FilterOperator.NOT_CONTAINS})
_FILE_TYPE_VALUES = frozenset(member.value for member in FileType)
_FILE_TYPES = Suggester(_FILE_TYPE_VALUES, budget=None)
_FILE_TYPE_LIST = ", ".join(member.value for member in FileType)
_SHOWN_LENGTH = 60

Located = tuple[Diagnostic, tuple[str | int, ...]]
"""A diagnostic and its path below the node, before it is placed in the pipeline."""

_ValueCheck = Callable[[object, str], Diagnostic | None]


def show_value(value: object) -> str:
    """Render a rule value for a message: JSON where possible, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        try:
            text = repr(value)
        except ValueError:  # an int past Python's digit limit cannot be printed at all
            text = f"a {type(value).__name__} too large to show"
    return shortened(text, _SHOWN_LENGTH)


def check_edge_filters(node: DagNode, index: int) -> Iterator[Diagnostic]:
    """Yield every problem of ``node.edge_filters``, located in the pipeline."""
    dependencies = frozenset(node.depends_on)
    suggest = Suggester(node.depends_on)
    for source, edge in node.edge_filters.items():
        base: tuple[str | int, ...] = ("nodes", index, "edge_filters", source)
        for diagnostic, path in _edge_problems(source, edge, dependencies, suggest):
            yield diagnostic.located(node=node.slug, field="edge_filters", path=base + path)


def _edge_problems(
    source: str, edge: EdgeFilter, dependencies: Collection[str], suggest: Suggester
) -> Iterator[Located]:
    if source not in dependencies:
        message = f"edge filter is keyed by '{source}', which is not in depends_on"
        yield problem("filter-not-a-dependency", message, hint=suggest.hint(source)), ()
    for position, rule in enumerate(edge.rules):
        where = f"edge filter from '{source}', rule {position}"
        for diagnostic, path in _rule_problems(rule, where):
            yield diagnostic, ("rules", position, *path)


def _rule_problems(rule: FilterRule, where: str) -> Iterator[Located]:
    if not rule.field.strip():
        yield problem("empty-filter-field", f"{where}: the field is empty"), ("field",)
    meant = _misspelt_virtual_field(rule.field)
    if meant is not None:
        field = shortened(rule.field)
        message = (
            f"{where}: '{field}' is not a built-in field, so the rule reads the metadata "
            f"key '{field}', which is missing on every artifact that lacks it"
        )
        hint = f"did you mean '{meant}'?"
        yield problem("misspelt-filter-field", message, hint=hint), ("field",)
    reason = operand_problem(rule.operator, rule.value)
    if reason is not None:
        yield problem("invalid-filter-value", f"{where}: {reason}"), ("value",)
        return
    if rule.operator in (FilterOperator.EXISTS, FilterOperator.NOT_EXISTS):
        if rule.value is not None:
            message = f"{where}: '{rule.operator}' ignores its value {show_value(rule.value)}"
            yield problem("ignored-filter-value", message, hint="remove the value"), ("value",)
        return
    field_type = VIRTUAL_FIELD_TYPES.get(rule.field)
    if field_type is not None and rule.operator not in _EQUALITY:
        reason = _type_mismatch(rule, field_type)
        if reason is not None:
            yield problem("invalid-filter-value", f"{where}: {reason}"), ("value",)
        return
    if rule.field == "file_type":
        yield from _compared_values(rule, where, _file_type_problem)
    elif rule.field == "extension":
        yield from _compared_values(rule, where, _extension_problem)
    if field_type is not None and field_type.words is None:
        yield from _compared_values(rule, where, _never_equal_check(rule.field, field_type))


def _misspelt_virtual_field(field: str) -> str | None:
    """Return the built-in field ``field`` is one edit away from, if any (not itself one)."""
    if field in VIRTUAL_FIELD_TYPES:
        return None
    return next((name for name in VIRTUAL_FIELD_TYPES if one_edit_apart(field, name)), None)


def _type_mismatch(rule: FilterRule, field_type: FieldType) -> str | None:
    """Say why a non-equality rule on a virtual field can never do what it says."""
    operator, field = rule.operator, rule.field
    holds = f"{field} is {field_type.describe()}"
    outcome = "matches every artifact" if operator in _NEGATED else "never matches"
    if operator in _ORDERINGS and not field_type.ordered:
        return f"{holds}, never a number, so '{operator}' never matches"
    if field_type.kind == "number" and operator in _TEXT_ONLY | _CONTAINS:
        return f"{holds}, not text, so '{operator}' {outcome}"
    if operator in _CONTAINS and not isinstance(rule.value, str):
        # On text, contains looks for a substring, which only a string can be.
        return f"{holds}, so '{operator}' with {show_value(rule.value)} {outcome}"
    return None


def _never_equal_check(field: str, field_type: FieldType) -> _ValueCheck:
    def check(value: object, where: str) -> Diagnostic | None:
        if _can_equal(field_type, value):
            return None
        message = f"{where}: {field} is {field_type.describe()}, so it never equals "
        return problem("invalid-filter-value", message + show_value(value))

    return check


def _can_equal(field_type: FieldType, value: object) -> bool:
    # Mirrors the equality rules of dagabaaz.filter: booleans never equal
    # numbers, numbers and numeric strings compare as numbers, and text may
    # spell a boolean or a number.
    if value is None:
        return field_type.nullable
    if isinstance(value, list | tuple | dict):
        return False
    if field_type.kind == "text":
        return True
    return not isinstance(value, bool) and as_number(value) is not None


def _compared_values(rule: FilterRule, where: str, check: _ValueCheck) -> Iterator[Located]:
    if isinstance(rule.value, list | tuple):
        for position, item in enumerate(rule.value):
            found = check(item, where)
            if found is not None:
                yield found, ("value", position)
    else:
        found = check(rule.value, where)
        if found is not None:
            yield found, ("value",)


def _file_type_problem(value: object, where: str) -> Diagnostic | None:
    if isinstance(value, str) and value in _FILE_TYPE_VALUES:
        return None
    message = f"{where}: {show_value(value)} is not a file type ({_FILE_TYPE_LIST})"
    hint = _FILE_TYPES.hint(value) if isinstance(value, str) else None
    return problem("unknown-file-type", message, hint=hint)


def _extension_problem(value: object, where: str) -> Diagnostic | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value
    elif as_number(value) is not None:
        text = str(value)
    else:
        return None
    suffix = text.rpartition(".")[2].lower()
    normalized = "." + suffix if suffix else ""
    if normalized == value:
        return None
    message = (
        f"{where}: extensions are compared lower-case with their leading dot"
        f' (".mp4"), so {show_value(value)} never matches'
    )
    hint = f"did you mean {show_value(normalized)}?" if normalized else None
    return problem("unmatchable-extension", message, hint=hint)
