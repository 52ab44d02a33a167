"""What every harness shares: the errors allowed to escape, a byte reader, the atheris entry.

A harness is a module with ``TestOneInput(data: bytes) -> None`` that raises
nothing but :data:`ALLOWED` (the library's documented errors); anything else
escaping is a crash. This module imports without atheris, so the test suite
can drive every harness directly (see ``smoke.py``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from dagabaaz.errors import ExpressionError, PipelineValidationError
from dagabaaz.loading import PipelineFileError

ALLOWED: tuple[type[BaseException], ...] = (
    ExpressionError,
    ValidationError,
    PipelineValidationError,
    PipelineFileError,
)
"""The only exceptions a harness lets escape: the documented errors of what it calls."""

FUZZ_DIR = Path(__file__).resolve().parent
REPO_DIR = FUZZ_DIR.parent

T = TypeVar("T")

_WORDS = (
    "source",
    "input",
    "config",
    "a",
    "b",
    "title",
    "file_path",
    "x.y",
    "",
    " ",
    "{",
    "}",
    "|",
    "(",
    ")",
    ",",
    '"',
    "'",
    "\\",
    "\x00",
    "\ud800",
    "é",
    "\u202e",
    "true",
    "1e309",
    "-0",
    "NaN",
)


class ByteReader:
    """Turns fuzz bytes into choices; once the bytes run out every choice is the first.

    The same bytes always give the same values, so a crash replays exactly.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def exhausted(self) -> bool:
        """Whether every byte has been read."""
        return self._pos >= len(self._data)

    def byte(self) -> int:
        """Return the next byte (0 once exhausted)."""
        if self._pos >= len(self._data):
            return 0
        value = self._data[self._pos]
        self._pos += 1
        return value

    def integer(self, low: int, high: int) -> int:
        """Return an integer in ``[low, high]``."""
        span = high - low + 1
        value = 0
        for _ in range(max(1, (span.bit_length() + 7) // 8)):
            value = (value << 8) | self.byte()
        return low + value % span

    def flag(self) -> bool:
        """Return a boolean."""
        return self.byte() & 1 == 1

    def rarely(self, one_in: int) -> bool:
        """Return True about once in ``one_in`` draws; False once the bytes run out."""
        return not self.exhausted and self.integer(1, one_in) == one_in

    def choice(self, options: Sequence[T]) -> T:
        """Return one of ``options``."""
        return options[self.integer(0, len(options) - 1)]

    def text(self, max_length: int = 24) -> str:
        """Return a string: a known tricky word, or raw bytes decoded loosely."""
        if self.flag():
            return self.choice(_WORDS)
        length = self.integer(0, max_length)
        raw = self._data[self._pos : self._pos + length]
        self._pos += len(raw)
        return raw.decode("utf-8", "surrogateescape")

    def number(self) -> int | float:
        """Return an int or float, edge values included."""
        kind = self.integer(0, 5)
        if kind == 0:
            return self.integer(-300, 300)
        if kind == 1:
            edges: list[int | float] = [
                math.inf,
                -math.inf,
                math.nan,
                -0.0,
                1e308,
                5e-324,
                10**5000,
            ]
            return self.choice(edges)
        if kind == 2:
            magnitude: int = 10 ** self.integer(0, 40)
            return magnitude if self.flag() else -magnitude
        if kind == 3:
            return self.integer(0, 2**32) / (self.integer(1, 1000))
        return self.integer(0, 10)

    def value(self, depth: int = 3) -> Any:
        """Return a JSON-like value (with non-JSON floats and lone surrogates)."""
        kind = self.integer(0, 7 if depth > 0 else 4)
        if kind == 0:
            return None
        if kind == 1:
            return self.flag()
        if kind == 2:
            return self.number()
        if kind in (3, 4):
            return self.text()
        if kind == 5:
            return [self.value(depth - 1) for _ in range(self.integer(0, 4))]
        if kind == 6:
            return {self.text(8): self.value(depth - 1) for _ in range(self.integer(0, 4))}
        return [self.text(4)] * self.integer(0, 50)


def split_text(data: bytes) -> tuple[str, bytes]:
    """Split ``data`` at its first newline: the text before it, the bytes after."""
    head, _, rest = data.partition(b"\n")
    return head.decode("utf-8", "surrogateescape"), rest


def load_json(data: bytes) -> tuple[bool, Any]:
    """Return ``(True, value)`` when ``data`` is JSON text, else ``(False, None)``."""
    try:
        return True, json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False, None


def fuzz_main(test_one_input: Callable[[bytes], None]) -> None:
    """Run ``test_one_input`` under atheris with the command-line arguments (libFuzzer flags)."""
    import atheris  # only the atheris entry point needs it

    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
