"""Brace structure of a template, found without the parser, for error recovery.

Only used after the grammar rejected a template: it cuts the source into text
runs, candidate interpolations, stray closing braces and an unclosed opening
brace, so each candidate can be parsed (and reported) on its own and every
problem is found rather than only the first. Whether a template is valid is
decided by the grammar alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Segment", "split_segments"]

SegmentKind = Literal["text", "interpolation", "stray", "unclosed"]

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
            end = _interpolation_end(source, i)
            if end is None:
                segments.append(Segment("unclosed", i, n))
                return segments
            segments.append(Segment("interpolation", i, end))
            i = end
        text_start = i
    if n > text_start:
        segments.append(Segment("text", text_start, n))
    return segments


def _interpolation_end(source: str, start: int) -> int | None:
    """Return the offset just past the brace closing the one at ``start``."""
    depth = 0
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
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        if not char.isspace():
            previous = char
        i += 1
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
