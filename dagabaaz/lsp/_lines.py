"""Offsets of a text and LSP positions (line, character in the client's units), both ways."""

from __future__ import annotations

import bisect

__all__ = ["LineIndex"]


class LineIndex:
    """Where each line of a text starts, for converting offsets and positions.

    ``encoding`` is the position encoding the client and server agreed on:
    ``"utf-16"`` (the protocol's default), ``"utf-8"`` or ``"utf-32"``
    (code points).
    """

    __slots__ = ("_encoding", "_starts", "text")

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self._encoding = encoding
        starts = [0]
        position = text.find("\n")
        while position >= 0:
            starts.append(position + 1)
            position = text.find("\n", position + 1)
        self._starts = starts

    def _units(self, chunk: str) -> int:
        if self._encoding == "utf-32" or chunk.isascii():
            return len(chunk)
        if self._encoding == "utf-8":
            return len(chunk.encode("utf-8", "surrogatepass"))
        return len(chunk) + sum(1 for char in chunk if char >= "\U00010000")

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 0-based ``(line, character)`` of code-point ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        return line, self._units(self.text[start:offset])

    def offset(self, line: int, character: int) -> int:
        """Return the code-point offset of a client position (clamped to its line)."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[line]
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self.text)
        text = self.text[start:end]
        if self._encoding == "utf-32" or text.isascii():
            return start + min(character, len(text))
        units = 0
        for index, char in enumerate(text):
            if units >= character:
                return start + index
            units += self._units(char)
        return end
