"""One open pipeline file: what it holds, what is wrong with it, where its expressions are.

A :class:`PipelineDocument` is read again after every edit. Nodes that did
not change keep their diagnostics (:class:`~dagabaaz.validation.PipelineValidator`),
so a one-character edit in a large pipeline checks one node. An edit that
stays inside one value, one node or one top-level value, or changes no
value at all (a comment, blank lines), is applied to the last reading
without reading the file again. While the text does not parse (a quote
being typed), the last reading that did is kept to read the next edit
against: the edit that mends the file is read as one edit of that reading.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.editor import EditorScope
from dagabaaz.editor.files import diagnose_file
from dagabaaz.loading import PipelineReading, Syntax, read_pipeline_text
from dagabaaz.loading._sourcemap import Path
from dagabaaz.models import ExpressionSource
from dagabaaz.pipes import PipeRegistry
from dagabaaz.plugins import PluginMeta
from dagabaaz.validation import PipelineValidator

__all__ = ["Found", "Located", "PipelineDocument", "Project"]


@dataclass(frozen=True)
class Project:
    """What the server knows beyond the file: custom pipes and plugins."""

    pipes: PipeRegistry | None = None
    plugins: Mapping[str, PluginMeta | None] | None = None
    """Known plugins by name, with their metadata when declared; None: any plugin."""

    def scope_plugins(self) -> Mapping[str, PluginMeta] | None:
        """Return the plugins with metadata, as :meth:`EditorScope.for_node` takes them."""
        if self.plugins is None:
            return None
        return {name: meta for name, meta in self.plugins.items() if meta is not None}


@dataclass(frozen=True)
class Located:
    """A problem of the file and the span of the file it is about (empty where none is known).

    ``diagnostic`` is a validation diagnostic, or a file problem turned into
    one (such as ``unknown-field`` or ``invalid-yaml``).
    """

    diagnostic: Diagnostic
    start: int
    end: int


@dataclass(frozen=True)
class Found:
    """An expression of the file at a cursor.

    Attributes:
        node: Index of the node the expression belongs to.
        path: Its pipeline path (``("nodes", 2, "bindings", "title", "expression")``).
        source: The expression text.
        offsets: The file offset of each of its characters, plus its end.
        style: How the string is written in the file (see
            :class:`~dagabaaz.loading._sourcemap.Entry`).
        cursor: The cursor's offset in ``source``.
    """

    node: int
    path: Path
    source: str
    offsets: list[int]
    style: str
    cursor: int

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the file span of the expression's characters ``start:end``."""
        last = len(self.offsets) - 1
        return self.offsets[min(start, last)], self.offsets[min(end, last)]


class PipelineDocument:
    """An open pipeline file, read and validated."""

    def __init__(self, text: str, syntax: Syntax, project: Project | None = None) -> None:
        self.syntax = syntax
        self.project = project or Project()
        self._validator = PipelineValidator(pipes=self.project.pipes, plugins=self.project.plugins)
        self._scopes: dict[int, EditorScope] = {}
        self.reading = read_pipeline_text(text, syntax=syntax)
        self._parsed = self.reading
        self.located: list[Located] = []
        self._expressions: list[tuple[int, int, Path, int]] = []
        self._refresh()

    @property
    def text(self) -> str:
        """The file's text."""
        return self.reading.text

    def update(self, text: str) -> None:
        """Read the file again after an edit (the whole new text)."""
        if text == self.reading.text:
            return
        previous = self.reading if self.reading.positions is not None else self._parsed
        self.reading = read_pipeline_text(text, syntax=self.syntax, previous=previous)
        if self.reading.positions is not None:
            self._parsed = self.reading
        self._scopes.clear()
        self._refresh()

    def _refresh(self) -> None:
        found = diagnose_file(self.reading, validator=self._validator)
        self.located = [
            Located(item.diagnostic, item.start or 0, item.end or item.start or 0) for item in found
        ]
        self._expressions = sorted(_expression_spans(self.reading))

    def expression_at(self, offset: int) -> Found | None:
        """Return the expression whose string holds file ``offset`` (its quotes excluded)."""
        positions = self.reading.positions
        if positions is None:
            return None
        index = bisect.bisect_right(self._expressions, (offset, float("inf"))) - 1
        if index < 0:
            return None
        start, end, path, node = self._expressions[index]
        if not start <= offset <= end:
            return None
        entry = positions.entry(self.reading.document_path(path))
        offsets = positions.string_offsets(self.reading.document_path(path))
        if entry is None or offsets is None or entry.style is None:
            return None
        source = _string_at(self.reading, path)
        if source is None or len(offsets) != len(source) + 1:
            return None
        if not offsets[0] <= offset <= offsets[-1]:
            return None
        cursor = bisect.bisect_right(offsets, offset) - 1
        return Found(node, path, source, offsets, entry.style, max(cursor, 0))

    def expressions(self) -> Iterator[Found]:
        """Yield every expression of the file whose characters can be placed, in file order."""
        for start, end, _path, _node in self._expressions:
            for offset in (start + 1, start):
                found = self.expression_at(min(offset, end))
                if found is not None:
                    yield found
                    break

    def scope(self, node: int) -> EditorScope:
        """Return what the expressions of node ``node`` may read."""
        found = self._scopes.get(node)
        if found is None:
            nodes = [n for n in self.reading.nodes if n is not None]
            target = self.reading.nodes[node]
            slug = target.slug if target is not None else ""
            try:
                found = EditorScope.for_node(
                    nodes, slug, pipes=self.project.pipes, plugins=self.project.scope_plugins()
                )
            except KeyError:
                found = EditorScope.standalone(self.project.pipes)
            self._scopes[node] = found
        return found


def _expression_paths(reading: PipelineReading) -> Iterator[tuple[Path, int]]:
    for index, node in enumerate(reading.nodes):
        if node is None:
            continue
        for field, binding in node.bindings.items():
            base = ("nodes", index, "bindings", field)
            if isinstance(binding, ExpressionSource):
                yield (*base, "expression"), index
            if binding.when is not None:
                yield (*base, "when"), index


def _expression_spans(reading: PipelineReading) -> Iterator[tuple[int, int, Path, int]]:
    positions = reading.positions
    if positions is None:
        return
    for path, index in _expression_paths(reading):
        entry = positions.entry(reading.document_path(path))
        if entry is not None and entry.style is not None:
            yield entry.start, entry.end, path, index


def _string_at(reading: PipelineReading, path: Path) -> str | None:
    node = reading.nodes[int(path[1])]
    if node is None:
        return None
    binding = node.bindings.get(str(path[3]))
    if binding is None:
        return None
    if path[4] == "when":
        return binding.when
    return binding.expression if isinstance(binding, ExpressionSource) else None
