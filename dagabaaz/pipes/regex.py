"""Regular expressions, always run by google-re2 (linear time, no backtracking).

The standard ``re`` module never runs a pattern written in an expression.

re2's Python module wraps its compiled pattern in Python code that builds a
generator, offset tables and a match object on every search, which costs
several times the search itself. :meth:`Regex.search` calls the compiled
pattern's ``Match`` directly when the module has it (and re2's own
``search`` when it has not): the same engine, the same UTF-8 text, the same
first match. re2 is imported with the first pattern compiled, not with this
module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from dagabaaz._runtime.limits import Budget
from dagabaaz._runtime.values import lone_surrogate
from dagabaaz.errors import ArgumentError

__all__ = ["Regex", "match"]


class _Engine:
    """re2, its options and its anchor constant, loaded on first use."""

    module: Any = None
    options: Any = None
    unanchored: Any = None

    @classmethod
    def load(cls) -> Any:
        if cls.module is None:
            import re2

            options = re2.Options()
            options.log_errors = False  # errors are reported as diagnostics, not on stderr
            cls.options = options
            cls.unanchored = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
            cls.module = re2
        return cls.module


class Regex:
    """A compiled regular expression: the type of a regex pipe parameter.

    A parameter annotated ``Regex`` receives the pattern compiled once, at
    compile time; a pattern re2 rejects is a save-time ``invalid-regex``.
    """

    __slots__ = ("_compiled", "_find", "pattern")

    def __init__(self, pattern: str) -> None:
        re2 = _Engine.load()
        try:
            self._compiled: Any = re2.compile(pattern, _Engine.options)
        except re2.error as error:
            reason = error.args[0] if error.args else error
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise ArgumentError(
                f"invalid regular expression {pattern!r}: {reason}", code="invalid-regex"
            ) from None
        except UnicodeEncodeError:  # re2 reads UTF-8, which cannot carry a lone surrogate
            raise ArgumentError(
                f"invalid regular expression {pattern!r}: it contains a lone surrogate",
                code="invalid-regex",
            ) from None
        self.pattern = pattern
        engine = getattr(getattr(self._compiled, "_regexp", None), "Match", None)
        if engine is not None and _Engine.unanchored is not None:
            self._find: Callable[[str], str | None] = _direct_search(engine, _Engine.unanchored)
        else:
            self._find = functools.partial(_module_search, self._compiled)

    def search(self, text: str) -> str | None:
        """Return the first match in ``text``, or None.

        Raises:
            UnrenderableValue: ``text`` holds a lone surrogate (re2 reads UTF-8).
        """
        return self._find(text)

    def _search_through_module(self, text: str) -> str | None:
        return _module_search(self._compiled, text)

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


def _direct_search(engine: Any, unanchored: Any) -> Callable[[str], str | None]:
    """Return a search calling the compiled pattern's ``Match`` itself."""

    def search(text: str) -> str | None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise lone_surrogate(error) from None
        start, end = engine(unanchored, data, 0, len(data))[0]
        if start == -1:
            return None
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            return text[start:end]
        return data[start:end].decode("utf-8")  # re2 matches whole UTF-8 characters

    return search


def _module_search(compiled: Any, text: str) -> str | None:
    """Search through re2's own Python API."""
    try:
        found = compiled.search(text)
    except UnicodeEncodeError as error:
        raise lone_surrogate(error) from None
    return None if found is None else str(found.group(0))


def match(text: str, pattern: Regex, *, budget: Budget) -> str:
    """Return the first match of a regular expression (re2 syntax), or "" when none."""
    if len(text) > budget.limits.max_regex_subject_length:
        budget.regex_subject(len(text))
    return pattern._find(text) or ""
