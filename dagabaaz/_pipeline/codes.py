"""The pipeline diagnostic codes: each code's severity and meaning, in one table.

Validation builds every diagnostic through :func:`problem`, so a code's
severity is decided here and nowhere else; docs/editor/codes.md documents
each code and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from dagabaaz.diagnostics import Diagnostic, Severity

__all__ = ["PIPELINE_CODES", "CodeInfo", "problem"]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What one pipeline diagnostic code means.

    Attributes:
        severity: Severity every diagnostic with this code carries.
        summary: One line saying what the code reports.
    """

    severity: Severity
    summary: str


def _error(summary: str) -> CodeInfo:
    return CodeInfo("error", summary)


def _warning(summary: str) -> CodeInfo:
    return CodeInfo("warning", summary)


PIPELINE_CODES: Final = MappingProxyType(
    {
        "invalid-node": _error("An entry of the node list is not a DagNode."),
        "empty-pipeline": _error("The pipeline has no nodes."),
        "empty-slug": _error("A node has an empty slug."),
        "duplicate-slug": _error("Two nodes share a slug."),
        "reserved-slug": _error("A slug is a reserved expression namespace (input, config)."),
        "empty-plugin": _error("A node names no plugin."),
        "unknown-plugin": _error("A node names a plugin that is not known."),
        "unknown-dependency": _error("depends_on names a slug no node has."),
        "self-dependency": _error("A node depends on itself."),
        "repeated-dependency": _error("depends_on names the same node twice."),
        "dependency-cycle": _error("Nodes wait for each other in a cycle."),
        "no-root": _error("Every node has dependencies, so nothing can start."),
        "root-fan-mode": _warning("A root node sets a fan mode, which has no effect on it."),
        "filter-not-a-dependency": _error("An edge filter is keyed by a slug not in depends_on."),
        "empty-filter-field": _error("A filter rule has an empty field."),
        "invalid-filter-value": _error(
            "A filter rule's value cannot work with its operator or its built-in field."
        ),
        "unknown-file-type": _error("A file_type rule compares with a value that is no file type."),
        "unmatchable-extension": _warning(
            "An extension rule value lacks its leading dot, has capitals or several"
            " suffixes, so it never matches."
        ),
        "ignored-filter-value": _warning("An exists/not_exists rule carries a value it ignores."),
        "misspelt-filter-field": _warning(
            "A filter rule's field is one edit away from a built-in field (file_tpye),"
            " so it reads a metadata key that is likely absent."
        ),
        "empty-binding-field": _error("A binding is keyed by an empty field name."),
        "empty-source-node": _error("A previous_node binding names no node."),
        "empty-source-key": _error("A previous_node binding names no key."),
        "undeclared-dependency": _error(
            "A binding, expression or when clause reads a node not in depends_on."
        ),
        "unknown-key": _warning(
            "A binding reads a key that the dependency's plugin does not declare among its outputs."
        ),
    }
)
"""Every pipeline-level code (expression codes come from the expression toolkit)."""


def problem(code: str, message: str, *, hint: str | None = None) -> Diagnostic:
    """Return an unlocated diagnostic for a pipeline ``code``, with its table severity."""
    return Diagnostic(code=code, message=message, severity=PIPELINE_CODES[code].severity, hint=hint)
