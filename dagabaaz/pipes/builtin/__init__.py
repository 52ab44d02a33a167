"""The built-in pipes: every registration, in one place.

The pipe functions are plain functions grouped by family (:mod:`.text`,
:mod:`.paths`, :mod:`.urls`, :mod:`.lists`, :mod:`.logic`, :mod:`.data`, and
``match`` in :mod:`dagabaaz.pipes.regex`); none of them knows the registry.
:func:`register` installs them all through the public API a custom pipe uses.
"""

from __future__ import annotations

from dagabaaz.pipes.builtin import data, lists, logic, paths, text, urls
from dagabaaz.pipes.regex import match
from dagabaaz.pipes.registry import PipeRegistry

__all__ = ["DEFAULT_PIPES", "builtin_registry", "register"]


def register(registry: PipeRegistry) -> None:
    """Register every built-in pipe on ``registry``."""
    for name, function in (
        # text
        ("upper", text.upper),
        ("lower", text.lower),
        ("title", text.title),
        ("trim", text.trim),
        ("strip", text.strip),
        ("lstrip", text.lstrip),
        ("rstrip", text.rstrip),
        ("replace", text.replace),
        ("truncate", text.truncate),
        ("prepend", text.prepend),
        ("append", text.append),
        ("pad", text.pad),
        # paths
        ("basename", paths.basename),
        ("dirname", paths.dirname),
        ("stem", paths.stem),
        ("ext", paths.ext),
        # urls
        ("urlencode", urls.urlencode),
        ("urldecode", urls.urldecode),
        # lists
        ("first", lists.first),
        ("last", lists.last),
        ("nth", lists.nth),
        ("join", lists.join),
        ("flatten", lists.flatten),
        ("compact", lists.compact),
        # logic
        ("default", logic.default),
        ("required", logic.required),
        ("not", logic.not_),
        ("all", logic.all_),
        ("any", logic.any_),
        ("eq", logic.eq),
        ("neq", logic.neq),
        ("gt", logic.gt),
        ("lt", logic.lt),
        ("in", logic.in_),
        # data
        ("json_get", data.json_get),
        ("json", data.json_),
        ("int", data.int_),
        ("string", data.string),
        # regular expressions
        ("match", match),
    ):
        registry.register(
            name, function, strict=_STRICT.get(name), takes_missing=name in _TAKE_MISSING
        )


_STRICT = {"int": data.strict_int}
"""Pipes with a stricter version for strict evaluation."""

_TAKE_MISSING = frozenset({"default", "required"})
"""Pipes there to handle a missing value: strict evaluation lets one reach them."""


def builtin_registry() -> PipeRegistry:
    """Return a new writable registry holding every built-in pipe."""
    registry = PipeRegistry()
    register(registry)
    return registry


DEFAULT_PIPES: PipeRegistry = builtin_registry().freeze()
"""The read-only registry of built-in pipes; ``DEFAULT_PIPES.copy()`` to extend it."""
