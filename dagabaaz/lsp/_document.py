"""One open pipeline file: what it holds, what is wrong with it, where its expressions are.

A :class:`PipelineDocument` is read again after every edit. Nodes that did
not change keep their diagnostics (:class:`~dagabaaz.validation.PipelineValidator`),
so a one-character edit in a large pipeline checks one node. An edit that
stays inside one string of the file (typing in an expression, the usual
case) is applied to the last reading without reading the file again.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dagabaaz.diagnostics import Diagnostic
from dagabaaz.editor import EditorScope
from dagabaaz.errors import FileProblem, PipelineFileError
from dagabaaz.loading import _parse_json as parse_json
from dagabaaz.loading._reading import PipelineReading, Syntax, read_pipeline
from dagabaaz.loading._sourcemap import Path
from dagabaaz.loading._yaml import YamlError, load_yaml
from dagabaaz.models import DagNode, ExpressionSource
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
    """A problem of the file and the span of the file it is about.

    ``diagnostic`` is a validation diagnostic, or a file problem turned into
    one (code ``invalid-pipeline-file``).
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
        self.reading = read_pipeline(text, syntax=syntax)
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
        patched = _patch(self.reading, text)
        self.reading = patched if patched is not None else read_pipeline(text, syntax=self.syntax)
        self._scopes.clear()
        self._refresh()

    def _refresh(self) -> None:
        reading = self.reading
        located: list[Located] = []
        for problem, span in zip(reading.problems, reading.problem_spans, strict=False):
            diagnostic = _file_diagnostic(problem)
            start, end = span if span is not None else (0, 0)
            located.append(Located(diagnostic, start, end))
        nodes = [node if node is not None else _PLACEHOLDER for node in reading.nodes]
        if nodes:
            for diagnostic in self._validator.validate(nodes):
                if _about_placeholder(diagnostic, reading) or reading.covers(diagnostic.path):
                    continue
                span = reading.locate(diagnostic)
                start, end = span if span is not None else (0, 0)
                located.append(Located(diagnostic, start, end))
        self.located = located
        self._expressions = sorted(_expression_spans(reading))

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


_PLACEHOLDER = DagNode(slug="", plugin="")
"""Stands in for a node nothing could be made of, so the others keep their indices."""


def _about_placeholder(diagnostic: Diagnostic, reading: PipelineReading) -> bool:
    path = diagnostic.path
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        return path[1] < len(reading.nodes) and reading.nodes[path[1]] is None
    return False


def _file_diagnostic(problem: FileProblem) -> Diagnostic:
    return problem.to_diagnostic()


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


# --- Typing inside one value: no need to read the whole file again -----------------

_UNSAFE_PLAIN = re.compile(r": |:$| #|[\n\r]")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
_INDICATORS = "{[&*!|>'\"%@`#,?-"


def _patch(reading: PipelineReading, text: str) -> PipelineReading | None:
    """Return ``reading`` with one value changed, when the edit stayed inside one; else None.

    The edit is found by comparing the texts. It must lie inside one scalar
    of a node (its quotes excluded), change no line break, and leave that
    scalar the same kind of scalar, whole; the node must still be a valid
    node. Then that scalar alone is read again and its node rebuilt; every
    span after it moves by the edit's length. Anything else (a key, the
    structure, a file with problems) is read again from the start.
    """
    positions = reading.positions
    if positions is None or reading.problems or reading.data is None:
        return None
    old = reading.text
    start, old_end, new_end = _changed(old, text)
    if "\n" in old[start:old_end] or "\n" in text[start:new_end]:
        return None
    path = positions.scalar_around(start, old_end)
    if path is None:
        return None
    entry = positions.entry(path)
    assert entry is not None and entry.style is not None
    quoted = entry.style in ("'", '"')
    if quoted and not (entry.start < start and old_end < entry.end):
        return None  # the quotes themselves were edited
    delta = new_end - old_end
    raw = text[entry.start : entry.end + delta]
    if positions.syntax == "json":
        value = _json_scalar(raw)
    else:
        value = _yaml_scalar(raw, entry.style, in_flow=path[:-1] in positions.flow)
    if value is _UNREADABLE:
        return None
    pipeline_path = ("nodes", *path) if reading.listed else path
    if (
        len(pipeline_path) < 3
        or pipeline_path[0] != "nodes"
        or not isinstance(pipeline_path[1], int)
    ):
        return None
    data = _replaced(reading.data, path, value)
    index = pipeline_path[1]
    items = data if reading.listed else data["nodes"]
    try:
        node = DagNode.model_validate(items[index])
    except ValidationError:
        return None
    nodes = list(reading.nodes)
    nodes[index] = node
    stored = _scalar_text(raw, entry.style, value) if positions.syntax == "yaml" else None
    moved = positions.shifted(text, path, stored, delta)
    return dataclasses.replace(reading, text=text, positions=moved, nodes=tuple(nodes), data=data)


_UNREADABLE: Any = object()


def _scalar_text(raw: str, style: str, value: Any) -> str | None:
    """Return the text a YAML scalar's entry keeps (PyYAML's view of it)."""
    if isinstance(value, str):
        return value
    return raw if style == "" else None


def _replaced(data: Any, path: Path, value: Any) -> Any:
    """Return ``data`` with ``value`` at ``path``, copying only the containers on the way."""
    if not path:
        return value
    head = path[0]
    copy: Any = list(data) if isinstance(data, list) else dict(data)
    copy[head] = _replaced(data[head], path[1:], value)
    return copy


def _changed(old: str, new: str) -> tuple[int, int, int]:
    """Return where ``old`` and ``new`` start to differ, and where the difference ends in each."""
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest common prefix, compared in halves (C-speed slices)
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, min(len(old), len(new)) - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix, len(old) - low, len(new) - low


def _json_scalar(raw: str) -> Any:
    if not raw or raw[0] in "{[" or raw != raw.strip():
        return _UNREADABLE
    try:
        return parse_json(raw, "<edit>")
    except PipelineFileError:
        return _UNREADABLE


def _yaml_scalar(raw: str, style: str, *, in_flow: bool) -> Any:
    """Read one flow scalar alone, by the strict rules; unreadable unless the same kind, whole."""
    if style in ("|", ">") or not raw:
        return _UNREADABLE
    if style == "" and (_UNSAFE_PLAIN.search(raw) or raw[0] in _INDICATORS or raw != raw.strip()):
        return _UNREADABLE
    if style == "" and in_flow and _FLOW_INDICATORS.search(raw):
        return _UNREADABLE
    try:
        value, node = load_yaml(raw)
    except (YamlError, RecursionError):
        return _UNREADABLE
    if node is None or node.value is None or isinstance(node.value, list):
        return _UNREADABLE
    if (node.style or "") != style or node.end_mark.index != len(raw):
        return _UNREADABLE
    return value
