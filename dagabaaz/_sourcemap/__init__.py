"""Where things are in a pipeline file: every value's span, and each string's characters.

A :class:`SourceMap` is built from a YAML file's composed nodes or from a
JSON file's text. It answers "where in the file is the value at this
document path" (and its key), and for a string, "where in the file is its
character ``i``", quoting, escapes and YAML folding undone, so a problem
inside an expression is pointed at inside the string that holds it.
Offsets count code points of the file's text; lines and columns are 1-based.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dagabaaz._sourcemap.json_walk import string_offsets, walk_json
from dagabaaz._sourcemap.yaml_scalars import scalar_offsets

__all__ = ["Entry", "Path", "SourceMap"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One value of the document.

    Attributes:
        start: Its first offset in the file (a string's opening quote included).
        end: The offset just past it.
        key_start: Where the key of its mapping entry starts, if it has one.
        key_end: Where that key ends.
        style: For a string, how it is written: ``'"'`` (JSON, or YAML
            double-quoted), ``"'"``, ``"|"``, ``">"`` or ``""`` (plain);
            None for anything else.
        value: For a string, its value.
    """

    start: int
    end: int
    key_start: int | None = None
    key_end: int | None = None
    style: str | None = None
    value: str | None = None


class SourceMap:
    """Spans of a document's values, by document path."""

    def __init__(self, text: str, entries: dict[Path, Entry], syntax: str) -> None:
        self.text = text
        self.syntax = syntax
        self._entries = entries
        self._offsets: dict[Path, list[int] | None] = {}
        self._line_starts: list[int] | None = None

    @classmethod
    def from_json(cls, text: str) -> SourceMap:
        """Map a JSON document (which must be valid JSON)."""
        entries: dict[Path, Entry] = {}
        for path, start, end, key_start, is_string in walk_json(text):
            key_end = None
            if key_start is not None:
                key_end = _json_string_end(text, key_start)
            style = '"' if is_string else None
            entries[path] = Entry(start, end, key_start, key_end, style)
        return cls(text, entries, "json")

    @classmethod
    def from_yaml(cls, text: str, node: Any) -> SourceMap:
        """Map a YAML document from its composed root node (None for an empty document)."""
        entries: dict[Path, Entry] = {}
        if node is not None:
            _walk_yaml(node, (), None, entries, set())
        return cls(text, entries, "yaml")

    def entry(self, path: Path) -> Entry | None:
        """Return the value at ``path``, or None when the document has none there."""
        return self._entries.get(tuple(path))

    def nearest(self, path: Path) -> tuple[Path, Entry] | None:
        """Return the deepest value on the way to ``path`` (``path`` itself when it exists)."""
        path = tuple(path)
        for length in range(len(path), -1, -1):
            found = self._entries.get(path[:length])
            if found is not None:
                return path[:length], found
        return None

    def paths(self) -> Iterator[Path]:
        """Yield every path, parents first."""
        return iter(self._entries)

    def string_offsets(self, path: Path) -> list[int] | None:
        """Return the file offset of each character of the string at ``path``, plus its end.

        None when there is no string there, or when its source cannot be
        read back to its value (then only its span is known).
        """
        path = tuple(path)
        if path in self._offsets:
            return self._offsets[path]
        entry = self._entries.get(path)
        found: list[int] | None = None
        if entry is not None and entry.style is not None:
            if self.syntax == "json":
                found = string_offsets(self.text, entry.start, entry.end)
            elif entry.value is not None:
                style = entry.style or None
                found = scalar_offsets(self.text, entry.start, entry.end, style, entry.value)
        self._offsets[path] = found
        return found

    def line_column(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of file ``offset``."""
        if self._line_starts is None:
            starts = [0]
            position = self.text.find("\n")
            while position >= 0:
                starts.append(position + 1)
                position = self.text.find("\n", position + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1


def _json_string_end(text: str, start: int) -> int:
    i = start + 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _walk_yaml(node: Any, path: Path, key: Any, entries: dict[Path, Entry], seen: set[int]) -> None:
    # Iterative over siblings, recursive over depth; a node met twice (an
    # alias) is mapped once: the strict loader refuses aliases anyway.
    stack = [(node, path, key)]
    while stack:
        current, where, key_node = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        key_start = key_end = None
        if key_node is not None:
            key_start, key_end = key_node.start_mark.index, key_node.end_mark.index
        value = current.value
        if isinstance(value, str):
            style = current.style if current.style is not None else ""
            entries[where] = Entry(
                current.start_mark.index,
                current.end_mark.index,
                key_start,
                key_end,
                style,
                value,
            )
            continue
        entries[where] = Entry(current.start_mark.index, current.end_mark.index, key_start, key_end)
        children: list[tuple[Any, Path, Any]] = []
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, tuple):
                    child_key, child = item
                    segment = child_key.value if isinstance(child_key.value, str) else None
                    if segment is not None:
                        children.append((child, (*where, segment), child_key))
                else:
                    children.append((item, (*where, index), None))
        stack.extend(reversed(children))
