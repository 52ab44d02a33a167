"""Save-time checks of a node's edge filters."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator

from dagabaaz._pipeline_codes import problem
from dagabaaz._suggest import Suggester
from dagabaaz.constants import FileType, FilterOperator
from dagabaaz.diagnostics import Diagnostic
from dagabaaz.filter import operand_problem
from dagabaaz.models import DagNode, EdgeFilter, FilterRule

__all__ = ["check_edge_filters", "show_value"]

_EQUALITY = frozenset(
    {FilterOperator.EQ, FilterOperator.NEQ, FilterOperator.IN, FilterOperator.NOT_IN}
)
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
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."


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
    reason = operand_problem(rule.operator, rule.value)
    if reason is not None:
        yield problem("invalid-filter-value", f"{where}: {reason}"), ("value",)
        return
    if rule.operator in (FilterOperator.EXISTS, FilterOperator.NOT_EXISTS):
        if rule.value is not None:
            message = f"{where}: '{rule.operator}' ignores its value {show_value(rule.value)}"
            yield problem("ignored-filter-value", message, hint="remove the value"), ("value",)
        return
    if rule.operator not in _EQUALITY:
        return
    if rule.field == "file_type":
        yield from _compared_values(rule, where, _file_type_problem)
    elif rule.field == "extension":
        yield from _compared_values(rule, where, _extension_problem)


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
    if not isinstance(value, str):
        return None
    normalized = value.rpartition(".")[2].lower()
    if normalized == value:
        return None
    message = (
        f"{where}: extensions are compared lower-case and without dots,"
        f" so {show_value(value)} never matches"
    )
    return problem("unmatchable-extension", message, hint=f"write {show_value(normalized)}")
