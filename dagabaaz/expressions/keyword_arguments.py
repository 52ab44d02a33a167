"""Arguments written as ``name=value``: text that looks like a keyword argument.

Arguments are positional: ``default(fallback=x)`` passes the text
``"fallback=x"``. When ``name`` is a parameter of the pipe that is almost
always a mistake, so the checker reports it, with the call written
positionally as the fix (``default(x)``). Only bare arguments are read this
way: a quoted ``"fallback=x"`` says the text is meant.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from dagabaaz.expressions.ast import PipeCall
from dagabaaz.expressions.escapes import encode_argument
from dagabaaz.pipes.regex import Regex
from dagabaaz.pipes.signature import Signature

__all__ = ["KeywordArgument", "keyword_arguments", "positional_call"]

_NAME_EQUALS = re.compile(r"(\w+)\s*=\s*(.*)", re.DOTALL)


class KeywordArgument(NamedTuple):
    """The argument at ``position``, written ``name=value`` with ``name`` a parameter."""

    position: int
    name: str
    value: str


def keyword_arguments(node: PipeCall, signature: Signature) -> dict[int, KeywordArgument]:
    """Return the bare arguments of ``node`` that name one of its pipe's parameters."""
    if not node.args:
        return {}
    names = {param.name for param in signature.params}
    if signature.variadic is not None:
        names.add(signature.variadic.name)
    found = {}
    for index, argument in enumerate(node.args):
        if argument.quote:
            continue
        match = _NAME_EQUALS.fullmatch(argument.value)
        if match is not None and match.group(1) in names:
            found[index] = KeywordArgument(index, match.group(1), match.group(2))
    return found


def positional_call(
    node: PipeCall, signature: Signature, keywords: dict[int, KeywordArgument]
) -> str | None:
    """Return the call written positionally (``replace(a, b)``), or None if it has no such form.

    Positional arguments keep their places and each keyword argument goes to
    its parameter's; a gap before the last one given is filled with that
    parameter's default. None when two arguments claim one place or a
    required parameter is left out.
    """
    params = signature.params
    index_of = {param.name: position for position, param in enumerate(params)}
    placed: dict[int, str] = {}
    extra: list[str] = []
    for index, argument in enumerate(node.args):
        keyword = keywords.get(index)
        if keyword is None:
            text, slot = encode_argument(argument.value, argument.quote), index
        else:
            text, slot = encode_argument(keyword.value), index_of.get(keyword.name, len(params))
        if slot >= len(params):
            extra.append(text)  # the variadic parameter's
        elif slot in placed:
            return None
        else:
            placed[slot] = text
    filled = len(params) if extra else max(placed, default=-1) + 1
    values = []
    for slot in range(filled):
        if slot in placed:
            values.append(placed[slot])
        elif params[slot].required:
            return None
        else:
            values.append(encode_argument(_as_text(params[slot].default)))
    values += extra
    return f"{node.name}({', '.join(values)})" if values else node.name


def _as_text(default: Any) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, Regex):
        return default.pattern
    return str(default)
