"""Text pipes: case, trimming, replacing, cutting, adding and padding."""

from __future__ import annotations

import re
from typing import Annotated

from dagabaaz.expressions.limits import Budget
from dagabaaz.expressions.values import as_number, to_text
from dagabaaz.pipes.registry import PipeRegistry
from dagabaaz.pipes.signature import Range

__all__ = ["register"]

_WORD = re.compile(r"\S+")


def upper(value: object, *, budget: Budget) -> str:
    """Upper-case the text."""
    return to_text(value, budget).upper()


def lower(value: object, *, budget: Budget) -> str:
    """Lower-case the text."""
    return to_text(value, budget).lower()


def title(value: object, *, budget: Budget) -> str:
    """Capitalize each word: its first letter upper-cased, the rest lower-cased.

    Words are separated by whitespace, so "it's" becomes "It's".
    """
    return _WORD.sub(_capitalize, to_text(value, budget))


def trim(value: object, *, budget: Budget) -> str:
    """Remove whitespace from both ends."""
    return to_text(value, budget).strip()


def strip(value: object, chars: str = "", *, budget: Budget) -> str:
    """Remove the given characters (whitespace by default) from both ends."""
    return to_text(value, budget).strip(chars or None)


def lstrip(value: object, chars: str = "", *, budget: Budget) -> str:
    """Remove the given characters (whitespace by default) from the start."""
    return to_text(value, budget).lstrip(chars or None)


def rstrip(value: object, chars: str = "", *, budget: Budget) -> str:
    """Remove the given characters (whitespace by default) from the end."""
    return to_text(value, budget).rstrip(chars or None)


def replace(
    value: object, old: Annotated[str, Range(1, None)], new: str = "", *, budget: Budget
) -> str:
    """Replace every occurrence of ``old`` with ``new`` (by default, delete it)."""
    text = to_text(value, budget)
    count = text.count(old)
    budget.text(len(text) + count * (len(new) - len(old)), "the result of replace")
    return text.replace(old, new)


def truncate(value: object, length: Annotated[int, Range(0, None)] = 100, *, budget: Budget) -> str:
    """Keep the first ``length`` characters; no ellipsis is added."""
    return to_text(value, budget)[:length]


def prepend(value: object, prefix: str, *, budget: Budget) -> str:
    """Put ``prefix`` before the text."""
    text = to_text(value, budget)
    budget.text(len(prefix) + len(text), "the result of prepend")
    return prefix + text


def append(value: object, suffix: str, *, budget: Budget) -> str:
    """Put ``suffix`` after the text."""
    text = to_text(value, budget)
    budget.text(len(text) + len(suffix), "the result of append")
    return text + suffix


def pad(value: object, width: Annotated[int, Range(0, None)] = 2, *, budget: Budget) -> str:
    """Zero-pad a number to ``width`` characters ("7" becomes "07").

    A value that is not a number is returned as text, unchanged.
    """
    text = to_text(value, budget)
    if as_number(value) is None:
        return text
    budget.text(width, "the result of pad")
    return text.strip().zfill(width)


def register(registry: PipeRegistry) -> None:
    """Register the text pipes."""
    for name, function in (
        ("upper", upper),
        ("lower", lower),
        ("title", title),
        ("trim", trim),
        ("strip", strip),
        ("lstrip", lstrip),
        ("rstrip", rstrip),
        ("replace", replace),
        ("truncate", truncate),
        ("prepend", prepend),
        ("append", append),
        ("pad", pad),
    ):
        registry.register(name, function)


def _capitalize(word: re.Match[str]) -> str:
    text = word.group()
    return text[:1].upper() + text[1:].lower()
