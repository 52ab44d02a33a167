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
        self.exact = True
        """Whether every value has a path of its own (YAML keys ``1`` and ``'1'`` share one)."""
        self.fast = True
        """Whether the reader a part of the file is read by alone read the file (libyaml, for
        YAML, when PyYAML has it): the readers disagree on a few texts."""
        self._paths = list(entries)
        self._index = {path: position for position, path in enumerate(self._paths)}
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
    def from_yaml(cls, text: str, node: Any, *, fast: bool = True) -> SourceMap:
        """Map a YAML document from its composed root node (None for an empty document).

        ``fast`` says whether libyaml read it (see :attr:`fast`).
        """
        entries: dict[Path, Entry] = {}
        flow: set[Path] = set()
        exact = node is None or _walk_yaml(node, (), None, entries, flow)
        found = cls(text, entries, "yaml", frozenset(flow))
        found.exact = exact
        found.fast = fast
        return found

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
        moved.exact = self.exact
        moved.fast = self.fast
        moved._paths, moved._index = self._paths, self._index
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
        self,
        text: str,
        path: Path,
        part: SourceMap,
        offset: int,
        old_end: int,
        delta: int,
        under: Path = (),
    ) -> SourceMap:
        """Return the map of ``text``, where the value at ``path`` was read again as ``part``.

        ``part`` maps a snippet of ``text`` read alone from ``offset``; the
        value is its entry at ``under`` (``()`` for a JSON value read alone,
        ``(0,)`` for a YAML sequence of one item, ``(key,)`` for a YAML
        mapping of one entry). The value's key, outside the snippet, keeps
        its place when the part gives it none. Every other offset at or past
        ``old_end`` moves by ``delta``. The columns are sliced and shifted in
        list comprehensions: a value's subtree is a run of the columns
        (parents come first, in document order).
        """
        path, under = tuple(path), tuple(under)
        first = self._index[path]
        last = _subtree_end(self._paths, first, path)
        low = part._index[under]
        high = _subtree_end(part._paths, low, under)
        depth = len(under)
        paths = [(*path, *sub[depth:]) for sub in part._paths[low:high]]
        moved = object.__new__(SourceMap)
        moved.text = text
        moved.syntax = self.syntax
        moved._offsets = {}
        moved._line_starts = None
        if paths == self._paths[first:last]:
            moved._paths, moved._index = self._paths, self._index
        else:
            moved._paths = [*self._paths[:first], *paths, *self._paths[last:]]
            moved._index = {at: position for position, at in enumerate(moved._paths)}

        def column(mine: list[int], theirs: list[int]) -> list[int]:
            before = [v + delta if v >= old_end else v for v in mine[:first]]
            inside = [v + offset if v >= 0 else v for v in theirs[low:high]]
            after = [v + delta if v >= old_end else v for v in mine[last:]]
            return before + inside + after

        moved._starts = column(self._starts, part._starts)
        moved._ends = column(self._ends, part._ends)
        moved._key_starts = column(self._key_starts, part._key_starts)
        moved._key_ends = column(self._key_ends, part._key_ends)
        if part._key_starts[low] < 0:  # the key is outside the snippet: it has not moved
            moved._key_starts[first] = self._key_starts[first]
            moved._key_ends[first] = self._key_ends[first]
        moved._styles = [*self._styles[:first], *part._styles[low:high], *self._styles[last:]]
        moved._values = [*self._values[:first], *part._values[low:high], *self._values[last:]]
        depth_here = len(path)
        flow = {p for p in self.flow if p[:depth_here] != path}
        flow |= {(*path, *p[depth:]) for p in part.flow if p[:depth] == under}
        moved.flow = frozenset(flow)
        moved.exact = self.exact and part.exact
        moved.fast = self.fast and part.fast
        return moved

    def moved(self, text: str, start: int, old_end: int, delta: int) -> SourceMap:
        """Return the map of ``text``, where ``start:old_end`` became ``delta`` longer.

        For an edit that changed no value (a comment, blank lines,
        whitespace between values): every path, style and value stays, and
        what is at or past ``old_end`` moves. Where text was put at an
        offset a value ends at, the value stays before it, unless it is a
        YAML block collection: those end where the next thing starts.
        """
        moved = object.__new__(SourceMap)
        moved.text = text
        moved.syntax = self.syntax
        moved.flow = self.flow
        moved.exact = self.exact
        moved.fast = self.fast
        moved._paths, moved._index = self._paths, self._index
        moved._starts = [v + delta if v >= old_end else v for v in self._starts]
        ends = [v + delta if v >= old_end and v != start else v for v in self._ends]
        if start == old_end and self.syntax == "yaml":
            for position, end in enumerate(self._ends):
                block = self._styles[position] is None and self._paths[position] not in self.flow
                if end == start and block:
                    ends[position] = end + delta
        moved._ends = ends
        moved._key_starts = [v + delta if v >= old_end else v for v in self._key_starts]
        moved._key_ends = [v + delta if v >= old_end and v != start else v for v in self._key_ends]
        moved._styles, moved._values = self._styles, self._values
        moved._offsets = {}
        moved._line_starts = None
        return moved

    def renamed(
        self, text: str, path: Path, name: str, start: int, old_end: int, delta: int
    ) -> SourceMap:
        """Return the map of ``text``, where the key of the value at ``path`` is now ``name``.

        The edit (``start:old_end``, now ``delta`` longer) was inside that
        key, or at its edges: the key still starts where it did and ends
        ``delta`` later; what is past the edit moves, what is at its start
        (the key's start, where the value before it ends) stays.
        """
        path = tuple(path)
        depth = len(path)
        first = self._index[path]
        last = _subtree_end(self._paths, first, path)
        new_path = (*path[:-1], name)
        inside = [(*new_path, *sub[depth:]) for sub in self._paths[first:last]]
        moved = object.__new__(SourceMap)
        moved.text = text
        moved.syntax = self.syntax
        moved.exact = self.exact
        moved.fast = self.fast
        moved._paths = [*self._paths[:first], *inside, *self._paths[last:]]
        moved._index = {at: position for position, at in enumerate(moved._paths)}

        def column(values: list[int]) -> list[int]:
            return [v + delta if v >= old_end and v != start else v for v in values]

        moved._starts = column(self._starts)
        moved._ends = column(self._ends)
        moved._key_starts = column(self._key_starts)
        moved._key_ends = column(self._key_ends)
        moved._key_ends[first] = self._key_ends[first] + delta
        moved._styles, moved._values = self._styles, self._values
        moved.flow = frozenset(
            (*new_path, *p[depth:]) if p[:depth] == path else p for p in self.flow
        )
        moved._offsets = {}
        moved._line_starts = None
        return moved

    def touches(self, start: int, end: int, *, flow: bool = False) -> bool:
        """Whether an edit touches a scalar, a key or (with ``flow``) a flow collection.

        The edit removed ``start:end`` (nothing when they are equal) and put
        text at ``start``: a span is touched when it lost a character, or
        when the text went strictly inside it. A block scalar (``|``, ``>``)
        is touched by an edit at its very edges too: its trailing blank
        lines can be its text.
        """

        def hit(low: int, high: int) -> bool:
            return (low < end and start < high) or low < start < high

        for position, style in enumerate(self._styles):
            if style is None:
                continue
            low, high = self._starts[position], self._ends[position]
            if hit(low, high) or (style in ("|", ">") and low <= end and start <= high):
                return True
        for low, high in zip(self._key_starts, self._key_ends, strict=True):
            if low >= 0 and hit(low, high):
                return True
        if flow:
            for path in self.flow:
                position = self._index[path]
                if hit(self._starts[position], self._ends[position]):
                    return True
        return False

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


def _subtree_end(paths: list[Path], first: int, path: Path) -> int:
    """Return the position just past the subtree of ``path``, which is at ``first``."""
    depth = len(path)
    last = first + 1
    while last < len(paths) and paths[last][:depth] == path:
        last += 1
    return last


def _json_string_end(text: str, start: int) -> int:
    i = start + 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _walk_yaml(
    node: Any, path: Path, key: Any, entries: dict[Path, Entry], flow: set[Path]
) -> bool:
    """Map ``node`` into ``entries``, parents first; False when two values met at one path."""
    # Depth first with a stack of its own: depth costs no recursion. A node
    # met twice (an alias) is mapped once: the strict loader refuses aliases.
    exact = True
    seen: set[int] = set()
    stack = [(node, path, key)]
    while stack:
        current, where, key_node = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        exact = exact and where not in entries
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
    return exact
