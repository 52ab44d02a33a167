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

from dagabaaz.loading._json_positions import string_offsets, walk_json
from dagabaaz.loading._yaml_scalars import scalar_offsets

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
        style: For a scalar, how it is written: ``'"'`` (a JSON string, or
            YAML double-quoted), ``"'"``, ``"|"``, ``">"`` or ``""`` (plain:
            in JSON a number, ``true``, ``false`` or ``null``); None for a
            list or a mapping.
        value: For a YAML scalar, its text as PyYAML read it.
    """

    start: int
    end: int
    key_start: int | None = None
    key_end: int | None = None
    style: str | None = None
    value: str | None = None


class SourceMap:
    """Spans of a document's values, by document path.

    The spans are kept in flat columns (one list per field), so moving all
    of them after an edit (:meth:`shifted`) is a few list comprehensions.
    """

    def __init__(
        self,
        text: str,
        entries: dict[Path, Entry],
        syntax: str,
        flow: frozenset[Path] = frozenset(),
    ) -> None:
        self.text = text
        self.syntax = syntax
        self.flow = flow
        """Paths of the collections written in flow style (``[a, b]``, ``{k: v}``)."""
        self._index = {path: position for position, path in enumerate(entries)}
        values = list(entries.values())
        self._starts = [e.start for e in values]
        self._ends = [e.end for e in values]
        self._key_starts = [-1 if e.key_start is None else e.key_start for e in values]
        self._key_ends = [-1 if e.key_end is None else e.key_end for e in values]
        self._styles = [e.style for e in values]
        self._values = [e.value for e in values]
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
            if is_string:
                style: str | None = '"'
            else:
                style = None if text[start] in "{[" else ""  # a number, true, false, null
            entries[path] = Entry(start, end, key_start, key_end, style)
        return cls(text, entries, "json")

    @classmethod
    def from_yaml(cls, text: str, node: Any) -> SourceMap:
        """Map a YAML document from its composed root node (None for an empty document)."""
        entries: dict[Path, Entry] = {}
        flow: set[Path] = set()
        if node is not None:
            _walk_yaml(node, (), None, entries, flow)
        return cls(text, entries, "yaml", frozenset(flow))

    def entry(self, path: Path) -> Entry | None:
        """Return the value at ``path``, or None when the document has none there."""
        position = self._index.get(tuple(path))
        if position is None:
            return None
        key_start, key_end = self._key_starts[position], self._key_ends[position]
        return Entry(
            self._starts[position],
            self._ends[position],
            None if key_start < 0 else key_start,
            None if key_end < 0 else key_end,
            self._styles[position],
            self._values[position],
        )

    def nearest(self, path: Path) -> tuple[Path, Entry] | None:
        """Return the deepest value on the way to ``path`` (``path`` itself when it exists)."""
        path = tuple(path)
        for length in range(len(path), -1, -1):
            found = self.entry(path[:length])
            if found is not None:
                return path[:length], found
        return None

    def paths(self) -> Iterator[Path]:
        """Yield every path, parents first."""
        return iter(self._index)

    def scalar_around(self, start: int, end: int) -> Path | None:
        """Return the path of the scalar whose span holds ``start:end``, if one does."""
        starts, ends, styles = self._starts, self._ends, self._styles
        for path, position in self._index.items():
            if styles[position] is not None and starts[position] <= start and end <= ends[position]:
                return path
        return None

    def shifted(self, text: str, path: Path, value: str | None, delta: int) -> SourceMap:
        """Return the map of ``text``: the string at ``path`` is now ``value``, ``delta`` longer.

        Everything after the string's start moves by ``delta``; the string's
        own end does too, and its characters are decoded again when asked.
        """
        moved = object.__new__(SourceMap)
        moved.text = text
        moved.syntax = self.syntax
        moved.flow = self.flow
        moved._index = self._index
        position = self._index[tuple(path)]
        after = self._starts[position]
        moved._starts = [s + delta if s > after else s for s in self._starts]
        moved._ends = [e + delta if e > after else e for e in self._ends]
        moved._key_starts = [k + delta if k > after else k for k in self._key_starts]
        moved._key_ends = [k + delta if k > after else k for k in self._key_ends]
        moved._styles = self._styles
        moved._values = list(self._values)
        moved._values[position] = value
        moved._offsets = {}
        moved._line_starts = None
        return moved

    def replaced(
        self, text: str, path: Path, part: SourceMap, offset: int, old_end: int, delta: int
    ) -> SourceMap:
        """Return the map of ``text``, where the value at ``path`` was read again as ``part``.

        ``part`` maps that value's text alone, read from ``offset`` in
        ``text``: as a JSON value, or as a YAML sequence of one item (the
        item is the value). The value used to end at ``old_end``; everything
        at or after it moves by ``delta``. The columns are copied, not the
        entries: a few list operations for the whole document.
        """
        path = tuple(path)
        depth = len(path)
        skip = 0 if part.syntax == "json" else 1  # the YAML part's item is under its (0,)
        moved = object.__new__(SourceMap)
        moved.text = text
        moved.syntax = self.syntax
        moved._offsets = {}
        moved._line_starts = None
        index: dict[Path, int] = {}
        starts: list[int] = []
        ends: list[int] = []
        key_starts: list[int] = []
        key_ends: list[int] = []
        styles: list[str | None] = []
        values: list[str | None] = []

        def keep(source: SourceMap, position: int, at: Path, shift: int, moving: int) -> None:
            # ``moving``: offsets at or past it move by ``shift`` (all of them when it is 0).
            index[at] = len(starts)
            for column, target in (
                (source._starts, starts),
                (source._ends, ends),
                (source._key_starts, key_starts),
                (source._key_ends, key_ends),
            ):
                value = column[position]
                target.append(value + shift if value >= moving and value >= 0 else value)
            styles.append(source._styles[position])
            values.append(source._values[position])

        for current, position in self._index.items():
            if current[:depth] != path:
                keep(self, position, current, delta, old_end)
            elif current == path:
                for sub_path, sub_position in part._index.items():
                    if skip and sub_path[:1] != (0,):
                        continue
                    keep(part, sub_position, (*path, *sub_path[skip:]), offset, 0)
        moved._index = index
        moved._starts, moved._ends = starts, ends
        moved._key_starts, moved._key_ends = key_starts, key_ends
        moved._styles, moved._values = styles, values
        flow = {p for p in self.flow if p[:depth] != path}
        flow |= {(*path, *p[skip:]) for p in part.flow if not skip or p[:1] == (0,)}
        moved.flow = frozenset(flow)
        return moved

    def string_offsets(self, path: Path) -> list[int] | None:
        """Return the file offset of each character of the string at ``path``, plus its end.

        None when there is no string there, or when its source cannot be
        read back to its value (then only its span is known).
        """
        path = tuple(path)
        if path in self._offsets:
            return self._offsets[path]
        entry = self.entry(path)
        found: list[int] | None = None
        if entry is not None and entry.style is not None:
            if self.syntax == "json":
                if entry.style == '"':
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


def _walk_yaml(
    node: Any, path: Path, key: Any, entries: dict[Path, Entry], flow: set[Path]
) -> None:
    # Depth first with a stack of its own: depth costs no recursion. A node
    # met twice (an alias) is mapped once: the strict loader refuses aliases.
    seen: set[int] = set()
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
        if getattr(current, "flow_style", False):
            flow.add(where)
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
