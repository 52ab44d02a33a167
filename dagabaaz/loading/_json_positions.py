r"""Where every value of a JSON document is, and where each character of its strings came from.

The standard library's parser keeps no positions; this walk reads a
document that already parsed (so it trusts the syntax) and records, for
each value, its document path and its span in the text. A string's
characters map back through its escapes (``\n``, ``\u00e9``, surrogate
pairs) with :func:`string_offsets`.
"""

from __future__ import annotations

import json

__all__ = ["Found", "string_offsets", "walk_json"]

_WHITESPACE = " \t\n\r"
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}

Found = tuple[tuple[str | int, ...], int, int, int | None, bool]
"""``(path, start, end, key_start, is_string)``: a value, its span, where its key starts."""


class _Frame:
    __slots__ = ("index", "kind", "next", "path")

    def __init__(self, path: tuple[str | int, ...], kind: str, index: int) -> None:
        self.path = path
        self.kind = kind
        self.index = index
        self.next = 0


def walk_json(text: str) -> list[Found]:
    """Return every value of the JSON ``text`` (valid JSON) with its path and span, parents first.

    A member's ``key_start`` is where its key's opening quote is; None for
    the document and list items. The walk is iterative: depth costs no stack.
    """
    found: list[list[object]] = []
    stack: list[_Frame] = []
    path: tuple[str | int, ...] = ()
    key_start: int | None = None
    position = _skip(text, 0)
    while True:
        char = text[position]
        if char in "{[":
            found.append([path, position, position, key_start, False])
            frame = _Frame(path, char, len(found) - 1)
            position = _skip(text, position + 1)
            if text[position] in "}]":
                found[-1][2] = position + 1
                position += 1
            else:
                stack.append(frame)
                path, key_start, position = _member(text, position, frame)
                continue
        else:
            end = _scalar_end(text, position)
            found.append([path, position, end, key_start, char == '"'])
            position = end
        # After a value: close the containers it ends, or go on to the next member.
        while True:
            position = _skip(text, position)
            if not stack:
                return [tuple(entry) for entry in found]  # type: ignore[misc]
            frame = stack[-1]
            if text[position] == ",":
                frame.next += 1
                path, key_start, position = _member(text, _skip(text, position + 1), frame)
                break
            found[frame.index][2] = position + 1
            position += 1
            stack.pop()


def _member(
    text: str, position: int, frame: _Frame
) -> tuple[tuple[str | int, ...], int | None, int]:
    """Return the path, key offset and value offset of the member starting at ``position``."""
    if frame.kind == "[":
        return (*frame.path, frame.next), None, position
    end = _string_end(text, position)
    key: str = json.loads(text[position:end])
    colon = _skip(text, end)
    return (*frame.path, key), position, _skip(text, colon + 1)


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _scalar_end(text: str, position: int) -> int:
    if text[position] == '"':
        return _string_end(text, position)
    end = position
    while end < len(text) and text[end] not in ",]}" + _WHITESPACE:
        end += 1
    return end


def _string_end(text: str, position: int) -> int:
    """Return the offset just past the string opening at ``position``."""
    i = position + 1
    while True:
        char = text[i]
        if char == "\\":
            i += 2
        elif char == '"':
            return i + 1
        else:
            i += 1


def string_offsets(text: str, start: int, end: int) -> list[int]:
    """Return the offset of each character of the string ``text[start:end]``, and its end."""
    offsets: list[int] = []
    i = start + 1
    stop = end - 1
    while i < stop:
        if text[i] != "\\":
            offsets.append(i)
            i += 1
            continue
        if text[i + 1] in _SIMPLE_ESCAPES:
            offsets.append(i)
            i += 2
            continue
        unit = int(text[i + 2 : i + 6], 16)
        offsets.append(i)
        if 0xD800 <= unit < 0xDC00 and text.startswith("\\u", i + 6):
            low = int(text[i + 8 : i + 12], 16)
            if 0xDC00 <= low < 0xE000:
                i += 12  # a surrogate pair: one character
                continue
        i += 6
    offsets.append(stop)
    return offsets
