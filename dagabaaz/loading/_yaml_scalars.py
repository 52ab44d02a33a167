"""Where each character of a YAML string value is in the file, quoting and folding undone.

PyYAML tells where a scalar starts and ends in the file, not where each of
its characters came from. :func:`scalar_offsets` reads the scalar's source
again, the way YAML reads it (plain, single- or double-quoted, literal ``|``
or folded ``>``; escapes, ``''``, line folding, block indentation and
chomping), and records for every character of the value the file offset it
came from. The result is checked against the value PyYAML built: where the
two differ, there is no map (callers then point at the scalar as a whole),
never a wrong one.
"""

from __future__ import annotations

import re

__all__ = ["scalar_offsets"]

_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}
_BLOCK_HEADER = re.compile(r"([|>])([+-]?)([1-9]?)([+-]?)[ \t]*(?:#.*)?$")


def scalar_offsets(
    text: str, start: int, end: int, style: str | None, value: str
) -> list[int] | None:
    """Return the file offset of each character of ``value``, plus one for its end.

    Args:
        text: The whole file.
        start: Where the scalar starts (its first quote or indicator included).
        end: Where it ends.
        style: PyYAML's style: None (plain), ``'``, ``"``, ``|`` or ``>``.
        value: The value PyYAML read.

    Returns:
        ``len(value) + 1`` offsets, or None when the scalar cannot be read
        back to ``value`` (the caller then has no character positions).
    """
    try:
        if style in ("|", ">"):
            found = _block(text, start, end, style)
        elif style in ("'", '"'):
            found = _flow(text, start + 1, end - 1, style)
        else:
            found = _flow(text, start, end, None)
    except (IndexError, ValueError):
        return None
    if found is None:
        return None
    chars, offsets = found
    if "".join(chars) != value:
        return None
    return [*offsets, end if style is None or style in "|>" else end - 1]


def _flow(text: str, start: int, end: int, quote: str | None) -> tuple[list[str], list[int]] | None:
    """Read a plain or quoted scalar: escapes, ``''`` and line folding."""
    chars: list[str] = []
    offsets: list[int] = []
    kept = 0  # characters that trailing-space trimming must not remove (escapes)
    i = start
    while i < end:
        char = text[i]
        if char in "\r\n":
            _trim_spaces(chars, offsets, kept)
            i = _fold(text, i, end, chars, offsets)
            kept = len(chars)
            continue
        if quote == "'" and char == "'" and i + 1 < end and text[i + 1] == "'":
            chars.append("'")
            offsets.append(i)
            i += 2
            kept = len(chars)
            continue
        if quote == '"' and char == "\\":
            i = _escape(text, i, end, chars, offsets)
            kept = len(chars)
            continue
        chars.append(char)
        offsets.append(i)
        i += 1
    return chars, offsets


def _trim_spaces(chars: list[str], offsets: list[int], kept: int) -> None:
    while len(chars) > kept and chars[-1] in " \t":
        chars.pop()
        offsets.pop()


def _line_break(text: str, i: int) -> int:
    return i + 2 if text.startswith("\r\n", i) else i + 1


def _fold(text: str, i: int, end: int, chars: list[str], offsets: list[int]) -> int:
    """Fold the line break at ``i``: a space, or one newline per empty line after it."""
    breaks: list[int] = []
    position = i
    i = _line_break(text, i)
    while True:
        j = i
        while j < end and text[j] in " \t":
            j += 1
        if j < end and text[j] in "\r\n":
            breaks.append(j)
            i = _line_break(text, j)
            continue
        i = j
        break
    if breaks:
        chars.extend("\n" * len(breaks))
        offsets.extend(breaks)
    else:
        chars.append(" ")
        offsets.append(position)
    return i


def _escape(text: str, i: int, end: int, chars: list[str], offsets: list[int]) -> int:
    code = text[i + 1]
    if code in "\r\n":
        # An escaped line break: joined without a space, the next line's indentation dropped.
        i = _line_break(text, i + 1)
        while i < end and text[i] in " \t":
            i += 1
        return i
    length = _HEX_LENGTHS.get(code)
    if length is not None:
        chars.append(chr(int(text[i + 2 : i + 2 + length], 16)))
        offsets.append(i)
        return i + 2 + length
    chars.append(_ESCAPES[code])
    offsets.append(i)
    return i + 2


def _block(text: str, start: int, end: int, style: str) -> tuple[list[str], list[int]] | None:
    """Read a literal or folded block scalar: indentation, chomping, folding."""
    header_end = text.find("\n", start, end)
    if header_end < 0:
        return [], []
    header = _BLOCK_HEADER.match(text, start, header_end)
    if header is None:
        return None
    chomp = header.group(2) or header.group(4)
    lines = _block_lines(text, header_end + 1, end)
    explicit = header.group(3)
    indent = _indentation(text, lines, int(explicit) if explicit else None, start)
    if indent is None:
        return [], []
    chars: list[str] = []
    offsets: list[int] = []
    previous_normal = False
    pending_breaks: list[int] = []
    for line_start, line_end in lines:
        content = line_start + indent
        blank = content >= line_end or not text[content:line_end].strip(" ")
        if blank and line_end - line_start <= indent:
            pending_breaks.append(line_end)
            continue
        more_indented = text[content : content + 1] in (" ", "\t")
        if chars or pending_breaks:
            _join(style, chars, offsets, pending_breaks, previous_normal and not more_indented)
        pending_breaks = []
        for position in range(content, line_end):
            chars.append(text[position])
            offsets.append(position)
        pending_breaks.append(line_end)
        previous_normal = not more_indented
    _chomp(chomp, chars, offsets, pending_breaks)
    return chars, offsets


def _join(style: str, chars: list[str], offsets: list[int], breaks: list[int], fold: bool) -> None:
    """Write the line breaks between two content lines (folded ones may become a space)."""
    if not chars:  # empty lines before the first content line
        chars.extend("\n" * len(breaks))
        offsets.extend(breaks)
        return
    if style == ">" and fold:
        if len(breaks) == 1:
            chars.append(" ")
            offsets.append(breaks[0])
        else:
            chars.extend("\n" * (len(breaks) - 1))
            offsets.extend(breaks[1:])
        return
    chars.extend("\n" * len(breaks))
    offsets.extend(breaks)


def _chomp(chomp: str, chars: list[str], offsets: list[int], breaks: list[int]) -> None:
    if not chars or chomp == "-":
        return
    if chomp == "+":
        chars.extend("\n" * len(breaks))
        offsets.extend(breaks)
    elif breaks:
        chars.append("\n")
        offsets.append(breaks[0])


def _block_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    lines = []
    position = start
    while position < end:
        stop = text.find("\n", position, end)
        if stop < 0:
            stop = end
        lines.append((position, stop))
        position = stop + 1
    return lines


def _indentation(
    text: str, lines: list[tuple[int, int]], explicit: int | None, header: int
) -> int | None:
    if explicit is not None:
        line_start = text.rfind("\n", 0, header) + 1
        parent = len(text[line_start:header]) - len(text[line_start:header].lstrip(" "))
        return parent + explicit
    for line_start, line_end in lines:
        line = text[line_start:line_end]
        if line.strip(" "):
            return len(line) - len(line.lstrip(" "))
    return None
