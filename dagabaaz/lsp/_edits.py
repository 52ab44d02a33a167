"""Text written into a pipeline file: escaped for the string it goes into, and file-level fixes.

An expression lives in a YAML or JSON string; text completion or a fix puts
there must be written the way that string is written (a ``"`` escaped in a
double-quoted string, ``'`` doubled in a single-quoted one, nothing that
would end a plain one). Fixes of problems outside expressions (a misspelt
dependency, plugin or field, a dependency to add) edit the file around
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.loading._sourcemap import Path
from dagabaaz.lsp._document import Located, PipelineDocument

__all__ = ["FileEdit", "encoded", "file_fixes"]

FileEdit = tuple[int, int, str]
"""Replace the file's ``start:end`` with the text."""

_DID_YOU_MEAN = re.compile(r"did you mean '(.+)'\?$")
_ADD_DEPENDENCY = re.compile(r"add '(.+)' to depends_on$")
_UNSAFE_PLAIN = re.compile(r": |:$| #|[\n\r]")


def encoded(text: str, style: str, syntax: str) -> str | None:
    """Return ``text`` as it must be written in a string of ``style``; None if it cannot be."""
    if syntax == "json" or style == '"':
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if style == "'":
        return None if "\n" in text else text.replace("'", "''")
    if style == "" and _UNSAFE_PLAIN.search(text):
        return None
    return None if "\n" in text else text


def file_fixes(document: PipelineDocument, item: Located) -> Iterator[tuple[str, list[FileEdit]]]:
    """Yield ``(title, edits)`` fixing a problem by editing the file around expressions.

    A misspelt name outside expressions (a dependency, a plugin, a field)
    is replaced by the suggestion; a node read without being a dependency
    is added to ``depends_on`` (a fix of the file even when the read is in
    an expression).
    """
    diagnostic = item.diagnostic
    hint = diagnostic.hint or ""
    found = _DID_YOU_MEAN.search(hint) or _DID_YOU_MEAN.search(diagnostic.message)
    if found is not None and item.end > item.start and diagnostic.expression is None:
        edit = _replace_scalar(document, item, found.group(1))
        if edit is not None:
            yield f"Change to '{found.group(1)}'", [edit]
    added = _ADD_DEPENDENCY.fullmatch(hint)
    if added is not None:
        edit = _add_dependency(document, diagnostic, added.group(1))
        if edit is not None:
            yield f"Add '{added.group(1)}' to depends_on", [edit]


def _replace_scalar(document: PipelineDocument, item: Located, text: str) -> FileEdit | None:
    """Replace the key or value the problem is about, keeping its quotes."""
    source = document.text
    start, end = item.start, item.end
    quote = source[start : start + 1]
    if quote in ("'", '"') and end - start >= 2 and source[end - 1 : end] == quote:
        written = encoded(text, quote, document.syntax)
        return None if written is None else (start + 1, end - 1, written)
    if document.syntax == "json":
        return None
    written = encoded(text, "", "yaml")
    return None if written is None else (start, end, written)


def _add_dependency(
    document: PipelineDocument, diagnostic: Diagnostic, slug: str
) -> FileEdit | None:
    reading = document.reading
    positions = reading.positions
    if positions is None or len(diagnostic.path) < 2:
        return None
    node_path: Path = reading.document_path(diagnostic.path[:2])
    listed = positions.entry((*node_path, "depends_on"))
    text = document.text
    if listed is not None:
        return _append_item(document, (*node_path, "depends_on"), listed.start, listed.end, slug)
    if document.syntax != "yaml":
        return None
    plugin = positions.entry((*node_path, "plugin"))
    if plugin is None or plugin.key_start is None:
        return None
    line_start = text.rfind("\n", 0, plugin.key_start) + 1
    indent = text[line_start : plugin.key_start]
    if indent.strip(" -"):
        return None  # a flow mapping: the node is written on one line
    indent = " " * len(indent)
    line_end = text.find("\n", plugin.end)
    line_end = len(text) if line_end < 0 else line_end
    return line_end, line_end, f"\n{indent}depends_on: [{slug}]"


def _append_item(
    document: PipelineDocument, path: Path, start: int, end: int, slug: str
) -> FileEdit | None:
    text = document.text
    positions = document.reading.positions
    assert positions is not None
    quoted = f'"{slug}"' if document.syntax == "json" else slug
    if text[start : start + 1] == "[":
        closing = end - 1
        empty = not text[start + 1 : closing].strip()
        return closing, closing, quoted if empty else f", {quoted}"
    items = [p for p in positions.paths() if p[:-1] == path and isinstance(p[-1], int)]
    if not items:
        return None
    last = positions.entry(items[-1])
    assert last is not None
    line_start = text.rfind("\n", 0, last.start) + 1
    dash = text.find("-", line_start, last.start)
    if dash < 0:
        return None
    return last.end, last.end, f"\n{text[line_start:dash]}- {slug}"
