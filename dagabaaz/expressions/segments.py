"""Brace structure of a template, found without the parser, for error recovery.

Only used after the grammar rejected a template: it cuts the source into text
runs, candidate interpolations, stray closing braces, an unclosed opening
brace and ``{`` found inside an interpolation, so each candidate can be parsed
(and reported) on its own and every problem is found rather than only the
first. Whether a template is valid is decided by the grammar alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = ["Segment", "split_segments"]

SegmentKind = Literal["text", "interpolation", "stray", "unclosed", "nested"]
"""``nested`` is the first ``{`` inside an interpolation; the interpolation
around it is consumed without a segment of its own."""

_TEXT_STOP = re.compile(r"[\\{}]")


@dataclass(frozen=True, slots=True)
class Segment:
    """A slice ``source[start:end]`` and what it looks like."""

    kind: SegmentKind
    start: int
    end: int


def split_segments(source: str) -> list[Segment]:
    """Cut ``source`` into text, candidate interpolations and brace errors."""
    segments: list[Segment] = []
    text_start = i = 0
    n = len(source)
    while True:
        found = _TEXT_STOP.search(source, i)
        if found is None:
            break
        i = found.start()
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if i > text_start:
            segments.append(Segment("text", text_start, i))
        if char == "}":
            segments.append(Segment("stray", i, i + 1))
            i += 1
        else:
            end, inner = _interpolation_end(source, i)
            if inner is not None:
                end = _nested_end(source, i, inner)
            if end is None:
                segments.append(Segment("unclosed", i, n))
                return segments
            if inner is not None:
                segments.append(Segment("nested", inner, inner + 1))
            else:
                segments.append(Segment("interpolation", i, end))
            i = end
        text_start = i
    if n > text_start:
        segments.append(Segment("text", text_start, n))
    return segments


def _interpolation_end(source: str, start: int) -> tuple[int | None, int | None]:
    """Scan the interpolation opened at ``start``.

    Returns the offset just past its closing brace, or else the offset of the
    first ``{`` inside it (the scan stops there), or neither when unclosed.
    """
    brace = next(_structural_braces(source, start + 1), None)
    if brace is None:
        return None, None
    if source[brace] == "{":
        return None, brace
    return brace + 1, None


def _nested_end(source: str, start: int, inner: int) -> int | None:
    """Return where the interpolation at ``start``, holding a ``{`` at ``inner``, ends.

    The inner brace is taken to open a group closed by the next ``}``; the
    interpolation ends at the ``}`` right after that one (``{s.{k}}``), or
    with the group itself (``{s.k | replace({)}``). Deeper nesting is matched
    brace for brace (None when that never closes). Each brace is looked at
    once or twice, so recovery stays linear however many there are.
    """
    group = _next_brace(source, inner + 1)
    if group is None:
        return None
    if source[group] == "{":
        return _balanced_end(source, start)
    after = _next_brace(source, group + 1)
    if after is not None and source[after] == "}":
        return after + 1
    return group + 1


def _balanced_end(source: str, start: int) -> int | None:
    """Return the offset just past the brace matching the one at ``start``, counting nesting."""
    depth = 0
    for i in _structural_braces(source, start):
        depth += 1 if source[i] == "{" else -1
        if depth == 0:
            return i + 1
    return None


def _structural_braces(source: str, start: int) -> Iterator[int]:
    """Yield the offsets of the braces from ``start`` on that shape an interpolation.

    Escaped characters are skipped, and so is a quoted argument (a quote right
    after ``(`` or ``,``, or at ``start``) that closes; an unclosed quote is
    an ordinary character.
    """
    previous = ""
    i = start
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\":
            i += 2
            previous = "\\"
            continue
        if char in "\"'" and previous in "(,":
            closing = _quote_end(source, i)
            if closing is not None:
                i = closing
                previous = char
                continue
        if char in "{}":
            yield i
        if not char.isspace():
            previous = char
        i += 1


def _next_brace(source: str, start: int) -> int | None:
    """Return the offset of the next unescaped ``{`` or ``}`` from ``start``."""
    i = start
    while (found := _TEXT_STOP.search(source, i)) is not None:
        i = found.start()
        if source[i] != "\\":
            return i
        i += 2
    return None


def _quote_end(source: str, start: int) -> int | None:
    """Return the offset just past the quote closing the one at ``start``."""
    quote = source[start]
    i = start + 1
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\":
            i += 2
        elif char == quote:
            return i + 1
        else:
            i += 1
    return None
