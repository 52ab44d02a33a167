"""The codes of problems with a pipeline file itself, each with its meaning, in one table.

Every :class:`~dagabaaz.errors.FileProblem` the loader reports is built
through :func:`file_problem`, so its code is one of these; docs/editor/codes.md
documents each and a test keeps the two in step.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from dagabaaz.errors import FileProblem

__all__ = ["FILE_CODES", "file_problem"]

FILE_CODES: Final = MappingProxyType(
    {
        "file-not-found": "There is no file at the path given.",
        "not-a-file": "The path is a directory, not a file.",
        "unreadable-file": "The file exists but cannot be read (permissions, I/O).",
        "file-too-large": "The file is over the size pipeline files are limited to.",
        "not-utf8": "The file is not UTF-8 text.",
        "unknown-file-suffix": "The file name ends in neither .json, .yaml nor .yml.",
        "yaml-unavailable": "Reading YAML needs PyYAML, which is not installed.",
        "empty-file": "The file holds nothing.",
        "invalid-json": "The file is not valid JSON (or holds what JSON has no place for).",
        "invalid-yaml": "The file is not valid YAML, or uses what pipeline files refuse.",
        "not-a-pipeline": "The document is neither a list of nodes nor an object with nodes.",
        "unknown-field": "An object has a field its model lacks; the hint names the one meant.",
        "missing-field": "An object lacks a field its model requires.",
        "unknown-binding-source": "A binding's source is none of the four kinds.",
        "invalid-value": "A value is of the wrong type or outside what the field accepts.",
    }
)
"""Every code of a problem with a pipeline file, with what it means."""


def file_problem(
    code: str,
    message: str,
    *,
    path: tuple[str | int, ...] = (),
    line: int | None = None,
    column: int | None = None,
    hint: str | None = None,
) -> FileProblem:
    """Return a :class:`FileProblem` with one of the :data:`FILE_CODES`."""
    assert code in FILE_CODES, code
    return FileProblem(message, path=path, line=line, column=column, code=code, hint=hint)
